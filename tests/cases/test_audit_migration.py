"""Migration `cases.0004` (ADR 0012) keeps the chains written before it verifiable: the test
goes back to `cases.0003`, writes a tenant chain the way the old code did (one chain per
tenant, events naming their cases), migrates forward and verifies — same sequences, same
hashes — then appends to one of the old cases, which continues in a chain of its own.

Migrating back and forth inside the test's transaction needs transactional DDL: PostgreSQL
(the CI's PostgreSQL pass runs it). SQLite's schema editor cannot run inside a transaction
with foreign keys enforced.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from openkommune.cases.constants import GENESIS_HASH, CaseEventKind
from openkommune.cases.models import CaseEvent
from openkommune.cases.services.audit import append_event, event_hash, payload_hash, verify_chain
from tests.cases.factories import other_tenant

pytestmark = pytest.mark.django_db

BEFORE = ("cases", "0003_audit_records_without_personal_data")


def _migrate(target) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return executor


def _write_old_chain(apps, tenant, case_ids) -> list[tuple[int, str]]:
    """Events of two cases and one without a case, chained per tenant as before 0004."""
    OldEvent = apps.get_model("cases", "CaseEvent")
    OldHead = apps.get_model("cases", "AuditChainHead")
    prev = GENESIS_HASH
    at = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
    chain = []
    for sequence, case_id in enumerate([case_ids[0], case_ids[1], None, case_ids[0]], start=1):
        payload = {"text": f"Ereignis {sequence}"}
        digest = event_hash(
            prev_hash=prev,
            sequence=sequence,
            kind=CaseEventKind.NOTE_ADDED,
            at=at,
            actor_key="",
            case_public_id=case_id,
            payload_sha256=payload_hash(payload),
        )
        OldEvent.objects.create(
            tenant_id=tenant.pk,
            sequence=sequence,
            case_public_id=case_id,
            kind=CaseEventKind.NOTE_ADDED,
            at=at,
            payload=payload,
            payload_sha256=payload_hash(payload),
            prev_hash=prev,
            hash=digest,
        )
        chain.append((sequence, digest))
        prev = digest
        at += dt.timedelta(minutes=1)
    OldHead.objects.create(tenant_id=tenant.pk, sequence=len(chain), hash=prev)
    return chain


def test_chains_from_before_the_migration_stay_verifiable_and_cases_continue_per_case():
    if connection.vendor != "postgresql":
        pytest.skip("needs transactional DDL (PostgreSQL) to migrate back and forth in a test")
    tenant = other_tenant()
    case_ids = [uuid.uuid4(), uuid.uuid4()]
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes("cases")[0]
    old = _migrate(BEFORE).loader.project_state([BEFORE]).apps
    chain = _write_old_chain(old, tenant, case_ids)
    # The rows' deferred foreign-key checks must run before the tables are altered.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    _migrate(latest)

    events = CaseEvent._base_manager.filter(tenant=tenant).order_by("sequence")
    assert [(e.sequence, e.hash) for e in events] == chain
    assert {e.chain.case_public_id for e in events} == {None}
    report = verify_chain(tenant)
    assert report.ok, report.message
    assert (report.chains, report.events) == (1, 4)

    with transaction.atomic():
        new = append_event(tenant=tenant, kind=CaseEventKind.NOTE_ADDED, case_public_id=case_ids[0])
    assert new.sequence == 1
    assert new.chain.case_public_id == case_ids[0]
    report = verify_chain(tenant)
    assert report.ok, report.message
    assert (report.chains, report.events) == (2, 5)
    # Tampering with an old event is still caught where it was.
    CaseEvent._base_manager.filter(tenant=tenant, sequence=2, chain=events[0].chain).update(
        payload={"text": "anders"}
    )
    assert verify_chain(tenant).message == "Die Angaben von Ereignis Nr. 2 wurden verändert."
