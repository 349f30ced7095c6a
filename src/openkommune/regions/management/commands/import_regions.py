import re
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from openkommune.core.errors import OfficialFileError
from openkommune.core.imports import add_release_arguments, release_refusals
from openkommune.regions.services import regions_import

GV100AD_FOLDER = "gv100ad-gemeindeverzeichnis"
POSTCODES_FOLDER = "plz-gemeinde-zuordnung"
POSTCODES_PATTERN = "zuordnung_plz_ort*.csv"
# Destatis names the quarterly files GV100AD_DDMMYYYY.txt, so the name does not sort by date.
_GV100AD_NAME = re.compile(r"GV100AD_(\d{2})(\d{2})(\d{4})\.txt$", re.IGNORECASE)


def _gv100ad_date_key(path: Path) -> tuple[str, str]:
    match = _GV100AD_NAME.search(path.name)
    if match is None:
        return ("", path.name)
    day, month, year = match.groups()
    return (f"{year}{month}{day}", path.name)


def newest_gv100ad(data_dir: Path) -> Path:
    candidates = sorted((data_dir / GV100AD_FOLDER).glob("GV100AD_*.txt"), key=_gv100ad_date_key)
    if not candidates:
        raise CommandError(
            f"Keine Datei GV100AD_*.txt in {data_dir / GV100AD_FOLDER} gefunden "
            "(Pfad mit --gv100ad oder --data-dir angeben)."
        )
    return candidates[-1]


def newest_postcodes(data_dir: Path) -> Path:
    candidates = sorted((data_dir / POSTCODES_FOLDER).glob(POSTCODES_PATTERN))
    if not candidates:
        raise CommandError(
            f"Keine Datei {POSTCODES_PATTERN} in {data_dir / POSTCODES_FOLDER} gefunden "
            "(Pfad mit --postcodes oder --data-dir angeben)."
        )
    return candidates[-1]


class Command(BaseCommand):
    help = (
        "Importiert das amtliche Gemeindeverzeichnis (Destatis GV100AD) und die Zuordnung "
        "Postleitzahl-Gemeinde. Wiederholbar: vorhandene Einträge werden aktualisiert; "
        "bei einem Fehler in einer Datei bleibt die Datenbank unverändert."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--data-dir",
            type=Path,
            help=(
                "Basisordner der amtlichen Daten mit den Unterordnern "
                f"{GV100AD_FOLDER}/ und {POSTCODES_FOLDER}/ "
                "(Standard: OPENKOMMUNE_DATA_DIR)."
            ),
        )
        parser.add_argument(
            "--gv100ad", type=Path, help="GV100AD-Datei (Standard: die neueste im Datenordner)."
        )
        parser.add_argument(
            "--postcodes", type=Path, help="CSV-Datei der Zuordnung PLZ-Gemeinde (ags, ort, plz)."
        )
        add_release_arguments(
            parser,
            shrinking="der aktuellen Gemeinden als nicht mehr aktuell markiert oder der "
            "PLZ-Zuordnungen löscht",
        )

    def handle(self, *args, **options):
        data_dir = options["data_dir"] or Path(settings.DATA_DIR)
        gv100ad_path = options["gv100ad"] or newest_gv100ad(data_dir)
        postcodes_path = options["postcodes"] or newest_postcodes(data_dir)
        for path in (gv100ad_path, postcodes_path):
            if not path.is_file():
                raise CommandError(f"Datei nicht gefunden: {path}")
        verbosity = options["verbosity"]
        try:
            with release_refusals(release="Datei"):
                result = regions_import(
                    gv100ad_path=gv100ad_path,
                    postcodes_path=postcodes_path,
                    # Plain stream, not self.stderr: that one colours everything as an error.
                    progress_stream=options.get("stderr"),
                    show_progress=verbosity >= 1,
                    dry_run=options["dry_run"],
                    allow_shrink=options["allow_shrink"],
                )
        except OfficialFileError as exc:
            raise CommandError(f"Import abgebrochen, nichts wurde gespeichert. {exc}") from exc
        if verbosity >= 1:
            for line in result.summary_lines():
                self.stdout.write(line)
