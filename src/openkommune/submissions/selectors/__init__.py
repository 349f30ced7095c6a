"""Reads of the applicant's side: their drafts, applications, files and timeline.

The applicant has no tenant, so these reads use the unscoped `applicant_objects` manager, and
**every** function first filters by the applicant's credential: their user, or a secret
token compared in constant time with the stored hash. Anyone else gets `DoesNotExist`,
exactly as for a row that does not exist (see docs/adr/0006-applicant-access.md).
Functions that take an already authorised `draft` or `application` read only below it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from openkommune.catalog.selectors import published_activation_get
from openkommune.submissions.errors import DraftExpired
from openkommune.submissions.models import Application, ApplicationEvent, Attachment, Draft
from openkommune.submissions.references import normalise_reference
from openkommune.submissions.tokens import token_matches
from openkommune.tenancy.scoping import scopes_disabled


def _uuid(value) -> UUID | None:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def _drafts() -> QuerySet[Draft]:
    # With its application, if submitted: every draft page asks (`Draft.is_submitted`).
    return Draft.applicant_objects.select_related(
        "tenant", "form_version__form", "ozg_leistung", "submitted_application"
    )


def draft_get_for_user(*, user, public_id) -> Draft:
    """The logged-in user's own draft. `Draft.DoesNotExist` for anyone else's, anonymous
    drafts, malformed ids and missing ones alike."""
    uid = _uuid(public_id)
    if uid is None or user is None or not user.is_authenticated:
        raise Draft.DoesNotExist("No such draft.")
    return _drafts().get(public_id=uid, user=user)


def draft_needs_login(*, public_id) -> bool:
    """Whether `public_id` names a draft of an account (its link asks a logged-out visitor
    to log in). The id is a random UUID known only to its holder; nothing else is told."""
    uid = _uuid(public_id)
    return uid is not None and _drafts().filter(public_id=uid, user__isnull=False).exists()


def draft_get_by_token(*, public_id, token: str | None) -> Draft:
    """An anonymous draft by its resume token. `Draft.DoesNotExist` for a wrong token, a
    draft of a logged-in user and a missing one; `DraftExpired` (also a DoesNotExist) when
    the token is right but its time is over."""
    uid = _uuid(public_id)
    if uid is None:
        raise Draft.DoesNotExist("No such draft.")
    draft = _drafts().filter(public_id=uid, user__isnull=True).first()
    if draft is None or not token_matches(token, draft.resume_token_hash):
        raise Draft.DoesNotExist("No such draft.")
    expires_at = draft.resume_token_expires_at
    if expires_at is None or expires_at <= timezone.now():
        raise DraftExpired(
            _("Der Link zu diesem Antrag ist abgelaufen. Bitte beginnen Sie den Antrag neu.")
        )
    return draft


def drafts_for_user(*, user) -> QuerySet[Draft]:
    """The user's drafts not yet submitted, newest change first."""
    if user is None or not user.is_authenticated:
        return Draft.applicant_objects.none()
    return (
        _drafts()
        .filter(user=user, submitted_application__isnull=True)
        .order_by("-updated_at", "-id")
    )


def draft_attachments(*, draft: Draft) -> list[Attachment]:
    """Files uploaded to an (authorised) draft and not yet part of an application."""
    return list(
        Attachment.applicant_objects.filter(draft=draft, application__isnull=True).order_by(
            "created_at", "id"
        )
    )


def attachment_get_for_draft(*, draft: Draft, public_id) -> Attachment:
    """One file of an (authorised) draft; DoesNotExist for any other file."""
    uid = _uuid(public_id)
    if uid is None:
        raise Attachment.DoesNotExist("No such attachment.")
    return Attachment.applicant_objects.get(public_id=uid, draft=draft, application__isnull=True)


# --- applications -----------------------------------------------------------------------


def _applications() -> QuerySet[Application]:
    return Application.applicant_objects.select_related(
        "tenant", "form_version__form", "ozg_leistung"
    )


def application_get_for_applicant(*, reference: str, user=None, token: str | None = None):
    """The application with this reference if the caller is its applicant: the logged-in
    user who submitted it, or whoever presents its status token. `DoesNotExist` otherwise
    (also for a malformed reference), so nobody learns whether a number exists."""
    normalised = normalise_reference(reference)
    if normalised is None:
        raise Application.DoesNotExist("No such application.")
    application = _applications().filter(reference=normalised).first()
    if application is None:
        raise Application.DoesNotExist("No such application.")
    owner = (
        user is not None
        and user.is_authenticated
        and application.user_id is not None
        and application.user_id == user.pk
    )
    if owner or token_matches(token, application.status_token_hash):
        return application
    raise Application.DoesNotExist("No such application.")


def applications_for_user(*, user) -> QuerySet[Application]:
    """The user's applications, newest first."""
    if user is None or not user.is_authenticated:
        return Application.applicant_objects.none()
    return _applications().filter(user=user).order_by("-submitted_at", "-id")


def application_events(*, application: Application) -> list[ApplicationEvent]:
    """The timeline of an (authorised) application, oldest first."""
    return list(
        ApplicationEvent.applicant_objects.filter(application=application).order_by("at", "id")
    )


def application_attachments(*, application: Application) -> list[Attachment]:
    return list(
        Attachment.applicant_objects.filter(application=application).order_by("created_at", "id")
    )


def attachment_get_for_application(*, application: Application, public_id) -> Attachment:
    uid = _uuid(public_id)
    if uid is None:
        raise Attachment.DoesNotExist("No such attachment.")
    return Attachment.applicant_objects.get(public_id=uid, application=application)


def application_for_idempotency_key(*, key_hash: str) -> Application | None:
    """Internal to the submit path: the application a (namespaced, hashed) key created.
    Nearly every key is new: its id alone is looked up first (one indexed column, cheap to
    build and read), the application with its relations only when there is one."""
    found = list(
        Application.applicant_objects.filter(idempotency_key=key_hash)
        .order_by()
        .values_list("pk", flat=True)[:1]
    )
    return _applications().get(pk=found[0]) if found else None


# --- what the applicant may expect ----------------------------------------------------------


@dataclass(frozen=True)
class ServiceTerms:
    """Fee and processing time of the application's service at its authority, as the member
    publishes them (`catalog` activation); None / "" where the authority states nothing."""

    fee: Decimal | None
    processing_time: str


def application_terms(*, application: Application) -> ServiceTerms:
    """For the receipt and status pages (an authorised `application`): the authority's
    current statement, the same the service page and the application's start show."""
    activation = published_activation_get(
        organisation=application.tenant, ozg_leistung=application.ozg_leistung
    )
    if activation is None:
        return ServiceTerms(fee=None, processing_time="")
    return ServiceTerms(fee=activation.fee, processing_time=activation.processing_time)


# --- operations ---------------------------------------------------------------------------


def submissions_in_last_hour(*, now=None) -> int:
    """Named cross-tenant read for the metrics (`openkommune_submissions_last_hour`): a count
    over all authorities, nothing else."""
    since = (now or timezone.now()) - datetime.timedelta(hours=1)
    with scopes_disabled():
        return Application.objects.filter(submitted_at__gt=since).count()
