"""Reads of the back office outside the inbox (`inbox.py` here). Every function takes the
acting `tenant`; another tenant's object is `DoesNotExist`, like a missing one (-> 404)."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from openkommune.cases.models import (
    HISTORY_ORDER,
    Case,
    CaseDocument,
    CaseEvent,
    CaseNote,
    ServiceDeadline,
)
from openkommune.core.read_cache import Topic, cached_read
from openkommune.tenancy.models import Membership
from openkommune.tenancy.scoping import scope


def _uuid(value) -> UUID | None:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except (TypeError, ValueError):
        return None


def case_get(*, tenant, public_id) -> Case:
    """The tenant's case with this public id; `Case.DoesNotExist` otherwise (also for a
    malformed id)."""
    key = _uuid(public_id)
    if key is None:
        raise Case.DoesNotExist
    with scope(tenant=tenant):
        return Case.objects.select_related(
            "application", "ozg_leistung", "assigned_to", "application__form_version"
        ).get(public_id=key)


def case_for_application(*, tenant, application) -> Case | None:
    with scope(tenant=tenant):
        return Case.objects.filter(application=application).first()


def case_events(*, tenant, case: Case) -> QuerySet[CaseEvent]:
    """The case's history, oldest first (also after the case row is gone: by public id)."""
    with scope(tenant=tenant):
        return (
            CaseEvent.objects.filter(case_public_id=case.public_id)
            .select_related("actor", "chain")
            .order_by(*HISTORY_ORDER)
        )


def case_notes(*, tenant, case: Case) -> QuerySet[CaseNote]:
    with scope(tenant=tenant):
        return CaseNote.objects.filter(case=case).select_related("author")


def case_documents(*, tenant, case: Case) -> QuerySet[CaseDocument]:
    with scope(tenant=tenant):
        return CaseDocument.objects.filter(case=case).select_related("added_by")


def case_document_get(*, tenant, case: Case, public_id) -> CaseDocument:
    key = _uuid(public_id)
    if key is None:
        raise CaseDocument.DoesNotExist
    with scope(tenant=tenant):
        return CaseDocument.objects.get(case=case, public_id=key)


def assignable_users(*, tenant) -> QuerySet:
    """Users who may be assigned cases of `tenant`: those with a membership there."""
    with scope(tenant=tenant):
        user_ids = Membership.objects.filter(tenant=tenant).values("user_id")
    return (
        get_user_model()
        .objects.filter(pk__in=user_ids, is_active=True)
        .order_by("last_name", "first_name", "email")
    )


def is_assignable(*, tenant, user) -> bool:
    if user is None or not user.is_active:
        return False
    with scope(tenant=tenant):
        return Membership.objects.filter(tenant=tenant, user=user).exists()


def service_deadline_for_cached(*, tenant, ozg_leistung) -> ServiceDeadline | None:
    """`service_deadline_for` from the read cache (ADR 0014), kept in the process too, while
    no deadline was set (`service_deadline_set` gives `Topic.SERVICE_SETTINGS` a new
    version): what the submit reads when it opens the case. Nobody may change the row
    returned."""
    return cached_read(
        "service_deadline",
        (tenant.pk, ozg_leistung.pk),
        topics=(Topic.SERVICE_SETTINGS,),
        compute=lambda: service_deadline_for(tenant=tenant, ozg_leistung=ozg_leistung),
        in_process=True,
    )


def service_deadline_for(*, tenant, ozg_leistung) -> ServiceDeadline | None:
    """The member's own deadline for the service, else the cooperative's default."""
    candidates = ServiceDeadline.all_objects.filter(
        Q(tenant=tenant) | Q(tenant__isnull=True), ozg_leistung=ozg_leistung
    )
    # Own row first: NULL tenants sort last in ascending order on PostgreSQL and first on
    # SQLite, so decide in Python (at most two rows).
    rows = sorted(candidates, key=lambda row: row.tenant_id is None)
    return rows[0] if rows else None
