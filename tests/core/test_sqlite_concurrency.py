"""The embedded SQLite database as `make run` configures it (core.env.database_from_url):
WAL, a busy timeout and writers that take the lock at BEGIN, so several people writing at
once queue for a moment instead of getting "database is locked"."""

import threading
import time
from pathlib import Path

from django.db import connections, transaction

from openkommune.core.env import database_from_url

ALIAS = "sqlite_concurrency_probe"
THREADS = 8
WRITES_PER_THREAD = 15


def _connect(path: Path):
    """A connection of this thread to the file database, configured like the real one."""
    from django.db.backends.sqlite3.base import DatabaseWrapper

    config = database_from_url(f"sqlite:///{path}", base_dir=Path("/"))
    config = connections.configure_settings({"default": config, ALIAS: config})[ALIAS]
    connections[ALIAS] = DatabaseWrapper(config, alias=ALIAS)
    return connections[ALIAS]


def test_sqlite_connection_uses_wal_and_waits_for_locks(tmp_path, django_db_blocker):
    with django_db_blocker.unblock():
        connection = _connect(tmp_path / "probe.sqlite3")
        try:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA journal_mode")
                assert cursor.fetchone()[0] == "wal"
                cursor.execute("PRAGMA busy_timeout")
                assert cursor.fetchone()[0] >= 5000
        finally:
            connection.close()


def test_concurrent_read_then_write_transactions_do_not_fail(tmp_path, django_db_blocker):
    """Each transaction reads, then writes (as a form submission does). With SQLite's default
    deferred transactions two of them deadlock and one fails at once with "database is
    locked"; with IMMEDIATE and a busy timeout they run one after the other."""
    path = tmp_path / "concurrency.sqlite3"
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def writer():
        connection = _connect(path)
        try:
            start.wait()
            for _ in range(WRITES_PER_THREAD):
                with transaction.atomic(using=ALIAS), connection.cursor() as cursor:
                    cursor.execute("SELECT n FROM counter")
                    (count,) = cursor.fetchone()
                    time.sleep(0.002)  # the request's work between reading and writing
                    cursor.execute("UPDATE counter SET n = %s", [count + 1])
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    with django_db_blocker.unblock():
        setup = _connect(path)
        with setup.cursor() as cursor:
            cursor.execute("CREATE TABLE counter (n integer NOT NULL)")
            cursor.execute("INSERT INTO counter (n) VALUES (0)")
        threads = [threading.Thread(target=writer) for _ in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with setup.cursor() as cursor:
            cursor.execute("SELECT n FROM counter")
            total = cursor.fetchone()[0]
        setup.close()

    assert errors == []
    assert total == THREADS * WRITES_PER_THREAD
