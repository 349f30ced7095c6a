"""The Fachverfahren catalogue and the members' costs in the browser, with axe."""

import datetime
from decimal import Decimal

import pytest

from tests.browser.conftest import assert_no_axe_violations, log_in


@pytest.fixture
def committed_catalogue(django_db_blocker, committed_member_admin, committed_member):
    """One Fachverfahren and a subscription of the committed member (removed afterwards)."""
    from openkommune.fachverfahren import services
    from openkommune.fachverfahren.constants import OperatingMode
    from openkommune.fachverfahren.models import Fachverfahren, Subscription
    from openkommune.tenancy.models import AuditRecord
    from openkommune.tenancy.scoping import scopes_disabled

    with django_db_blocker.unblock(), scopes_disabled():
        row = services.fachverfahren_create(
            actor=None,
            name="Browser-Demo-Verfahren",
            vendor="Demo-Hersteller (erfunden)",
            version="1.0",
            operating_mode=OperatingMode.HOSTED,
            maintenance_windows="Demo: dienstags 18–22 Uhr",
            service_hours="Demo: Mo–Fr 7–17 Uhr",
            price_per_year=Decimal("1200.00"),
            is_demo=True,
        )
        services.subscription_create(
            tenant=committed_member,
            actor=None,
            fachverfahren=row,
            starts_on=datetime.date(datetime.date.today().year, 1, 1),
        )
    yield row
    with django_db_blocker.unblock(), scopes_disabled():
        Subscription.objects.filter(fachverfahren=row).delete()
        AuditRecord.objects.filter(action__startswith="fachverfahren")._raw_delete(using="default")
        Fachverfahren.objects.filter(pk=row.pk).delete()


def test_catalogue_detail_and_own_costs_are_accessible(
    page, committed_catalogue, committed_member_admin
):
    page.goto("/genossenschaft/fachverfahren/")
    assert "Browser-Demo-Verfahren" in page.locator("#fachverfahren-tabelle").inner_text()
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Browser-Demo-Verfahren").click()
    page.wait_for_url("**/genossenschaft/fachverfahren/*/")
    assert "dienstags 18–22 Uhr" in page.locator("#wartungsfenster").inner_text()
    assert_no_axe_violations(page)

    log_in(page, committed_member_admin)
    page.goto("/genossenschaft/fachverfahren/kosten/")
    assert "Browser-Demo-Verfahren" in page.locator("main").inner_text()
    assert "1.200,00 €" in page.locator("main").inner_text()
    assert_no_axe_violations(page)


def test_staff_keep_the_catalogue_and_members_see_their_subscriptions(
    page, django_db_blocker, committed_member, committed_member_admin, committed_cooperative_staff
):
    from openkommune.fachverfahren.models import Fachverfahren, Subscription
    from openkommune.tenancy.models import AuditRecord
    from openkommune.tenancy.scoping import scopes_disabled

    try:
        log_in(page, committed_cooperative_staff)
        page.goto("/genossenschaft/fachverfahren/")
        page.get_by_role("link", name="Neues Fachverfahren anlegen").click()
        assert_no_axe_violations(page)
        page.get_by_label("Name", exact=True).fill("Browser-Staff-Verfahren")
        page.get_by_label("Hersteller").fill("Demo-Hersteller (erfunden)")
        page.get_by_label("Version", exact=True).fill("1.0")
        page.get_by_label("Betriebsart").select_option("hosted")
        page.get_by_label("Wartungsfenster").fill("Demo: montags 18–20 Uhr")
        page.get_by_label("Servicezeiten").fill("Demo: Mo–Fr 8–16 Uhr")
        page.get_by_label("Preis pro Jahr (Euro)").fill("-1")
        page.get_by_role("button", name="Speichern").click()
        assert page.locator("#fehlerzusammenfassung").is_visible()
        assert_no_axe_violations(page)
        page.get_by_label("Preis pro Jahr (Euro)").fill("1000,50")
        page.get_by_label("Demo-Daten").check()
        page.get_by_role("button", name="Speichern").click()
        page.wait_for_url("**/genossenschaft/fachverfahren/*/")
        assert "1.000,50 €" in page.locator("#preis").inner_text()
        page.get_by_role("link", name="Abonnement für ein Mitglied anlegen").click()
        assert_no_axe_violations(page)
        page.get_by_label("Mitglied").select_option(label=committed_member.name)
        page.get_by_label("Beginn").fill("01.01.2026")
        page.get_by_role("button", name="Abonnement anlegen").click()
        page.wait_for_url("**/genossenschaft/fachverfahren/abonnements/")
        assert "Browser-Staff-Verfahren" in page.locator("#abonnements").inner_text()
        assert_no_axe_violations(page)
        page.get_by_role("link", name="Beenden").first.click()
        assert_no_axe_violations(page)

        page.context.clear_cookies()
        log_in(page, committed_member_admin)
        page.goto("/genossenschaft/fachverfahren/abonnements/")
        assert "Browser-Staff-Verfahren" in page.locator("#abonnements").inner_text()
        assert_no_axe_violations(page)
    finally:
        with django_db_blocker.unblock(), scopes_disabled():
            Subscription.objects.filter(fachverfahren__name="Browser-Staff-Verfahren").delete()
            AuditRecord.objects.filter(action__startswith="fachverfahren")._raw_delete(
                using="default"
            )
            Fachverfahren.objects.filter(name="Browser-Staff-Verfahren").delete()
