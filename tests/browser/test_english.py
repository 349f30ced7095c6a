"""The English interface and the Leichte Sprache pages in a real browser: the language switch
works with JavaScript switched off, and every English screen of the citizen's way to an
application passes axe-core (WCAG 2.1 AA, including `valid-lang` and `html-has-lang`)."""

import re

import pytest

from tests.browser.conftest import assert_no_axe_violations, log_in


def _html_lang(page) -> str:
    return page.locator("html").get_attribute("lang")


def test_language_switch_works_without_javascript(browser, site_server):
    context = browser.new_context(locale="de-DE", base_url=site_server, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/leistungen/?seite=1")
        assert _html_lang(page) == "de"
        assert page.locator("h1").inner_text() == "Verwaltungsleistungen nach Themen"

        page.locator("#sprache-wechseln").click()
        page.wait_for_load_state()
        assert page.url.endswith("/leistungen/?seite=1")  # the same page
        assert _html_lang(page) == "en"
        assert page.locator("h1").inner_text() == "Administrative services by topic"
        # The choice sticks on the next page.
        page.goto("/barrierefreiheit/")
        assert page.locator("h1").inner_text() == "Accessibility statement"

        page.locator("#sprache-wechseln").click()
        page.wait_for_load_state()
        assert page.url.endswith("/barrierefreiheit/")
        assert _html_lang(page) == "de"
        assert page.locator("h1").inner_text() == "Erklärung zur Barrierefreiheit"
    finally:
        context.close()


@pytest.fixture
def english(page):
    page.goto("/")
    page.locator("#sprache-wechseln").click()
    page.wait_for_load_state()
    assert _html_lang(page) == "en"
    return page


@pytest.mark.parametrize(
    ("path", "heading", "status"),
    [
        ("/", "", 200),
        ("/leistungen/", "Administrative services by topic", 200),
        ("/leistungen/suche/?q=hund+anmelden", "Search results", 200),
        ("/leistungen/suche/?q=kuchen+backen+rezept", "", 200),
        ("/meine-gemeinde/?plz=39104", "My municipality", 200),
        ("/konto/anmelden/", "Log in", 200),
        ("/konto/registrieren/", "", 200),
        ("/barrierefreiheit/", "Accessibility statement", 200),
        ("/datenquellen/", "", 200),
        ("/gibt-es-nicht/", "Page not found", 404),
        ("/leichte-sprache/", "OpenKommune in Leichter Sprache", 200),
        ("/leichte-sprache/hunde-steuer/", "Hund an·melden oder ab·melden", 200),
    ],
)
def test_english_pages_are_accessible(english, path, heading, status):
    response = english.goto(path)
    assert response.status == status
    assert _html_lang(english) == "en"
    assert heading in english.locator("h1").first.inner_text()
    assert english.csp_violations == []
    assert_no_axe_violations(english)


def test_english_way_to_an_application_is_accessible(english, committed_hundesteuer_offer):
    page = english
    page.goto("/leistungen/10160/")
    assert page.locator("h1").get_attribute("lang") == "de"  # the official name stays German
    page.locator("#zustaendigkeit-form #plz").fill("39104")
    page.locator("#zustaendigkeit-form button[type=submit]").click()
    answer = page.locator("#zustaendigkeit")
    assert "Responsible for the postcode 39104" in answer.inner_text()
    assert page.locator("#behoerde").get_attribute("lang") == "de"
    assert_no_axe_violations(page)

    # The short journey: "Online beantragen" starts the application at once.
    page.locator("#online-beantragen").click()

    # The first step: English buttons and progress, the form's German questions marked.
    page.wait_for_url(re.compile(r"/antrag/entwurf/[0-9a-f-]{36}/"))
    assert re.search(r"Step 1 of \d", page.locator("#fortschritt").inner_text())
    assert page.locator("main h1").get_attribute("lang") == "de"
    assert_no_axe_violations(page)
    page.locator("#weiter").click()
    page.wait_for_load_state()
    summary = page.locator("#fehlerzusammenfassung")
    if summary.count():  # a step with a required question: the summary in English
        assert "Please check your entries" in summary.inner_text()
        assert page.title().startswith("Error:")
        assert_no_axe_violations(page)


def test_leichte_sprache_is_linked_and_accessible_in_german(page):
    page.goto("/")
    page.locator("footer").get_by_role("link", name="Leichte Sprache").click()
    page.wait_for_url(re.compile(r"/leichte-sprache/$"))
    assert _html_lang(page) == "de"
    assert page.locator("#nur-deutsch").count() == 0
    assert_no_axe_violations(page)
    links = page.locator("#leichte-sprache-leistungen a")
    assert links.count() == 6
    for index in range(6):
        page.goto("/leichte-sprache/")
        page.locator("#leichte-sprache-leistungen a").nth(index).click()
        page.wait_for_load_state()
        assert page.locator("#zum-antrag").count() == 1
        assert_no_axe_violations(page)


def test_back_office_in_english_is_accessible(english, committed_member_admin):
    """A member administrator's pages in English: inbox, services, deadlines, retention,
    people and roles, the account."""
    page = english
    log_in(page, committed_member_admin)
    assert _html_lang(page) == "en"
    for path, heading in [
        ("/behoerde/eingang/", "Inbox"),
        ("/leistungen/verwaltung/", "Activate services"),
        ("/konto/", "My account"),
    ]:
        response = page.goto(path)
        assert response.status == 200
        assert _html_lang(page) == "en"
        assert heading in page.locator("h1").first.inner_text()
        assert_no_axe_violations(page)
