"""`manage.py export_members FILE.csv|FILE.xlsx`: the register in import format."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from openkommune.members.io import export_members


class Command(BaseCommand):
    help = "Exportiert das Mitgliederregister als CSV oder XLSX (Format nach der Dateiendung)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        fmt = file.suffix.lower().lstrip(".")
        if fmt not in ("csv", "xlsx"):
            raise CommandError("Die Datei muss auf .csv oder .xlsx enden.")
        file.write_bytes(export_members(fmt))
        self.stdout.write(f"Register exportiert nach {file}.")
