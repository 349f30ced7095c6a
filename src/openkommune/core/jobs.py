"""Background jobs found by name, so that services never import their app's `tasks`.

An app's `tasks.py` declares each job with `@job("<app>.<name>")` (a `django.tasks` task,
registered here) and imports the services it calls; a service queues the job by name with
`enqueue_on_commit`. So imports run one way only — tasks → services → core — and the app's
`AppConfig.ready()` imports `tasks` so that every process (web and `db_worker`) knows them.
Arguments are ids only: the queue is a database table, never a place for personal data or
tokens.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.db import router, transaction
from django.tasks import task
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

_JOBS: dict[str, object] = {}


def job(name: str) -> Callable:
    """Declare a `django.tasks` task registered under `name`."""

    def decorate(function):
        declared = task()(function)
        _JOBS[name] = declared
        return declared

    return decorate


def enqueue(name: str, *args, run_after: datetime.datetime | None = None, **kwargs):
    """Queue the job `name` now (`run_after` defers it where the backend can)."""
    declared = _JOBS[name]
    # A backend that cannot defer (the immediate one) runs it at once; callers that retry
    # end the loop by their attempt limit.
    if run_after is not None and declared.get_backend().supports_defer:
        declared = declared.using(run_after=run_after)
    return declared.enqueue(*args, **kwargs)


def enqueue_on_commit(
    name: str, *args, run_after: datetime.datetime | None = None, **kwargs
) -> None:
    """Queue the job `name` so that it runs only once the current transaction has committed
    (at once outside one). Where jobs wait in this same database (django_tasks_db), its row
    is inserted in the transaction itself: it becomes visible to the workers exactly with the
    change, and is rolled back with it — no second commit, and no window in which the change
    is committed but its job not yet queued. Other backends queue it after the commit."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and _queued_in(connection.alias, _JOBS[name]):
        enqueue(name, *args, run_after=run_after, **kwargs)
        return
    transaction.on_commit(lambda: enqueue(name, *args, run_after=run_after, **kwargs))


def waits_in_database(name: str) -> bool:
    """Whether the job `name` waits in the database for a job worker (django_tasks_db)."""
    return isinstance(_JOBS[name].get_backend(), DatabaseBackend)


def _queued_in(alias: str, declared) -> bool:
    """Whether `declared`'s jobs are rows in the database `alias`."""
    backend = declared.get_backend()
    return isinstance(backend, DatabaseBackend) and router.db_for_write(DBTaskResult) == alias
