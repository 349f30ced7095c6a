"""Recording that a case left the platform as an export (the ZIP itself is built by
`delivery.export`, which sits above this app). A service in the sense of docs/cases.md:
atomic, one chained `CaseEvent`, one tenancy audit record."""

from __future__ import annotations

from django.db import transaction

from openkommune.cases.constants import CaseEventKind
from openkommune.cases.models import Case, CaseEvent
from openkommune.cases.services.audit import append_event
from openkommune.tenancy.scoping import scope
from openkommune.tenancy.services import audit_record


def case_record_export(
    *, tenant, actor, case: Case, format_version: int, document_count: int, via: str = ""
) -> CaseEvent:
    """Append the `exported` event of `case` (of `tenant`; another tenant's case raises
    `Case.DoesNotExist`). Call inside the transaction that builds the export, so that a
    failed export leaves no trace and a recorded one is in its own history."""
    with transaction.atomic(), scope(tenant=tenant):
        case = Case.objects.get(pk=case.pk)
        payload = {"format_version": format_version, "documents": document_count}
        if via:
            payload["via"] = via[:200]
        event = append_event(
            tenant=tenant, kind=CaseEventKind.EXPORTED, actor=actor, case=case, payload=payload
        )
        audit_record(tenant=tenant, actor=actor, action="case.export", obj=case, after=payload)
    return event
