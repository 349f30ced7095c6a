"""The support desk in the browser, with axe: a member opens a ticket by form, the
cooperative pauses the clock ("wartet auf Rückmeldung"), the member's answer resumes it, and
the SLA report lists the ticket."""

import pytest

from tests.browser.conftest import assert_no_axe_violations, log_in


@pytest.fixture
def cleanup_tickets(django_db_blocker, committed_member_admin, committed_cooperative_staff):
    """Removes the test's tickets before the committed member and staff are removed."""
    yield
    from openkommune.servicedesk.models import Ticket
    from openkommune.tenancy.models import AuditRecord
    from openkommune.tenancy.scoping import scopes_disabled

    with django_db_blocker.unblock(), scopes_disabled():
        from openkommune.servicedesk.models import TicketMessage, TicketPause

        tickets = Ticket.objects.filter(subject="Browser-Test: Drucker")
        TicketPause.objects.filter(ticket__in=tickets).delete()
        TicketMessage.objects.filter(ticket__in=tickets).delete()
        tickets.delete()
        AuditRecord.objects.filter(action__startswith="servicedesk")._raw_delete(using="default")


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
