"""Paying later and the member's Bezahldienst page, in the browser: a clerk issues the
Gebührenbescheid of a Sondernutzung, the applicant pays it from the status page through the
Bezahldienst-Simulator; a member administrator connects the Bezahldienst (the secret is never
shown again) and tests the connection. Every page is checked with axe-core."""

import re

import pytest

from tests.browser.conftest import assert_no_axe_violations, log_in
from tests.browser.test_payment_journey import committed_fee_offers  # noqa: F401 (fixture)
from tests.paysim import PAYSIM_ORIGINATOR, PAYSIM_SECRET


def _delete_payment_rows(organisation) -> None:
    from openkommune.payments.models import (
        FeeNotice,
        Payment,
        PaymentNotification,
        ProviderConfig,
    )

    PaymentNotification.objects.filter(tenant=organisation).delete()
    Payment.objects.filter(tenant=organisation).delete()
    FeeNotice.objects.filter(tenant=organisation).delete()
    ProviderConfig.objects.filter(tenant=organisation).delete()


@pytest.fixture
def committed_notice_case(django_db_blocker, committed_fee_offers):  # noqa: F811
    """A Sondernutzung submitted with its fee due with the notice, and a clerk of the member."""
    from openkommune.payments.models import FeeSchedule
    from openkommune.submissions.services import application_status_url, application_submit
    from openkommune.tenancy.constants import Role
    from openkommune.tenancy.scoping import scopes_disabled
    from tests.accounts.factories import UserFactory
    from tests.payments.support import sondernutzung_draft
    from tests.tenancy.factories import MembershipFactory

    member = committed_fee_offers
    with django_db_blocker.unblock(), scopes_disabled():
        draft, _token = sondernutzung_draft(member, nutzungsart="strassenfest", gemeinnuetzig=False)
        FeeSchedule.objects.filter(tenant=member).update(pay_when="notice")
        application = application_submit(draft=draft, idempotency_key="browser-1", base_url=None)
        clerk = UserFactory(email="browser.kasse@test.example.org")
        MembershipFactory(tenant=member, user=clerk, role=Role.CLERK)
        status_url = application_status_url(application)
    yield application, clerk, re.sub(r"^https?://[^/]+", "", status_url)
    with django_db_blocker.unblock(), scopes_disabled():
        _delete_payment_rows(member)
        clerk.delete()


def test_clerk_issues_a_fee_notice_and_the_applicant_pays_it(
    page, committed_notice_case, django_db_blocker
):
    application, clerk, status_url = committed_notice_case
    log_in(page, clerk)
    page.goto(f"/behoerde/zahlungen/antrag/{application.public_id}/gebuehrenbescheid/")
    assert page.locator("#gebuehrenbescheide-leer").count() == 1
    assert_no_axe_violations(page)
    # A wrong amount is refused in German, then the proposed amount is issued.
    proposed = page.locator("#id_amount").input_value()
    page.locator("#id_amount").fill("viel")
    page.locator("#gebuehrenbescheid-form button[type=submit]").click()
    assert "Betrag in Euro" in page.locator("main").inner_text()
    assert_no_axe_violations(page)
    page.locator("#id_amount").fill(proposed)
    page.locator("#gebuehrenbescheid-form button[type=submit]").click()
    page.wait_for_selector("#gebuehrenbescheide")
    assert "ist erlassen" in page.locator("main").inner_text()
    kassenzeichen = re.search(r"Kassenzeichen (MD\d{11})", page.locator("main").inner_text())
    assert kassenzeichen
    assert_no_axe_violations(page)

    # The applicant (the status link is the credential) sees it and pays.
    page.context.clear_cookies()
    page.goto(status_url)
    panel = page.locator("#gebuehrenbescheid").inner_text()
    assert kassenzeichen.group(1) in panel
    assert "offen" in panel
    assert_no_axe_violations(page)
    page.locator("#gebuehr-bezahlen").click()
    page.wait_for_selector("#bezahlen")
    assert_no_axe_violations(page)
    page.locator("#bezahlen").click()
    page.wait_for_selector("text=Bezahldienst-Simulator — kein echtes Geld")
    page.get_by_role("button", name="Abgelehnt (simuliert)").click()
    page.wait_for_selector("#zahlung-ergebnis")
    assert "nicht zustande gekommen" in page.locator("#zahlung-ergebnis").inner_text()
    page.goto(status_url)
    page.locator("#gebuehr-bezahlen").click()
    assert "Noch einmal bezahlen" in page.locator("#bezahlen").inner_text()
    page.locator("#bezahlen").click()
    page.wait_for_selector("text=Bezahldienst-Simulator — kein echtes Geld")
    page.get_by_role("button", name="Bezahlt (simuliert)").click()
    page.wait_for_selector("#zahlung-ergebnis")
    assert "Zahlung eingegangen" in page.locator("#zahlung-ergebnis").inner_text()
    assert_no_axe_violations(page)
    page.goto(status_url)
    assert "bezahlt" in page.locator("#gebuehrenbescheid-stand").inner_text()
    assert page.locator("#gebuehr-bezahlen").count() == 0
    assert page.csp_violations == []


@pytest.fixture
def payment_connection_cleanup(django_db_blocker, committed_member_admin, committed_member):
    yield committed_member_admin
    from openkommune.tenancy.scoping import scopes_disabled

    with django_db_blocker.unblock(), scopes_disabled():
        _delete_payment_rows(committed_member)


def test_member_admin_connects_the_bezahldienst_and_tests_it(
    page, payment_connection_cleanup, paysim
):
    log_in(page, payment_connection_cleanup)
    page.goto("/behoerde/zahlungen/bezahldienst/")
    assert "noch kein Bezahldienst eingerichtet" in page.locator("main").inner_text()
    assert_no_axe_violations(page)
    page.locator("#id_provider").select_option("epaybl")
    page.locator("#id_base_url").fill(paysim.url)
    page.locator("#id_originator_id").fill(PAYSIM_ORIGINATOR)
    page.locator("#id_endpoint_id").fill("4711")
    page.locator("#id_client_certificate").fill(paysim.pki.client.certificate_pem)
    page.locator("#id_client_key").fill(paysim.pki.client.key_pem)
    page.locator("#id_ca_bundle").fill(paysim.pki.ca_pem)
    page.locator("#id_secret").fill(PAYSIM_SECRET)
    page.locator("#id_haushaltsstelle").fill("1.1.2.2.01.4311000")
    page.locator("#id_kassenzeichen_prefix").fill("MD")
    page.locator("#bezahldienst-form button[type=submit]").click()
    page.wait_for_selector("#verbindung-testen")
    assert "gespeichert" in page.locator("main").inner_text()
    assert "hinterlegt" in page.locator("#schluessel-stand").inner_text()
    assert page.locator("#id_secret").input_value() == ""
    assert page.locator("#id_client_key").input_value() == ""
    assert "hinterlegt" in page.locator("#privatschluessel-stand").inner_text()
    assert "CN=OpenKommune Test Magdeburg" in page.locator("#client-zertifikat").inner_text()
    assert PAYSIM_SECRET not in page.content()
    assert "PRIVATE KEY" not in page.content()
    page.locator("#verbindung-testen").click()
    page.wait_for_selector("#letzte-pruefung")
    assert "Verbindung in Ordnung" in page.locator("main").inner_text()
    assert "in Ordnung" in page.locator("#letzte-pruefung").inner_text()
    assert_no_axe_violations(page)
