"""Tickets from e-mail against a real IMAP server (Dovecot, tests/servicedesk/imap_server.py):
a member's mail opens a ticket, a reply threaded by In-Reply-To/References joins it, a
"[Ticket #n]" subject too, mail from strangers opens nothing, and attachments are scanned by
the real ClamAV daemon (the EICAR file is refused, a clean file kept)."""

from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from openkommune.core.files import read_private
from openkommune.servicedesk.mail import fetch_mailbox
from openkommune.servicedesk.models import Ticket, TicketAttachment, TicketMessage
from openkommune.submissions.constants import ScanResult
from openkommune.tenancy.scoping import scopes_disabled
from tests.accounts.factories import UserFactory
from tests.clamav import EICAR
from tests.servicedesk.imap_server import imap_mailbox  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def _mail(sender, subject, body, *, reply_to=None, references=(), attachments=()):
    message = EmailMessage()
    message["From"] = f"Test Person <{sender}>"
    message["To"] = "servicedesk@test.example.org"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="test.example.org")
    if reply_to:
        message["In-Reply-To"] = reply_to
    if references:
        message["References"] = " ".join(references)
    message.set_content(body)
    for name, content in attachments:
        message.add_attachment(content, maintype="application", subtype="octet-stream",
                               filename=name)  # fmt: skip
    return message


def _fetch(box):
    return fetch_mailbox(
        host=box.host, port=box.port, user=box.user, password=box.password, use_ssl=False
    )


def test_mail_opens_a_ticket_and_replies_thread_into_it(imap_mailbox, clamav):  # noqa: F811
    clerk = UserFactory(clerk=True)
    first = _mail(
        clerk.email.upper(), "Fachverfahren meldet Fehler 42", "Seit heute geht nichts.",
        attachments=[("protokoll.txt", b"Fehler 42 um 9:14"), ("virus.com", EICAR)],
    )  # fmt: skip
    imap_mailbox.append(first.as_bytes())
    imap_mailbox.append(_mail("fremd@test.example.org", "Werbung", "Kaufen!").as_bytes())

    result = _fetch(imap_mailbox)
    assert len(result.opened) == 1
    assert result.refused == 1
    assert imap_mailbox.unseen() == 0
    ticket = result.opened[0]
    with scopes_disabled():
        assert ticket.tenant == clerk.memberships.get().tenant
        assert ticket.subject == "Fachverfahren meldet Fehler 42"
        kept, refused = TicketAttachment.objects.order_by("pk")
    assert kept.scan_result == ScanResult.CLEAN
    assert read_private(kept.storage_name) == b"Fehler 42 um 9:14"
    assert refused.scan_result == ScanResult.INFECTED
    assert refused.storage_name == ""

    reply = _mail(
        clerk.email, "Re: Fachverfahren meldet Fehler 42", "Noch ein Detail.",
        reply_to=first["Message-ID"], references=[first["Message-ID"]],
    )  # fmt: skip
    tagged = _mail(clerk.email, f"Nachtrag [Ticket #{ticket.number}]", "Und noch eins.")
    imap_mailbox.append(reply.as_bytes())
    imap_mailbox.append(tagged.as_bytes())
    result = _fetch(imap_mailbox)
    assert result.opened == []
    assert [m.ticket_id for m in result.replies] == [ticket.pk, ticket.pk]
    with scopes_disabled():
        assert Ticket.objects.count() == 1
        bodies = list(TicketMessage.objects.filter(ticket=ticket).values_list("body", flat=True))
    assert bodies == ["Seit heute geht nichts.", "Noch ein Detail.", "Und noch eins."]
    assert _fetch(imap_mailbox).replies == []  # nothing unseen is left


def test_another_members_message_id_does_not_thread_across_members(imap_mailbox):  # noqa: F811
    clerk = UserFactory(clerk=True)
    other = UserFactory(clerk=True)
    first = _mail(clerk.email, "Eigenes Anliegen", "Text")
    imap_mailbox.append(first.as_bytes())
    _fetch(imap_mailbox)
    sneaky = _mail(other.email, "Re: Eigenes Anliegen", "Ich hänge mich an.",
                   reply_to=first["Message-ID"])  # fmt: skip
    imap_mailbox.append(sneaky.as_bytes())
    result = _fetch(imap_mailbox)
    assert len(result.opened) == 1
    with scopes_disabled():
        assert result.opened[0].tenant == other.memberships.get().tenant
        assert Ticket.objects.count() == 2


def test_command_reads_the_configured_mailbox(imap_mailbox, settings):  # noqa: F811
    from io import StringIO

    from django.core.management import CommandError, call_command

    settings.SERVICEDESK_IMAP_HOST = ""
    with pytest.raises(CommandError, match="IMAP_HOST"):
        call_command("fetch_servicedesk_mail")
    settings.SERVICEDESK_IMAP_HOST = imap_mailbox.host
    settings.SERVICEDESK_IMAP_PORT = imap_mailbox.port
    settings.SERVICEDESK_IMAP_USER = imap_mailbox.user
    settings.SERVICEDESK_IMAP_PASSWORD = imap_mailbox.password
    settings.SERVICEDESK_IMAP_SSL = False
    clerk = UserFactory(clerk=True)
    imap_mailbox.append(_mail(clerk.email, "Per Befehl", "Text").as_bytes())
    out = StringIO()
    call_command("fetch_servicedesk_mail", stdout=out)
    assert out.getvalue().strip() == "1 opened, 0 replies, 0 refused"


def test_staff_reply_is_mailed_and_the_answer_by_mail_threads_back(
    imap_mailbox,  # noqa: F811
    settings,
    django_capture_on_commit_callbacks,
):
    from django.core import mail

    from openkommune.servicedesk import services
    from openkommune.servicedesk.constants import Status

    settings.SERVICEDESK_ADDRESS = imap_mailbox.user
    clerk = UserFactory(clerk=True)
    staff = UserFactory(cooperative_staff=True)
    first = _mail(clerk.email, "Drucker druckt nicht", "Seit heute.")
    imap_mailbox.append(first.as_bytes())
    [ticket] = _fetch(imap_mailbox).opened

    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reply(ticket=ticket, actor=staff, body="Bitte senden Sie das Modell.")
        services.ticket_reply(ticket=ticket, actor=staff, body="NUR INTERN", internal=True)
        services.ticket_update(ticket=ticket, actor=staff, status=Status.WAITING_FOR_MEMBER)
    [outgoing] = mail.outbox  # the internal note is not mailed
    sent = outgoing.message()
    with scopes_disabled():
        stored = TicketMessage.objects.get(ticket=ticket, from_staff=True, internal=False)
    assert outgoing.to == [clerk.email]
    assert outgoing.reply_to == [imap_mailbox.user]
    assert sent["Subject"] == f"Re: [Ticket #{ticket.number}] Drucker druckt nicht"
    assert sent["Message-ID"] == stored.message_id
    assert sent["In-Reply-To"] == first["Message-ID"]
    assert first["Message-ID"] in sent["References"]
    assert "Bitte senden Sie das Modell." in outgoing.body
    assert "NUR INTERN" not in outgoing.body

    # The member answers in the mail program: threaded by In-Reply-To/References alone (the
    # subject carries no tag here), into the ticket, which leaves "wartet auf Rückmeldung".
    answer = _mail(
        clerk.email, "AW: Ihre Anfrage", "Es ist ein Laser 3000.",
        reply_to=sent["Message-ID"], references=[first["Message-ID"], sent["Message-ID"]],
    )  # fmt: skip
    imap_mailbox.append(answer.as_bytes())
    result = _fetch(imap_mailbox)
    assert result.opened == []
    assert [reply.ticket_id for reply in result.replies] == [ticket.pk]
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    with scopes_disabled():
        bodies = list(TicketMessage.objects.filter(ticket=ticket).values_list("body", flat=True))
    assert bodies[-1] == "Es ist ein Laser 3000."


def test_a_ticket_opened_on_the_page_is_confirmed_by_mail_and_an_answer_threads_back(
    django_capture_on_commit_callbacks,
):
    from django.core import mail

    from openkommune.servicedesk import services
    from openkommune.servicedesk.constants import Category, Priority
    from openkommune.servicedesk.mail import FetchResult, process_message

    clerk = UserFactory(clerk=True)
    with scopes_disabled():
        member = clerk.memberships.get().tenant
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.ticket_open(
            tenant=member, actor=clerk, subject="Per Formular", body="Bitte prüfen.",
            category=Category.REQUEST, priority=Priority.LOW,
        )  # fmt: skip
    [confirmation] = mail.outbox
    sent = confirmation.message()
    with scopes_disabled():
        opening = TicketMessage.objects.get(ticket=ticket)
    assert confirmation.to == [clerk.email]
    assert sent["Subject"] == f"Ticket eröffnet: [Ticket #{ticket.number}] Per Formular"
    assert sent["Message-ID"] == opening.message_id
    assert f"#{ticket.number}" in confirmation.body

    # Answered from the mail program, with a subject that names no ticket.
    answer = _mail(clerk.email, "AW: Bestätigung", "Noch eine Angabe.",
                   reply_to=sent["Message-ID"])  # fmt: skip
    result = FetchResult()
    process_message(answer.as_bytes(), result)
    assert result.opened == []
    assert [reply.ticket_id for reply in result.replies] == [ticket.pk]


def test_a_ticket_opened_by_mail_is_confirmed_in_reply_to_the_members_message(
    django_capture_on_commit_callbacks,
):
    from django.core import mail

    from openkommune.servicedesk.mail import FetchResult, process_message

    clerk = UserFactory(clerk=True)
    first = _mail(clerk.email, "Per Post", "Text")
    result = FetchResult()
    with django_capture_on_commit_callbacks(execute=True):
        process_message(first.as_bytes(), result)
    [confirmation] = mail.outbox
    sent = confirmation.message()
    assert sent["In-Reply-To"] == first["Message-ID"]
    assert sent["Message-ID"] != first["Message-ID"]
    assert f"[Ticket #{result.opened[0].number}]" in sent["Subject"]
