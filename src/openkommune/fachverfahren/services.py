"""Every change of the Fachverfahren catalogue and the subscriptions: cooperative staff only,
atomic, audited (the catalogue under the cooperative, a subscription under its member)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from openkommune.fachverfahren.models import Fachverfahren, Subscription
from openkommune.tenancy.models import Organisation
from openkommune.tenancy.scoping import scope
from openkommune.tenancy.selectors import cooperative_get, require_cooperative_staff
from openkommune.tenancy.services import audit_record, reject_unknown_fields, snapshot

FACHVERFAHREN_FIELDS = (
    "name",
    "vendor",
    "version",
    "operating_mode",
    "maintenance_windows",
    "service_hours",
    "price_per_year",
    "description",
    "is_active",
    "is_demo",
)
SUBSCRIPTION_FIELDS = ("tenant", "fachverfahren", "quantity", "starts_on", "ends_on")


@transaction.atomic
def fachverfahren_create(*, actor, **fields) -> Fachverfahren:
    require_cooperative_staff(actor)
    reject_unknown_fields(fields, FACHVERFAHREN_FIELDS, "Fachverfahren")
    row = Fachverfahren(**fields)
    row.full_clean()
    row.save()
    audit_record(
        tenant=cooperative_get(),
        actor=actor,
        action="fachverfahren.create",
        obj=row,
        after=snapshot(row, FACHVERFAHREN_FIELDS),
    )
    return row


@transaction.atomic
def fachverfahren_update(*, fachverfahren: Fachverfahren, actor, **changes) -> Fachverfahren:
    require_cooperative_staff(actor)
    reject_unknown_fields(changes, FACHVERFAHREN_FIELDS, "Fachverfahren")
    row = Fachverfahren.objects.select_for_update().get(pk=fachverfahren.pk)
    before = snapshot(row, FACHVERFAHREN_FIELDS)
    for name, value in changes.items():
        setattr(row, name, value)
    row.full_clean()
    row.save()
    audit_record(
        tenant=cooperative_get(),
        actor=actor,
        action="fachverfahren.update",
        obj=row,
        before=before,
        after=snapshot(row, FACHVERFAHREN_FIELDS),
    )
    return row


def _overlapping(tenant, fachverfahren, starts_on, ends_on, exclude_pk=None):
    rows = Subscription.objects.filter(tenant=tenant, fachverfahren=fachverfahren)
    if exclude_pk:
        rows = rows.exclude(pk=exclude_pk)
    if ends_on is not None:
        rows = rows.filter(starts_on__lte=ends_on)
    return rows.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=starts_on)).exists()


def subscription_validate(*, tenant, fachverfahren, starts_on, ends_on) -> None:
    """The rules of a new subscription beyond the table's constraints (ValidationError)."""
    if tenant.is_cooperative:
        raise ValidationError(
            {"tenant": _("Die Genossenschaft selbst kann kein Abonnement haben.")}
        )
    if not fachverfahren.is_active:
        raise ValidationError(
            {"fachverfahren": _("Dieses Fachverfahren wird nicht mehr angeboten.")}
        )
    with scope(tenant=tenant):
        if _overlapping(tenant, fachverfahren, starts_on, ends_on):
            raise ValidationError(
                {
                    "starts_on": _(
                        "Das Mitglied hat dieses Fachverfahren in diesem Zeitraum schon abonniert."
                    )
                }
            )


@transaction.atomic
def subscription_create(
    *,
    tenant: Organisation,
    actor,
    fachverfahren: Fachverfahren,
    starts_on: datetime.date,
    quantity: int = 1,
    ends_on: datetime.date | None = None,
) -> Subscription:
    """A member subscribes to a Fachverfahren. Refused for the cooperative itself, for a
    Fachverfahren no longer offered, and when it overlaps another subscription of the
    member to the same Fachverfahren (raise the quantity instead)."""
    require_cooperative_staff(actor)
    if tenant.is_cooperative:
        raise ValidationError(
            {"tenant": _("Die Genossenschaft selbst kann kein Abonnement haben.")}
        )
    if not fachverfahren.is_active:
        raise ValidationError(
            {"fachverfahren": _("Dieses Fachverfahren wird nicht mehr angeboten.")}
        )
    with scope(tenant=tenant):
        row = Subscription(
            tenant=tenant,
            fachverfahren=fachverfahren,
            quantity=quantity,
            starts_on=starts_on,
            ends_on=ends_on,
        )
        row.full_clean()
        if _overlapping(tenant, fachverfahren, starts_on, ends_on):
            raise ValidationError(
                {
                    "starts_on": _(
                        "Das Mitglied hat dieses Fachverfahren in diesem Zeitraum schon abonniert."
                    )
                }
            )
        row.save()
        audit_record(
            tenant=tenant,
            actor=actor,
            action="fachverfahren_subscription.create",
            obj=row,
            after=snapshot(row, SUBSCRIPTION_FIELDS),
        )
    return row


@transaction.atomic
def subscription_end(*, subscription: Subscription, actor, ends_on: datetime.date) -> Subscription:
    """End a subscription on `ends_on` (inclusive); not before it began."""
    require_cooperative_staff(actor)
    with scope(tenant=subscription.tenant_id):
        row = Subscription.objects.select_for_update().get(pk=subscription.pk)
        if ends_on < row.starts_on:
            raise ValidationError({"ends_on": _("Das Ende liegt vor dem Beginn.")})
        before = snapshot(row, ("ends_on",))
        row.ends_on = ends_on
        row.save(update_fields=["ends_on", "updated_at"])
        audit_record(
            tenant=row.tenant,
            actor=actor,
            action="fachverfahren_subscription.end",
            obj=row,
            before=before,
            after=snapshot(row, ("ends_on",)),
        )
    return row
