"""The read-replica router against a real streaming replica.

Two private PostgreSQL 15 clusters (tests/support/postgres_cluster.py): a primary with the
app migrated and the official data imported, and a hot standby made by `pg_basebackup -R`.
The platform runs in a process of its own configured as in production (`DATABASE_URL` the
primary, `DATABASE_REPLICA_URL` the replica). With the replica's WAL replay paused, a
catalogue change on the primary is invisible to the routed read and visible after the
replay resumes; reads in a transaction that wrote, personal data and every write stay on
the primary.

Runs in the PostgreSQL pass of `.ci/run` (it needs PostgreSQL's server binaries, which the
SQLite-only `make test` does not require).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

from openkommune.core.db_router import REPLICA_MODELS
from tests.support.postgres_cluster import caught_up, replay_paused, runs_in_the_postgres_pass


def _openkommune(environment: dict, *arguments: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", *arguments],
        env=environment,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def platform(streaming_replication):
    """(primary, replica, environment of a platform process using both)."""
    primary, replica = streaming_replication
    primary.sql("CREATE DATABASE openkommune")
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "PYTEST_", "DJANGO_"))
    } | {
        "DATABASE_URL": primary.url(),
        "OPENKOMMUNE_SECRET_KEY": "test-only-not-a-secret",
        "DJANGO_SETTINGS_MODULE": "openkommune.settings",
    }
    for command in ("migrate", "import_regions", "import_catalog", "rebuild_search_index"):
        _openkommune(environment, "openkommune.cli", command, "--verbosity=0")
    caught_up(primary, replica)
    return primary, replica, environment | {"DATABASE_REPLICA_URL": replica.url()}


def _probe(environment: dict, *arguments: str) -> dict:
    return json.loads(_openkommune(environment, "tests.support.replica_probe", *arguments))


def _two_leistungen(primary) -> list[tuple[str, str]]:
    return primary.sql(
        "SELECT ozg_id, name FROM catalog_ozgleistung ORDER BY ozg_id LIMIT 2",
        database="openkommune",
    )


@runs_in_the_postgres_pass
def test_catalogue_reads_follow_the_replica_and_writes_stay_on_the_primary(platform):
    primary, replica, environment = platform
    (ozg_id, old_name), (other_id, other_old_name) = _two_leistungen(primary)

    with replay_paused(replica):
        # A catalogue change on the primary (an import would do this).
        primary.sql(
            "UPDATE catalog_ozgleistung SET name = %s WHERE ozg_id = %s",
            ("Neu importierter Name", ozg_id),
            database="openkommune",
        )
        seen = _probe(environment, "paused", ozg_id, other_id)

        # The routed read came from the replica, which has not replayed the change yet.
        assert seen["read"] == {"name": old_name, "db": "replica"}
        assert seen["other_dbs"] == {
            "region": "replica",
            "postcode": "replica",
            "search": "replica",
        }
        # Inside a transaction that wrote, the read is the primary's (its own write).
        assert seen["in_transaction"] == {"name": "Im Vorgang geändert", "db": "default"}
        # A row read from the replica is saved on the primary (the standby would refuse it);
        # read again outside a transaction it is the replica's old state until replay resumes.
        assert seen["other_read_db"] == "replica"
        assert seen["other_after_save"] == {"name": other_old_name, "db": "replica"}
        # Personal data is read where it was written.
        assert seen["account_read_back"] == "default"
        # The replica connection only ever read.
        assert seen["replica_statements"]
        assert all(sql.lstrip().upper().startswith("SELECT") for sql in seen["replica_statements"])
        assert (
            replica.value(
                "SELECT count(*) FROM accounts_user WHERE email = 'replica-probe@example.org'",
                database="openkommune",
            )
            == 0
        )

    caught_up(primary, replica)
    after = _probe(environment, "read", ozg_id, other_id)
    assert after == {
        ozg_id: {"name": "Neu importierter Name", "db": "replica"},
        other_id: {"name": "Gespeichert über die Anwendung", "db": "replica"},
    }
    # The rolled-back write inside the transaction never reached either database.
    assert primary.value(
        "SELECT name FROM catalog_ozgleistung WHERE ozg_id = %s", (ozg_id,), database="openkommune"
    ) == ("Neu importierter Name")
    assert (
        replica.value(
            "SELECT count(*) FROM accounts_user WHERE email = 'replica-probe@example.org'",
            database="openkommune",
        )
        == 1
    )


def test_only_reference_data_is_routed():
    """The models read from the replica are reference data without a tenant."""
    from django.apps import apps

    for label in REPLICA_MODELS:
        model = apps.get_model(label)
        field_names = {field.name for field in model._meta.get_fields()}
        assert "tenant" not in field_names, label
        assert model._meta.app_label in {"catalog", "regions", "search"}, label
