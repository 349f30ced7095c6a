"""The exchange file of a form (docs/forms.md "Sharing forms", ADR 0036): one ZIP with a
manifest, every version's definition and the SHA-256 of each file, so another installation
can import the form. Packing and unpacking are pure: no database here; the services in
`studio.services` read and write the forms.

Format 1:

    manifest.json             {"format": "openkommune-form-export", "format_version": 1, …}
    versions/<number>.json    {"definition": {…}, "import_report": […]}
    codelists/<name>          files a code-list exchange registered below adds

Unpacking checks everything before anything is stored: the archive's size and entries, the
manifest's shape, every file's hash, no file that the manifest does not list, and each
definition with the engine (German messages naming the file)."""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from openkommune.forms.engine import DefinitionError, parse_definition

FORMAT = "openkommune-form-export"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MAX_ARCHIVE_BYTES = 10 * 1024 * 1024
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_FILES = 500


class ExchangeError(Exception):
    """The file cannot be imported; `messages` are German."""

    def __init__(self, messages: list[str] | str):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__("\n".join(self.messages))


@dataclass(frozen=True)
class ExportedVersion:
    number: int
    status: str
    definition: dict
    import_report: list = field(default_factory=list)
    published_at: str | None = None


@dataclass(frozen=True)
class FormExchange:
    """What an exchange file holds (after unpacking) or is packed from."""

    key: str
    title: str
    leika_keys: list[str]
    min_trust_level: int
    versions: list[ExportedVersion]
    # (name inside codelists/, bytes) of referenced code lists (see `register_codelist_exchange`)
    codelists: list[tuple[str, bytes]] = field(default_factory=list)
    source: str = ""
    exported_at: str = ""


# --- Extension point: the installation's code-list library ---------------------------------
# Definitions carry their code lists' entries inline (`code_lists`), so an exchange file is
# complete without a library. Where the installation keeps a versioned code-list library
# (genericode, issue 18), it registers here: `export(definitions) -> [(name, bytes)]` adds the
# library's files of the code lists the definitions reference (`code_lists[*].uri/version`),
# and `import_(files, actor)` takes them into the target's library. Without a registration
# the manifest's `codelists` is empty and imported files under codelists/ are reported.

_CODELIST_EXPORT: list[Callable[[list[dict]], list[tuple[str, bytes]]]] = []
_CODELIST_IMPORT: list[Callable[..., object]] = []


def register_codelist_exchange(
    export: Callable[[list[dict]], list[tuple[str, bytes]]], import_: Callable[..., object]
) -> None:
    _CODELIST_EXPORT.append(export)
    _CODELIST_IMPORT.append(import_)


def referenced_codelists(definitions: list[dict]) -> list[tuple[str, bytes]]:
    files: list[tuple[str, bytes]] = []
    for export in _CODELIST_EXPORT:
        files.extend(export(definitions))
    return files


def import_codelists(files: list[tuple[str, bytes]], *, actor) -> bool:
    """Hand the code-list files to the registered library; False when none is registered."""
    if not _CODELIST_IMPORT:
        return False
    for import_ in _CODELIST_IMPORT:
        import_(files, actor=actor)
    return True


# --- packing -------------------------------------------------------------------------------


def _json_bytes(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pack(exchange: FormExchange) -> bytes:
    """The ZIP of a form: manifest, versions, code lists; deterministic except for the
    export time it records."""
    files: dict[str, bytes] = {}
    versions = []
    for version in sorted(exchange.versions, key=lambda v: v.number):
        name = f"versions/{version.number}.json"
        files[name] = _json_bytes(
            {"definition": version.definition, "import_report": version.import_report}
        )
        versions.append(
            {
                "number": version.number,
                "status": version.status,
                "published_at": version.published_at,
                "file": name,
            }
        )
    codelists = []
    for name, data in exchange.codelists:
        path = f"codelists/{name}"
        files[path] = data
        codelists.append({"file": path})
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": exchange.exported_at
        or datetime.datetime.now(tz=datetime.UTC).isoformat(timespec="seconds"),
        "source": exchange.source,
        "form": {
            "key": exchange.key,
            "title": exchange.title,
            "leika_keys": exchange.leika_keys,
            "min_trust_level": exchange.min_trust_level,
        },
        "versions": versions,
        "codelists": codelists,
        "files": {name: sha256(data) for name, data in sorted(files.items())},
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, _json_bytes(manifest))
        for name, data in sorted(files.items()):
            archive.writestr(name, data)
    return buffer.getvalue()


# --- unpacking -----------------------------------------------------------------------------


def _read_archive(data: bytes) -> dict[str, bytes]:
    if len(data) > MAX_ARCHIVE_BYTES:
        raise ExchangeError(_("Die Datei ist größer als 10 MB."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise ExchangeError(
            _("Die Datei ist keine ZIP-Datei eines exportierten Formulars.")
        ) from error
    infos = archive.infolist()
    if len(infos) > MAX_FILES:
        raise ExchangeError(_("Die Datei enthält zu viele Einträge."))
    if sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
        raise ExchangeError(_("Die Datei wird entpackt größer als 50 MB."))
    files = {}
    for info in infos:
        if info.is_dir():
            continue
        name = info.filename
        if name.startswith("/") or ".." in name.split("/") or "\\" in name:
            raise ExchangeError(
                _("Die Datei enthält einen unzulässigen Pfad: %(name)s") % {"name": name}
            )
        try:
            files[name] = archive.read(info)
        except (zipfile.BadZipFile, OSError, RuntimeError) as error:
            raise ExchangeError(
                _("Der Eintrag %(name)s lässt sich nicht entpacken.") % {"name": name}
            ) from error
    return files


def _load_json(files: dict[str, bytes], name: str):
    try:
        return json.loads(files[name].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ExchangeError(
            _("%(name)s ist kein gültiges JSON (UTF-8).") % {"name": name}
        ) from error


def _check_manifest(manifest) -> None:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ExchangeError(_("manifest.json beschreibt kein exportiertes OpenKommune-Formular."))
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ExchangeError(
            _(
                "Das Format der Datei (Version %(found)s) kennt diese Installation nicht; "
                "sie liest Version %(known)d."
            )
            % {"found": manifest.get("format_version"), "known": FORMAT_VERSION}
        )
    form = manifest.get("form")
    versions = manifest.get("versions")
    hashes = manifest.get("files")
    if (
        not isinstance(form, dict)
        or not isinstance(form.get("key"), str)
        or not isinstance(versions, list)
        or not versions
        or not isinstance(hashes, dict)
        or not isinstance(manifest.get("codelists", []), list)
    ):
        raise ExchangeError(
            _("manifest.json ist unvollständig: Es fehlen Formular, Versionen oder Prüfsummen.")
        )
    for entry in versions:
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("number"), int)
            or isinstance(entry.get("number"), bool)
            or entry["number"] < 1
            or not isinstance(entry.get("file"), str)
        ):
            raise ExchangeError(
                _("manifest.json: Eine Version hat keine gültige Nummer oder Datei.")
            )


def unpack(data: bytes) -> FormExchange:
    """Read and check an exchange file (see the module); raise ExchangeError listing every
    problem in German. Nothing is stored here."""
    files = _read_archive(data)
    if MANIFEST not in files:
        raise ExchangeError(_("Die Datei enthält keine manifest.json."))
    manifest = _load_json(files, MANIFEST)
    _check_manifest(manifest)
    hashes = manifest["files"]
    problems = []
    for name in sorted(set(files) - {MANIFEST}):
        if name not in hashes:
            problems.append(
                _("%(name)s steht nicht in manifest.json; die Datei wurde verändert.")
                % {"name": name}
            )
        elif sha256(files[name]) != hashes[name]:
            problems.append(
                _("Die SHA-256-Prüfsumme von %(name)s stimmt nicht; die Datei wurde verändert.")
                % {"name": name}
            )
    for name in sorted(set(hashes) - set(files)):
        problems.append(_("%(name)s fehlt in der Datei.") % {"name": name})
    if problems:
        raise ExchangeError(problems)
    form = manifest["form"]
    versions = []
    numbers = set()
    for entry in manifest["versions"]:
        name = entry["file"]
        if name not in files:
            raise ExchangeError(_("%(name)s fehlt in der Datei.") % {"name": name})
        if entry["number"] in numbers:
            raise ExchangeError(
                _("Version %(n)d steht doppelt in manifest.json.") % {"n": entry["number"]}
            )
        numbers.add(entry["number"])
        content = _load_json(files, name)
        definition = content.get("definition") if isinstance(content, dict) else None
        report = content.get("import_report", []) if isinstance(content, dict) else []
        try:
            parsed = parse_definition(definition)
        except DefinitionError as error:
            raise ExchangeError(
                [_("%(name)s: Die Definition ist ungültig:") % {"name": name}, *error.messages]
            ) from error
        if parsed.key != form["key"]:
            raise ExchangeError(
                _("%(name)s gehört zum Formular „%(other)s“, nicht zu „%(key)s“.")
                % {"name": name, "other": parsed.key, "key": form["key"]}
            )
        versions.append(
            ExportedVersion(
                number=entry["number"],
                status=str(entry.get("status", "")),
                definition=definition,
                import_report=report if isinstance(report, list) else [],
                published_at=entry.get("published_at"),
            )
        )
    codelists = [
        (entry["file"].removeprefix("codelists/"), files[entry["file"]])
        for entry in manifest.get("codelists", [])
        if isinstance(entry, dict) and entry.get("file") in files
    ]
    level = form.get("min_trust_level", 0)
    return FormExchange(
        key=form["key"],
        title=str(form.get("title", "")),
        leika_keys=[str(k) for k in form.get("leika_keys", [])],
        min_trust_level=level if isinstance(level, int) and not isinstance(level, bool) else 0,
        versions=sorted(versions, key=lambda v: v.number),
        codelists=codelists,
        source=str(manifest.get("source", "")),
        exported_at=str(manifest.get("exported_at", "")),
    )


def with_key(definition: dict, key: str) -> dict:
    """The definition under another form key (import under a new key)."""
    return {**definition, "key": key}
