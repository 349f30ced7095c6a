"""The second factor in the browser (issue 15 part 5): a clerk sets up the app from the
server-rendered QR code page (secret also as text), keeps the recovery codes, reaches the
inbox; later logs in with a recovery code. Every page is checked with axe."""

import re

from tests.accounts.factories import PASSWORD
from tests.browser.conftest import assert_no_axe_violations
from tests.support.totp import time_step, totp_at_step


def _password_step(page, user) -> None:
    page.goto("/behoerde/eingang/")
    page.wait_for_url(re.compile(r"/konto/anmelden/"))
    page.locator("#id_username").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#login-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/konto/zwei-faktor/\?next="))


def test_clerk_sets_up_the_app_keeps_codes_and_later_uses_one(page, committed_clerk):
    user, _organisation = committed_clerk
    _password_step(page, user)
    assert page.locator("svg.ok-qr-code").is_visible()
    assert_no_axe_violations(page)

    # A wrong code: a German error, still on the page.
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.locator("#id_code").fill("12345")
    page.locator("#zwei-faktor-form button[type=submit]").click()
    page.locator("#fehlerzusammenfassung").wait_for()
    assert "sechs Ziffern" in page.locator("#fehlerzusammenfassung").inner_text()
    assert_no_axe_violations(page)

    page.locator("#id_code").fill(totp_at_step(secret, time_step()))
    page.locator("#zwei-faktor-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/konto/zwei-faktor/codes/"))
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Ich habe die Codes gesichert – weiter").click()
    page.wait_for_url(re.compile(r"/behoerde/eingang/$"))

    page.get_by_role("button", name="Abmelden").first.click()
    _password_step(page, user)
    page.get_by_role("link", name="Wiederherstellungscode verwenden").click()
    page.wait_for_url(re.compile(r"/konto/zwei-faktor/wiederherstellung/"))
    assert_no_axe_violations(page)
    page.locator("#id_code").fill(codes[0])
    page.locator("#wiederherstellung-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/behoerde/eingang/$"))
    assert "Es bleiben 9 Codes" in page.content()
