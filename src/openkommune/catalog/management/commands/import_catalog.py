import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from openkommune.catalog.services import catalog_import
from openkommune.core.errors import OfficialFileError
from openkommune.core.imports import add_release_arguments, release_refusals

CATALOG_FOLDER = "ozg-leika-katalog"


class Command(BaseCommand):
    help = (
        "Importiert den OZG-Umsetzungskatalog mit den LeiKa-Zuordnungen (vier CSV-Dateien) "
        f"aus OPENKOMMUNE_DATA_DIR/{CATALOG_FOLDER}. Wiederholbar: aktualisiert vorhandene "
        "Einträge und markiert fehlende als nicht mehr aktuell, ohne zu löschen."
    )

    def add_arguments(self, parser):
        folders = parser.add_mutually_exclusive_group()
        folders.add_argument(
            "--data-dir",
            type=Path,
            default=None,
            help=(
                f"Basisordner der amtlichen Daten mit dem Unterordner {CATALOG_FOLDER}/ "
                "(Standard: OPENKOMMUNE_DATA_DIR)."
            ),
        )
        folders.add_argument(
            "--source-dir",
            type=Path,
            default=None,
            help=(
                "Ordner, der die vier CSV-Dateien direkt enthält "
                f"(Standard: <--data-dir>/{CATALOG_FOLDER})."
            ),
        )
        add_release_arguments(
            parser, shrinking="der aktuellen OZG-Leistungen als nicht mehr aktuell markiert"
        )

    def handle(
        self,
        *args,
        data_dir: Path | None,
        source_dir: Path | None,
        dry_run: bool,
        allow_shrink: bool,
        verbosity: int,
        **options,
    ):
        if source_dir is None:
            source_dir = (data_dir or Path(settings.DATA_DIR)) / CATALOG_FOLDER
        if not source_dir.is_dir():
            raise CommandError(f"Ordner nicht gefunden: {source_dir}")
        try:
            with release_refusals(release="Fassung"):
                summary = catalog_import(
                    source_dir=source_dir,
                    # Progress goes to stderr, apart from the summary. The plain stream, not
                    # self.stderr: that one colours everything as an error.
                    stream=options.get("stderr") or sys.stderr,
                    show_progress=verbosity >= 1,
                    dry_run=dry_run,
                    allow_shrink=allow_shrink,
                )
        except OfficialFileError as exc:
            raise CommandError(str(exc)) from exc
        if verbosity >= 1:
            for line in summary.lines():
                self.stdout.write(line)
            for warning in summary.shrink_warnings:
                self.stdout.write(f"Achtung: {warning}; ein echter Import bräuchte --allow-shrink.")
            if not dry_run:
                self.stdout.write(self.style.SUCCESS("OZG-/LeiKa-Katalog importiert."))
