"""The member administrator's pages (people and roles, API keys, retention, case export) and
the cooperative's statistics in a real browser, each checked with axe-core."""

import re

import pytest

from tests.browser.conftest import assert_no_axe_violations, log_in

INVITED = "browser.eingeladen@test.example.org"


@pytest.fixture
def committed_case(django_db_blocker, committed_hundesteuer_offer, committed_member_admin):
    """A case of the committed member (rows only, no files), removed with everything the
    pages committed for the member (keys, rules, deadline, template, invited person) before
    the member goes."""
    from openkommune.accounts.models import User
    from openkommune.cases.models import (
        AuditChainHead,
        Case,
        CaseEvent,
        NoticeTemplate,
        RetentionRule,
        ServiceDeadline,
    )
    from openkommune.catalog.selectors import ozg_leistung_get
    from openkommune.delivery.models import ApiKey
    from openkommune.forms.models import FormVersion
    from openkommune.tenancy.scoping import scopes_disabled
    from tests.cases.inbox_factories import make_case

    member = committed_hundesteuer_offer
    with django_db_blocker.unblock(), scopes_disabled():
        version = FormVersion.objects.filter(form__key="hundesteuer").order_by("-number").first()
        case = make_case(
            tenant=member,
            form_version=version,
            ozg_leistung=ozg_leistung_get(ozg_id="10160"),
            applicant_name="Erika Browser (Demo)",
        )
    yield case
    with django_db_blocker.unblock(), scopes_disabled():
        CaseEvent.objects.filter(tenant=member)._raw_delete(using="default")
        AuditChainHead.objects.filter(tenant=member).delete()
        Case.objects.filter(tenant=member).delete()
        ApiKey.objects.filter(tenant=member).delete()
        RetentionRule.objects.filter(tenant=member).delete()
        ServiceDeadline.objects.filter(tenant=member).delete()
        NoticeTemplate.objects.filter(tenant=member).delete()
        User.objects.filter(email=INVITED).delete()


def test_member_admin_manages_people_keys_and_retention(
    page, committed_case, committed_member_admin
):
    log_in(page, committed_member_admin)
    page.goto("/konto/")
    assert page.locator("#verwaltung").is_visible()
    assert_no_axe_violations(page)

    # People and roles: add with a mistake, then correctly; revoke asks first.
    page.locator("#verwaltung").get_by_role("link", name="Personen und Rollen").click()
    assert page.locator("#personen").is_visible()
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Person hinzufügen").click()
    assert_no_axe_violations(page)
    form = page.locator("#person-form")
    form.get_by_label("E-Mail-Adresse").fill("kein-at")
    form.get_by_role("button", name="Hinzufügen").click()
    assert page.locator("#fehlerzusammenfassung").is_visible()
    assert form.get_by_label("E-Mail-Adresse").input_value() == "kein-at"
    assert_no_axe_violations(page)
    form.get_by_label("E-Mail-Adresse").fill(INVITED)
    form.get_by_label("Sachbearbeitung").check()
    form.get_by_role("button", name="Hinzufügen").click()
    page.wait_for_url(re.compile(r"/konto/organisation/$"))
    assert INVITED in page.locator("#personen").inner_text()
    page.get_by_role("button", name=re.compile(f"Entziehen.*{re.escape(INVITED)}")).click()
    assert "Rolle wirklich entziehen?" in page.locator("h1").inner_text()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Ja, entziehen").click()
    page.wait_for_url(re.compile(r"/konto/organisation/$"))
    assert INVITED not in page.locator("#personen").inner_text()

    # API keys: create (shown once), list, revoke with confirmation.
    page.goto("/schnittstellen/schluessel/")
    assert page.locator("#keine-schluessel").is_visible()
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Neuen API-Schlüssel anlegen").click()
    assert_no_axe_violations(page)
    page.get_by_label("Bezeichnung").fill("Fachverfahren Hundesteuer (Demo)")
    page.get_by_role("button", name="Anlegen").click()
    secret = page.locator("#schluessel-wert").input_value()
    assert secret.startswith("okk_")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Zu den API-Schlüsseln").click()
    assert secret not in page.content()
    assert_no_axe_violations(page)
    page.get_by_role("link", name=re.compile("Widerrufen")).click()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Ja, widerrufen").click()
    assert "widerrufen am" in page.locator("#schluessel").inner_text()

    # Retention: overview, edit, confirmation when cases would become due is covered by the
    # unit tests; here the pages themselves.
    page.goto("/behoerde/aufbewahrung/")
    assert "24 Monate" in page.locator("#fristen").inner_text()
    assert_no_axe_violations(page)
    page.get_by_role("link", name=re.compile("Frist ändern.*Hundehaltung")).click()
    assert_no_axe_violations(page)
    page.get_by_label("Aufbewahrung in Monaten", exact=False).fill("0")
    page.get_by_role("button", name="Speichern").click()
    assert page.locator("#fehlerzusammenfassung").is_visible()
    assert_no_axe_violations(page)
    page.get_by_label("Aufbewahrung in Monaten", exact=False).fill("120")
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_url(re.compile(r"/behoerde/aufbewahrung/$"))
    assert "120 Monate" in page.locator("#fristen").inner_text()

    # Deadline and notice template per service: refused without legal basis, then saved.
    page.goto("/behoerde/leistungen/")
    assert "allgemeine Vorlage" in page.locator("#leistungen-einstellungen").inner_text()
    assert_no_axe_violations(page)
    page.get_by_role("link", name=re.compile("Frist festlegen.*Hundehaltung")).click()
    assert_no_axe_violations(page)
    page.get_by_label("Gesetzliche Bearbeitungsfrist", exact=False).fill("30")
    page.get_by_role("button", name="Speichern").click()
    assert page.locator("#fehlerzusammenfassung").is_visible()
    assert_no_axe_violations(page)
    page.get_by_label("Rechtsgrundlage", exact=False).fill("§ 1 Testverordnung (Browser)")
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_url(re.compile(r"/behoerde/leistungen/$"))
    assert "30 Tage" in page.locator("#leistungen-einstellungen").inner_text()
    page.get_by_role("link", name=re.compile("Vorlage bearbeiten.*Hundehaltung")).click()
    assert "BEISPIELTEXT" in page.get_by_label("Text des Bescheids").input_value()
    assert_no_axe_violations(page)
    page.get_by_label("Überschrift").fill("Hundesteuer {{ unbekannt }}")
    page.get_by_role("button", name="Vorlage speichern").click()
    assert page.locator("#fehlerzusammenfassung").is_visible()
    assert_no_axe_violations(page)
    page.get_by_label("Überschrift").fill("Hundesteuerbescheid {{ reference }}")
    page.get_by_role("button", name="Vorlage speichern").click()
    page.wait_for_url(re.compile(r"/behoerde/leistungen/$"))
    assert "eigene Vorlage" in page.locator("#leistungen-einstellungen").inner_text()
    assert_no_axe_violations(page)

    # The export page of a case.
    page.goto(f"/schnittstellen/vorgang/{committed_case.public_id}/export/")
    assert page.locator("#export-form").is_visible()
    assert_no_axe_violations(page)


def test_cooperative_staff_sees_anonymous_statistics(
    page, committed_case, committed_cooperative_staff
):
    log_in(page, committed_cooperative_staff)
    page.goto("/behoerde/statistik/?jahr=2026")
    table = page.locator("#statistik")
    assert table.is_visible()
    assert "weniger als 5" in table.inner_text() or "< 5" in table.inner_text()
    assert committed_case.reference not in page.content()
    assert "Erika Browser" not in page.content()
    assert_no_axe_violations(page)
