"""The database of the production profile: reachable, or created on a developer machine
(`openkommune serve`, `openkommune ensure_database`)."""

import os
from urllib.parse import urlparse

import psycopg
from django.conf import settings
from django.core.management.base import CommandError
from django.db import OperationalError, connection
from psycopg import sql


def shown_database_url() -> str:
    """DATABASE_URL without its password, for messages."""
    url = os.environ.get("DATABASE_URL", "")
    parsed = urlparse(url)
    if parsed.password:
        return url.replace(f":{parsed.password}@", ":***@", 1)
    return url or "(DATABASE_URL nicht gesetzt / not set)"


def check_reachable() -> None:
    """Stop with a clear message (German and English) when the database does not answer."""
    try:
        connection.ensure_connection()
    except OperationalError as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise CommandError(
            f"Die Datenbank ist nicht erreichbar / the database is not reachable: "
            f"{shown_database_url()}\n  {first_line}\n"
            "Starten Sie PostgreSQL oder setzen Sie DATABASE_URL / start PostgreSQL or set "
            "DATABASE_URL (postgres://user:password@host:5432/name)."
        ) from None


def create_if_missing() -> str:
    """Create the PostgreSQL database of DATABASE_URL when the server says it does not exist."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        return ""
    try:
        connection.ensure_connection()
        return ""
    except OperationalError as error:
        if "does not exist" not in str(error):
            return ""  # check_reachable reports it
    params = {
        "dbname": "postgres",
        "user": database["USER"] or None,
        "password": database["PASSWORD"] or None,
        "host": database["HOST"] or None,
        "port": database["PORT"] or None,
    }
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database["NAME"])))
    return f"Datenbank {database['NAME']} angelegt / database created."
