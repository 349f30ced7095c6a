"""Pages of the support desk: a member opens a ticket by form, sees only the own member's
tickets and never the internal notes; staff see all, write notes and pause the clock."""

import pytest
from django.urls import reverse

from openkommune.servicedesk import services
from openkommune.servicedesk.constants import Category, Priority, Status
from openkommune.servicedesk.models import Ticket, TicketMessage, TicketPause
from openkommune.tenancy.scoping import scopes_disabled
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def _member(user):
    with scopes_disabled():
        return user.memberships.get().tenant


def test_member_opens_a_ticket_by_form_and_staff_pause_it(client):
    clerk = UserFactory(clerk=True)
    staff = UserFactory(cooperative_staff=True)
    client.force_login(clerk)
    listing = client.get(reverse("servicedesk:list"))
    assert 'id="keine-tickets"' in listing.text

    bad = client.post(reverse("servicedesk:new"), {"subject": "", "category": "x", "body": ""})
    assert bad.status_code == 200
    assert "Fehler" in bad.text
    with scopes_disabled():
        assert not Ticket.objects.exists()

    response = client.post(
        reverse("servicedesk:new"),
        {
            "subject": "Drucker im Bürgerbüro",
            "category": Category.INCIDENT,
            "priority": Priority.HIGH,
            "body": "Der Ausweisdrucker meldet Papierstau.",
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        ticket = Ticket.objects.get()
    assert ticket.tenant == _member(clerk)
    services.ticket_reply(ticket=ticket, actor=staff, body="GEHEIME NOTIZ", internal=True)
    page = client.get(response.url).text
    assert "Der Ausweisdrucker meldet Papierstau." in page
    assert "GEHEIME NOTIZ" not in page
    assert 'name="aendern"' not in page

    client.force_login(staff)
    page = client.get(response.url).text
    assert "GEHEIME NOTIZ" in page
    changed = client.post(
        response.url,
        {"aendern": "1", "status": Status.WAITING_FOR_MEMBER, "team": "applications",
         "priority": Priority.HIGH},
    )  # fmt: skip
    assert changed.status_code == 302
    with scopes_disabled():
        assert TicketPause.objects.filter(ticket=ticket, ended_at__isnull=True).exists()
    assert "Frist angehalten" in client.get(response.url).text

    client.force_login(clerk)
    client.post(response.url, {"antworten": "1", "body": "Papier ist nachgelegt."})
    with scopes_disabled():
        assert not TicketPause.objects.filter(ticket=ticket, ended_at__isnull=True).exists()
        ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    # A member cannot change the status, even by hand-made POST.
    client.post(
        response.url,
        {"aendern": "1", "status": Status.CLOSED, "team": "operations", "priority": "low"},
    )
    with scopes_disabled():
        ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS


def test_other_members_tickets_are_invisible_and_staff_see_all(client):
    clerk = UserFactory(clerk=True)
    other = UserFactory(clerk=True)
    own = services.ticket_open(
        tenant=_member(clerk), actor=clerk, subject="Eigenes Ticket", body="a",
        category=Category.REQUEST, priority=Priority.LOW,
    )  # fmt: skip
    foreign = services.ticket_open(
        tenant=_member(other), actor=other, subject="Fremdes Ticket", body="b",
        category=Category.REQUEST, priority=Priority.LOW,
    )  # fmt: skip
    client.force_login(clerk)
    page = client.get(reverse("servicedesk:list"), {"sortierung": "prioritaet"}).text
    assert "Eigenes Ticket" in page
    assert "Fremdes Ticket" not in page
    assert client.get(reverse("servicedesk:detail", args=[foreign.public_id])).status_code == 404
    assert client.get(reverse("servicedesk:detail", args=[own.public_id])).status_code == 200
    client.force_login(UserFactory(cooperative_staff=True))
    page = client.get(reverse("servicedesk:list"), {"sortierung": "unsinn"}).text
    assert "Eigenes Ticket" in page
    assert "Fremdes Ticket" in page
    assert client.get(reverse("servicedesk:new")).status_code == 403
    client.force_login(UserFactory())  # a citizen
    assert client.get(reverse("servicedesk:list")).status_code == 403


def test_sla_report_shows_a_breach_across_holiday_and_weekend(client):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    berlin = ZoneInfo("Europe/Berlin")
    clerk = UserFactory(clerk=True)
    other = UserFactory(clerk=True)
    staff = UserFactory(cooperative_staff=True)
    # HIGH: first response within 4 h of business time. Opened Thu 30.10.2025 14:00:
    # Thu 14-16 = 2 h, Fri 31.10. Reformationstag, weekend, due Mon 3.11. 10:00.
    late = services.ticket_open(
        tenant=_member(clerk), actor=clerk, subject="Spät beantwortet", body="a",
        category=Category.INCIDENT, priority=Priority.HIGH,
        opened_at=datetime(2025, 10, 30, 14, tzinfo=berlin),
    )  # fmt: skip
    services.ticket_reply(
        ticket=late, actor=staff, body="Antwort", at=datetime(2025, 11, 3, 10, 30, tzinfo=berlin)
    )
    services.ticket_open(
        tenant=_member(other), actor=other, subject="Anderes Mitglied", body="b",
        category=Category.INCIDENT, priority=Priority.LOW,
        opened_at=datetime(2025, 10, 6, 9, tzinfo=berlin),
    )  # fmt: skip
    url = reverse("servicedesk:report")
    client.force_login(clerk)
    page = client.get(url, {"monat": "2025-10"}).text
    assert "Spät beantwortet" in page
    assert "Anderes Mitglied" not in page
    assert "03.11.2025, 10:00 Uhr – <strong>überschritten</strong>" in page
    assert 'data-verletzt="1"' in page
    assert 'id="keine-tickets-im-monat"' in client.get(url, {"monat": "2025-09"}).text
    assert client.get(url, {"monat": "kein-monat"}).status_code == 200
    client.force_login(staff)
    page = client.get(url, {"monat": "2025-10"}).text
    assert "Anderes Mitglied" in page
    assert "Spät beantwortet" in page


def test_mail_attachments_are_downloaded_only_by_those_who_see_the_ticket(client):
    from openkommune.core.files import save_private
    from openkommune.servicedesk.models import TicketAttachment, TicketMessage
    from openkommune.submissions.constants import ScanResult
    from openkommune.tenancy.scoping import scope

    clerk = UserFactory(clerk=True)
    staff = UserFactory(cooperative_staff=True)
    ticket = services.ticket_open(
        tenant=_member(clerk), actor=clerk, subject="Mit Anhang", body="Siehe Datei.",
        category=Category.INCIDENT, priority=Priority.NORMAL,
    )  # fmt: skip
    note = services.ticket_reply(ticket=ticket, actor=staff, body="intern", internal=True)
    with scope(tenant=ticket.tenant):
        opening = TicketMessage.objects.filter(ticket=ticket).order_by("pk").first()
        kept = TicketAttachment.objects.create(
            tenant=ticket.tenant, message=opening, filename="protokoll.txt", size=5,
            storage_name=save_private("servicedesk", b"Log 1"), scan_result=ScanResult.CLEAN,
        )  # fmt: skip
        TicketAttachment.objects.create(
            tenant=ticket.tenant, message=opening, filename="virus.com", size=68,
            scan_result=ScanResult.INFECTED,
        )  # fmt: skip
        internal = TicketAttachment.objects.create(
            tenant=ticket.tenant, message=note, filename="intern.txt", size=3,
            storage_name=save_private("servicedesk", b"geh"), scan_result=ScanResult.CLEAN,
        )  # fmt: skip

    def download(attachment):
        return client.get(reverse("servicedesk:attachment", args=[attachment.public_id]))

    client.force_login(clerk)
    page = client.get(reverse("servicedesk:detail", args=[ticket.public_id])).text
    assert reverse("servicedesk:attachment", args=[kept.public_id]) in page
    assert "virus.com" in page
    assert "nicht gespeichert" in page
    response = download(kept)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"Log 1"
    assert response["Content-Type"] == "application/octet-stream"
    assert download(internal).status_code == 404  # an internal note's file
    client.force_login(UserFactory(clerk=True))  # another member
    assert download(kept).status_code == 404
    client.force_login(staff)
    assert download(internal).status_code == 200


def test_files_attached_on_the_form_are_checked_like_citizens_uploads(client, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from openkommune.core.files import read_private
    from openkommune.servicedesk.models import TicketAttachment

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    clerk = UserFactory(clerk=True)
    client.force_login(clerk)
    values = {
        "subject": "Mit Bildschirmfoto",
        "category": Category.INCIDENT,
        "priority": Priority.NORMAL,
        "body": "Siehe Anhang.",
    }
    refused = client.post(
        reverse("servicedesk:new"),
        values | {"attachment": SimpleUploadedFile("tool.docx", b"PK\x03\x04rest", "text/plain")},
    )
    assert refused.status_code == 200
    assert "wird nicht angenommen" in refused.text
    with scopes_disabled():
        assert not Ticket.objects.exists()
    assert not list((tmp_path / "private").rglob("servicedesk/*/*/*"))

    created = client.post(
        reverse("servicedesk:new"),
        values | {"attachment": SimpleUploadedFile("fehler.log", b"Fehler 42\n", "x/y")},
    )
    assert created.status_code == 302
    with scopes_disabled():
        [stored] = TicketAttachment.objects.all()
    assert (stored.filename, stored.content_type, stored.size) == ("fehler.log", "text/plain", 10)
    assert read_private(stored.storage_name) == b"Fehler 42\n"

    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 20
    client.post(
        created.url,
        {
            "antworten": "1",
            "body": "Noch ein Bild.",
            "attachment": SimpleUploadedFile("b.png", png),
        },
    )
    empty = client.post(
        created.url,
        {"antworten": "1", "body": "Leer.", "attachment": SimpleUploadedFile("leer.txt", b"")},
    )
    assert "ist leer" in empty.text
    with scopes_disabled():
        names = sorted(TicketAttachment.objects.values_list("filename", "content_type"))
        bodies = list(TicketMessage.objects.values_list("body", flat=True))
    assert names == [("b.png", "image/png"), ("fehler.log", "text/plain")]
    assert "Leer." not in bodies
