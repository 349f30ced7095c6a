from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from openkommune.catalog.services import catalog_import
from openkommune.core.errors import OfficialFileError

CATALOG_FOLDER = "ozg-leika-katalog"


class Command(BaseCommand):
    help = (
        "Importiert den OZG-Umsetzungskatalog mit den LeiKa-Zuordnungen (vier CSV-Dateien) "
        "aus OPENKOMMUNE_DATA_DIR/ozg-leika-katalog. Wiederholbar: aktualisiert vorhandene "
        "Einträge und markiert fehlende als nicht mehr aktuell, ohne zu löschen."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--data-dir",
            "--source-dir",
            dest="data_dir",
            type=Path,
            default=None,
            help=(
                "Ordner mit den vier CSV-Dateien "
                "(Standard: OPENKOMMUNE_DATA_DIR/ozg-leika-katalog)."
            ),
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Alles prüfen und zählen, aber nichts speichern.",
        )

    def handle(self, *args, data_dir: Path | None, dry_run: bool, verbosity: int, **options):
        source_dir = data_dir or Path(settings.DATA_DIR) / CATALOG_FOLDER
        if not source_dir.is_dir():
            raise CommandError(f"Ordner nicht gefunden: {source_dir}")
        try:
            summary = catalog_import(
                source_dir=source_dir,
                stream=self.stdout,
                show_progress=verbosity >= 1,
                dry_run=dry_run,
            )
        except OfficialFileError as exc:
            raise CommandError(str(exc)) from exc
        if verbosity >= 1:
            for line in summary.lines():
                self.stdout.write(line)
            if not dry_run:
                self.stdout.write(self.style.SUCCESS("OZG-/LeiKa-Katalog importiert."))
