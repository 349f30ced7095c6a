"""The support desk in the browser, with axe: a member opens a ticket by form and by e-mail
(a real IMAP server, Dovecot), the cooperative pauses the clock ("wartet auf Rückmeldung"),
the member's answer resumes it, the cooperative's answer goes out by mail and the member's
answer by mail threads back; the SLA report shows a breach computed across Reformationstag and
a weekend, with its PDF and XLSX."""

import io
from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_no_axe_violations, log_in
from tests.servicedesk.imap_server import imap_mailbox  # noqa: F401 (fixture)

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def cleanup_tickets(django_db_blocker, committed_member_admin, committed_cooperative_staff):
    """Removes the test's tickets (and their e-mails) before the committed member and staff
    are removed."""
    yield
    from openkommune.core.models import OutboxMail
    from openkommune.servicedesk.models import Ticket
    from openkommune.tenancy.models import AuditRecord
    from openkommune.tenancy.scoping import scopes_disabled

    with django_db_blocker.unblock(), scopes_disabled():
        tickets = Ticket.objects.filter(subject__startswith="Browser-Test")
        OutboxMail.objects.filter(kind__startswith="servicedesk.").delete()
        tickets.delete()  # messages, pauses, time, escalations and answers go with them
        AuditRecord.objects.filter(action__startswith="servicedesk")._raw_delete(using="default")


def _member_mail(sender: str, subject: str, body: str, *, reply_to: str = "") -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "servicedesk@test.example.org"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="test.example.org")
    if reply_to:
        message["In-Reply-To"] = reply_to
        message["References"] = reply_to
    message.set_content(body)
    return message


def test_member_opens_a_ticket_and_the_clock_pauses_and_resumes(
    page, committed_member_admin, committed_cooperative_staff, cleanup_tickets
):
    log_in(page, committed_member_admin)
    page.goto("/genossenschaft/servicedesk/")
    assert page.locator("#keine-tickets").is_visible()
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Neues Ticket eröffnen").click()
    assert_no_axe_violations(page)
    page.get_by_label("Betreff").fill("Browser-Test: Drucker")
    page.get_by_label("Kategorie").select_option("incident")
    page.get_by_label("Priorität").select_option("high")
    page.get_by_label("Beschreibung").fill("Papierstau im Bürgerbüro.")
    page.get_by_role("button", name="Ticket eröffnen").click()
    page.wait_for_url("**/genossenschaft/servicedesk/*/")
    assert "Papierstau im Bürgerbüro." in page.locator("#verlauf").inner_text()
    assert_no_axe_violations(page)
    ticket_url = page.url

    page.context.clear_cookies()
    log_in(page, committed_cooperative_staff)
    page.goto(ticket_url)
    page.get_by_label("Status").select_option("waiting_for_member")
    page.get_by_role("button", name="Übernehmen").click()
    assert "Frist angehalten" in page.locator("#status").inner_text()
    assert "angehalten" in page.locator("#loesung").inner_text()
    assert_no_axe_violations(page)

    page.context.clear_cookies()
    log_in(page, committed_member_admin)
    page.goto(ticket_url)
    page.get_by_label("Nachricht").fill("Papier ist nachgelegt.")
    page.get_by_role("button", name="Nachricht senden").click()
    assert page.locator("#status").inner_text() == "in Bearbeitung"
    assert "angehalten" not in page.locator("#loesung").inner_text()
    page.goto("/genossenschaft/servicedesk/bericht/")
    assert "Browser-Test: Drucker" in page.locator("main").inner_text()
    assert_no_axe_violations(page)


def test_member_opens_a_ticket_by_email_and_answers_by_email(
    page,
    imap_mailbox,  # noqa: F811
    django_db_blocker,
    committed_member_admin,
    committed_cooperative_staff,
    cleanup_tickets,
):
    from django.core import mail

    from openkommune.core import outbox
    from openkommune.servicedesk.mail import fetch_mailbox

    def fetch():
        with django_db_blocker.unblock():
            return fetch_mailbox(
                host=imap_mailbox.host, port=imap_mailbox.port, user=imap_mailbox.user,
                password=imap_mailbox.password, use_ssl=False,
            )  # fmt: skip

    imap_mailbox.append(
        _member_mail(
            committed_member_admin.email, "Browser-Test: per E-Mail", "Der Scanner ist offline."
        ).as_bytes()
    )
    assert len(fetch().opened) == 1

    log_in(page, committed_member_admin)
    page.goto("/genossenschaft/servicedesk/")
    page.get_by_role("link", name="Browser-Test: per E-Mail").click()
    page.wait_for_url("**/genossenschaft/servicedesk/*/")
    assert "Der Scanner ist offline." in page.locator("#verlauf").inner_text()
    assert_no_axe_violations(page)
    ticket_url = page.url

    page.context.clear_cookies()
    log_in(page, committed_cooperative_staff)
    page.goto(ticket_url)
    mail.outbox.clear()
    page.get_by_label("Nachricht").fill("Bitte starten Sie den Scanner neu.")
    page.get_by_role("button", name="Nachricht senden").click()
    expect(page.locator("#verlauf")).to_contain_text("Bitte starten Sie den Scanner neu.")
    page.get_by_label("Minuten").fill("15")
    page.get_by_label("Tätigkeit").fill("Fernwartung vorbereitet")
    page.get_by_role("button", name="Zeit buchen").click()
    expect(page.locator("#aufwand")).to_have_text("15 Minuten")
    assert_no_axe_violations(page)
    with django_db_blocker.unblock():
        outbox.drain()  # what a job worker does
    [opened] = [m for m in mail.outbox if m.subject.startswith("Ticket eröffnet: [Ticket #")]
    [outgoing] = [m for m in mail.outbox if m.subject.startswith("Re: [Ticket #")]
    assert opened.to == [committed_member_admin.email]
    assert outgoing.to == [committed_member_admin.email]

    imap_mailbox.append(
        _member_mail(
            committed_member_admin.email, "AW: Scanner", "Neustart hat geholfen.",
            reply_to=outgoing.message()["Message-ID"],
        ).as_bytes()
    )  # fmt: skip
    result = fetch()
    assert result.opened == []
    assert len(result.replies) == 1

    page.context.clear_cookies()
    log_in(page, committed_member_admin)
    page.goto(ticket_url)
    history = page.locator("#verlauf").inner_text()
    assert "Bitte starten Sie den Scanner neu." in history
    assert "Neustart hat geholfen." in history


def test_sla_report_shows_a_breach_across_holiday_and_weekend(
    page, django_db_blocker, committed_member, committed_member_admin,
    committed_cooperative_staff, cleanup_tickets,
):  # fmt: skip
    from openpyxl import load_workbook

    from openkommune.servicedesk import services
    from openkommune.servicedesk.constants import Category, Priority

    # HIGH, first response within 4 h of business time. Opened Thu 30.10.2025 14:00:
    # Thu 14-16 = 2 h, Fri 31.10. Reformationstag, Sat, Sun, due Mon 3.11. 8:00 + 2 h = 10:00;
    # answered 10:30 -> breached.
    with django_db_blocker.unblock():
        ticket = services.ticket_open(
            tenant=committed_member, actor=committed_member_admin,
            subject="Browser-Test: Feiertag", body="Fehler im Meldewesen.",
            category=Category.INCIDENT, priority=Priority.HIGH,
            opened_at=datetime(2025, 10, 30, 14, tzinfo=BERLIN),
        )  # fmt: skip
        services.ticket_reply(
            ticket=ticket, actor=committed_cooperative_staff, body="Wir sehen nach.",
            at=datetime(2025, 11, 3, 10, 30, tzinfo=BERLIN),
        )  # fmt: skip

    log_in(page, committed_member_admin)
    page.goto("/genossenschaft/servicedesk/bericht/?monat=2025-10")
    row = page.locator("tr", has_text="Browser-Test: Feiertag")
    assert "03.11.2025, 10:00 Uhr – überschritten" in row.inner_text()
    assert page.locator("[data-verletzt]").first.get_attribute("data-verletzt") == "1"
    assert_no_axe_violations(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Excel (XLSX)").click()
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    values = [row for row in sheet.iter_rows(values_only=True) if row and row[0]]
    header = next(row for row in values if row[0] == "Mitglied")
    found = next(row for row in values if "Browser-Test: Feiertag" in row)
    line = dict(zip(header, found, strict=True))
    assert line["Erstreaktion fällig"] == datetime(2025, 11, 3, 10)
    assert line["Erstreaktion überschritten"] is True
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF").click()
    assert Path(download.value.path()).read_bytes()[:5] == b"%PDF-"


def test_satisfaction_question_is_answered_once(
    page, django_db_blocker, committed_member, committed_member_admin,
    committed_cooperative_staff, cleanup_tickets,
):  # fmt: skip
    from openkommune.servicedesk import notifications, services
    from openkommune.servicedesk.constants import Category, Priority, Status

    with django_db_blocker.unblock():
        ticket = services.ticket_open(
            tenant=committed_member, actor=committed_member_admin,
            subject="Browser-Test: Bewertung", body="Bitte Zugang freischalten.",
            category=Category.ACCOUNT, priority=Priority.NORMAL,
        )  # fmt: skip
        services.ticket_update(ticket=ticket, actor=committed_cooperative_staff,
                               status=Status.RESOLVED)  # fmt: skip
    page.goto(f"/genossenschaft/servicedesk/bewertung/{notifications.satisfaction_token(ticket)}/")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Bewertung senden").click()
    assert page.locator("#fehlerzusammenfassung").is_visible()
    assert_no_axe_violations(page)
    page.get_by_label("5", exact=True).check()
    page.get_by_label("Was möchten Sie uns sagen?").fill("Sehr schnell, danke.")
    page.get_by_role("button", name="Bewertung senden").click()
    expect(page.locator("#bewertung-danke")).to_contain_text("5 von 5")
    assert page.get_by_role("button", name="Bewertung senden").count() == 0
    assert_no_axe_violations(page)
