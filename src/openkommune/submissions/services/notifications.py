"""E-mails to applicants: the confirmation of an application and the resume link of a draft.

Each e-mail owed is a row of the platform's one outbox (`core.outbox`), created in the
transaction of the change that owes it (unique `dedupe_key`: one confirmation per
application) and sent by the outbox's job after the commit: rendered in German when sent
(the status or resume link with its secret token is derived then, never stored), retried
with backoff, sent once; a row that used up its attempts is `failed`, logged as an error and
listed for cooperative staff in the admin. Audit actions: `notification.sent|failed|retry`.

No e-mail contains anything the applicant typed into the form.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.mail import EmailMessage

from openkommune.core import outbox
from openkommune.core.models import OutboxMail
from openkommune.submissions import links
from openkommune.submissions.constants import NotificationKind
from openkommune.submissions.models import Application, Draft
from openkommune.submissions.services.receipts import berlin_time_text
from openkommune.submissions.tokens import derive_token

# The outbox's kinds of these e-mails.
CONFIRMATION = f"submissions.{NotificationKind.APPLICATION_CONFIRMATION}"
RESUME_LINK = f"submissions.{NotificationKind.DRAFT_RESUME_LINK}"


def confirmation_dedupe_key(application: Application) -> str:
    return f"{NotificationKind.APPLICATION_CONFIRMATION}:{application.public_id}"


def _is_demo(tenant) -> bool:
    return bool(settings.DEMO_MODE or tenant.is_demo)


def _draft_recipient(draft: Draft) -> str:
    return draft.email or (draft.user.email if draft.user_id else "")


# --- owing an e-mail (called inside the transaction of the change) ---------------------


def confirmation_owe(*, application: Application, base_url: str | None) -> OutboxMail | None:
    """Record that the applicant is owed a confirmation and send it after the commit.
    Nothing when the application has no e-mail address. Called by the submit, in the
    transaction that inserted the application (one confirmation per application)."""
    if not application.email:
        return None
    row, _created = outbox.owe(
        kind=CONFIRMATION,
        tenant=application.tenant,
        subject=application,
        recipient=application.email,
        base_url=base_url or settings.SITE_URL,
        dedupe_key=confirmation_dedupe_key(application),
        new_subject=True,
    )
    return row


def resume_link_owe(*, draft: Draft, base_url: str | None) -> OutboxMail:
    """Record a resume-link e-mail for the draft (each request that passes the cooldown of
    `drafts.draft_send_resume_link` is its own e-mail)."""
    row, _created = outbox.owe(
        kind=RESUME_LINK,
        tenant=draft.tenant,
        subject=draft,
        recipient=_draft_recipient(draft),
        base_url=base_url or settings.SITE_URL,
        dedupe_key=f"{NotificationKind.DRAFT_RESUME_LINK}:{draft.public_id}:{uuid.uuid4()}",
    )
    return row


def resume_link_last_owed(*, draft: Draft):
    """When the newest resume-link e-mail of the draft was owed (None if never)."""
    return (
        outbox.mails_about(draft)
        .filter(kind=RESUME_LINK)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )


def confirmation_of(application: Application) -> OutboxMail | None:
    """The confirmation e-mail of an application (None when none was owed)."""
    return OutboxMail.objects.filter(dedupe_key=confirmation_dedupe_key(application)).first()


# --- the messages (built by the outbox's job) ------------------------------------------------


# Only what the confirmation shows, in one small query (no model instances built): neither
# the answers nor the form's definition are read — no e-mail contains anything the applicant
# typed, and both are large JSON.
_CONFIRMATION_FIELDS = (
    "reference",
    "submitted_at",
    "authority",
    "user_id",
    "status_token_salt",
    "form_version__form__title",
    "tenant__is_demo",
)


def _confirmation_load(rows: list[OutboxMail]) -> dict[int, dict]:
    """What the confirmations of a drained batch show, in one query for the batch (the
    outbox's `Kind.load`): row pk -> the application's fields."""
    found = {
        application.pop("pk"): application
        for application in Application.applicant_objects.filter(
            pk__in={row.subject_id for row in rows}
        ).values("pk", *_CONFIRMATION_FIELDS)
    }
    return {row.pk: found[row.subject_id] for row in rows if row.subject_id in found}


def _confirmation_message(row: OutboxMail, loaded: dict | None = None) -> EmailMessage:
    application = loaded or (
        Application.applicant_objects.filter(pk=row.subject_id).values(*_CONFIRMATION_FIELDS).get()
    )
    anonymous = application["user_id"] is None
    token = (
        derive_token(purpose="status", salt=application["status_token_salt"]) if anonymous else None
    )
    context = {
        "reference": application["reference"],
        # `Application.service_name`: the form's title.
        "service_name": application["form_version__form__title"],
        "submitted_at_text": berlin_time_text(application["submitted_at"]),
        "authority": application["authority"],
        "status_url": links.status_url(
            reference=application["reference"], token=token, base_url=row.base_url
        ),
        "secret_link": anonymous,
        "is_demo": bool(settings.DEMO_MODE or application["tenant__is_demo"]),
    }
    return _message("application_confirmation", context, recipient=row.recipient)


def _resume_message(row: OutboxMail) -> EmailMessage:
    draft = Draft.applicant_objects.select_related(
        "tenant", "ozg_leistung", "form_version__form"
    ).get(pk=row.subject_id)
    token = None
    if draft.user_id is None:
        token = derive_token(purpose="resume", salt=draft.resume_token_salt)
    context = {
        "service_name": draft.service_name,
        "resume_url": links.resume_url(
            public_id=draft.public_id, token=token, base_url=row.base_url
        ),
        "expires_at_text": (
            berlin_time_text(draft.resume_token_expires_at)
            if token and draft.resume_token_expires_at
            else ""
        ),
        "is_demo": _is_demo(draft.tenant),
    }
    return _message("draft_resume_link", context, recipient=row.recipient)


def _message(name: str, context: dict, *, recipient: str) -> EmailMessage:
    return outbox.render_email(f"submissions/email/{name}", context, to=[recipient])


def _application_reference(row: OutboxMail) -> str:
    return row.subject.reference


outbox.register(
    CONFIRMATION,
    build=_confirmation_message,
    load=_confirmation_load,
    audit="notification",
    label=NotificationKind.APPLICATION_CONFIRMATION.label,
    reference=_application_reference,
)
outbox.register(
    RESUME_LINK,
    build=_resume_message,
    audit="notification",
    label=NotificationKind.DRAFT_RESUME_LINK.label,
)
