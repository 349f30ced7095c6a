"""Time accounting on tickets, the satisfaction question after closing, and the monthly SLA
report as PDF and XLSX whose totals a test recomputes from the tickets themselves."""

import io
import re
import time
from datetime import date, datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.urls import reverse
from openpyxl import load_workbook

from openkommune.servicedesk import notifications, selectors, services
from openkommune.servicedesk.constants import Category, Priority, Status
from openkommune.servicedesk.models import SatisfactionAnswer, Ticket, TimeEntry
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from tests.accounts.factories import UserFactory
from tests.submissions.factories import pdf_text

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


def local(*args):
    return datetime(*args, tzinfo=BERLIN)


def _member(user):
    with scopes_disabled():
        return user.memberships.get().tenant


def _open(clerk, opened_at, subject, priority=Priority.HIGH):
    return services.ticket_open(
        tenant=_member(clerk), actor=clerk, subject=subject, body="Bitte helfen.",
        category=Category.INCIDENT, priority=priority, opened_at=opened_at,
    )  # fmt: skip


def _link_token(message) -> str:
    path = reverse("servicedesk:satisfaction", args=["TOKEN"]).replace("TOKEN/", "")
    start = message.body.index(path) + len(path)
    return message.body[start:].split("/")[0]


# --- time accounting ------------------------------------------------------------------------


def test_time_is_booked_by_staff_with_checks_and_audit(client):
    clerk = UserFactory(clerk=True)
    staff = UserFactory(cooperative_staff=True)
    ticket = _open(clerk, local(2025, 10, 30, 14), "Zeit")
    services.time_entry_add(
        ticket=ticket, actor=staff, minutes=45, note="Log gelesen", worked_on=date(2025, 10, 30)
    )
    with pytest.raises(PermissionDenied):
        services.time_entry_add(ticket=ticket, actor=clerk, minutes=5, note="x")
    for bad in (
        {"minutes": 0, "note": "null"},
        {"minutes": 721, "note": "zu viel"},
        {"minutes": 5, "note": "  "},
        {"minutes": 5, "note": "vorher", "worked_on": date(2025, 10, 29)},
        {"minutes": 5, "note": "morgen", "worked_on": date(2999, 1, 1)},
    ):
        with pytest.raises(ValidationError):
            services.time_entry_add(ticket=ticket, actor=staff, **bad)
    with scopes_disabled():
        assert TimeEntry.objects.count() == 1
        assert AuditRecord.objects.filter(action="servicedesk.time_entry_add").count() == 1

    url = reverse("servicedesk:detail", args=[ticket.public_id])
    client.force_login(staff)
    bad = client.post(url, {"zeit": "1", "minutes": "abc", "note": "", "worked_on": "gestern"})
    assert bad.status_code == 200
    assert "Bitte prüfen Sie Ihre Eingaben" in bad.text
    response = client.post(
        url, {"zeit": "1", "minutes": "30", "note": "Rückruf", "worked_on": "31.10.2025"}
    )
    assert response.status_code == 302
    page = client.get(url).text
    assert 'data-minuten="75"' in page
    assert "Rückruf" in page
    client.force_login(clerk)
    page = client.get(url).text
    assert 'id="aufwand"' in page
    assert "75 Minuten" in page
    assert "Rückruf" not in page  # but not the staff's notes
    client.post(url, {"zeit": "1", "minutes": "30", "note": "selbst", "worked_on": "31.10.2025"})
    with scopes_disabled():
        assert TimeEntry.objects.aggregate(total=Sum("minutes"))["total"] == 75


# --- satisfaction -----------------------------------------------------------------------------


def test_satisfaction_link_once_per_ticket(client, django_capture_on_commit_callbacks):
    clerk = UserFactory(clerk=True)
    staff = UserFactory(cooperative_staff=True)
    ticket = _open(clerk, local(2025, 10, 30, 14), "Zufrieden?")
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_update(ticket=ticket, actor=staff, status=Status.RESOLVED)
    [question] = [m for m in mail.outbox if "Wie zufrieden" in m.subject]
    assert question.to == [clerk.email]
    token = _link_token(question)
    url = reverse("servicedesk:satisfaction", args=[token])

    # Reopened and solved again: still one question.
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reply(ticket=ticket, actor=clerk, body="Doch nicht.")
        assert "wieder in Bearbeitung" in client.get(url).text
        services.ticket_update(ticket=ticket, actor=staff, status=Status.CLOSED)
    assert len([m for m in mail.outbox if "Wie zufrieden" in m.subject]) == 1

    assert client.get(url).status_code == 200
    bad = client.post(url, {"rating": "9", "comment": ""})
    assert "Bitte prüfen Sie Ihre Eingaben" in bad.text
    with scopes_disabled():
        assert not SatisfactionAnswer.objects.exists()
    client.post(url, {"rating": "4", "comment": "Schnell und freundlich."})
    page = client.get(url).text
    assert 'id="bewertung-danke"' in page
    client.post(url, {"rating": "1", "comment": "Nochmal"})
    with scopes_disabled():
        answer = SatisfactionAnswer.objects.get()
    assert (answer.rating, answer.comment) == (4, "Schnell und freundlich.")
    with pytest.raises(ValidationError):
        services.satisfaction_answer(ticket=ticket, rating=2)
    assert client.get(reverse("servicedesk:satisfaction", args=[token + "x"])).status_code == 404
    assert notifications.satisfaction_ticket_id(token) == str(ticket.public_id)
    with scopes_disabled():
        assert AuditRecord.objects.filter(action="servicedesk.satisfaction_answer").count() == 1


def test_satisfaction_link_expires_after_30_days():
    clerk = UserFactory(clerk=True)
    ticket = _open(clerk, local(2025, 10, 30, 14), "Alt")
    token = notifications.satisfaction_token(ticket)
    assert notifications.satisfaction_ticket_id(token) == str(ticket.public_id)
    # A token signed 31 days ago is refused; one of 29 days is still good.
    now = time.time()
    with mock.patch("time.time", return_value=now - 31 * 24 * 3600):
        expired = notifications.satisfaction_token(ticket)
    with mock.patch("time.time", return_value=now - 29 * 24 * 3600):
        recent = notifications.satisfaction_token(ticket)
    assert notifications.satisfaction_ticket_id(expired) is None
    assert notifications.satisfaction_ticket_id(recent) == str(ticket.public_id)
    assert notifications.satisfaction_ticket_id("kein-token") is None


# --- the SLA report as PDF and XLSX ----------------------------------------------------------


@pytest.fixture
def month_of_tickets():
    """October 2025 for two members: breaches across Reformationstag and the weekend, time
    booked and ratings; plus a ticket of November that the report leaves out."""
    clerk = UserFactory(clerk=True)
    other = UserFactory(clerk=True)
    staff = UserFactory(cooperative_staff=True)
    # HIGH, first response 4 h: opened Thu 30.10. 14:00, due Mon 3.11. 10:00 (Reformationstag,
    # weekend); answered 10:30: breached. Resolution 16 h: due Tue 4.11. 14:00; solved Mon.
    late = _open(clerk, local(2025, 10, 30, 14), "Spät beantwortet")
    services.ticket_reply(ticket=late, actor=staff, body="Antwort", at=local(2025, 11, 3, 10, 30))
    services.ticket_update(ticket=late, actor=staff, status=Status.RESOLVED,
                           at=local(2025, 11, 3, 15))  # fmt: skip
    services.satisfaction_answer(ticket=late, rating=2, comment="Zu langsam.")
    # NORMAL, first response 8 h: opened Mon 6.10. 9:00, answered 10:00: in time; solved Tue.
    quick = _open(clerk, local(2025, 10, 6, 9), "Schnell gelöst", Priority.NORMAL)
    services.ticket_reply(ticket=quick, actor=staff, body="Erledigt", at=local(2025, 10, 6, 10))
    services.ticket_update(ticket=quick, actor=staff, status=Status.CLOSED,
                           at=local(2025, 10, 7, 9))  # fmt: skip
    services.satisfaction_answer(ticket=quick, rating=5)
    for ticket, minutes, day in ((late, 45, 30), (late, 20, 31), (quick, 15, 6)):
        services.time_entry_add(ticket=ticket, actor=staff, minutes=minutes, note="Arbeit",
                                worked_on=date(2025, 10, day))  # fmt: skip
    # The other member: LOW, opened Fri 24.10. 15:00, never answered -> breached by December.
    services.ticket_open(
        tenant=_member(other), actor=other, subject="Anderes Mitglied", body="b",
        category=Category.REQUEST, priority=Priority.LOW, opened_at=local(2025, 10, 24, 15),
    )  # fmt: skip
    _open(clerk, local(2025, 11, 3, 9), "November")
    return clerk, other, staff


def _sheet(content: bytes):
    sheet = load_workbook(io.BytesIO(content)).active
    values = list(sheet.iter_rows(values_only=True))
    header_at = next(i for i, row in enumerate(values) if row and row[0] == "Mitglied")
    header = list(values[header_at])
    return header, [list(row) for row in values[header_at + 1 : -1]], list(values[-1])


def test_xlsx_report_totals_recomputed_from_the_tickets(client, month_of_tickets):
    _clerk, other, staff = month_of_tickets
    client.force_login(staff)
    response = client.get(reverse("servicedesk:report"), {"monat": "2025-10", "format": "xlsx"})
    assert response.status_code == 200
    assert "sla-bericht-2025-10.xlsx" in response["Content-Disposition"]
    header, lines, totals = _sheet(response.content)
    col = {name: header.index(name) for name in header}
    assert len(lines) == 3
    # Typed cells: numbers, moments, booleans.
    first = next(line for line in lines if line[col["Betreff"]] == "Spät beantwortet")
    assert isinstance(first[col["Ticket"]], int)
    assert first[col["Eröffnet"]] == datetime(2025, 10, 30, 14)
    assert first[col["Erstreaktion fällig"]] == datetime(2025, 11, 3, 10)
    assert first[col["Erstreaktion überschritten"]] is True
    assert first[col["Lösung überschritten"]] is False
    assert first[col["Aufwand (Minuten)"]] == 65
    assert first[col["Bewertung (1–5)"]] == 2

    # The totals, recomputed from the database (not from the report's own selector).
    with scopes_disabled():
        october = Ticket.objects.filter(
            opened_at__gte=local(2025, 10, 1), opened_at__lt=local(2025, 11, 1)
        )
        minutes = TimeEntry.objects.filter(ticket__in=october).aggregate(m=Sum("minutes"))["m"]
        ratings = list(
            SatisfactionAnswer.objects.filter(ticket__in=october).values_list("rating", flat=True)
        )
        first_breaches = sum(
            1
            for ticket in october
            if (ticket.first_response_at or datetime.now(BERLIN))
            > selectors.ticket_sla(ticket).first_response_due
        )
    assert totals[col["Ticket"]] == october.count() == 3
    assert totals[col["Aufwand (Minuten)"]] == minutes == 80
    assert totals[col["Bewertung (1–5)"]] == sum(ratings) / len(ratings) == 3.5
    assert totals[col["Erstreaktion überschritten"]] == first_breaches == 2
    assert sum(line[col["Aufwand (Minuten)"]] for line in lines) == minutes
    assert sum(bool(line[col["Erstreaktion überschritten"]]) for line in lines) == first_breaches

    # A member's XLSX holds its own tickets only.
    client.force_login(other)
    _, lines, totals = _sheet(
        client.get(reverse("servicedesk:report"), {"monat": "2025-10", "format": "xlsx"}).content
    )
    assert [line[col["Betreff"]] for line in lines] == ["Anderes Mitglied"]
    assert totals[col["Aufwand (Minuten)"]] == 0


def test_pdf_report_and_page_show_time_and_ratings(client, month_of_tickets):
    clerk, _other, _staff = month_of_tickets
    client.force_login(clerk)
    url = reverse("servicedesk:report")
    page = client.get(url, {"monat": "2025-10"}).text
    assert 'data-minuten="80"' in page
    assert "Zufriedenheit: 3,5 von 5" in page or "Zufriedenheit: 3.5 von 5" in page
    assert "format=pdf" in page
    assert "format=xlsx" in page
    response = client.get(url, {"monat": "2025-10", "format": "pdf"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    # Text runs are joined without separators, and a cell's text may wrap: compare without
    # white space.
    text = re.sub(r"\s+", "", pdf_text(response.content))
    assert "SLA-Bericht2025-10" in text
    assert "Spätbeantwortet" in text
    assert "AnderesMitglied" not in text
    assert "03.11.202510:00–überschritten" in text
