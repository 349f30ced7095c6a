import re

from tests.browser.conftest import assert_no_axe_violations


def test_start_page_without_a_place_is_built_around_tasks_and_accessible(page):
    page.goto("/")

    assert page.title() == "Start – OpenKommune"
    assert page.locator("h1").count() == 1
    assert page.get_by_label("Was möchten Sie erledigen?").is_visible()
    assert page.locator("#ort-leer").is_visible()
    assert page.locator("#meistgenutzt li").count() == 8
    assert page.locator("#lebenslagen").get_by_role("link", name="Wohnen & Umzug").is_visible()
    assert (
        page.locator("#unternehmenslagen")
        .get_by_role("link", name="Unternehmensstart & Gewerbezulassung")
        .is_visible()
    )
    assert page.locator("#themenfelder li").count() == 14
    # The platform's figures are on the cooperative's pages, not here.
    assert "10.953" not in page.locator("main").inner_text()
    assert page.csp_violations == []
    assert_no_axe_violations(page)


def test_remembered_postcode_shows_what_is_online_and_the_gemeinde(
    page, committed_hundesteuer_offer
):
    page.goto("/")
    page.get_by_label("Ihre Postleitzahl").fill("39104")
    page.get_by_role("button", name="Ort festlegen").click()
    page.wait_for_url(re.compile(r"/#ihr-ort$"))

    assert page.locator("#ort-titel").inner_text().startswith("Ihr Ort: Magdeburg")
    online = page.locator("#online-leistungen")
    assert online.get_by_role("link", name="Hundehaltung").is_visible()
    gemeinde = page.locator("#ihre-gemeinde")
    assert "Landeshauptstadt Magdeburg" in gemeinde.inner_text()
    assert "demo-150030000000@example.org" in gemeinde.inner_text()
    assert page.csp_violations == []
    assert_no_axe_violations(page)

    # Remembered across pages: a later visit still knows the place.
    page.goto("/leistungen/")
    page.goto("/")
    assert page.locator("#ort-titel").inner_text().startswith("Ihr Ort: Magdeburg")
    online.get_by_role("link", name="Hundehaltung").click()
    assert page.locator("#online-beantragen").is_visible()

    page.goto("/")
    page.get_by_role("button", name="Ort vergessen").click()
    assert page.locator("#ort-leer").is_visible()
    assert_no_axe_violations(page)


def test_place_with_several_gemeinden_and_nothing_online_is_accessible(page):
    page.goto("/?plz=38489")
    assert page.locator("#ort-auswahl").is_visible()
    assert_no_axe_violations(page)
    page.locator("#ort-auswahl").get_by_role("link", name="Jübar").click()
    assert page.locator("#ort-titel").inner_text().startswith("Ihr Ort: Jübar")
    assert page.locator("#online-leer").is_visible()
    assert "verwaltet durch" in page.locator("#gemeinde-name").inner_text()
    assert_no_axe_violations(page)


def test_bad_postcode_on_the_start_page_is_explained_accessibly(page):
    page.goto("/")
    page.get_by_label("Ihre Postleitzahl").fill("391")
    page.get_by_role("button", name="Ort festlegen").click()
    assert page.title().startswith("Fehler")
    assert "genau fünf Ziffern" in page.locator(".ok-error-summary").inner_text()
    assert page.get_by_label("Ihre Postleitzahl").input_value() == "391"
    assert_no_axe_violations(page)


def test_search_from_the_start_page(page):
    page.goto("/")
    page.get_by_label("Was möchten Sie erledigen?").fill("Hund anmelden")
    page.locator("#start-suche-form").get_by_role("button", name="Suchen").click()
    page.wait_for_url(re.compile(r"/leistungen/suche/\?q=Hund"))
    assert page.locator("#suchergebnisse li").count() > 0


def test_start_page_works_without_javascript(browser, site_server):
    # A German visitor: Chromium without a locale asks for English (Accept-Language en-US).
    context = browser.new_context(locale="de-DE", java_script_enabled=False, base_url=site_server)
    page = context.new_page()
    page.goto("/")
    page.get_by_label("Ihre Postleitzahl").fill("06366")
    page.get_by_role("button", name="Ort festlegen").click()
    assert page.locator("#ort-titel").inner_text().startswith("Ihr Ort: Köthen (Anhalt)")
    page.get_by_role("button", name="Ort vergessen").click()
    assert page.locator("#ort-leer").is_visible()
    context.close()


def test_cooperative_figures_page_is_accessible(page):
    page.goto("/genossenschaft/")
    assert page.locator("#anzahl-gemeinden").inner_text() == "10.953"
    assert page.locator("#anzahl-ozg").inner_text() == "557"
    assert_no_axe_violations(page)


def test_demo_notice_is_accessible(page, settings):
    # The live server thread reads the same settings object.
    settings.DEMO_MODE = True
    page.goto("/")
    assert page.locator("#demo-hinweis").is_visible()
    assert_no_axe_violations(page)
