"""Concurrent writers keep each chain whole, and writers of different chains do not wait for
each other: threads with their own connections and real commits append to the same case's
chain and to the tenant chain (also creating the head at the same moment) and change the same
case. On PostgreSQL the locked chain head and case row decide; on SQLite the immediate write
transactions queue the writers. Either way: sequences 1…n, no fork. On PostgreSQL, a writer
holding one case's chain open does not delay a writer of another case of the same authority
(ADR 0012) — SQLite locks the whole database, so that test needs row-level locking.

The rows are committed (each thread must see them), so the fixture deletes every row the
test created afterwards: the session's reference data stays as it was.
"""

from __future__ import annotations

import threading
import uuid

import pytest
from django.apps import apps
from django.db import OperationalError, connection, connections, transaction

from openkommune.cases.constants import CaseEventKind, CaseStatus, Decision
from openkommune.cases.errors import TransitionNotAllowed
from openkommune.cases.models import AuditChainHead, Case, CaseEvent
from openkommune.cases.services import case_transition
from openkommune.cases.services.audit import append_event, verify_chain
from tests.cases.factories import clerk_of, open_case, other_tenant, submitted_application

THREADS = 4
APPENDS_PER_THREAD = 5


def _tables() -> list[tuple[str, str]]:
    tables = set()
    for model in apps.get_models():
        pk = model._meta.pk
        integer_pk = pk.get_internal_type() in {"AutoField", "BigAutoField"}
        if model._meta.managed and not model._meta.proxy and integer_pk:
            tables.add((model._meta.db_table, pk.column))
    return sorted(tables)


@pytest.fixture
def committed(django_db_setup, django_db_blocker, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.VIRUS_SCANNER = "openkommune.submissions.virus_scan.NoOpScanner"
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    with django_db_blocker.unblock():
        tables = _tables()
        marks = {}
        with connection.cursor() as cursor:
            for table, column in tables:
                cursor.execute(f"SELECT COALESCE(MAX({column}), 0) FROM {table}")  # noqa: S608
                marks[table] = cursor.fetchone()[0]
        try:
            yield
        finally:
            with transaction.atomic(), connection.cursor() as cursor:
                if connection.vendor == "sqlite":
                    cursor.execute("PRAGMA defer_foreign_keys = ON")
                for table, column in tables:
                    cursor.execute(
                        f"DELETE FROM {table} WHERE {column} > %s",  # noqa: S608
                        [marks[table]],
                    )


def _run_together(target, count: int = THREADS) -> list:
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = target(index)
        except Exception as error:  # checked by the assertions
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.mark.usefixtures("committed")
@pytest.mark.parametrize("chain", ["case", "tenant"])
def test_concurrent_appends_form_one_chain(chain):
    tenant = other_tenant()
    case_id = uuid.uuid4() if chain == "case" else None

    def append(index: int) -> list[int]:
        sequences = []
        for n in range(APPENDS_PER_THREAD):
            with transaction.atomic():
                event = append_event(
                    tenant=tenant,
                    kind=CaseEventKind.EXPORTED,
                    case_public_id=case_id,
                    payload={"thread": index, "n": n},
                )
            sequences.append(event.sequence)
        return sequences

    results = _run_together(append)
    assert not [r for r in results if isinstance(r, Exception)], results
    total = THREADS * APPENDS_PER_THREAD
    assert sorted(s for r in results for s in r) == list(range(1, total + 1))
    report = verify_chain(tenant)
    assert report.ok, report.message
    assert (report.chains, report.events) == (1, total)
    events = CaseEvent._base_manager.filter(tenant=tenant)
    assert events.count() == total
    assert events.values("chain").distinct().count() == 1
    assert AuditChainHead._base_manager.get(tenant=tenant).case_public_id == case_id


def _hold_and_append(*, first, second, lock_timeout: str):
    """Thread 0 appends to `first` and keeps its transaction open; thread 1 then appends to
    `second` under `lock_timeout` and commits (or fails), and only then lets thread 0
    commit. Returns both results."""
    appended = threading.Event()
    done = threading.Event()

    def run(index: int):
        if index == 0:
            try:
                with transaction.atomic():
                    event = append_event(
                        tenant=first.tenant, kind=CaseEventKind.EXPORTED, case=first
                    )
                    appended.set()
                    assert done.wait(30), "the second writer did not finish"
                return event.sequence
            finally:
                appended.set()
        try:
            assert appended.wait(30), "the first writer did not append"
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(f"SET LOCAL lock_timeout = '{lock_timeout}'")
                event = append_event(tenant=second.tenant, kind=CaseEventKind.EXPORTED, case=second)
            return event.sequence
        finally:
            done.set()

    return _run_together(run, count=2)


@pytest.mark.usefixtures("committed")
def test_writers_of_two_cases_of_one_authority_do_not_wait_for_each_other():
    if connection.vendor != "postgresql":
        pytest.skip("needs row-level locking")
    first = open_case()
    second = open_case(name="Max Mustermann")
    assert first.tenant == second.tenant
    # The second case's append completes while the first case's transaction is still open.
    results = _hold_and_append(first=first, second=second, lock_timeout="2s")
    assert results == [2, 2], results
    # The same two steps on one case: the second writer waits for the first (and times out
    # here), so the test above would have noticed a shared lock.
    results = _hold_and_append(first=first, second=first, lock_timeout="1s")
    assert results[0] == 3, results
    assert isinstance(results[1], OperationalError), results
    assert "lock timeout" in str(results[1])
    report = verify_chain(first.tenant)
    assert report.ok, report.message
    # Two case chains with their events (opened + one each, opened + two); no tenant chain.
    assert (report.chains, report.events) == (2, 5)


@pytest.mark.usefixtures("committed")
def test_concurrent_transitions_of_one_case_cannot_both_win():
    application = submitted_application()
    case = Case._base_manager.get(application=application)
    clerk = clerk_of(case.tenant)
    case_transition(tenant=case.tenant, actor=clerk, case=case, to=CaseStatus.IN_PROGRESS)
    # From "in Bearbeitung" both are allowed; after either, the other is not.
    moves = [
        {"to": CaseStatus.DECIDED, "decision": Decision.APPROVED, "reason": "erfüllt"},
        {"to": CaseStatus.DORMANT, "reason": "Rückfrage beim Amt"},
    ]

    def move(index: int):
        fresh = Case._base_manager.get(pk=case.pk)
        return case_transition(
            tenant=case.tenant, actor=clerk, case=fresh, **moves[index % 2]
        ).status

    results = _run_together(move, count=2)
    winners = [r for r in results if isinstance(r, str)]
    losers = [r for r in results if isinstance(r, TransitionNotAllowed)]
    assert len(winners) == 1, results
    assert len(losers) == 1, results
    assert Case._base_manager.get(pk=case.pk).status == winners[0]
    report = verify_chain(case.tenant)
    assert report.ok, report.message
    # opened, in progress, and exactly one of the two moves
    assert report.events == 3
