import re
from pathlib import Path

from tests.browser.conftest import assert_no_axe_violations
from tests.support.vcard_check import parse_strict, unescape, value_of


def test_citizen_finds_dog_service_and_the_responsible_authority(page, committed_member):
    page.goto("/")
    # The start page's own search (the header has one too).
    start_search = page.get_by_role("search", name="Leistungen suchen")
    start_search.get_by_label("Was möchten Sie erledigen?").fill("hund anmelden")
    start_search.get_by_role("button", name="Suchen", exact=True).click()

    page.wait_for_url(re.compile(r"/leistungen/suche/\?q=hund"))
    results = page.locator("#suchergebnisse")
    assert "Hundehaltung" in results.inner_text()
    assert_no_axe_violations(page)

    results.get_by_role("link", name="Hundehaltung").first.click()
    page.wait_for_url(re.compile(r"/leistungen/10160/"))
    assert "Hundehaltung" in page.locator("h1").inner_text()
    assert_no_axe_violations(page)

    page.locator("#zustaendigkeit-form #plz").fill("39104")
    page.locator("#zustaendigkeit-form button[type=submit]").click()
    answer = page.locator("#zustaendigkeit")
    assert "Landeshauptstadt Magdeburg" in answer.inner_text()
    assert committed_member.email in answer.inner_text()
    assert committed_member.phone in answer.inner_text()
    assert page.csp_violations == []
    assert_no_axe_violations(page)

    # "Ins Adressbuch exportieren": the authority as a vCard 4.0 download.
    with page.expect_download() as download_info:
        page.locator("#behoerde-vcard").click()
    card = parse_strict(Path(download_info.value.path()).read_bytes())
    assert unescape(value_of(card, "FN")) == "Landeshauptstadt Magdeburg"
    assert value_of(card, "EMAIL") == committed_member.email


def test_catalogue_pages_are_accessible(page):
    page.goto("/leistungen/")
    assert_no_axe_violations(page)
    page.locator("main a[href^='/leistungen/themenfeld/']").first.click()
    assert_no_axe_violations(page)


def test_search_suggests_a_spelling_and_says_when_nothing_fits(page):
    page.goto("/leistungen/suche/?q=f%C3%BChrerschien")
    hint = page.locator("#meinten-sie")
    assert "führerschein" in hint.inner_text()
    assert_no_axe_violations(page)
    hint.get_by_role("link", name="führerschein").click()
    page.wait_for_url(re.compile(r"q=f%C3%BChrerschein"))
    assert "Führerschein" in page.locator("#suchergebnisse").inner_text()
    assert page.locator("#meinten-sie").count() == 0

    page.goto("/leistungen/suche/?q=kuchen+backen+rezept")
    assert (
        "Wir haben keine passende Leistung gefunden" in page.locator("#keine-treffer").inner_text()
    )
    assert page.locator("#suchergebnisse").count() == 0
    assert_no_axe_violations(page)
    page.locator("#lebenslagen").get_by_role("link", name="Geburt", exact=True).click()
    page.wait_for_url(re.compile(r"/leistungen/themenfeld/\d+/#lage-\d+"))
    assert "Elterngeld" in page.locator("main").inner_text()
