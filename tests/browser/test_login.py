from tests.accounts.factories import PASSWORD
from tests.browser.conftest import assert_no_axe_violations, complete_second_factor


def test_clerk_logs_in_sees_organisation_and_logs_out(page, committed_clerk):
    user, organisation = committed_clerk
    page.goto("/konto/anmelden/")
    page.locator("#id_username").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#login-form button[type=submit]").click()
    page.wait_for_url("**/konto/zwei-faktor/**")
    complete_second_factor(page, user)

    page.goto("/konto/")
    assert page.locator("#konto-email").inner_text() == user.email
    assert organisation.name in page.locator("#mitgliedschaften").inner_text()
    assert "Sachbearbeitung" in page.locator("#mitgliedschaften").inner_text()
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Abmelden").click()
    page.goto("/konto/")
    assert "/konto/anmelden/" in page.url


def test_wrong_password_shows_error_summary_and_keeps_email(page, committed_clerk):
    user, _ = committed_clerk
    page.goto("/konto/anmelden/")
    page.locator("#id_username").fill(user.email)
    page.locator("#id_password").fill("falsch-falsch-falsch")
    page.locator("#login-form button[type=submit]").click()

    assert page.locator("#fehlerzusammenfassung").is_visible()
    assert page.locator("#id_username").input_value() == user.email
    assert_no_axe_violations(page)
