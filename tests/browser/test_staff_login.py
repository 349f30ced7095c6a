"""Staff single sign-on per member (issue 15 part 5) in a real browser against the npm
`oidc-provider` with a staff directory's test identities: the member administrator sets it
up (page checked with axe), a staff member logs in through it from the login page and is
then asked for the platform's second factor."""

import re

import pytest

from tests.browser.conftest import assert_no_axe_violations, log_in
from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, REPO_ROOT, start_oidc_provider

IDENTITIES = REPO_ROOT / "tools" / "oidc_provider" / "staff_identities.json"
STAFF_EMAIL = "max.verwaltung@verwaltung.test.example.org"


@pytest.fixture
def staff_directory(site_server, django_db_blocker, committed_member_admin):
    from openkommune.accounts.models import User
    from openkommune.core.oidc import forget_cached

    callback = f"{site_server}/konto/beschaeftigte/rueckkehr/"
    forget_cached()
    with start_oidc_provider([callback], identities=IDENTITIES) as provider:
        yield provider
    forget_cached()
    with django_db_blocker.unblock():
        # The account the login created (its memberships and link go with it); the
        # provider row goes with the member.
        User.objects.filter(email=STAFF_EMAIL).delete()


def test_member_sets_up_its_directory_and_staff_log_in_through_it(
    page, staff_directory, committed_member_admin
):
    log_in(page, committed_member_admin)
    page.goto("/konto/")
    page.locator("#anmeldung-beschaeftigte-einrichten").click()
    page.wait_for_url(re.compile(r"/konto/beschaeftigte/einrichten/$"))
    assert_no_axe_violations(page)
    page.get_by_label("eingeschaltet").check()
    page.get_by_label("Bezeichnung auf der Anmeldeseite").fill("Verzeichnis (Test)")
    page.get_by_label("Aussteller (Issuer-URL)").fill(staff_directory.issuer)
    page.get_by_label("Client-ID").fill(CLIENT_ID)
    page.get_by_label("Client-Geheimnis").fill(CLIENT_SECRET)
    page.locator("#anmeldung-beschaeftigte-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/konto/beschaeftigte/einrichten/$"))
    assert "eingeschaltet" in page.locator("#anbieter-status").inner_text()

    page.context.clear_cookies()
    page.goto("/konto/anmelden/")
    option = page.locator("#beschaeftigte-anmeldung a")
    assert "Landeshauptstadt Magdeburg" in option.inner_text()
    assert_no_axe_violations(page)
    option.click()
    page.wait_for_url(re.compile(re.escape(staff_directory.issuer) + r"/interaction/"))
    page.locator("input[name=login]").fill("max-verwaltung")
    page.locator("input[name=password]").fill("beliebig")
    page.locator("button[type=submit]").click()
    # Logged in as the member's staff: the platform's second factor comes first.
    page.wait_for_url(re.compile(r"/konto/zwei-faktor/"))
    assert_no_axe_violations(page)
