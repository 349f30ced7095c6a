"""`core.inserts.insert_rows` and `tenancy.scoping.insert_scoped`: the submit's lean INSERTs
store exactly what the ORM's `save`/`bulk_create` would, on the configured database."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.db.models.signals import pre_save

from openkommune.core.inserts import insert_rows
from openkommune.core.models import OutboxMail, OutboxStatus
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import ScopeError, insert_scoped, scope
from tests.accounts.factories import UserFactory
from tests.tenancy.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

# Set by the database or the clock on insert: not compared between the two ways.
_VOLATILE = {"id", "public_id", "created_at", "updated_at"}


def _stored(model, pk) -> dict:
    row = model._base_manager.filter(pk=pk).values().get()
    return {key: value for key, value in row.items() if key not in _VOLATILE}


def _outbox_row(tenant, **changes) -> OutboxMail:
    return OutboxMail(
        tenant=tenant,
        kind="test.mail",
        recipient="erika@example.org",
        base_url="http://testserver/",
        status=OutboxStatus.PENDING,
        **changes,
    )


def test_rows_are_stored_as_the_orm_stores_them():
    tenant = OrganisationFactory()
    user = UserFactory()
    by_orm = _outbox_row(tenant, dedupe_key="orm")
    by_orm.save(force_insert=True)
    lean = _outbox_row(tenant, dedupe_key="lean")
    insert_rows([lean])
    assert lean.pk is not None
    assert not lean._state.adding
    assert lean._state.db == "default"
    assert lean.created_at is not None  # auto_now_add, as `save` sets it
    assert _stored(OutboxMail, lean.pk) == _stored(OutboxMail, by_orm.pk) | {"dedupe_key": "lean"}

    # Several rows in one statement, keys returned in their order; JSON and foreign keys.
    records = [
        AuditRecord(
            tenant=tenant if index else None,
            actor=user,
            action=f"test.{index}",
            object_type="core.outboxmail",
            object_id=str(lean.public_id),
            after={"index": index, "text": "Größe ✓", "list": [1, None]},
        )
        for index in range(3)
    ]
    with transaction.atomic():
        insert_rows(records)
    assert [record.pk for record in records] == sorted(record.pk for record in records)
    for index, record in enumerate(records):
        stored = AuditRecord._base_manager.get(pk=record.pk)
        assert stored.action == f"test.{index}"
        assert stored.tenant_id == (tenant.pk if index else None)
        assert stored.actor_id == user.pk
        assert stored.after == {"index": index, "text": "Größe ✓", "list": [1, None]}
        assert stored.created_at == record.created_at


def test_a_unique_violation_raises_integrity_error():
    tenant = OrganisationFactory()
    insert_rows([_outbox_row(tenant, dedupe_key="once")])
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows([_outbox_row(tenant, dedupe_key="once")])
    assert OutboxMail.objects.filter(dedupe_key="once").count() == 1


def test_a_model_with_save_signal_receivers_is_saved_by_the_orm():
    tenant = OrganisationFactory()
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance.dedupe_key)

    pre_save.connect(receiver, sender=OutboxMail)
    try:
        row = _outbox_row(tenant, dedupe_key="signalled")
        insert_rows([row])
    finally:
        pre_save.disconnect(receiver, sender=OutboxMail)
    assert seen == ["signalled"]
    assert OutboxMail.objects.filter(pk=row.pk).exists()


def test_an_unsaved_related_row_is_refused():
    row = _outbox_row(OrganisationFactory.build())
    with pytest.raises(ValueError, match="unsaved related object"):
        insert_rows([row])
    with pytest.raises(TypeError):
        insert_rows([_outbox_row(None), AuditRecord()])


def test_tenant_rows_are_inserted_only_inside_their_scope():
    tenant, other = OrganisationFactory(), OrganisationFactory()

    def record():
        return AuditRecord(tenant=tenant, action="test", object_type="x", object_id="1")

    with pytest.raises(ScopeError):
        insert_scoped([record()])  # no scope at all
    with scope(tenant=other), pytest.raises(ScopeError):
        insert_scoped([record(), record()])
    assert not AuditRecord._base_manager.filter(action="test").exists()
    with scope(tenant=tenant):
        inserted = [record(), record()]
        insert_scoped(inserted)
    assert AuditRecord._base_manager.filter(pk__in=[r.pk for r in inserted]).count() == 2
