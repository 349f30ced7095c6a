from pathlib import Path

from django.core.management.base import BaseCommand

from openkommune.api.openapi import openapi_document


class Command(BaseCommand):
    help = "Schreibt das OpenAPI-Dokument der API v1 (Standard: auf die Standardausgabe)."

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="Zieldatei, z. B. docs/api/openapi.json")

    def handle(self, *args, output: Path | None = None, **options):
        document = openapi_document()
        if output is None:
            self.stdout.write(document, ending="")
            return
        output.write_text(document, encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"OpenAPI-Dokument geschrieben: {output}"))
