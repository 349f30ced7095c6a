"""E-mails to the applicant that something is waiting: a new message, a notice.

No personal data and nothing of the message or the notice goes into an e-mail: only the
reference, the authority's name, the link to the status page (with the secret token for an
applicant without an account, derived when the e-mail is built — never stored in the queue),
and for a notice the day it counts as delivered (§ 9 Abs. 1 Satz 6 OZG: the applicant is told
that a notice can be retrieved).

Each e-mail is a row of the platform's one outbox (`core.outbox`), created with `email_owe`
in the transaction of the change that owes it and sent by the outbox's job after the commit
(once; retried with backoff; after `core.outbox.MAX_ATTEMPTS` the row is `failed`, logged as
an error and listed for cooperative staff in the admin). Audit actions: `case_email.sent`,
`case_email.failed`, `case_email.retry`. Delivery is at least once.
"""

from __future__ import annotations

from django.core.mail import EmailMessage
from django.utils.translation import gettext_lazy as _

from openkommune.cases.models import Message, Notice
from openkommune.core import outbox
from openkommune.core.formatting import format_date
from openkommune.submissions.services import applicant_email, applicant_email_context
from openkommune.tenancy.scoping import scope

NEW_MESSAGE = "new_message"
NEW_NOTICE = "new_notice"
KINDS = (NEW_MESSAGE, NEW_NOTICE)


def outbox_kind(kind: str) -> str:
    return f"cases.{kind}"


def email_owe(*, kind: str, subject, base_url: str | None = None) -> bool:
    """Send the e-mail of `kind` about `subject` (a `Message` or `Notice`) after the commit.
    Call inside the transaction of the change. False when the applicant has no address."""
    if kind not in KINDS:
        raise ValueError(f"Unknown e-mail kind {kind!r}.")
    recipient = applicant_email(subject.case.application)
    if not recipient:
        return False
    outbox.owe(
        kind=outbox_kind(kind),
        tenant=subject.tenant,
        subject=subject,
        recipient=recipient,
        base_url=base_url or "",
        dedupe_key=f"{outbox_kind(kind)}:{subject.public_id}",
    )
    return True


# --- building ----------------------------------------------------------------------------------


def _subject_row(kind: str, **lookup):
    model = Message if kind == NEW_MESSAGE else Notice
    return (
        model.objects.select_related("tenant", "case__application__user").filter(**lookup).first()
    )


def build_email(
    kind: str, subject, *, base_url: str | None = None, recipient: str | None = None
) -> EmailMessage:
    """The e-mail about `subject` (inside a scope of its tenant)."""
    application = subject.case.application
    context = applicant_email_context(application, base_url=base_url, sender=subject.tenant.name)
    if kind == NEW_NOTICE:
        context["deemed_delivered_on"] = format_date(subject.deemed_delivered_on)
    to = recipient or applicant_email(application)
    return outbox.render_email(f"cases/email/{kind}", context, to=[to])


def _builder(kind: str):
    def build(row) -> EmailMessage:
        with scope(tenant=row.tenant_id):
            subject = _subject_row(kind, pk=row.subject_id)
            return build_email(kind, subject, base_url=row.base_url, recipient=row.recipient)

    return build


def _reference(row) -> str:
    with scope(tenant=row.tenant_id):
        return row.subject.case.application.reference


for _kind, _label in (
    (NEW_MESSAGE, _("Hinweis auf eine neue Nachricht")),
    (NEW_NOTICE, _("Hinweis auf einen neuen Bescheid")),
):
    outbox.register(
        outbox_kind(_kind),
        build=_builder(_kind),
        audit="case_email",
        label=_label,
        reference=_reference,
    )
