"""One test database per pass, cloned for every pytest-xdist worker.

Building the test database is the dearest fixture of the suite: all migrations (about 35 s of
CPU on SQLite, mostly Django rendering model states), then the official regions, the
catalogue, the forms and the search index (about 11 s more). Every worker used to build its
own. Now the first worker to take the lock builds it exactly as before (`setup_databases`:
create, migrate; then the imports of tests/conftest.py), copies it as a template, and every
worker — the builder included — works on a database of its own:

- SQLite: the template is a file in the run's shared temporary folder, copied with SQLite's
  backup API (consistent, WAL included) to each worker's `test_…_gwN.sqlite3`;
- PostgreSQL: `CREATE DATABASE test_…_gwN TEMPLATE test_…_template` on the same server.

Every migration still runs once per pass and engine, on the same code path; the workers'
databases are byte-for-byte what a build of their own would have given (the imports are
deterministic). The controller drops the template when the run ends (`drop_template`).
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

MARKER = "test-database-template.json"
LOCK = "test-database-template.lock"


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    with open(folder / LOCK, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _admin(statement: str) -> None:
    """CREATE/DROP DATABASE on the server's maintenance database."""
    from django.db import connection

    with connection.creation._nodb_cursor() as cursor:
        cursor.execute(statement)


def _copy_sqlite(source: str, target: str) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(target + suffix).unlink(missing_ok=True)
    reader = sqlite3.connect(source)
    writer = sqlite3.connect(target)
    try:
        reader.backup(writer)
    finally:
        writer.close()
        reader.close()


def _make_template(folder: Path) -> dict:
    """Copy the freshly built test database of this worker to the template."""
    from django.db import connection

    built = connection.settings_dict["NAME"]
    connection.close()
    if connection.vendor == "sqlite":
        template = str(folder / "test-database-template.sqlite3")
        _copy_sqlite(built, template)
    else:
        template = f"{built.rsplit('_gw', 1)[0]}_template"
        _admin(f'DROP DATABASE IF EXISTS "{template}"')
        _admin(f'CREATE DATABASE "{template}" TEMPLATE "{built}"')
    return {"vendor": connection.vendor, "name": template}


def _clone(template: dict, verbosity: int) -> list:
    """Give this worker its own copy of the template; returns `setup_databases`' config so
    that `teardown_databases` destroys it as usual."""
    from django.conf import settings
    from django.db import connection

    creation = connection.creation
    old_name = connection.settings_dict["NAME"]
    name = creation._get_test_db_name()
    if verbosity >= 1:
        print(f"Cloning the test database template {template['name']} to {name}")
    connection.close()
    if connection.vendor == "sqlite":
        _copy_sqlite(template["name"], name)
    else:
        _admin(f'DROP DATABASE IF EXISTS "{name}"')
        _admin(f'CREATE DATABASE "{name}" TEMPLATE "{template["name"]}"')
    # What `create_test_db` leaves behind: the connection points at the test database.
    settings.DATABASES[connection.alias]["NAME"] = name
    connection.settings_dict["NAME"] = name
    connection.ensure_connection()
    return [(connection, old_name, True)]


def setup_shared(folder: Path, build: Callable[[], list], verbosity: int) -> list:
    """`build()` creates and fills this worker's test database and returns the config of
    `setup_databases`; run by the first worker only, the others clone its template."""
    with _locked(folder):
        marker = folder / MARKER
        if marker.exists():
            return _clone(json.loads(marker.read_text()), verbosity)
        config = build()
        template = _make_template(folder)
        marker.write_text(json.dumps(template))
        from django.db import connection

        connection.ensure_connection()
        return config


def drop_template(config, folder: Path) -> None:
    """At the end of a parallel run (controller): remove the template."""
    marker = folder / MARKER
    if not marker.exists():
        return
    template = json.loads(marker.read_text())
    marker.unlink()
    if template["vendor"] == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(template["name"] + suffix).unlink(missing_ok=True)
        return
    from pytest_django.plugin import blocking_manager_key

    with config.stash[blocking_manager_key].unblock():
        _admin(f'DROP DATABASE IF EXISTS "{template["name"]}"')


def shared_folder(config) -> Path | None:
    """The run's folder that every xdist worker and the controller see, or None outside a
    parallel run."""
    factory = config._tmp_path_factory
    if hasattr(config, "workerinput"):
        return factory.getbasetemp().parent
    if os.environ.get("PYTEST_XDIST_WORKER") is None and getattr(
        config.option, "numprocesses", None
    ):
        return factory.getbasetemp()
    return None
