"""Done-when of issue 15 (BundID part), in Chromium: a login through the SimpleSAMLphp test
IdP at level 1 is refused for a service that requires "hoch", with a clear step-up offer;
the step-up login at "hoch" applies with prefilled, verified data; the clerk sees the level
and the verified answers."""

import re
from datetime import date, timedelta

import pytest

from tests.browser.conftest import assert_no_axe_violations, log_in
from tests.support.bundid import configure_sp, simplesamlphp_idp, sp_keys  # noqa: F401

START = "/antrag/10160/?plz=39104&ars=150030000000"


@pytest.fixture
def bundid_site(settings, simplesamlphp_idp, sp_keys, site_server):  # noqa: F811
    configure_sp(settings, simplesamlphp_idp, sp_keys, site_server)
    yield simplesamlphp_idp
    from openkommune.identity import saml

    saml._client.cache_clear()


@pytest.fixture
def hoch_required(django_db_blocker, committed_hundesteuer_offer):
    from openkommune.forms.models import FormDefinition

    with django_db_blocker.unblock():
        FormDefinition.objects.filter(key="hundesteuer").update(min_trust_level=4)
    yield committed_hundesteuer_offer
    with django_db_blocker.unblock():
        FormDefinition.objects.filter(key="hundesteuer").update(min_trust_level=0)


@pytest.fixture
def magdeburg_clerk(django_db_blocker, hoch_required):
    from openkommune.tenancy.constants import Role
    from openkommune.tenancy.scoping import scopes_disabled
    from tests.accounts.factories import UserFactory
    from tests.tenancy.factories import MembershipFactory

    with django_db_blocker.unblock(), scopes_disabled():
        user = UserFactory(email="browser.bundid.clerk@test.example.org")
        MembershipFactory(tenant=hoch_required, user=user, role=Role.CLERK)
    yield user
    from openkommune.identity.models import CitizenIdentity

    with django_db_blocker.unblock(), scopes_disabled():
        from tests.browser.conftest import _delete_applications_of

        _delete_applications_of(hoch_required)
        for identity in CitizenIdentity.objects.select_related("user"):
            identity.user.delete()
        user.delete()


def _idp_login(page, name: str) -> None:
    page.wait_for_selector("input[name=username]")
    page.locator("input[name=username]").fill(name)
    page.locator("input[name=password]").fill(name)
    page.locator("input[name=password]").press("Enter")


def _new_account(page) -> None:
    page.wait_for_url(re.compile(r"/konto/bundid/verknuepfen/$"))
    assert_no_axe_violations(page)
    page.locator("#new-account-form button[type=submit]").click()


def _continue(page) -> None:
    page.locator("#weiter").click()


def test_level_one_is_refused_then_hoch_applies_with_verified_data(
    page, bundid_site, magdeburg_clerk, tmp_path, django_db_blocker
):
    from openkommune.submissions.models import Application
    from openkommune.tenancy.scoping import scopes_disabled

    page.goto("/konto/anmelden/")
    assert (
        "Test-Identitätsanbieter — keine echte BundID"
        in page.locator("#bundid-test-idp").inner_text()
    )
    assert_no_axe_violations(page)
    page.goto(START)
    assert (
        "Anmeldung mit Online-Ausweis erforderlich"
        in page.locator("#vertrauensniveau").inner_text()
    )

    # Level 1 (Basisregistrierung, no eIDAS level): logged in, but the service refuses with a
    # step-up offer.
    page.goto("/konto/anmelden/?next=" + START.replace("?", "%3F").replace("&", "%26"))
    page.locator("#bundid-login").click()
    _idp_login(page, "untergeordnet")
    _new_account(page)
    page.wait_for_url(re.compile(r"/antrag/10160/"))
    page.locator("#beginnen-button").click()
    heading = page.locator("h1").inner_text()
    assert heading == "Anmeldung mit Online-Ausweis erforderlich"
    assert "„Basisregistrierung“" in page.locator("#step-up-current").inner_text()
    step_up = page.locator("#step-up-login")
    assert "niveau=4" in step_up.get_attribute("href")
    assert_no_axe_violations(page)

    # Step-up: the online ID ("hoch"), a new person for the platform.
    step_up.click()
    _idp_login(page, "hoch")
    _new_account(page)
    page.wait_for_url(re.compile(r"/antrag/10160/"))
    page.locator("#beginnen-button").click()
    # Short journey: the concern and the holder on the first screen.
    page.wait_for_url(re.compile(r"/anliegen/$"))
    page.get_by_label("Ich möchte einen Hund anmelden").check()
    origin = page.locator("#bundid-vorausgefuellt").inner_text()
    assert "aus Ihrem BundID-Konto, bestätigt mit Ihrem Online-Ausweis" in origin
    assert page.locator("#f-halter-vorname").input_value() == "Erika"
    assert page.locator("#f-halter-nachname").input_value() == "Mustermann"
    assert page.locator("#f-halter-anschrift-street").input_value() == "Heidestraße"
    assert page.locator("#f-halter-anschrift-city").input_value() == "Köln"
    # Confirmed with the online ID: filled (birth date too) and read-only.
    assert page.locator("#f-halter-geburtsdatum").input_value() == "12.08.1964"
    assert not page.locator("#f-halter-vorname").is_editable()
    assert not page.locator("#f-halter-geburtsdatum").is_editable()
    assert page.locator("#f-halter-email").input_value() == "erika.mustermann@demo.invalid"
    assert_no_axe_violations(page)
    _continue(page)

    # The dog and the payment.
    page.wait_for_url(re.compile(r"/hunde/$"))
    page.locator("#f-hunde-0-hund_name").fill("Bello")
    page.locator("#f-hunde-0-rasse").fill("Mischling")
    page.get_by_label("Rüde").check()
    page.locator("#f-hunde-0-wurfdatum").fill((date.today() - timedelta(800)).strftime("%d.%m.%Y"))
    page.locator("#f-hunde-0-gehalten_seit").fill(
        (date.today() - timedelta(30)).strftime("%d.%m.%Y")
    )
    page.get_by_label("Von einer Züchterin oder einem Züchter").check()
    page.locator("#f-hunde-0-gefaehrlich-2").check()
    page.get_by_label("Nein, ich beantrage keine Befreiung oder Ermäßigung").check()
    page.get_by_label("Ich überweise die Steuer selbst").check()
    _continue(page)

    page.wait_for_url(re.compile(r"/pruefen/$"))
    assert (
        "bestätigt mit Ihrem Online-Ausweis" in page.locator("#bundid-vorausgefuellt").inner_text()
    )
    assert_no_axe_violations(page)
    # The declaration is asked on the check page.
    page.locator("#f-versicherung_richtig").check()
    page.locator("#absenden").click()
    page.wait_for_url(re.compile(r"/eingang/$"))
    reference = page.locator("#aktenzeichen").inner_text().strip()

    # The clerk: level and verified answers in the case file.
    page.context.clear_cookies()
    log_in(page, magdeburg_clerk)
    with django_db_blocker.unblock(), scopes_disabled():
        application = Application.applicant_objects.get(reference=reference)
        assert application.trust_level == 4
        case_id = application.case.public_id
    page.goto(f"/behoerde/vorgang/{case_id}/")
    level = page.locator("#identitaet-niveau").inner_text()
    assert "„hoch“" in level
    verified = page.locator("#identitaet-bestaetigt").inner_text()
    assert "Erika" in verified
    assert "Mustermann" in verified
    assert "bestätigt durch BundID" in verified
    assert_no_axe_violations(page)
