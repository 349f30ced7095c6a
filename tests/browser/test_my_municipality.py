from tests.browser.conftest import assert_no_axe_violations


def test_lookup_names_magdeburg_and_is_accessible(page):
    page.goto("/meine-gemeinde/")
    assert_no_axe_violations(page)

    page.locator("#plz").fill("39104")
    page.locator("#plz-form button[type=submit]").click()

    result = page.locator("#ergebnis")
    assert "Magdeburg" in result.inner_text()
    assert "15003000" in result.inner_text()
    assert_no_axe_violations(page)


def test_invalid_postcode_shows_error_summary_and_keeps_input(page):
    page.goto("/meine-gemeinde/")
    page.locator("#plz").fill("3910")
    page.locator("#plz-form button[type=submit]").click()

    summary = page.get_by_role("alert").first
    assert summary.is_visible()
    assert page.locator("#plz").input_value() == "3910"
    assert page.locator("#plz").get_attribute("aria-invalid") == "true"
    assert_no_axe_violations(page)


def test_unknown_postcode_is_explained(page):
    page.goto("/meine-gemeinde/?plz=00000")
    assert "00000" in page.locator("main").inner_text()
    assert page.locator("#ergebnis table").count() == 0
    assert_no_axe_violations(page)
