"""E-mails to the applicant that something is waiting: a new message, a notice.

No personal data and nothing of the message or the notice goes into an e-mail: only the
reference, the authority's name, the link to the status page (with the secret token for an
applicant without an account, derived when the e-mail is built — never stored in the queue),
and for a notice the day it counts as delivered (§ 9 Abs. 1 Satz 6 OZG: the applicant is told
that a notice can be retrieved).

Each e-mail is a job of the platform's outbox (`core.outbox`) enqueued after the commit of
the change that owes it (`email_owe`). The job carries ids only. A failed send is retried
with the outbox's backoff (the attempt number travels with the job) and given up after
`core.outbox.MAX_ATTEMPTS`, logged as an error and recorded in the tenancy audit trail
(`case_email.failed`); a sent e-mail is recorded as `case_email.sent`, which also keeps a
repeated job from sending it twice. Delivery is at least once.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage

from openkommune.cases.models import Message, Notice
from openkommune.core import jobs, outbox
from openkommune.core.formatting import format_date
from openkommune.submissions.services import application_status_url
from openkommune.tenancy.scoping import scope
from openkommune.tenancy.selectors import audit_record_list
from openkommune.tenancy.services import audit_record

NEW_MESSAGE = "new_message"
NEW_NOTICE = "new_notice"
KINDS = (NEW_MESSAGE, NEW_NOTICE)
# The job of `email_tasks.py`, found by name (`core.jobs`).
CASE_EMAIL_JOB = "cases.case_email"


def recipient_of(application) -> str:
    """The applicant's address: the one given with the application, else the account's."""
    if application.email:
        return application.email
    user = application.user if application.user_id else None
    return user.email if user is not None else ""


def email_owe(*, kind: str, subject, base_url: str | None = None) -> bool:
    """Send the e-mail of `kind` about `subject` (a `Message` or `Notice`) after the commit.
    Call inside the transaction of the change. False when the applicant has no address."""
    if kind not in KINDS:
        raise ValueError(f"Unknown e-mail kind {kind!r}.")
    if not recipient_of(subject.case.application):
        return False
    args = (kind, subject.tenant_id, str(subject.public_id), (base_url or "")[:200], 1)
    jobs.enqueue_on_commit(CASE_EMAIL_JOB, *args)
    return True


# --- building ----------------------------------------------------------------------------------


def _subject_row(kind: str, public_id: str):
    model = Message if kind == NEW_MESSAGE else Notice
    return (
        model.objects.select_related("tenant", "case__application__user")
        .filter(public_id=public_id)
        .first()
    )


def build_email(kind: str, subject, *, base_url: str | None = None) -> EmailMessage:
    """The e-mail about `subject` (inside a scope of its tenant)."""
    application = subject.case.application
    context = {
        "reference": application.reference,
        "authority_name": (application.authority or {}).get("name") or subject.tenant.name,
        "status_url": application_status_url(application, base_url=base_url or None),
        "secret_link": application.user_id is None,
        "is_demo": bool(settings.DEMO_MODE or application.is_demo),
    }
    if kind == NEW_NOTICE:
        context["deemed_delivered_on"] = format_date(subject.deemed_delivered_on)
    return outbox.render_email(f"cases/email/{kind}", context, to=[recipient_of(application)])


# --- sending (the job) -------------------------------------------------------------------------


def email_deliver(*, kind: str, tenant_id: int, public_id: str, base_url: str, attempt: int) -> str:
    """Send one owed e-mail now: "sent", "retry", "failed", or "missing" when the message
    or notice is gone (retention) or the applicant has no address any more."""
    with scope(tenant=tenant_id):
        subject = _subject_row(kind, public_id)
        if subject is None or not recipient_of(subject.case.application):
            return "missing"
        already = audit_record_list(tenant=subject.tenant).filter(
            action="case_email.sent", object_id=str(subject.public_id)
        )
        if already.exists():
            return "sent"
        try:
            build_email(kind, subject, base_url=base_url).send()
        except Exception as error:  # templates, links or the mail server: retry
            return _failed(kind, subject, base_url, attempt, error)
        audit_record(
            tenant=subject.tenant,
            actor=None,
            action="case_email.sent",
            obj=subject,
            after={"kind": kind, "attempts": attempt},
        )
        return "sent"


def _failed(kind, subject, base_url, attempt, error) -> str:
    next_attempt = outbox.attempt_failed(
        job=CASE_EMAIL_JOB,
        args=(kind, subject.tenant_id, str(subject.public_id), base_url, attempt + 1),
        attempt=attempt,
        error=error,
        label=f"E-mail {kind} about {subject.public_id}",
    )
    if next_attempt is not None:
        return "retry"
    # Only the error's type: a mail server's text often quotes the recipient's address,
    # and the audit record is immutable and outlives the case's anonymisation. The full
    # text went to the operator's log.
    audit_record(
        tenant=subject.tenant,
        actor=None,
        action="case_email.failed",
        obj=subject,
        after={"kind": kind, "attempts": attempt, "error": type(error).__name__},
    )
    return "failed"
