"""The applicant's timeline after the submit, written by the back office. Use it through
`openkommune.submissions.services`."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from openkommune.submissions.constants import STATUS_AFTER_EVENT, EventKind
from openkommune.submissions.models import Application, ApplicationEvent
from openkommune.tenancy.scoping import scope
from openkommune.tenancy.services import audit_record


def application_event_add(
    *,
    tenant,
    actor,
    application: Application,
    kind: str,
    note: str = "",
    at=None,
    held: bool = False,
) -> ApplicationEvent:
    """Append an entry to the applicant's timeline and move the status on where the kind
    implies one (`constants.STATUS_AFTER_EVENT`). For the back office of `tenant`: an
    application of another tenant is `Application.DoesNotExist`. `note` is shown to the
    applicant.

    `held`: the caller's transaction already holds `application`'s row — it inserted it
    (the submit's hooks) or locked it — so it is neither locked nor read again."""
    kind = EventKind(kind)
    if held:
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("held=True needs the transaction that holds the application.")
        if application.tenant_id != getattr(tenant, "pk", tenant):
            raise Application.DoesNotExist("The application belongs to another tenant.")
        return _event_add(tenant, actor, application, kind, note, at)
    with transaction.atomic(), scope(tenant=tenant):
        locked = Application.objects.select_for_update(of=("self",)).get(pk=application.pk)
        event = _event_add(tenant, actor, locked, kind, note, at)
    application.status = locked.status
    return event


def _event_add(tenant, actor, locked: Application, kind, note, at) -> ApplicationEvent:
    with scope(tenant=tenant):
        event = ApplicationEvent.objects.create(
            tenant=tenant, application=locked, kind=kind, note=note, at=at or timezone.now()
        )
    before = locked.status
    after = STATUS_AFTER_EVENT.get(kind, before)
    if after != before:
        locked.status = after
        locked.save(update_fields=["status", "updated_at"])
    audit_record(
        tenant=tenant,
        actor=actor,
        action="application.event",
        obj=locked,
        before={"status": before},
        after={"status": locked.status, "kind": kind},
    )
    return event
