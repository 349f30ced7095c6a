"""State changes of the tenancy app. Each is atomic and writes its audit record inside.

Convention: `<entity>_<verb>(*, tenant, actor, ...)`. `actor=None` means the system (an
import, the demo loader); a person as actor must be allowed to do it, else PermissionDenied.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from openkommune.core.inserts import insert_rows
from openkommune.core.read_cache import Topic, data_changed
from openkommune.tenancy.constants import ACTIVE_ORGANISATION_SESSION_KEY, Role
from openkommune.tenancy.models import AuditRecord, Membership, Organisation
from openkommune.tenancy.scoping import scope
from openkommune.tenancy.selectors import (
    acts_for_cooperative,
    organisation_get,
    require_cooperative_staff,
    user_can_manage_members,
    user_has_role,
    user_memberships,
)

ORGANISATION_FIELDS = (
    "name",
    "short_name",
    "kind",
    "is_cooperative",
    "region_ars",
    "street",
    "postcode",
    "city",
    "email",
    "phone",
    "website",
    "is_demo",
    "is_active",
)


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The named fields of `obj` as a JSON-ready dict (foreign keys as their id)."""
    values = {}
    for name in fields:
        field = obj._meta.get_field(name)
        values[name] = getattr(obj, field.attname)
    return values


# The records of the innermost `audit_batch` block, written together at its end.
_batched: ContextVar[list[AuditRecord] | None] = ContextVar("audit_batch", default=None)


def audit_record(
    *,
    tenant: Organisation | None,
    actor,
    action: str,
    obj: models.Model,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditRecord:
    """Append one audit record. Call it inside the transaction of the change it records.
    Inside `audit_batch` the record is written at the end of the block (not yet saved when
    returned)."""
    record = AuditRecord(
        tenant=tenant,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(getattr(obj, "public_id", None) or obj.pk),
        before=before,
        after=after,
    )
    return _append_record(record)


def _append_record(record: AuditRecord) -> AuditRecord:
    batch = _batched.get()
    if batch is not None:
        batch.append(record)
        return record
    # Saved directly, not via the scoped manager: platform-level records (tenant None) must
    # be writable from inside any request scope.
    record.save()
    return record


@contextmanager
def audit_batch() -> Iterator[None]:
    """Write the audit records of the block in one INSERT when it ends, in their order, for
    a change that records several at once (the submit). Use it inside the transaction of
    the change: a block that raises writes none, and the transaction rolls back the change.
    A nested block adds to the outer one."""
    if _batched.get() is not None:
        yield
        return
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_batch must run inside transaction.atomic().")
    records: list[AuditRecord] = []
    token = _batched.set(records)
    try:
        yield
    finally:
        _batched.reset(token)
    # Past the scoped manager, as `audit_record` saves (platform records have no tenant);
    # new rows only, so `AuditRecord.save`'s guard has nothing to refuse.
    insert_rows(records)


def audit_saved(
    *, tenant: Organisation | None, actor, kind: str, obj: models.Model, before, after
) -> AuditRecord:
    """Audit a row just saved as `<kind>.create` (`before=None`) or `<kind>.update`."""
    action = f"{kind}.create" if before is None else f"{kind}.update"
    return audit_record(
        tenant=tenant, actor=actor, action=action, obj=obj, before=before, after=after
    )


def save_audited(
    row: models.Model,
    *,
    tenant: Organisation | None,
    actor,
    action: str,
    fields: Iterable[str],
    obj: models.Model | None = None,
    before: dict | None = None,
) -> models.Model:
    """Validate and save `row`, then audit its `fields` as they are now (on `obj`, which
    defaults to the row itself)."""
    row.full_clean()
    row.save()
    audit_record(
        tenant=tenant,
        actor=actor,
        action=action,
        obj=row if obj is None else obj,
        before=before,
        after=snapshot(row, fields),
    )
    return row


def save_changes(
    row: models.Model,
    *,
    tenant: Organisation | None,
    actor,
    action: str,
    fields: Iterable[str],
    before: dict,
) -> models.Model:
    """Validate and save `row` and audit what changed in its `fields` since the snapshot
    `before`; when nothing did, write nothing and audit nothing."""
    after = snapshot(row, fields)
    if after == before:
        return row
    row.full_clean()
    row.save()
    audit_changes(tenant=tenant, actor=actor, action=action, obj=row, before=before, after=after)
    return row


def reject_unknown_fields(fields: Iterable[str], allowed: Iterable[str], what: str) -> None:
    """A programming error, not bad input: services take only the fields they know."""
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"Unknown {what} fields: {sorted(unknown)}")


def changed_fields(before: dict | None, after: dict) -> tuple[dict | None, dict]:
    """The values before and after of just the keys that changed (`before=None`: created)."""
    if before is None:
        return None, dict(after)
    keys = [key for key in after if before.get(key) != after[key]]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}


def audit_changes(
    *, tenant: Organisation | None, actor, action: str, obj: models.Model, before, after
) -> AuditRecord | None:
    """Audit only what changed between two snapshots; nothing (None) when nothing did."""
    old, new = changed_fields(before, after)
    if not new:
        return None
    return audit_record(tenant=tenant, actor=actor, action=action, obj=obj, before=old, after=new)


def audit_record_redact(record: AuditRecord, *, keys: Iterable[str]) -> None:
    """Blank the values of `keys` in the record's `after` once their retention period has
    ended: the one change an audit record allows (data protection). The record stays."""
    after = {**(record.after or {}), **dict.fromkeys(keys)}
    # Past the append-only guard of AuditRecord.save / AuditRecordQuerySet.update.
    models.QuerySet.update(AuditRecord.objects.filter(pk=record.pk), after=after)
    record.after = after


@transaction.atomic
def organisation_create(*, actor, **fields) -> Organisation:
    """Create a member organisation (or the cooperative). Only cooperative staff/system."""
    require_cooperative_staff(actor)
    reject_unknown_fields(fields, ORGANISATION_FIELDS, "organisation")
    organisation = Organisation(**fields)
    data_changed(Topic.ORGANISATIONS)  # the start page's members, the responsible authority
    return save_audited(
        organisation,
        tenant=organisation,
        actor=actor,
        action="organisation.create",
        fields=ORGANISATION_FIELDS,
    )


@transaction.atomic
def organisation_update(*, tenant: Organisation, actor, **changes) -> Organisation:
    """Change fields of an organisation; writes nothing (and no audit) if nothing changes.

    Its member administrators may change contact data; kind, flags and key only cooperative
    staff (or the system).
    """
    reject_unknown_fields(changes, ORGANISATION_FIELDS, "organisation")
    privileged = {"kind", "is_cooperative", "region_ars", "is_demo", "is_active"}
    if not acts_for_cooperative(actor):
        if not user_has_role(actor, tenant=tenant, role=Role.MEMBER_ADMIN):
            raise PermissionDenied(_("Sie dürfen diese Organisation nicht ändern."))
        if privileged & set(changes):
            raise PermissionDenied(_("Diese Angaben ändert nur die Genossenschaft."))
    organisation = Organisation.objects.select_for_update().get(pk=tenant.pk)
    before = snapshot(organisation, ORGANISATION_FIELDS)
    for name, value in changes.items():
        setattr(organisation, name, value)
    if snapshot(organisation, ORGANISATION_FIELDS) != before:
        data_changed(Topic.ORGANISATIONS)  # name, contact, active: cached public answers
    return save_changes(
        organisation,
        tenant=organisation,
        actor=actor,
        action="organisation.update",
        fields=ORGANISATION_FIELDS,
        before=before,
    )


@transaction.atomic
def membership_grant(*, tenant: Organisation, actor, user, role: str) -> Membership:
    """Give `user` the `role` in `tenant`. Granting a role held already changes nothing."""
    if actor is not None and not user_can_manage_members(actor, tenant=tenant):
        raise PermissionDenied(_("Sie dürfen die Mitglieder dieser Organisation nicht ändern."))
    role = Role(role)
    if role == Role.COOPERATIVE_STAFF:
        if not tenant.is_cooperative:
            raise ValidationError(
                _("Die Rolle „Genossenschaft“ gibt es nur in der Genossenschaft selbst.")
            )
        require_cooperative_staff(actor)
    with scope(tenant=tenant):
        membership, created = Membership.objects.get_or_create(tenant=tenant, user=user, role=role)
    if created:
        audit_record(
            tenant=tenant,
            actor=actor,
            action="membership.grant",
            obj=membership,
            after=snapshot(membership, ("user", "role")),
        )
    return membership


@transaction.atomic
def membership_revoke(*, tenant: Organisation, actor, membership: Membership) -> None:
    """Remove one role. A membership of another tenant is treated as missing."""
    if actor is not None and not user_can_manage_members(actor, tenant=tenant):
        raise PermissionDenied(_("Sie dürfen die Mitglieder dieser Organisation nicht ändern."))
    with scope(tenant=tenant):
        # Re-read inside the tenant's scope: a row of another tenant raises DoesNotExist.
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Role.COOPERATIVE_STAFF:
        require_cooperative_staff(actor)
    before = snapshot(membership, ("user", "role"))
    audit_record(
        tenant=tenant,
        actor=actor,
        action="membership.revoke",
        obj=membership,
        before=before,
    )
    membership.delete()


def active_organisation_set(session, *, user, public_id: str) -> Organisation:
    """Let the user act for another of *their own* organisations (kept in the session).

    Raises `Organisation.DoesNotExist` for any organisation the user is not a member of, so
    the view answers 404 exactly as for a missing one. Session state only: no audit record.
    """
    organisation = organisation_get(public_id=public_id)
    if not any(m.tenant_id == organisation.pk for m in user_memberships(user)):
        raise Organisation.DoesNotExist("Not a member of this organisation.")
    session[ACTIVE_ORGANISATION_SESSION_KEY] = str(organisation.public_id)
    return organisation


def outbox_event_audit(sender, *, events, **kwargs) -> None:
    """Receiver of `core.outbox.mail_events`: the outbox's events as audit records, a batch
    of sent e-mails in one INSERT (core sits below tenancy, so it signals and tenancy
    records). By the row's tenant id: the drainer that sends does not read the tenants."""
    records = [
        AuditRecord(
            tenant_id=event.row.tenant_id,
            actor=event.actor if event.actor is not None and event.actor.is_authenticated else None,
            action=event.action,
            object_type=event.row._meta.label_lower,
            object_id=str(event.row.public_id),
            after=event.after,
        )
        for event in events
    ]
    if len(records) == 1:
        _append_record(records[0])
    else:
        # Past the scoped manager, as `audit_record` saves (platform records have no tenant).
        AuditRecord._base_manager.bulk_create(records)


def backup_event_audit(sender, *, action, after, **kwargs) -> None:
    """Receiver of `core.backup.backup_event`: a platform-level audit record of each backup
    and restore (in the restored database for a restore), by the operator's command."""
    AuditRecord(
        tenant=None,
        actor=None,
        action=action,
        object_type="core.backup",
        object_id=after["backup_id"],
        after=after,
    ).save()
