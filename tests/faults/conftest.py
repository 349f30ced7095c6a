"""The platform the process fault tests run: a private PostgreSQL 15 cluster
(tests/support/postgres_cluster.py, so a test may stop and start it) holding a copy of the
session's test database (official regions, catalogue, forms, search index), the test member
offering the Hundesteuer form, and the static files' manifest as `make serve` collects it
(without the compressed copies, tests/support/static_settings.py).

Needs PostgreSQL's server binaries and runs in the PostgreSQL pass of `.ci/run` (the test
database is copied with pg_dump); see tests/core/test_replica.py for the same rule."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support.databases import copy_test_database_to
from tests.support.postgres_cluster import primary_cluster
from tests.support.processes import ROOT, platform_environment

DATABASE = "openkommune"


def _run(command: list[str], environment: dict) -> subprocess.Popen:
    return subprocess.Popen(
        command,
        env=environment,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finished(process: subprocess.Popen) -> str:
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, f"{process.args}: {err[-3000:]}"
    return out


@pytest.fixture(scope="module")
def platform(django_db_setup, tmp_path_factory):
    """(cluster, environment of a platform process on it, Hundesteuer form version)."""
    folder = tmp_path_factory.mktemp("platform")
    python = sys.executable
    settings = {
        "OPENKOMMUNE_STATIC_ROOT": str(folder / "static"),
        "OPENKOMMUNE_PRIVATE_MEDIA_ROOT": str(folder / "private"),
        # Nothing is sent unless a test starts a mail server on this port.
        "OPENKOMMUNE_EMAIL_HOST": "127.0.0.1",
        "OPENKOMMUNE_EMAIL_PORT": "9",
        "OPENKOMMUNE_WARMUP": "false",
    }
    # Collecting needs no database: it runs while the cluster is made.
    static = _run(
        [python, "-m", "openkommune.cli", "collectstatic", "--noinput", "--verbosity=0"],
        platform_environment(f"sqlite:///{folder / 'unused.sqlite3'}", **settings)
        | {"DJANGO_SETTINGS_MODULE": "tests.support.static_settings"},
    )
    with primary_cluster() as cluster:
        cluster.sql(f'CREATE DATABASE "{DATABASE}"')
        copy_test_database_to(cluster.url(DATABASE))
        environment = platform_environment(cluster.url(DATABASE), **settings)
        offer = _run([python, "-m", "tests.support.fault_platform"], environment)
        version = json.loads(_finished(offer))["hundesteuer_version"]
        _finished(static)
        yield cluster, environment, version
