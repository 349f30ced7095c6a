"""The page-length rule in a real browser, without JavaScript: the Gewerbeanmeldung's person
step (one group of 14 inputs) is two screens, each at most ten inputs, with the progress
counting pages; "Zurück" and "Weiter" go page by page without losing what was typed, and the
check page's "Ändern" opens the page of the answer. Every screen passes axe."""

import re

import pytest

from tests.browser.conftest import assert_no_axe_violations

GEWERBE = "10294"


@pytest.fixture
def gewerbe_offer(django_db_blocker, committed_hundesteuer_offer):
    """Magdeburg (committed) offers the Gewerbeanmeldung too; removed afterwards with the
    other activations of the member by the dog licence's fixture."""
    from openkommune.catalog.selectors import ozg_leistung_get
    from openkommune.catalog.services import service_activation_set
    from openkommune.tenancy.scoping import scopes_disabled

    with django_db_blocker.unblock(), scopes_disabled():
        service_activation_set(
            tenant=committed_hundesteuer_offer,
            actor=None,
            ozg_leistung=ozg_leistung_get(ozg_id=GEWERBE),
            is_active=True,
            contact_email="demo-gewerbe@example.org",
        )
    return committed_hundesteuer_offer


def _continue(page) -> None:
    page.locator("#weiter").click()
    page.wait_for_load_state()


def test_a_long_step_is_two_pages_without_javascript(browser, site_server, gewerbe_offer):
    context = browser.new_context(locale="de-DE", java_script_enabled=False, base_url=site_server)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto(f"/leistungen/{GEWERBE}/")
        page.locator("#antrag-plz").fill("39104")
        page.locator("#antrag-beginnen").click()
        page.wait_for_url(re.compile(r"/inhaber/$"))
        page.locator("#f-rechtsform").select_option("einzel")
        _continue(page)

        # Page one of the person: the personal details, not the address.
        page.wait_for_url(re.compile(r"/person/$"))
        first_page = page.url
        assert "Schritt 2 von 6" in page.locator("#fortschritt").inner_text()
        assert "Teil 1 von 2" in page.locator("#seitenteil").inner_text()
        assert page.locator("#f-person-anschrift-street").count() == 0
        page.locator("#f-person-nachname").fill("Beispiel")
        page.locator("#f-person-vornamen").fill("Lena Marie")
        page.get_by_label("weiblich", exact=True).check()
        page.locator("#f-person-geburtsdatum").fill("28.02.1994")
        page.locator("#f-person-geburtsort").fill("Halle (Saale)")
        page.locator("#f-person-geburtsland").fill("Deutschland")
        page.get_by_label("Deutsch", exact=True).check()
        _continue(page)

        # Page two: address and contact; postcode and town from the service page.
        page.wait_for_url(re.compile(r"/person-2/$"))
        second_page = page.url
        assert "Schritt 3 von 6" in page.locator("#fortschritt").inner_text()
        assert "Teil 2 von 2" in page.locator("#seitenteil").inner_text()
        assert page.locator("#f-person-nachname").count() == 0
        assert page.locator("#f-person-anschrift-postcode").input_value() == "39104"
        page.locator("#f-person-anschrift-street").fill("Breiter Weg")
        # "Zurück" keeps what was typed on both pages.
        page.locator("#zurueck").click()
        page.wait_for_url(re.compile(r"/person/$"))
        assert page.locator("#f-person-nachname").input_value() == "Beispiel"
        _continue(page)
        page.wait_for_url(re.compile(r"/person-2/$"))
        assert page.locator("#f-person-anschrift-street").input_value() == "Breiter Weg"
        # An error on this page is shown here, with the summary linking to the field.
        _continue(page)
        page.wait_for_url(re.compile(r"/person-2/$"))
        summary = page.locator("#fehlerzusammenfassung")
        assert summary.locator("a[href='#f-person-email']").count() == 1
        assert summary.locator("a[href^='#f-person-nachname']").count() == 0
        page.locator("#f-person-email").fill("lena.beispiel@example.de")
        _continue(page)
        page.wait_for_url(re.compile(r"/betriebsstaette/$"))

        # The check page links the address to the second page of the person.
        page.goto(page.url.replace("/betriebsstaette/", "/pruefen/"))
        change = page.locator("a[href*='/person-2/?zurueck=pruefen#f-person-anschrift']")
        assert change.count() == 1
        change.click()
        page.wait_for_url(re.compile(r"/person-2/\?zurueck=pruefen"))
        assert page.locator("#f-person-anschrift-street").input_value() == "Breiter Weg"

        # axe needs JavaScript (its run awaits timers, which never fire in this context), so
        # both pages of the person are checked in a second context with the same session.
        checking = browser.new_context(
            locale="de-DE", base_url=site_server, storage_state=context.storage_state()
        )
        try:
            checker = checking.new_page()
            for url in (first_page, second_page):
                checker.goto(url)
                assert checker.locator("#seitenteil").count() == 1
                assert_no_axe_violations(checker)
        finally:
            checking.close()
    finally:
        context.close()
