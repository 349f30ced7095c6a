"""Private PostgreSQL 15 clusters for tests that need a server of their own: a replica fed
by streaming replication, or a server to stop and restart (fault tests). The shared server
at 127.0.0.1:5432 is never touched.

Each cluster is made with `initdb` in a temporary folder, listens on 127.0.0.1 on a free
port, trusts local connections and is stopped (and its folder removed) when the context
ends. PostgreSQL refuses to run as root: as root the tools run as the `postgres` user
(`runuser`), which owns the folder.

    with primary_cluster() as primary, replica_of(primary) as replica:
        primary.sql("CREATE DATABASE openkommune")
        ...

or the pytest fixture `streaming_replication` (module scope, offered to every test by
tests/conftest.py).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

PG_BIN = Path(os.environ.get("OPENKOMMUNE_PG_BIN", "/usr/lib/postgresql/15/bin"))
RUN_AS = "postgres"
SETTINGS = """
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{socket_dir}'
wal_level = replica
max_wal_senders = 5
hot_standby = on
fsync = off
full_page_writes = off
shared_buffers = 32MB
max_connections = 40
"""


def available() -> bool:
    """The server binaries are installed (Debian: postgresql-15)."""
    return (PG_BIN / "initdb").exists() and (PG_BIN / "pg_basebackup").exists()


# Tests that copy the session's PostgreSQL test database into, or compare with, a private
# cluster run in the PostgreSQL pass of `.ci/run`; the SQLite-only `make test` needs no
# PostgreSQL server binaries.
runs_in_the_postgres_pass = pytest.mark.skipif(
    "postgres" not in os.environ.get("DATABASE_URL", "") or not available(),
    reason="runs in the PostgreSQL pass (needs PostgreSQL's server binaries)",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_owner(arguments: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", RUN_AS, "--", *arguments]
    return arguments


def _run(arguments: list[str]) -> str:
    result = subprocess.run(_as_owner(arguments), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{arguments[0]} failed: {result.stdout}\n{result.stderr}")
    return result.stdout


def _folder() -> Path:
    # Under /tmp, not pytest's tmp_path: the postgres user must be able to reach it.
    folder = Path(tempfile.mkdtemp(prefix="openkommune-pg-", dir="/tmp"))
    if os.geteuid() == 0:
        owner = pwd.getpwnam(RUN_AS)
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    return folder


@dataclass
class Cluster:
    folder: Path
    port: int

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    def url(self, database: str = "openkommune") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        _run(
            [
                str(PG_BIN / "pg_ctl"),
                "start",
                "--wait",
                "--timeout=60",
                f"--pgdata={self.data}",
                f"--log={self.log}",
            ]
        )

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (`fast`: end sessions, clean shutdown; `immediate`: like a crash)."""
        _run(
            [
                str(PG_BIN / "pg_ctl"),
                "stop",
                "--wait",
                "--timeout=60",
                f"--pgdata={self.data}",
                f"--mode={mode}",
            ]
        )

    def running(self) -> bool:
        status = subprocess.run(
            _as_owner([str(PG_BIN / "pg_ctl"), "status", f"--pgdata={self.data}"]),
            capture_output=True,
            check=False,
        )
        return status.returncode == 0

    def sql(self, statement: str, params=(), *, database: str = "postgres") -> list[tuple]:
        """Run one statement in autocommit and return its rows (empty if none)."""
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as connection:
            cursor = connection.execute(statement, params)
            return cursor.fetchall() if cursor.description else []

    def value(self, statement: str, params=(), *, database: str = "postgres"):
        return self.sql(statement, params, database=database)[0][0]


def _configure(cluster: Cluster) -> None:
    settings = SETTINGS.format(port=cluster.port, socket_dir=cluster.folder)
    config = cluster.data / "postgresql.conf"
    # Appended as the owner: later lines win over the copied or default ones.
    _run(["sh", "-c", f"cat >> '{config}' <<'EOF'\n{settings}\nEOF"])


@contextmanager
def primary_cluster() -> Iterator[Cluster]:
    """A new, running cluster (superuser `postgres`, trust on 127.0.0.1, replication
    allowed); stopped and removed afterwards."""
    cluster = Cluster(_folder(), free_port())
    try:
        _run(
            [
                str(PG_BIN / "initdb"),
                f"--pgdata={cluster.data}",
                "--username=postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ]
        )
        _configure(cluster)
        cluster.start()
        yield cluster
    finally:
        _shut_down(cluster)


@contextmanager
def replica_of(primary: Cluster) -> Iterator[Cluster]:
    """A hot standby of `primary` by streaming replication (`pg_basebackup -R`), running;
    stopped and removed afterwards."""
    cluster = Cluster(_folder(), free_port())
    try:
        _run(
            [
                str(PG_BIN / "pg_basebackup"),
                "--host=127.0.0.1",
                f"--port={primary.port}",
                "--username=postgres",
                f"--pgdata={cluster.data}",
                "--write-recovery-conf",
                "--wal-method=stream",
                "--checkpoint=fast",
            ]
        )
        _configure(cluster)
        cluster.start()
        wait_until(lambda: cluster.value("SELECT pg_is_in_recovery()"), "replica in recovery")
        yield cluster
    finally:
        _shut_down(cluster)


def _shut_down(cluster: Cluster) -> None:
    try:
        if cluster.data.exists() and cluster.running():
            cluster.stop()
    finally:
        shutil.rmtree(cluster.folder, ignore_errors=True)


def wait_until(condition, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):  # a server still starting answers with errors
            if condition():
                return
        time.sleep(0.1)
    raise TimeoutError(f"Timed out waiting for: {what}")


def caught_up(primary: Cluster, replica: Cluster) -> None:
    """Wait until the replica has replayed everything the primary has written so far."""
    target = primary.value("SELECT pg_current_wal_lsn()::text")
    wait_until(
        lambda: replica.value("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,)),
        "replica caught up",
    )


@contextmanager
def replay_paused(replica: Cluster) -> Iterator[None]:
    """The replica applies no WAL inside the block (it keeps receiving it)."""
    replica.sql("SELECT pg_wal_replay_pause()")
    wait_until(
        lambda: replica.value("SELECT pg_get_wal_replay_pause_state()") == "paused",
        "replay paused",
    )
    try:
        yield
    finally:
        replica.sql("SELECT pg_wal_replay_resume()")


@pytest.fixture(scope="module")
def streaming_replication() -> Iterator[tuple[Cluster, Cluster]]:
    """(primary, replica): two private clusters with streaming replication, shut down after
    the module."""
    with primary_cluster() as primary, replica_of(primary) as replica:
        yield primary, replica
