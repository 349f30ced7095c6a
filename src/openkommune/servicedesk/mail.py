"""Tickets from e-mail: read the support desk's IMAP mailbox (Python's imaplib) and turn each
unseen message into a ticket or, when it answers one, into a message on that ticket.

* Threading: a message whose In-Reply-To or References names the Message-ID of a stored
  ticket message joins that ticket; so does a subject carrying "[Ticket #<number>]" of a
  ticket of the sender's member. Everything else opens a new ticket.
* The sender must be a person with a membership of a member organisation (the address of
  their account); mail from anyone else opens nothing and is counted as refused.
* Attachments are scanned like the citizens' uploads (`submissions.services.get_scanner`):
  clean or "nicht geprüft" files are stored privately; infected or unscannable ones are recorded
  by name and result only.
* A processed message is flagged \\Seen, so the next run skips it; a refused one too (it stays
  in the mailbox for a person to read).
"""

from __future__ import annotations

import email
import imaplib
import logging
import re
import tempfile
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from openkommune.accounts.models import User
from openkommune.core.files import save_private
from openkommune.servicedesk import services
from openkommune.servicedesk.constants import Category, Priority
from openkommune.servicedesk.models import Ticket, TicketAttachment, TicketMessage
from openkommune.submissions.constants import ScanResult
from openkommune.submissions.services import get_scanner
from openkommune.tenancy.constants import Role
from openkommune.tenancy.models import Membership
from openkommune.tenancy.scoping import scope, scopes_disabled

logger = logging.getLogger(__name__)

SUBJECT_TAG = re.compile(r"\[Ticket #(\d+)\]")
MESSAGE_ID = re.compile(r"<[^<>\s]+>")
KEPT_RESULTS = frozenset({ScanResult.CLEAN, ScanResult.NOT_SCANNED})


@dataclass
class FetchResult:
    opened: list[Ticket] = field(default_factory=list)
    replies: list[TicketMessage] = field(default_factory=list)
    refused: int = 0


def _sender(message: EmailMessage):
    address = parseaddr(str(message.get("From", "")))[1].strip().lower()
    if not address:
        return address, None, None
    with scopes_disabled():
        user = User.objects.filter(email__iexact=address, is_active=True).first()
        if user is None:
            return address, None, None
        membership = (
            Membership.objects.filter(user=user, tenant__is_cooperative=False)
            .exclude(role=Role.COOPERATIVE_STAFF)
            .select_related("tenant")
            .order_by("pk")
            .first()
        )
    return address, user, membership.tenant if membership else None


def _thread(message: EmailMessage, tenant) -> Ticket | None:
    ids = MESSAGE_ID.findall(f"{message.get('In-Reply-To', '')} {message.get('References', '')}")
    with scope(tenant=tenant):
        if ids:
            known = (
                TicketMessage.objects.filter(message_id__in=ids).select_related("ticket").first()
            )
            if known is not None:
                return known.ticket
        tag = SUBJECT_TAG.search(str(message.get("Subject", "")))
        if tag:
            return Ticket.objects.filter(number=int(tag.group(1))).first()
    return None


def _body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    text = part.get_content() if part is not None else ""
    return text.strip() or "(ohne Text)"


def _attachments(message: EmailMessage, stored: TicketMessage) -> None:
    scanner = get_scanner()
    for part in message.iter_attachments():
        name = Path(part.get_filename() or "anhang").name[:255]
        content = part.get_payload(decode=True) or b""
        with tempfile.NamedTemporaryFile(prefix="ok-mail-") as spool:
            spool.write(content)
            spool.flush()
            outcome = scanner.scan(Path(spool.name))
        keep = outcome.result in KEPT_RESULTS
        TicketAttachment.objects.create(
            tenant=stored.tenant,
            message=stored,
            filename=name,
            content_type=part.get_content_type(),
            size=len(content),
            storage_name=save_private("servicedesk", content) if keep else "",
            scan_result=outcome.result,
            scan_detail=outcome.detail[:200],
        )


def process_message(raw: bytes, result: FetchResult) -> None:
    message = email.message_from_bytes(raw, policy=default_policy)
    address, user, tenant = _sender(message)
    if tenant is None:
        logger.warning("servicedesk mail from %r refused: no member's account", address)
        result.refused += 1
        return
    message_id = str(message.get("Message-ID", "")).strip()[:300]
    if message_id:
        with scope(tenant=tenant):
            if TicketMessage.objects.filter(message_id=message_id).exists():
                return  # processed before (the mailbox flag was not set then)
    try:
        sent = parsedate_to_datetime(str(message.get("Date")))
    except (TypeError, ValueError):
        sent = None
    # The SLA clock starts when the mail arrives here, not at a date the sender claims.
    at = timezone.now()
    with transaction.atomic():
        ticket = _thread(message, tenant)
        if ticket is not None:
            stored = services.ticket_reply(
                ticket=ticket,
                actor=user,
                body=_body(message),
                author_email=address,
                message_id=message_id,
                at=at,
            )
            result.replies.append(stored)
        else:
            subject = str(message.get("Subject", "")).strip() or "(ohne Betreff)"
            ticket = services.ticket_open(
                tenant=tenant,
                actor=user,
                subject=subject[:200],
                body=_body(message),
                category=Category.REQUEST,
                priority=Priority.NORMAL,
                reporter_email=address,
                message_id=message_id,
                opened_at=at,
            )
            with scope(tenant=tenant):
                stored = ticket.messages.get()
            result.opened.append(ticket)
        with scope(tenant=tenant):
            _attachments(message, stored)
    logger.info("servicedesk mail %s (sent %s) -> ticket #%s", message_id, sent, ticket.number)


def fetch_mailbox(
    *, host: str, port: int, user: str, password: str, use_ssl: bool = True
) -> FetchResult:
    """Process every unseen message of INBOX and flag it seen."""
    result = FetchResult()
    client_class = imaplib.IMAP4_SSL if use_ssl else imaplib.IMAP4
    with client_class(host, port, timeout=30) as client:
        client.login(user, password)
        client.select("INBOX")
        _, data = client.uid("SEARCH", None, "UNSEEN")
        for uid in data[0].split():
            _, fetched = client.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next(part[1] for part in fetched if isinstance(part, tuple))
            process_message(raw, result)
            client.uid("STORE", uid, "+FLAGS", "(\\Seen)")
    return result
