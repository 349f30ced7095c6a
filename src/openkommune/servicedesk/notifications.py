"""E-mails of the support desk, through the platform's one outbox (`core.outbox`).

- **Opened** (`servicedesk.opened`): the requester learns the ticket's number. For a ticket
  opened on the page the opening message gets a Message-ID of ours, which this e-mail carries;
  for one opened by mail this e-mail answers the member's own message (In-Reply-To). Either
  way an answer to it threads into the ticket.
- **Reply** (`servicedesk.reply`): a public answer of the cooperative goes to the ticket's
  requester. It carries its own Message-ID (stored on the `TicketMessage` when it is written),
  In-Reply-To/References naming the ticket's earlier messages and "[Ticket #n]" in the
  subject, so the requester's answer by mail threads into the ticket through the IMAP intake
  (`servicedesk.mail`). Reply-To is the support desk's mailbox (`SERVICEDESK_ADDRESS`).
- **Escalation** (`servicedesk.escalation`): a ticket used the warning share of a deadline;
  to the assigned agent, else the members of the ticket's team, else every cooperative staff
  person (the deputy rule).
- **Satisfaction** (`servicedesk.satisfaction`): after the ticket is solved or closed, the
  requester gets a signed link (`satisfaction_token`) to rate it from 1 to 5, valid for
  `SATISFACTION_LINK_DAYS`. The token is made when the e-mail is built, never stored.

Rows are owed in the transaction of the change with a dedupe key per event and recipient.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from openkommune.core import outbox
from openkommune.core.models import OutboxMail
from openkommune.servicedesk.constants import SATISFACTION_LINK_DAYS
from openkommune.servicedesk.models import TeamMember, Ticket, TicketEscalation, TicketMessage
from openkommune.tenancy.constants import Role
from openkommune.tenancy.models import Membership
from openkommune.tenancy.scoping import scope, scopes_disabled

OPENED = "servicedesk.opened"
REPLY = "servicedesk.reply"
ESCALATION = "servicedesk.escalation"
SATISFACTION = "servicedesk.satisfaction"
SATISFACTION_SALT = "openkommune.servicedesk.satisfaction"


def mail_domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "openkommune.invalid"


def new_message_id(ticket: Ticket) -> str:
    """A Message-ID of ours for a message on `ticket` (unique, names the ticket)."""
    return f"<ticket-{ticket.number}.{uuid.uuid4().hex}@{mail_domain()}>"


def is_ours(ticket: Ticket, message_id: str) -> bool:
    """Whether `message_id` is one `new_message_id` made for `ticket`."""
    return message_id.startswith(f"<ticket-{ticket.number}.") and message_id.endswith(
        f"@{mail_domain()}>"
    )


def subject_line(ticket: Ticket) -> str:
    return f"[Ticket #{ticket.number}] {ticket.subject}"


def _owe(kind: str, *, tenant, subject, recipient: str, key: str) -> OutboxMail:
    row, _created = outbox.owe(
        kind=kind,
        tenant=tenant,
        subject=subject,
        recipient=recipient,
        base_url=settings.SITE_URL,
        dedupe_key=f"{kind}:{key}"[:160],
    )
    return row


def staff_addresses() -> list[tuple[int, str]]:
    """(user id, e-mail) of the cooperative's active staff."""
    with scopes_disabled():
        rows = Membership.objects.filter(
            role=Role.COOPERATIVE_STAFF, tenant__is_cooperative=True, user__is_active=True
        ).values_list("user_id", "user__email")
        return sorted({(pk, email) for pk, email in rows if email})


def escalation_recipients(ticket: Ticket) -> list[tuple[int, str]]:
    """The assigned agent; else the ticket's team; else every cooperative staff person."""
    if ticket.assignee_id and ticket.assignee.email and ticket.assignee.is_active:
        return [(ticket.assignee_id, ticket.assignee.email)]
    team = sorted(
        {
            (pk, email)
            for pk, email in TeamMember.objects.filter(
                team=ticket.team, user__is_active=True
            ).values_list("user_id", "user__email")
            if email
        }
    )
    return team or staff_addresses()


# --- owing (inside the transaction of the change) -------------------------------------------


def opened_owe(*, ticket: Ticket) -> OutboxMail | None:
    if not ticket.reporter_email:
        return None
    return _owe(
        OPENED,
        tenant=ticket.tenant,
        subject=ticket,
        recipient=ticket.reporter_email,
        key=str(ticket.public_id),
    )


def reply_owe(*, message: TicketMessage) -> OutboxMail | None:
    ticket = message.ticket
    if not ticket.reporter_email:
        return None
    return _owe(
        REPLY,
        tenant=ticket.tenant,
        subject=message,
        recipient=ticket.reporter_email,
        key=str(message.public_id),
    )


def escalation_owe(*, escalation: TicketEscalation) -> list[OutboxMail]:
    return [
        _owe(
            ESCALATION,
            tenant=escalation.tenant,
            subject=escalation,
            recipient=email,
            key=f"{escalation.ticket.public_id}:{escalation.goal}:{user_id}",
        )
        for user_id, email in escalation_recipients(escalation.ticket)
    ]


def satisfaction_owe(*, ticket: Ticket) -> OutboxMail | None:
    """Once per ticket, however often it is solved, reopened and closed."""
    if not ticket.reporter_email:
        return None
    return _owe(
        SATISFACTION,
        tenant=ticket.tenant,
        subject=ticket,
        recipient=ticket.reporter_email,
        key=str(ticket.public_id),
    )


# --- the satisfaction link ------------------------------------------------------------------


def satisfaction_token(ticket: Ticket) -> str:
    return signing.dumps({"t": str(ticket.public_id)}, salt=SATISFACTION_SALT)


def satisfaction_ticket_id(token: str) -> str | None:
    """The ticket's public id in a valid, unexpired token, else None."""
    try:
        data = signing.loads(
            token, salt=SATISFACTION_SALT, max_age=SATISFACTION_LINK_DAYS * 24 * 3600
        )
    except signing.BadSignature:
        return None
    value = data.get("t") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


# --- the messages (built by the outbox's job) -------------------------------------------------


def _link(row: OutboxMail, path: str) -> str:
    return (row.base_url or settings.SITE_URL).rstrip("/") + path


def _reply_to() -> list[str]:
    return [settings.SERVICEDESK_ADDRESS] if settings.SERVICEDESK_ADDRESS else []


def build_reply(row: OutboxMail) -> EmailMessage:
    with scope(tenant=row.tenant_id):
        message = TicketMessage.objects.select_related("ticket").get(pk=row.subject_id)
        ticket = message.ticket
        earlier = list(
            ticket.messages.filter(internal=False, created_at__lte=message.created_at)
            .exclude(pk=message.pk)
            .exclude(message_id="")
            .values_list("message_id", flat=True)
        )
    email = outbox.render_email(
        "servicedesk/email/reply",
        {
            "ticket": ticket,
            "message": message,
            "subject_line": subject_line(ticket),
            "link": _link(row, reverse("servicedesk:detail", args=[ticket.public_id])),
        },
        to=[row.recipient],
        reply_to=_reply_to(),
    )
    email.extra_headers["Message-ID"] = message.message_id
    if earlier:
        email.extra_headers["In-Reply-To"] = earlier[-1]
        email.extra_headers["References"] = " ".join(earlier[-20:])
    return email


def build_opened(row: OutboxMail) -> EmailMessage:
    with scope(tenant=row.tenant_id):
        ticket = Ticket.objects.get(pk=row.subject_id)
        opening = ticket.messages.order_by("created_at", "pk").first()
    email = outbox.render_email(
        "servicedesk/email/opened",
        {
            "ticket": ticket,
            "subject_line": subject_line(ticket),
            "link": _link(row, reverse("servicedesk:detail", args=[ticket.public_id])),
        },
        to=[row.recipient],
        reply_to=_reply_to(),
    )
    if opening is not None and opening.message_id:
        if is_ours(ticket, opening.message_id):
            email.extra_headers["Message-ID"] = opening.message_id  # opened on the page
        else:
            email.extra_headers["In-Reply-To"] = opening.message_id  # opened by mail
            email.extra_headers["References"] = opening.message_id
    return email


def build_escalation(row: OutboxMail) -> EmailMessage:
    with scope(tenant=row.tenant_id):
        escalation = TicketEscalation.objects.select_related("ticket", "ticket__tenant").get(
            pk=row.subject_id
        )
    ticket = escalation.ticket
    return outbox.render_email(
        "servicedesk/email/escalation",
        {
            "ticket": ticket,
            "escalation": escalation,
            "subject_line": subject_line(ticket),
            "link": _link(row, reverse("servicedesk:detail", args=[ticket.public_id])),
        },
        to=[row.recipient],
    )


def build_satisfaction(row: OutboxMail) -> EmailMessage:
    with scope(tenant=row.tenant_id):
        ticket = Ticket.objects.get(pk=row.subject_id)
    path = reverse("servicedesk:satisfaction", args=[satisfaction_token(ticket)])
    return outbox.render_email(
        "servicedesk/email/satisfaction",
        {
            "ticket": ticket,
            "subject_line": subject_line(ticket),
            "link": _link(row, path),
            "days": SATISFACTION_LINK_DAYS,
        },
        to=[row.recipient],
        reply_to=_reply_to(),
    )


def _ticket_number(row: OutboxMail) -> str:
    subject = row.subject
    ticket = getattr(subject, "ticket", subject)
    return f"#{ticket.number}" if ticket is not None else ""


outbox.register(
    OPENED,
    build=build_opened,
    audit="servicedesk_mail",
    label=_("Ticket eröffnet"),
    reference=_ticket_number,
)
outbox.register(
    REPLY,
    build=build_reply,
    audit="servicedesk_mail",
    label=_("Antwort auf ein Ticket"),
    reference=_ticket_number,
)
outbox.register(
    ESCALATION,
    build=build_escalation,
    audit="servicedesk_mail",
    label=_("Ticket nähert sich der SLA-Frist"),
    reference=_ticket_number,
)
outbox.register(
    SATISFACTION,
    build=build_satisfaction,
    audit="servicedesk_mail",
    label=_("Zufriedenheitsfrage zu einem Ticket"),
    reference=_ticket_number,
)
