"""Scratch databases beside the test database, for tests that need a second, committed
database (backup and restore): created empty or as a copy of the test database, on the
same engine (PostgreSQL at the configured server, or an SQLite file), named per
pytest-xdist worker so parallel workers never share one, and dropped afterwards.

`connected_to(name)` points Django's default connection at such a database for a block;
use it only in tests that do not hold the `db` fixture's transaction (take
`django_db_blocker` instead), because the connection is closed on entry and exit.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

from openkommune.core.backup import pg_environment


def worker_id() -> str:
    """`gw0`, `gw1`, … under pytest-xdist, `main` in a single process."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _admin_sql(statement: str) -> None:
    """Run one statement on the server's maintenance database (CREATE/DROP DATABASE)."""
    import psycopg

    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        admin.execute(statement)


@contextmanager
def scratch_database(label: str, tmp_path: Path, *, copy_of_test_database: bool = False):
    """A new database named `openkommune_<label>_<worker>` (PostgreSQL) or a new file in
    `tmp_path` (SQLite), empty or a copy of the test database; yields its NAME and drops it
    afterwards."""
    if connection.vendor == "sqlite":
        path = tmp_path / f"{label}_{worker_id()}.sqlite3"
        if copy_of_test_database:
            source = sqlite3.connect(connection.settings_dict["NAME"])
            target = sqlite3.connect(path)
            source.backup(target)
            target.close()
            source.close()
        yield str(path)
        return
    name = f"openkommune_{label}_{worker_id()}"
    _admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _admin_sql(f'CREATE DATABASE "{name}"')
    try:
        if copy_of_test_database:
            copy_test_database_to(name)
        yield name
    finally:
        _admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def copy_test_database_to(target: str) -> None:
    """Copy the PostgreSQL test database into the existing, empty database `target` (a name
    on the same server, or a connection URL of another server) with pg_dump/pg_restore.

    Not CREATE DATABASE … TEMPLATE: that needs the test database without other sessions,
    which a browser test's server thread may still hold."""
    environment = pg_environment(connection.settings_dict)
    dump = subprocess.run(
        ["pg_dump", "--format=custom", "--no-password"],  # noqa: S607 (PATH)
        env=environment,
        capture_output=True,
        check=True,
    )
    subprocess.run(
        ["pg_restore", "--no-owner", "--no-password", f"--dbname={target}"],  # noqa: S607
        input=dump.stdout,
        env=environment,
        capture_output=True,
        check=True,
    )


@contextmanager
def connected_to(name: str) -> Iterator[None]:
    """Django's default connection uses the database `name` inside the block."""
    previous = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = name
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = previous


def table_count() -> int:
    with connection.cursor() as cursor:
        return len(connection.introspection.table_names(cursor))
