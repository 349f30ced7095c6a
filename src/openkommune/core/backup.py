"""Backup and restore of one installation: the database and the private file store.

A backup is a directory (or a tar file of one) holding

- `database.dump` (PostgreSQL: `pg_dump --format=custom`) or `database.sqlite3` (SQLite: a
  copy made with SQLite's online backup API, consistent while the platform runs);
- `files/<storage name>`: every file of the private storage (`core.files`), read through the
  storage API, so an S3-compatible store is backed up the same way as a folder;
- `manifest.json`, written last: SHA-256 and size of the dump and of every file, the applied
  migrations, the application's version and the time.

`restore_backup` checks the whole backup against its manifest before it changes anything,
refuses a target database or file store that is not empty unless forced, restores the
database (`pg_restore` in one transaction, or the SQLite copy) and the files, and reads every
written file back to compare its hash. The commands `openkommune backup` and
`openkommune restore` (docs/operations.md) wrap these functions.

PostgreSQL's tools get the connection from `DATABASES["default"]` through the libpq
environment (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE), never on the command line, so
no password appears in the process list.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from django.core.files import File
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from openkommune.core.files import private_storage
from openkommune.core.progress import progress

FORMAT = "openkommune-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
FILES_DIR = "files"
DUMP_NAMES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
CHUNK = 1024 * 1024
TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz")

# Sent with `action` ("backup.create" / "backup.restore") and `after` (the backup's id,
# counts and the dump's hash; no personal data); `tenancy` turns it into an audit record.
backup_event = Signal()


class BackupError(Exception):
    """A backup or restore that was refused or failed; the message is for the operator."""


@dataclass
class Entry:
    """One file of a backup as the manifest lists it."""

    path: str  # relative to the backup's root, e.g. "files/uploads/2026/12/ab12"
    sha256: str
    size: int


@dataclass
class Manifest:
    backup_id: str
    created_at: str
    app_version: str
    vendor: str
    database: Entry
    files: list[Entry] = field(default_factory=list)
    migrations: dict[str, list[str]] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "backup_id": self.backup_id,
            "created_at": self.created_at,
            "app_version": self.app_version,
            "database": {"vendor": self.vendor, **_entry_json(self.database)},
            "migrations": self.migrations,
            "files": [_entry_json(entry) for entry in self.files],
        }

    def audit_summary(self) -> dict:
        return {
            "backup_id": self.backup_id,
            "created_at": self.created_at,
            "app_version": self.app_version,
            "database_sha256": self.database.sha256,
            "files": len(self.files),
            "bytes": self.database.size + sum(entry.size for entry in self.files),
        }


def _entry_json(entry: Entry) -> dict:
    return {"path": entry.path, "sha256": entry.sha256, "size": entry.size}


# Progress: `report(message)` for steps, `progress(items, total=…, label=…)` for long loops
# (the management commands pass `core.progress.progress` bound to their stderr).
type Report = Callable[[str], None]
type Progress = Callable[..., Iterable]


def _no_progress(items, **kwargs):
    return items


def command_reporters(stream, *, enabled: bool) -> dict:
    """`report` and `progress` for a management command writing to `stream` (its stderr),
    silent with `--verbosity 0`."""

    def report(message: str) -> None:
        if enabled:
            stream.write(message)

    def bound_progress(items, **kwargs):
        return progress(items, stream=stream, enabled=enabled, **kwargs)

    return {"report": report, "progress": bound_progress}


# --- hashing and names ---------------------------------------------------------------------


def sha256_of_stream(stream, sink=None) -> tuple[str, int]:
    """Hash (and size) of what `stream` yields, copying it to `sink` on the way."""
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
        if sink is not None:
            sink.write(chunk)
    return digest.hexdigest(), size


def sha256_of_file(path: Path) -> tuple[str, int]:
    with open(path, "rb") as stream:
        return sha256_of_stream(stream)


def storage_names(storage, folder: str = "") -> Iterator[str]:
    """Every file of `storage` below `folder`, through the storage API (`listdir`), so it
    works for a folder on disk and for S3-compatible object storage alike."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:  # a file store nothing was written to yet
        return
    for name in sorted(files):
        yield posixpath.join(folder, name) if folder else name
    for name in sorted(folders):
        yield from storage_names(storage, posixpath.join(folder, name) if folder else name)


def _safe_relative(path: str) -> bool:
    parts = path.split("/")
    return (
        bool(path)
        and "\\" not in path
        and "\x00" not in path
        and not path.startswith("/")
        and all(part not in {"", ".", ".."} for part in parts)
    )


# --- database connection for the PostgreSQL tools ------------------------------------------


def pg_environment(settings_dict: dict) -> dict:
    """libpq's environment for `pg_dump`/`pg_restore`: the password travels here, not in
    the process list."""
    env = dict(os.environ)
    values = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGDATABASE": settings_dict.get("NAME"),
    }
    options = settings_dict.get("OPTIONS") or {}
    for option, variable in (
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
        ("sslcert", "PGSSLCERT"),
        ("sslkey", "PGSSLKEY"),
    ):
        if options.get(option):
            values[variable] = str(options[option])
    for variable, value in values.items():
        if value:
            env[variable] = str(value)
        else:
            env.pop(variable, None)
    return env


def _run_tool(arguments: list[str], settings_dict: dict, what: str) -> None:
    try:
        # The arguments are the tool, fixed options and paths from settings; no shell.
        result = subprocess.run(  # noqa: S603
            arguments,
            env=pg_environment(settings_dict),
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError:
        raise BackupError(
            _("%(tool)s ist nicht installiert (Debian: postgresql-client).")
            % {"tool": arguments[0]}
        ) from None
    if result.returncode != 0:
        raise BackupError(
            _("%(what)s ist fehlgeschlagen: %(error)s")
            % {"what": what, "error": result.stderr.strip() or result.returncode}
        )


def applied_migrations(alias: str = "default") -> dict[str, list[str]]:
    """The schema state: applied migrations per app, as `django_migrations` records them."""
    state: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connections[alias]).applied_migrations()):
        state.setdefault(app, []).append(name)
    return state


def app_version() -> str:
    try:
        return metadata.version("openkommune")
    except metadata.PackageNotFoundError:  # pragma: no cover - the package is installed
        return "unbekannt"


# --- backup --------------------------------------------------------------------------------


def _dump_database(connection, target: Path) -> None:
    if connection.vendor == "postgresql":
        _run_tool(
            ["pg_dump", "--format=custom", "--no-password", f"--file={target}"],
            connection.settings_dict,
            _("Die Sicherung der Datenbank (pg_dump)"),
        )
    elif connection.vendor == "sqlite":
        # A connection of its own, so only committed data is copied, page by page while the
        # platform keeps writing (SQLite's online backup API).
        source = sqlite3.connect(connection.settings_dict["NAME"])
        destination = sqlite3.connect(target)
        try:
            with destination:
                source.backup(destination)
        finally:
            destination.close()
            source.close()
    else:
        raise BackupError(
            _("Datenbanken vom Typ %(vendor)s werden nicht unterstützt.")
            % {"vendor": connection.vendor}
        )


def _target_kind(target: Path) -> str:
    return "tar" if target.name.endswith(TAR_SUFFIXES) else "dir"


def create_backup(
    target: Path,
    *,
    alias: str = "default",
    report: Report = lambda message: None,
    progress: Progress = _no_progress,
) -> Manifest:
    """Write a backup to `target` (a new directory, or a tar file when the name ends in
    .tar, .tar.gz or .tgz). The backup appears only when complete: it is assembled in a
    folder beside the target and moved (or packed) at the end."""
    target = Path(target)
    if target.exists():
        raise BackupError(
            _("%(target)s gibt es schon; eine Sicherung überschreibt nichts.") % {"target": target}
        )
    if not target.parent.is_dir():
        raise BackupError(_("Den Ordner %(folder)s gibt es nicht.") % {"folder": target.parent})
    connection = connections[alias]
    vendor = connection.vendor
    if vendor not in DUMP_NAMES:
        raise BackupError(
            _("Datenbanken vom Typ %(vendor)s werden nicht unterstützt.") % {"vendor": vendor}
        )
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        created_at = timezone.now().isoformat()
        migrations = applied_migrations(alias)
        dump = staging / DUMP_NAMES[vendor]
        report(_("Datenbank wird gesichert …"))
        _dump_database(connection, dump)
        database = Entry(dump.name, *sha256_of_file(dump))
        report(_("Datenbank gesichert (%(size)s Bytes).") % {"size": database.size})
        storage = private_storage()
        names = list(storage_names(storage))
        report(_("Dateien werden gesichert: %(count)d …") % {"count": len(names)})
        files = []
        for name in progress(names, total=len(names), label=_("Dateien")):
            path = f"{FILES_DIR}/{name}"
            copy = staging / path
            copy.parent.mkdir(parents=True, exist_ok=True)
            try:
                with storage.open(name, "rb") as source, open(copy, "wb") as sink:
                    digest, size = sha256_of_stream(source, sink)
            except FileNotFoundError:
                # Deleted (by retention or a removed draft) since it was listed.
                copy.unlink(missing_ok=True)
                continue
            files.append(Entry(path, digest, size))
        manifest = Manifest(
            backup_id=uuid.uuid4().hex,
            created_at=created_at,
            app_version=app_version(),
            vendor=vendor,
            database=database,
            files=files,
            migrations=migrations,
        )
        (staging / MANIFEST).write_text(
            json.dumps(manifest.as_json(), indent=2, ensure_ascii=False), encoding="utf-8"
        )
        if _target_kind(target) == "tar":
            mode = "w:gz" if target.name.endswith((".gz", ".tgz")) else "w"
            partial = staging / ".partial.tar"
            with tarfile.open(partial, mode) as archive:
                for child in sorted(staging.iterdir()):
                    if child != partial:
                        archive.add(child, arcname=child.name)
            partial.rename(target)
        else:
            staging.rename(target)
            staging = None
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    backup_event.send(sender=Manifest, action="backup.create", after=manifest.audit_summary())
    return manifest


# --- reading and checking a backup ---------------------------------------------------------


def _corrupt(reason: str) -> BackupError:
    return BackupError(
        _("Das Verzeichnis der Sicherung (manifest.json) ist beschädigt: %(reason)s")
        % {"reason": reason}
    )


def _parse_entry(raw, what: str) -> Entry:
    if not isinstance(raw, dict):
        raise _corrupt(_("%(what)s ist kein Objekt.") % {"what": what})
    path, digest, size = raw.get("path"), raw.get("sha256"), raw.get("size")
    if not isinstance(path, str) or not _safe_relative(path):
        raise _corrupt(_("%(what)s hat keinen gültigen Pfad.") % {"what": what})
    if (
        not isinstance(digest, str)
        or len(digest) != 64
        or any(c not in "0123456789abcdef" for c in digest)
    ):
        raise _corrupt(_("%(what)s hat keinen gültigen SHA-256-Wert.") % {"what": what})
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise _corrupt(_("%(what)s hat keine gültige Größe.") % {"what": what})
    return Entry(path, digest, size)


def read_manifest(root: Path) -> Manifest:
    """The manifest of the backup in `root`, checked for shape; never trusts a path in it."""
    try:
        raw = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(
            _("%(root)s ist keine Sicherung: manifest.json fehlt.") % {"root": root}
        ) from None
    except (ValueError, UnicodeDecodeError) as error:
        raise _corrupt(_("kein gültiges JSON (%(error)s).") % {"error": error}) from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise _corrupt(_("es ist keine Sicherung von OpenKommune."))
    if raw.get("format_version") != FORMAT_VERSION:
        raise _corrupt(
            _("Format %(version)s wird nicht unterstützt.") % {"version": raw.get("format_version")}
        )
    database = raw.get("database")
    vendor = database.get("vendor") if isinstance(database, dict) else None
    if vendor not in DUMP_NAMES:
        raise _corrupt(_("die Art der Datenbank fehlt."))
    dump = _parse_entry(database, _("die Datenbank"))
    if dump.path != DUMP_NAMES[vendor]:
        raise _corrupt(_("die Datenbank hat einen unerwarteten Dateinamen."))
    files_raw = raw.get("files")
    if not isinstance(files_raw, list):
        raise _corrupt(_("die Liste der Dateien fehlt."))
    files = [
        _parse_entry(item, _("Datei Nr. %(n)d") % {"n": n}) for n, item in enumerate(files_raw, 1)
    ]
    for entry in files:
        if not entry.path.startswith(FILES_DIR + "/"):
            raise _corrupt(_("%(path)s liegt nicht im Ordner files/.") % {"path": entry.path})
    if len({entry.path for entry in files}) != len(files):
        raise _corrupt(_("eine Datei ist mehrfach aufgeführt."))
    migrations = raw.get("migrations")
    if not isinstance(migrations, dict) or not all(
        isinstance(names, list) and all(isinstance(n, str) for n in names)
        for names in migrations.values()
    ):
        raise _corrupt(_("der Stand der Migrationen fehlt."))
    return Manifest(
        backup_id=str(raw.get("backup_id", "")),
        created_at=str(raw.get("created_at", "")),
        app_version=str(raw.get("app_version", "")),
        vendor=vendor,
        database=dump,
        files=files,
        migrations=migrations,
    )


def verify_backup(root: Path, manifest: Manifest, *, progress: Progress = _no_progress) -> None:
    """Every file the manifest lists exists in `root` with its size and SHA-256; raises
    `BackupError` naming the first one that does not."""
    entries = [manifest.database, *manifest.files]
    for entry in progress(entries, total=len(entries), label=_("Prüfsummen")):
        path = root / entry.path
        if not path.is_file():
            raise BackupError(
                _("Die Sicherung ist unvollständig: %(path)s fehlt.") % {"path": entry.path}
            )
        digest, size = sha256_of_file(path)
        if size != entry.size or digest != entry.sha256:
            raise BackupError(
                _(
                    "Die Prüfsumme von %(path)s stimmt nicht (erwartet %(expected)s, "
                    "gefunden %(found)s): die Sicherung ist beschädigt oder verändert."
                )
                % {"path": entry.path, "expected": entry.sha256, "found": digest}
            )


def _unpack(source: Path, into: Path) -> Path:
    try:
        with tarfile.open(source) as archive:
            # The "data" filter refuses absolute paths, "..", links leaving the folder and
            # device files.
            archive.extractall(into, filter="data")
    except (tarfile.TarError, OSError) as error:
        raise BackupError(
            _("Die Sicherung %(source)s lässt sich nicht entpacken: %(error)s")
            % {"source": source, "error": error}
        ) from None
    return into


# --- restore -------------------------------------------------------------------------------


def _tables(connection) -> list[str]:
    with connection.cursor() as cursor:
        return connection.introspection.table_names(cursor)


def _restore_database(connection, dump: Path, *, force: bool) -> None:
    settings_dict = connection.settings_dict
    connection.close()
    if connection.vendor == "postgresql":
        arguments = [
            "pg_restore",
            "--no-password",
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            "--no-privileges",
            f"--dbname={settings_dict['NAME']}",
        ]
        if force:
            arguments[1:1] = ["--clean", "--if-exists"]
        _run_tool([*arguments, str(dump)], settings_dict, _("Das Einspielen der Datenbank"))
    else:
        source = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
        destination = sqlite3.connect(settings_dict["NAME"])
        try:
            source.backup(destination)
        finally:
            destination.close()
            source.close()


@dataclass
class RestoreResult:
    manifest: Manifest
    files: int
    unapplied: list[str]


def restore_backup(
    source: Path,
    *,
    force: bool = False,
    alias: str = "default",
    report: Report = lambda message: None,
    progress: Progress = _no_progress,
) -> RestoreResult:
    """Restore the backup in `source` (a directory or a tar file) into the configured
    database and private file store. Nothing is changed unless the whole backup matches its
    manifest and (without `force`) both targets are empty."""
    source = Path(source)
    if not source.exists():
        raise BackupError(_("Die Sicherung %(source)s gibt es nicht.") % {"source": source})
    with tempfile.TemporaryDirectory(prefix="openkommune-restore-") as unpacked:
        root = source if source.is_dir() else _unpack(source, Path(unpacked))
        manifest = read_manifest(root)
        report(
            _("Sicherung %(id)s vom %(created)s (Version %(version)s) wird geprüft …")
            % {
                "id": manifest.backup_id,
                "created": manifest.created_at,
                "version": manifest.app_version,
            }
        )
        verify_backup(root, manifest, progress=progress)
        connection = connections[alias]
        if connection.vendor != manifest.vendor:
            raise BackupError(
                _(
                    "Die Sicherung enthält eine Datenbank vom Typ %(backup)s, eingestellt ist "
                    "%(configured)s."
                )
                % {"backup": manifest.vendor, "configured": connection.vendor}
            )
        storage = private_storage()
        if not force:
            if tables := _tables(connection):
                raise BackupError(
                    _(
                        "Die Zieldatenbank %(name)s ist nicht leer (%(count)d Tabellen). "
                        "Nichts wurde verändert. Mit --force wird sie überschrieben."
                    )
                    % {"name": connection.settings_dict["NAME"], "count": len(tables)}
                )
            if next(storage_names(storage), None) is not None:
                raise BackupError(
                    _(
                        "Die Dateiablage ist nicht leer. Nichts wurde verändert. "
                        "Mit --force werden gleichnamige Dateien überschrieben."
                    )
                )
        report(_("Sicherung vollständig und unverändert. Datenbank wird eingespielt …"))
        _restore_database(connection, root / manifest.database.path, force=force)
        report(_("Dateien werden eingespielt: %(count)d …") % {"count": len(manifest.files)})
        for entry in progress(manifest.files, total=len(manifest.files), label=_("Dateien")):
            name = entry.path.removeprefix(FILES_DIR + "/")
            if force and storage.exists(name):
                storage.delete(name)
            with open(root / entry.path, "rb") as stream:
                stored = storage.save(name, File(stream, name=posixpath.basename(name)))
            if stored != name:
                raise BackupError(
                    _("Die Datei %(name)s wurde als %(stored)s gespeichert.")
                    % {"name": name, "stored": stored}
                )
        report(_("Geschriebene Dateien werden nachgeprüft …"))
        for entry in progress(manifest.files, total=len(manifest.files), label=_("Nachprüfung")):
            name = entry.path.removeprefix(FILES_DIR + "/")
            with storage.open(name, "rb") as stream:
                digest, size = sha256_of_stream(stream)
            if (digest, size) != (entry.sha256, entry.size):
                raise BackupError(
                    _("Die eingespielte Datei %(name)s weicht von der Sicherung ab.")
                    % {"name": name}
                )
    unapplied = _unapplied_migrations(alias)
    backup_event.send(sender=Manifest, action="backup.restore", after=manifest.audit_summary())
    return RestoreResult(manifest, len(manifest.files), unapplied)


def _unapplied_migrations(alias: str) -> list[str]:
    """Migrations this version has that the restored database has not applied yet."""
    executor = MigrationExecutor(connections[alias])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]
