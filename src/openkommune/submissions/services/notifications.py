"""E-mails to applicants: the confirmation of an application and the resume link of a draft.

Each e-mail owed is a `NotificationLog` row, created in the transaction of the change that
owes it (unique `dedupe_key`: one confirmation per application), and sent by a job after the
commit (`tasks.py`). Sending is idempotent (a row that is `sent` is never sent again) and
retried with backoff; after `NOTIFICATION_MAX_ATTEMPTS` the row is `failed`, logged as an
error and listed in the admin for an operator. Delivery is at least once: a crash between
the mail server's "accepted" and our commit can send one e-mail twice.

No e-mail contains anything the applicant typed into the form.
"""

from __future__ import annotations

import datetime
import logging
import uuid

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from openkommune.submissions import links
from openkommune.submissions.constants import (
    NOTIFICATION_MAX_ATTEMPTS,
    NOTIFICATION_RETRY_BASE_SECONDS,
    NotificationKind,
    NotificationStatus,
)
from openkommune.submissions.models import Application, Draft, NotificationLog
from openkommune.submissions.services.receipts import PLATFORM_NAME, berlin_time_text
from openkommune.submissions.tokens import derive_token
from openkommune.tenancy.scoping import scope
from openkommune.tenancy.services import audit_record

logger = logging.getLogger(__name__)


def confirmation_dedupe_key(application: Application) -> str:
    return f"{NotificationKind.APPLICATION_CONFIRMATION}:{application.public_id}"


def retry_delay(attempts: int) -> datetime.timedelta:
    """Wait before attempt `attempts + 1`: 1, 4, 16, 64 minutes."""
    return datetime.timedelta(seconds=NOTIFICATION_RETRY_BASE_SECONDS * 4 ** (attempts - 1))


def _is_demo(tenant) -> bool:
    return bool(settings.DEMO_MODE or tenant.is_demo)


# --- owing an e-mail (called inside the transaction of the change) ---------------------


def confirmation_owe(*, application: Application, base_url: str | None) -> NotificationLog | None:
    """Record that the applicant is owed a confirmation and send it after the commit.
    Nothing when the application has no e-mail address."""
    if not application.email:
        return None
    with scope(tenant=application.tenant):
        notification, created = NotificationLog.objects.get_or_create(
            dedupe_key=confirmation_dedupe_key(application),
            defaults={
                "tenant": application.tenant,
                "kind": NotificationKind.APPLICATION_CONFIRMATION,
                "application": application,
                "base_url": (base_url or settings.SITE_URL)[:200],
            },
        )
    if created:
        public_id = str(application.public_id)
        transaction.on_commit(lambda: _enqueue_confirmation(public_id))
    return notification


def resume_link_owe(*, draft: Draft, base_url: str | None) -> NotificationLog:
    """Record a resume-link e-mail for the draft (each request that passes the cooldown of
    `drafts.draft_send_resume_link` is its own e-mail)."""
    with scope(tenant=draft.tenant):
        notification = NotificationLog.objects.create(
            tenant=draft.tenant,
            kind=NotificationKind.DRAFT_RESUME_LINK,
            dedupe_key=f"{NotificationKind.DRAFT_RESUME_LINK}:{draft.public_id}:{uuid.uuid4()}",
            draft=draft,
            base_url=(base_url or settings.SITE_URL)[:200],
        )
    public_id = str(notification.public_id)
    transaction.on_commit(lambda: _enqueue_notification(public_id))
    return notification


def resume_link_last_owed(*, draft: Draft):
    """When the newest resume-link e-mail of the draft was owed (None if never)."""
    return (
        NotificationLog.applicant_objects.filter(
            draft=draft, kind=NotificationKind.DRAFT_RESUME_LINK
        )
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )


def _enqueue_confirmation(application_public_id: str, *, run_after=None) -> None:
    from openkommune.submissions.tasks import send_application_confirmation

    _enqueue(send_application_confirmation, application_public_id, run_after=run_after)


def _enqueue_notification(notification_public_id: str, *, run_after=None) -> None:
    from openkommune.submissions.tasks import send_notification

    _enqueue(send_notification, notification_public_id, run_after=run_after)


def _enqueue_after_commit(notification: NotificationLog, *, run_after=None) -> None:
    """Queue the job that sends this e-mail once the current transaction commits."""
    if notification.kind == NotificationKind.APPLICATION_CONFIRMATION:
        public_id = str(notification.application.public_id)
        transaction.on_commit(lambda: _enqueue_confirmation(public_id, run_after=run_after))
    else:
        public_id = str(notification.public_id)
        transaction.on_commit(lambda: _enqueue_notification(public_id, run_after=run_after))


def _enqueue(task, *args, run_after=None) -> None:
    # A backend that cannot defer (the immediate one) retries at once; the attempt limit
    # still ends the loop.
    if run_after is not None and task.get_backend().supports_defer:
        task = task.using(run_after=run_after)
    task.enqueue(*args)


# --- the messages ------------------------------------------------------------------------


def _confirmation_message(notification: NotificationLog) -> EmailMessage:
    application = notification.application
    anonymous = application.user_id is None
    token = (
        derive_token(purpose="status", salt=application.status_token_salt) if anonymous else None
    )
    context = {
        "reference": application.reference,
        "service_name": application.ozg_leistung.name,
        "submitted_at_text": berlin_time_text(application.submitted_at),
        "authority": application.authority,
        "status_url": links.status_url(
            reference=application.reference, token=token, base_url=notification.base_url
        ),
        "secret_link": anonymous,
        "is_demo": _is_demo(application.tenant),
        "platform_name": PLATFORM_NAME,
    }
    return _message("application_confirmation", context, recipient=application.email)


def _resume_message(notification: NotificationLog) -> EmailMessage:
    draft = notification.draft
    token = None
    if draft.user_id is None:
        token = derive_token(purpose="resume", salt=draft.resume_token_salt)
    context = {
        "service_name": draft.ozg_leistung.name,
        "resume_url": links.resume_url(
            public_id=draft.public_id, token=token, base_url=notification.base_url
        ),
        "expires_at_text": (
            berlin_time_text(draft.resume_token_expires_at)
            if token and draft.resume_token_expires_at
            else ""
        ),
        "is_demo": _is_demo(draft.tenant),
        "platform_name": PLATFORM_NAME,
    }
    recipient = draft.email or (draft.user.email if draft.user_id else "")
    return _message("draft_resume_link", context, recipient=recipient)


def _message(name: str, context: dict, *, recipient: str) -> EmailMessage:
    with translation.override("de"):
        subject = render_to_string(f"submissions/email/{name}_subject.txt", context)
        body = render_to_string(f"submissions/email/{name}_body.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body.strip() + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient],
    )


_BUILDERS = {
    NotificationKind.APPLICATION_CONFIRMATION: _confirmation_message,
    NotificationKind.DRAFT_RESUME_LINK: _resume_message,
}


# --- sending (called by the jobs) ----------------------------------------------------------


def confirmation_for(application_public_id: str) -> NotificationLog | None:
    """The confirmation row of an application (created if the job runs for one without)."""
    application = (
        Application.applicant_objects.select_related("tenant").filter(
            public_id=application_public_id
        )
    ).first()
    if application is None:
        return None
    existing = NotificationLog.applicant_objects.filter(
        dedupe_key=confirmation_dedupe_key(application)
    ).first()
    if existing is not None or not application.email:
        return existing
    with transaction.atomic():
        return confirmation_owe(application=application, base_url=None)


def notification_deliver(*, notification_public_id: str) -> str:
    """Send one owed e-mail now. Returns the row's status afterwards. Never raises for a
    failed send: it records the attempt and schedules the next one (or gives up)."""
    with transaction.atomic():
        notification = (
            NotificationLog.applicant_objects.select_for_update(of=("self",))
            .select_related(
                "tenant",
                "application__ozg_leistung",
                "application__tenant",
                "draft__ozg_leistung",
                "draft__tenant",
                "draft__user",
            )
            .filter(public_id=notification_public_id)
            .first()
        )
        if notification is None or notification.status != NotificationStatus.PENDING:
            return notification.status if notification else "missing"
        notification.attempts += 1
        try:
            _BUILDERS[notification.kind](notification).send()
        except Exception as error:  # any failure of templates, links or the mail server
            return _record_failure(notification, error)
        notification.status = NotificationStatus.SENT
        notification.sent_at = timezone.now()
        notification.next_attempt_at = None
        notification.last_error = ""
        notification.save()
        audit_record(
            tenant=notification.tenant,
            actor=None,
            action="notification.sent",
            obj=notification,
            after={"kind": notification.kind, "attempts": notification.attempts},
        )
        return notification.status


def _record_failure(notification: NotificationLog, error: Exception) -> str:
    notification.last_error = f"{type(error).__name__}: {error}"[:2000]
    if notification.attempts >= NOTIFICATION_MAX_ATTEMPTS:
        notification.status = NotificationStatus.FAILED
        notification.next_attempt_at = None
        notification.save()
        audit_record(
            tenant=notification.tenant,
            actor=None,
            action="notification.failed",
            obj=notification,
            after={"kind": notification.kind, "attempts": notification.attempts},
        )
        logger.error(
            "E-mail %s (%s) given up after %d attempts: %s",
            notification.public_id,
            notification.kind,
            notification.attempts,
            notification.last_error,
        )
        return notification.status
    notification.next_attempt_at = timezone.now() + retry_delay(notification.attempts)
    notification.save()
    logger.warning(
        "E-mail %s (%s) attempt %d failed, next at %s: %s",
        notification.public_id,
        notification.kind,
        notification.attempts,
        notification.next_attempt_at.isoformat(),
        notification.last_error,
    )
    _enqueue_after_commit(notification, run_after=notification.next_attempt_at)
    return notification.status


def notification_retry(*, actor, notification: NotificationLog) -> NotificationLog:
    """Give a failed e-mail a new round of attempts (operator action in the admin)."""
    with transaction.atomic():
        locked = NotificationLog.applicant_objects.select_for_update(of=("self",)).get(
            pk=notification.pk
        )
        if locked.status != NotificationStatus.FAILED:
            return locked
        locked.status = NotificationStatus.PENDING
        locked.attempts = 0
        locked.next_attempt_at = None
        locked.save()
        audit_record(
            tenant=locked.tenant,
            actor=actor,
            action="notification.retry",
            obj=locked,
            after={"kind": locked.kind},
        )
        _enqueue_after_commit(locked)
        return locked
