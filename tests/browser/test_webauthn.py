"""A security key (WebAuthn) as the staff's second factor (issue 15 part 5), in Chromium with
its own virtual authenticator (DevTools protocol, `WebAuthn` domain): a clerk adds a key on
the manage page and confirms the next login with it instead of the app's code. WebAuthn
needs a domain name, so the pages are opened at `localhost`."""

import re

import pytest

from tests.browser.conftest import assert_no_axe_violations, log_in


@pytest.fixture
def key_page(browser, site_server):
    context = browser.new_context(
        locale="de-DE", base_url=site_server.replace("127.0.0.1", "localhost")
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    devtools = context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    added = devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": False,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    page.devtools = devtools
    page.authenticator_id = added["authenticatorId"]
    yield page
    context.close()


def test_clerk_adds_a_security_key_and_confirms_the_login_with_it(
    key_page, committed_clerk, django_db_blocker
):
    from openkommune.tenancy.models import AuditRecord
    from openkommune.tenancy.scoping import scopes_disabled
    from openkommune.twofactor.models import WebAuthnCredential
    from tests.accounts.factories import PASSWORD

    page = key_page
    user, _organisation = committed_clerk
    log_in(page, user)
    page.goto("/konto/zwei-faktor/verwalten/")
    assert page.locator("#webauthn-hinzufuegen").is_visible()
    assert_no_axe_violations(page)
    page.locator("#schluessel-name").fill("Dienstschlüssel")
    page.locator("#webauthn-hinzufuegen-button").click()
    page.wait_for_selector("#schluessel-liste")
    assert "Dienstschlüssel" in page.locator("#schluessel-liste").inner_text()
    with django_db_blocker.unblock():
        key = WebAuthnCredential.objects.get(user=user)
    stored = page.devtools.send(
        "WebAuthn.getCredentials", {"authenticatorId": page.authenticator_id}
    )
    assert len(stored["credentials"]) == 1

    # The next login: password, then the key instead of the app's code.
    page.context.clear_cookies()
    page.goto("/konto/anmelden/")
    page.locator("#id_username").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#login-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/konto/zwei-faktor/"))
    assert page.locator("#webauthn-bestaetigen").is_visible()
    assert_no_axe_violations(page)
    page.locator("#webauthn-bestaetigen").click()
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))
    page.goto("/konto/")
    assert "/konto/zwei-faktor/" not in page.url
    with django_db_blocker.unblock(), scopes_disabled():
        key.refresh_from_db()
        assert key.last_used_at is not None
        assert AuditRecord.objects.filter(
            action="second_factor.webauthn_added", object_id=str(user.pk)
        ).exists()
