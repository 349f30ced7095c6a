import re

from tests.browser.conftest import assert_no_axe_violations


def test_start_page_shows_real_data_and_is_accessible(page):
    page.goto("/")

    assert page.title() == "Start – OpenKommune"
    assert page.locator("h1").count() == 1
    # Counts come from the imported official files, formatted the German way.
    assert page.locator("#anzahl-gemeinden").inner_text() == "10.953"
    assert page.locator("#anzahl-ozg").inner_text() == "557"
    assert page.locator("#themenfelder li").count() == 14
    assert page.csp_violations == []
    assert_no_axe_violations(page)


def test_postcode_from_start_page_leads_to_my_municipality(page):
    page.goto("/")
    page.get_by_label("Ihre Postleitzahl").fill("06366")
    page.get_by_role("button", name="Gemeinde finden").click()

    page.wait_for_url(re.compile(r"/meine-gemeinde/\?plz=06366"))
    result = page.locator("#ergebnis")
    assert "Köthen (Anhalt)" in result.inner_text()
    assert "Anhalt-Bitterfeld" in result.inner_text()
    assert_no_axe_violations(page)


def test_start_page_works_without_javascript(browser, site_server):
    # A German visitor: Chromium without a locale asks for English (Accept-Language en-US).
    context = browser.new_context(locale="de-DE", java_script_enabled=False, base_url=site_server)
    page = context.new_page()
    page.goto("/")
    page.get_by_label("Ihre Postleitzahl").fill("39104")
    page.get_by_role("button", name="Gemeinde finden").click()
    assert "Magdeburg" in page.locator("#ergebnis").inner_text()
    context.close()


def test_demo_notice_is_accessible(page, settings):
    # The live server thread reads the same settings object.
    settings.DEMO_MODE = True
    page.goto("/")
    assert page.locator("#demo-hinweis").is_visible()
    assert_no_axe_violations(page)
