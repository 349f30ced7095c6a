import re

from tests.browser.conftest import assert_no_axe_violations, log_in


def test_member_admin_switches_a_service_on_with_parameters(page, committed_member_admin):
    log_in(page, committed_member_admin)
    page.goto("/leistungen/verwaltung/")
    assert page.locator("#leistungen").is_visible()
    assert_no_axe_violations(page)

    page.goto("/leistungen/verwaltung/10160/")
    assert_no_axe_violations(page)
    form = page.locator("#freischaltung-form")
    form.locator("input[type=checkbox]").check()
    form.get_by_label("Gebühr", exact=False).fill("abc")
    form.get_by_role("button", name="Speichern").click()
    # Bad input: error summary, which takes the focus; nothing typed is lost.
    assert page.locator("#fehlerzusammenfassung").is_visible()
    assert page.evaluate("document.activeElement.id") == "fehlerzusammenfassung"
    assert form.get_by_label("Gebühr", exact=False).input_value() == "abc"
    assert_no_axe_violations(page)

    form.get_by_label("Gebühr", exact=False).fill("15")
    form.get_by_role("button", name="Speichern").click()
    page.wait_for_url(re.compile(r"/leistungen/verwaltung/"))

    page.goto("/leistungen/10160/?plz=39104")
    answer = page.locator("#zustaendigkeit")
    assert "online" in answer.inner_text().lower()
    # "Online beantragen" starts the application on the service page itself (a form).
    page.get_by_role("button", name=re.compile("Online beantragen")).first.click()
    assert_no_axe_violations(page)


def test_member_admin_cannot_switch_on_a_service_without_a_way_to_apply(
    page, committed_member_admin
):
    log_in(page, committed_member_admin)
    # The work areas are in the header of every page, also the citizen start page.
    assert page.locator("#nav-leistungen-verwalten").is_visible()
    page.locator("#nav-leistungen-verwalten").click()
    page.wait_for_url(re.compile(r"/leistungen/verwaltung/$"))

    page.goto("/leistungen/verwaltung/10439/")  # Kfz-Zulassung: no form of the platform
    assert "kein veröffentlichtes Formular" in page.locator("#antragsweg").inner_text()
    form = page.locator("#freischaltung-form")
    form.locator("input[type=checkbox]").check()
    form.get_by_role("button", name="Speichern").click()
    summary = page.locator("#fehlerzusammenfassung")
    assert "kann noch nicht online angeboten werden" in summary.inner_text()
    assert page.evaluate("document.activeElement.id") == "fehlerzusammenfassung"
    assert_no_axe_violations(page)

    form.get_by_label("Adresse des Online-Antrags", exact=False).fill(
        "https://kfz.magdeburg.example.org/antrag"
    )
    form.get_by_role("button", name="Speichern").click()
    page.wait_for_url(re.compile(r"/leistungen/verwaltung/$"))
    page.goto("/leistungen/verwaltung/10439/")
    assert "Über Ihren eigenen Online-Antrag" in page.locator("#antragsweg").inner_text()
    assert_no_axe_violations(page)

    # A small button with a visible label and a screen-reader suffix is as wide as its text.
    page.goto("/leistungen/verwaltung/?q=10160&zustaendig=0")
    button = page.locator("#leistungen button.kern-btn--x-small").first
    fits = button.evaluate("b => b.scrollWidth <= b.clientWidth + 1 && b.clientWidth > 32")
    assert fits, button.bounding_box()

    page.goto("/leistungen/10439/?plz=39104")
    link = page.locator("#online-beantragen")
    assert link.get_attribute("href") == "https://kfz.magdeburg.example.org/antrag"
    assert_no_axe_violations(page)


def test_cooperative_staff_sees_offers(page, committed_cooperative_staff):
    log_in(page, committed_cooperative_staff)
    page.goto("/leistungen/angebote/")
    assert "Welche Mitglieder bieten was an?" in page.locator("h1").inner_text()
    assert_no_axe_violations(page)


def test_empty_and_unsuccessful_search_pages_are_accessible(page):
    page.goto("/leistungen/suche/")
    assert_no_axe_violations(page)
    page.goto("/leistungen/suche/?q=xqzvbnm")
    assert page.locator("main").inner_text()
    assert_no_axe_violations(page)
