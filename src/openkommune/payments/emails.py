"""The e-mail that a Gebührenbescheid waits for the applicant (pay later, ADR 0029).

Like the back office's e-mails about a new notice (`cases.services.emails`): no personal data
and nothing of the notice's content, only the reference, the authority, the due date and the
link to the status page, where the notice and its pay link are (with the secret token for an
applicant without an account, derived when the e-mail is built, never stored in the queue).
Owed in the transaction that issues the notice, sent by the outbox after the commit; audit
actions `fee_notice_email.sent` / `.failed` / `.retry`.
"""

from __future__ import annotations

from django.core.mail import EmailMessage
from django.utils.translation import gettext_lazy as _

from openkommune.core import outbox
from openkommune.core.formatting import format_date
from openkommune.payments.models import FeeNotice
from openkommune.submissions.services import applicant_email, applicant_email_context

KIND = "payments.fee_notice"


def email_owe(notice: FeeNotice, *, base_url: str | None = None) -> bool:
    """Tell the applicant about `notice` after the commit (call inside the transaction that
    issues it). False when the applicant left no address."""
    recipient = applicant_email(notice.application)
    if not recipient:
        return False
    outbox.owe(
        kind=KIND,
        tenant=notice.tenant,
        subject=notice,
        recipient=recipient,
        base_url=base_url or "",
        dedupe_key=f"{KIND}:{notice.public_id}",
        new_subject=True,
    )
    return True


def build_email(
    notice: FeeNotice, *, base_url: str | None = None, recipient: str | None = None
) -> EmailMessage:
    application = notice.application
    context = applicant_email_context(application, base_url=base_url, sender=notice.tenant.name)
    context["due_on"] = format_date(notice.due_on)
    context["is_demo"] = context["is_demo"] or notice.is_demo
    return outbox.render_email(
        "payments/email/fee_notice", context, to=[recipient or applicant_email(application)]
    )


def _notice(row) -> FeeNotice:
    return FeeNotice.applicant_objects.select_related("tenant", "application__user").get(
        pk=row.subject_id
    )


outbox.register(
    KIND,
    build=lambda row: build_email(_notice(row), base_url=row.base_url, recipient=row.recipient),
    audit="fee_notice_email",
    label=_("Hinweis auf einen Gebührenbescheid"),
    reference=lambda row: _notice(row).application.reference,
)
