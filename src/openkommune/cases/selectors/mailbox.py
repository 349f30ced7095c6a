"""Reads of the applicant's side: messages and notices of their application.

The applicant has no tenant. Every function here takes an `application` that the caller has
already authorised for this applicant (`submissions.selectors.application_get_for_applicant`,
through `submissions.selectors.journey.application_for_request` on pages: owner user, status
token or the session's grant, see docs/adr/0006-applicant-access.md) and reads only below it,
inside a scope of the application's own tenant. Anything not belonging to that application
is `DoesNotExist`, like a missing row.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from openkommune.cases.constants import CaseStatus, MessageDirection
from openkommune.cases.models import Case, Message, MessageAttachment, Notice
from openkommune.cases.services.messaging import parse_uuid
from openkommune.submissions.selectors import applications_for_user
from openkommune.tenancy.scoping import scope


def applicant_case(*, application) -> Case | None:
    with scope(tenant=application.tenant_id):
        return Case.objects.filter(application=application).first()


def applicant_messages(*, application) -> list[Message]:
    """The conversation, oldest first, with the files."""
    with scope(tenant=application.tenant_id):
        return list(
            Message.objects.filter(case__application=application)
            .prefetch_related("attachments")
            .order_by("sent_at", "id")
        )


def _get_below(application, public_id, rows):
    """The row with `public_id` among `rows()` (built inside the scope of the application's
    tenant); a malformed id is `DoesNotExist` like a missing row."""
    key = parse_uuid(public_id)
    with scope(tenant=application.tenant_id):
        queryset = rows()
        if key is None:
            raise queryset.model.DoesNotExist
        return queryset.get(public_id=key)


def applicant_message_attachment_get(*, application, public_id) -> MessageAttachment:
    return _get_below(
        application,
        public_id,
        lambda: MessageAttachment.objects.filter(message__case__application=application),
    )


def applicant_notices(*, application) -> list[Notice]:
    """The notices in the mailbox, newest first."""
    with scope(tenant=application.tenant_id):
        return list(
            Notice.objects.filter(case__application=application)
            .select_related("case")
            .order_by("-made_available_at", "-id")
        )


def applicant_notice_get(*, application, public_id) -> Notice:
    return _get_below(
        application,
        public_id,
        lambda: Notice.objects.select_related("case").filter(case__application=application),
    )


@dataclass(frozen=True)
class MailboxSummary:
    """What the status page says about messages and notices."""

    has_case: bool
    messages: int
    unread_messages: int
    question_open: bool  # the authority waits for an answer
    can_reply: bool
    notices: int
    unopened_notices: int


def applicant_mailbox_summary(*, application) -> MailboxSummary:
    case = applicant_case(application=application)
    if case is None:
        return MailboxSummary(False, 0, 0, False, False, 0, 0)
    with scope(tenant=application.tenant_id):
        messages = Message.objects.filter(case=case)
        to_applicant = messages.filter(direction=MessageDirection.TO_APPLICANT)
        notices = Notice.objects.filter(case=case)
        has_question = to_applicant.exists()
        return MailboxSummary(
            has_case=True,
            messages=messages.count(),
            unread_messages=to_applicant.filter(read_at__isnull=True).count(),
            question_open=case.status == CaseStatus.INFORMATION_REQUESTED,
            can_reply=has_question and applicant_can_reply(case),
            notices=notices.count(),
            unopened_notices=notices.filter(first_opened_at__isnull=True).count(),
        )


def applicant_can_reply(case: Case) -> bool:
    """The answer form is offered while the case is not closed (see
    `messaging.message_reply_from_applicant`, which decides)."""
    return case.status != CaseStatus.CLOSED and case.anonymised_at is None


# --- the account page: every notice and message of the logged-in applicant ----------------


@dataclass(frozen=True)
class AccountMailbox:
    """Notices and messages of all the user's applications, newest first (lazy querysets,
    built inside a scope of exactly the tenants of those applications)."""

    notices: QuerySet[Notice]
    messages: QuerySet[Message]


def applicant_mailbox_for_user(*, user) -> AccountMailbox:
    """What the authorities sent about the user's own applications (owner = the account:
    `submissions.selectors.applications_for_user`), for the account page."""
    applications = applications_for_user(user=user)
    tenant_ids = set(applications.values_list("tenant_id", flat=True).order_by())
    with scope(tenants=tenant_ids):
        notices = (
            Notice.objects.filter(case__application__in=applications)
            .select_related("case__application__form_version__form", "tenant")
            .order_by("-made_available_at", "-id")
        )
        messages = (
            Message.objects.filter(case__application__in=applications)
            .select_related("case__application__form_version__form", "tenant")
            .order_by("-sent_at", "-id")
        )
    return AccountMailbox(notices=notices, messages=messages)
