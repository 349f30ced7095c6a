import json
import os
import re
import tempfile
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction

from openkommune.catalog.models import LeikaService
from openkommune.catalog.selectors import leika_service_get
from openkommune.core.imports import CONCURRENT_IMPORT_MESSAGE
from openkommune.forms.constants import FormVersionStatus
from openkommune.forms.engine import DefinitionError, parse_definition
from openkommune.forms.fim.codelists import CodeListIndex
from openkommune.forms.fim.importer import (
    FimFileError,
    FimImportError,
    FimImportResult,
    import_schema,
    load_code_lists,
    rules_summary,
)
from openkommune.forms.fim.reader import MAX_FILE_BYTES, read_schema
from openkommune.forms.models import FORM_KEY_REGEX
from openkommune.forms.selectors import form_version_newest
from openkommune.forms.services import (
    code_list_library_index,
    form_version_create,
    form_version_publish,
)

LEIKA_REGEX = re.compile(r"99[0-9]{12}")
KIND_LABELS = {
    "approximation": "Annäherung",
    "dropped": "Ausgelassen",
    "rule": "Regel nicht übernommen",
    "rule_applied": "Regel übernommen",
    "reference": "Bezug",
    "applicant": "Antragsteller",
    "code_list": "Codeliste fehlt",
}


class Command(BaseCommand):
    help = (
        "Importiert ein FIM-Stammdatenschema (XDatenfelder 1.0, 2.0 oder 3.0, XML) als "
        "Entwurf einer Formularversion und zeigt den Importbericht: was angenähert, "
        "ausgelassen oder nicht ausgeführt (Regeln) wurde. Codelisten kommen aus "
        "genericode-Dateien neben dem Schema, aus --codelists oder aus der "
        "Codelisten-Bibliothek des Formular-Studios."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="Die XML-Datei des Stammdatenschemas.")
        parser.add_argument(
            "--key",
            default=None,
            help="Schlüssel des Formulars (Standard: aus dem Namen des Schemas gebildet).",
        )
        parser.add_argument(
            "--leika",
            action="append",
            default=[],
            metavar="SCHLÜSSEL",
            help=(
                "LeiKa-Schlüssel (14 Ziffern), wiederholbar. Nötig, wenn das Schema keinen "
                "nennt; ersetzt die im Schema genannten."
            ),
        )
        parser.add_argument(
            "--codelists",
            action="append",
            default=[],
            type=Path,
            metavar="PFAD",
            help=(
                "genericode-Codelisten: eine Datei oder ein Ordner, wiederholbar. Der Ordner "
                "des Schemas wird immer durchsucht."
            ),
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Bericht und Übersicht zeigen, aber nichts in der Datenbank speichern.",
        )
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Die neue Version gleich veröffentlichen (sonst bleibt sie ein Entwurf).",
        )
        parser.add_argument(
            "--output",
            type=Path,
            default=None,
            metavar="DATEI.json",
            help="Die erzeugte Definition zusätzlich als JSON-Datei schreiben (auch beim "
            "Probelauf).",
        )

    def handle(
        self,
        *args,
        file: Path,
        key,
        leika,
        codelists,
        dry_run,
        publish,
        output,
        verbosity,
        **options,
    ):
        if dry_run and publish:
            raise _error("--dry-run und --publish schließen sich aus.")
        if key is not None and not re.fullmatch(FORM_KEY_REGEX, key):
            raise _error(
                f"Der Schlüssel „{key}“ ist ungültig: Kleinbuchstaben (ohne Umlaute), Ziffern "
                "und „_“, am Anfang ein Buchstabe, höchstens 63 Zeichen."
            )
        for leika_key in leika:
            if not LEIKA_REGEX.fullmatch(leika_key):
                raise _error(
                    f"„{leika_key}“ ist kein LeiKa-Schlüssel (14 Ziffern, beginnt mit 99)."
                )
        data = self._read(file)
        try:
            read_schema(data, path=file)  # a broken file is named before anything else
            files = load_code_lists([file.parent, *codelists])
            # Files first, then the studio's code list library (docs/fim-import.md).
            library = code_list_library_index()
            index = CodeListIndex([*files.lists, *library.lists], files.problems)
            result = import_schema(data, path=file, key=key, leika_keys=leika, code_lists=index)
        except (FimFileError, FimImportError) as exc:
            raise _error(f"Nichts importiert: {exc}") from exc
        try:
            parse_definition(result.definition)
        except DefinitionError as exc:
            # A bug of the importer, not of the file; still nothing is written.
            raise _error(
                "Nichts importiert: Die erzeugte Definition ist ungültig:\n"
                + "\n".join(exc.messages)
            ) from exc
        if verbosity >= 1:
            self._summary(result)
        if output is not None:
            self._write_json(output, result.definition)
            if verbosity >= 1:
                self.stdout.write(f"Definition geschrieben nach {output}.")
        if dry_run:
            if verbosity >= 1:
                self.stdout.write("Probelauf: nichts in der Datenbank gespeichert.")
            return
        self._save(result, publish=publish, verbosity=verbosity)

    def _read(self, file: Path) -> bytes:
        if not file.is_file():
            raise _error(f"Datei nicht gefunden: {file}")
        if file.stat().st_size > MAX_FILE_BYTES:
            raise _error(
                f"Nichts importiert: {file} ist größer als {MAX_FILE_BYTES // (1024 * 1024)} MB."
            )
        return file.read_bytes()

    def _write_json(self, output: Path, definition: dict):
        text = json.dumps(definition, ensure_ascii=False, indent=2) + "\n"
        folder = output.resolve().parent
        if not folder.is_dir():
            raise _error(f"Ordner für --output nicht gefunden: {folder}")
        # Write next to the target and rename, so a failed write leaves no half file.
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".import_fim-", suffix=".json")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
            os.replace(temporary, output)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def _save(self, result: FimImportResult, *, publish: bool, verbosity: int):
        key = result.definition["key"]
        try:
            with transaction.atomic():
                before = form_version_newest(key=key)
                version = form_version_create(
                    actor=None,
                    definition=result.definition,
                    import_report=result.report_dicts(),
                    fim_import_base=result.definition,
                )
                unchanged = before is not None and before.pk == version.pk
                published_now = publish and version.status == FormVersionStatus.DRAFT
                if published_now:
                    version = form_version_publish(actor=None, version=version)
        except (ValidationError, PermissionDenied) as exc:
            messages = getattr(exc, "messages", [str(exc)])
            raise _error("Nichts importiert: " + " ".join(messages)) from exc
        except DefinitionError as exc:
            raise _error("Nichts importiert:\n" + "\n".join(exc.messages)) from exc
        except IntegrityError as exc:
            raise _error(CONCURRENT_IMPORT_MESSAGE) from exc
        if verbosity < 1:
            return
        status = version.get_status_display()
        if not unchanged:
            text = f"„{key}“ Version {version.number} angelegt ({status})."
        elif published_now:
            text = f"„{key}“ Version {version.number} hatte schon diese Definition; jetzt "
            text += "veröffentlicht."
        else:
            text = f"Unverändert: „{key}“ Version {version.number} ({status}) hat schon genau "
            text += "diese Definition."
        self.stdout.write(self.style.SUCCESS(text))

    def _summary(self, result: FimImportResult):
        schema = result.schema
        definition = result.definition
        counts = result.counts()
        write = self.stdout.write
        write(
            f"FIM-Stammdatenschema {schema.fim_id or '(ohne ID)'} Version "
            f"{schema.version or '?'} (XDatenfelder {schema.xdf_version}): {schema.name}"
        )
        write(f"Formular „{definition['key']}“: {definition['title']}")
        origin = (
            "aus dem Schema"
            if definition["leika_keys"] == result.leika_from_schema
            else ("aus --leika")
        )
        write(f"LeiKa-Schlüssel ({origin}): {', '.join(definition['leika_keys'])}")
        for leika_key in definition["leika_keys"]:
            try:
                service = leika_service_get(key=leika_key)
            except LeikaService.DoesNotExist:
                write(
                    f"  Achtung: {leika_key} steht nicht im OZG-/LeiKa-Katalog (ist er "
                    "importiert?). Der Schlüssel wird trotzdem übernommen."
                )
            else:
                write(f"  {leika_key}: {service.name}")
        write("Schritte:")
        for number, step in enumerate(definition["steps"], start=1):
            fields = _count_fields(step["items"])
            noun = "Feld" if fields == 1 else "Felder"
            write(f"  {number}. {step['title']} ({step['id']}): {fields} {noun}")
        write(
            f"Übernommen: {counts.get('steps', 0)} Schritte, {counts.get('groups', 0)} Gruppen "
            f"(davon {counts.get('repeated_groups', 0)} wiederholbar), "
            f"{counts.get('fields', 0)} Felder (davon {counts.get('info_fields', 0)} "
            f"Hinweistexte), {counts.get('code_lists', 0)} Codelisten."
        )
        write(rules_summary(counts))
        write(
            f"Importbericht: {counts.get('approximation', 0)} Annäherungen, "
            f"{counts.get('dropped', 0)} ausgelassen, "
            f"{counts.get('reference', 0)} Rechtsbezüge im Bericht gespeichert."
        )
        for entry in result.report:
            if entry.kind == "reference":
                continue
            where = entry.path or "Schema"
            if entry.item:
                where += f" ({entry.item})"
            write(f"  [{KIND_LABELS.get(entry.kind, entry.kind)}] {where}: {entry.message}")


def _error(message: str) -> CommandError:
    # Exit code 2: nothing was written (documented in docs/fim-import.md).
    return CommandError(message, returncode=2)


def _count_fields(items) -> int:
    total = 0
    for item in items:
        total += _count_fields(item["items"]) if item["kind"] == "group" else 1
    return total
