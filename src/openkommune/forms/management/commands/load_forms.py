import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError

from openkommune.core.imports import CONCURRENT_IMPORT_MESSAGE
from openkommune.forms.engine import DefinitionError, parse_definition
from openkommune.forms.services import form_definitions_load

DEFINITIONS_DIR = Path(__file__).resolve().parents[2] / "definitions"

OUTCOMES = {
    "created": (
        "Version {number} angelegt und veröffentlicht",
        "Version {number} würde angelegt und veröffentlicht",
    ),
    "published": ("Version {number} veröffentlicht", "Version {number} würde veröffentlicht"),
    "unchanged": ("Version {number} unverändert", "Version {number} unverändert"),
}


def read_definitions(folder: Path) -> tuple[list[dict], list[str]]:
    """Every `*.json` in `folder`, parsed and checked: (definitions, German error lines).
    Nothing is written here, so one broken file stops the whole load."""
    definitions, errors, seen = [], [], {}
    for path in sorted(folder.glob("*.json")):
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            errors.append(f"{path.name}: Die Datei ist nicht in UTF-8 kodiert.")
            continue
        except json.JSONDecodeError as exc:
            errors.append(
                f"{path.name}: kein gültiges JSON (Zeile {exc.lineno}, Spalte {exc.colno}: "
                f"{exc.msg})."
            )
            continue
        try:
            definition = parse_definition(raw)
        except DefinitionError as exc:
            errors.extend(f"{path.name}: {message}" for message in exc.messages)
            continue
        if definition.key in seen:
            errors.append(
                f"{path.name}: Der Schlüssel „{definition.key}“ steht schon in "
                f"{seen[definition.key]}."
            )
            continue
        seen[definition.key] = path.name
        definitions.append(raw)
    return definitions, errors


class Command(BaseCommand):
    help = (
        "Lädt die Formulardefinitionen (forms/definitions/*.json): Eine geänderte Datei wird "
        "als neue Version angelegt und veröffentlicht, eine unveränderte bleibt. Wiederholbar; "
        "ist eine Datei fehlerhaft, wird nichts gespeichert."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir",
            dest="folder",
            type=Path,
            default=DEFINITIONS_DIR,
            help=f"Ordner mit den JSON-Dateien (Standard: {DEFINITIONS_DIR}).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Alles prüfen, aber nichts speichern."
        )

    def handle(self, *args, folder: Path, dry_run: bool, verbosity: int, **options):
        if not folder.is_dir():
            raise CommandError(f"Ordner nicht gefunden: {folder}")
        definitions, errors = read_definitions(folder)
        if errors:
            raise CommandError(
                "Formulare nicht geladen, nichts wurde gespeichert:\n" + "\n".join(errors)
            )
        try:
            results = form_definitions_load(actor=None, definitions=definitions, dry_run=dry_run)
        except IntegrityError as exc:
            raise CommandError(CONCURRENT_IMPORT_MESSAGE) from exc
        if verbosity >= 1:
            for result in results:
                text = OUTCOMES[result.outcome][1 if dry_run else 0]
                self.stdout.write(f"{result.key}: {text.format(number=result.number)}")
            if not results:
                self.stdout.write(f"Keine Formulardefinitionen in {folder}.")
            if dry_run:
                self.stdout.write("Probelauf: nichts wurde gespeichert.")
