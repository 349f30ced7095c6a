"""E-mails to applicants: the confirmation of an application and the resume link of a draft.

Each e-mail owed is a `NotificationLog` row, created in the transaction of the change that
owes it (unique `dedupe_key`: one confirmation per application), and sent by a job after the
commit (`tasks.py`) through the platform's outbox (`core.outbox`: retries with backoff,
German rendering). Sending is idempotent (a row that is `sent` is never sent again); a row
that used up its attempts is `failed`, logged as an error and listed in the admin for an
operator.

No e-mail contains anything the applicant typed into the form.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction

from openkommune.core import jobs, outbox
from openkommune.submissions import links
from openkommune.submissions.constants import NotificationKind, NotificationStatus
from openkommune.submissions.models import Application, Draft, NotificationLog
from openkommune.submissions.services.receipts import berlin_time_text
from openkommune.submissions.tokens import derive_token
from openkommune.tenancy.scoping import scope
from openkommune.tenancy.services import audit_record

# The jobs of `tasks.py`, found by name (`core.jobs`).
CONFIRMATION_JOB = "submissions.application_confirmation"
NOTIFICATION_JOB = "submissions.notification"


def confirmation_dedupe_key(application: Application) -> str:
    return f"{NotificationKind.APPLICATION_CONFIRMATION}:{application.public_id}"


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
        _enqueue_after_commit(notification)
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
    _enqueue_after_commit(notification)
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


def _job_of(notification: NotificationLog) -> tuple[str, tuple]:
    # The confirmation's job takes the application's id, so it can create a missing row.
    if notification.kind == NotificationKind.APPLICATION_CONFIRMATION:
        return CONFIRMATION_JOB, (str(notification.application.public_id),)
    return NOTIFICATION_JOB, (str(notification.public_id),)


def _enqueue_after_commit(notification: NotificationLog) -> None:
    """Queue the job that sends this e-mail once the current transaction commits."""
    job, args = _job_of(notification)
    jobs.enqueue_on_commit(job, *args)


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
    }
    recipient = draft.email or (draft.user.email if draft.user_id else "")
    return _message("draft_resume_link", context, recipient=recipient)


def _message(name: str, context: dict, *, recipient: str) -> EmailMessage:
    return outbox.render_email(f"submissions/email/{name}", context, to=[recipient])


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
        job, args = _job_of(notification)
        status = outbox.deliver_row(
            notification,
            _BUILDERS[notification.kind],
            job=job,
            args=args,
            label=f"E-mail {notification.public_id} ({notification.kind})",
        )
        if status in (NotificationStatus.SENT, NotificationStatus.FAILED):
            audit_record(
                tenant=notification.tenant,
                actor=None,
                action=f"notification.{status}",
                obj=notification,
                after={"kind": notification.kind, "attempts": notification.attempts},
            )
        return status


def notification_retry(*, actor, notification: NotificationLog) -> NotificationLog:
    """Give a failed e-mail a new round of attempts (operator action in the admin)."""
    with transaction.atomic():
        locked = NotificationLog.applicant_objects.select_for_update(of=("self",)).get(
            pk=notification.pk
        )
        if locked.status != NotificationStatus.FAILED:
            return locked
        outbox.restart_row(locked)
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
