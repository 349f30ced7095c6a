"""Issue 15 done-when: a company logs in through the OIDC provider (the real npm
`oidc-provider`, labelled Test-Identitätsanbieter) and files a Gewerbeanmeldung on behalf of
the company; the clerk sees the company and the acting person. Our pages are checked with
axe (the provider's own login page is not ours)."""

import re

import pytest

from tests.browser.conftest import _delete_applications_of, assert_no_axe_violations, log_in
from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, start_oidc_provider

COMPANY = "Müller Bau GmbH (Testunternehmen)"


@pytest.fixture(scope="session")
def browser_oidc_provider(site_server):
    with start_oidc_provider([f"{site_server}/konto/unternehmenskonto/rueckkehr/"]) as provider:
        yield provider


@pytest.fixture
def company_login_configured(browser_oidc_provider, settings):
    from openkommune.core.oidc import forget_cached

    settings.COMPANY_OIDC_ISSUER = browser_oidc_provider.issuer
    settings.COMPANY_OIDC_CLIENT_ID = CLIENT_ID
    settings.COMPANY_OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.COMPANY_OIDC_LABEL = "Test-Identitätsanbieter"
    forget_cached()
    yield browser_oidc_provider
    forget_cached()


@pytest.fixture
def committed_gewerbe_offer(django_db_blocker, committed_member, settings, tmp_path):
    """Magdeburg offers the Gewerbeanmeldung online (demo parameters); what the journey
    committed, the company's account and the clerk go afterwards."""
    from openkommune.accounts.models import User
    from openkommune.catalog.models import ServiceActivation
    from openkommune.catalog.selectors import ozg_leistung_get
    from openkommune.catalog.services import service_activation_set
    from openkommune.companies.models import (
        ApplicationOnBehalf,
        Company,
        CompanyLoginFailure,
        CompanyRepresentative,
    )
    from openkommune.tenancy.constants import Role
    from openkommune.tenancy.models import AuditRecord
    from openkommune.tenancy.scoping import scopes_disabled
    from tests.accounts.factories import UserFactory
    from tests.forms.test_definitions_load import OZG_OF_FORM
    from tests.tenancy.factories import MembershipFactory

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    ozg_id = OZG_OF_FORM["gewerbeanmeldung"]
    with django_db_blocker.unblock(), scopes_disabled():
        service_activation_set(
            tenant=committed_member,
            actor=None,
            ozg_leistung=ozg_leistung_get(ozg_id=ozg_id),
            is_active=True,
            contact_email="demo-gewerbe@example.org",
            fee=None,
            processing_time="etwa eine Woche (Demo-Angabe)",
            citizen_notes="",
        )
        clerk = UserFactory(email="browser.gewerbe@test.example.org")
        MembershipFactory(tenant=committed_member, user=clerk, role=Role.CLERK)
    yield {"member": committed_member, "ozg_id": ozg_id, "clerk": clerk}
    with django_db_blocker.unblock(), scopes_disabled():
        ApplicationOnBehalf.objects.filter(tenant=committed_member).delete()
        _delete_applications_of(committed_member)
        ServiceActivation.objects.filter(tenant=committed_member).delete()
        users = list(
            User.objects.filter(company_representative__isnull=False).values_list("pk", flat=True)
        )
        CompanyRepresentative.objects.all().delete()
        AuditRecord.objects.filter(tenant=None, actor_id__in=[*users, clerk.pk])._raw_delete(
            using="default"
        )
        User.objects.filter(pk__in=users).delete()
        Company.objects.all().delete()
        CompanyLoginFailure.objects.all().delete()
        clerk.delete()


def _answers_for_step(django_db_blocker, page, ozg_id, data):
    """What a person types on the current page: the widgets of its step for `data` (a page
    of a cut step, e.g. `person-2`, shows some of them; the others find no input there)."""
    from openkommune.forms.engine import split_page_id
    from openkommune.forms.engine.rendering import step_widgets
    from openkommune.forms.selectors import version_definition
    from openkommune.submissions.models import Draft
    from tests.submissions.form_pages import typed_answers

    draft_id, page_id = re.search(r"/entwurf/([0-9a-f-]{36})/([^/]+)/$", page.url).groups()
    step_id = split_page_id(page_id)[0]
    with django_db_blocker.unblock():
        draft = Draft.applicant_objects.select_related("form_version").get(public_id=draft_id)
        definition = version_definition(draft.form_version)
    step = next(s for s in definition.steps if s.id == step_id)
    return typed_answers(step_widgets(definition, step, data))


FILL = """(answers) => {
  for (const [name, values] of Object.entries(answers)) {
    for (const el of document.getElementsByName(name)) {
      if (el.type === 'radio' || el.type === 'checkbox') el.checked = values.includes(el.value);
      else el.value = values.length ? values[0] : '';
    }
  }
}"""


def test_company_logs_in_with_the_test_provider_and_files_a_gewerbeanmeldung(
    page, browser, django_db_blocker, company_login_configured, committed_gewerbe_offer
):
    from tests.forms.test_definitions import TODAY, valid
    from tests.submissions.form_pages import dates_moved

    ozg_id = committed_gewerbe_offer["ozg_id"]
    page.goto("/konto/anmelden/")
    assert_no_axe_violations(page)
    page.get_by_role(
        "link", name="Mit Unternehmenskonto anmelden (Test-Identitätsanbieter)"
    ).click()
    # The provider's own log-in page (oidc-provider's development interaction).
    page.wait_for_url(re.compile(re.escape(company_login_configured.issuer) + r"/interaction/"))
    page.locator("input[name=login]").fill("anna-mueller")
    page.locator("input[name=password]").fill("beliebig")
    page.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/konto/$"))
    assert COMPANY in page.locator("#konto-unternehmen").inner_text()
    assert "Anna Müller (Testperson)" in page.locator("#konto-handelnde-person").inner_text()
    assert_no_axe_violations(page)

    page.goto(f"/antrag/{ozg_id}/")
    if page.locator("#wohnort-form").count():
        page.locator("#wohnort-form #plz").fill("39104")
        page.locator("#wohnort-form button[type=submit]").click()
    page.wait_for_selector("#start-form")
    if page.locator("#email").count():
        page.locator("#email").fill("anna.mueller@example.org")
    page.locator("#beginnen-button").click()
    page.wait_for_url(re.compile(r"/antrag/entwurf/[0-9a-f-]{36}/[^/]+/$"))
    assert_no_axe_violations(page)

    data = dates_moved(
        {
            **valid("gewerbeanmeldung"),
            "rechtsform": "gmbh",
            "firmenname": COMPANY,
            "registergericht": "Magdeburg",
            "registernummer": "HRB 1",
            "zahl_vertreter": 1,
        },
        written_on=TODAY,
    )
    for _step in range(10):
        if "/pruefen/" in page.url or not re.search(r"/entwurf/[0-9a-f-]{36}/[^/]+/$", page.url):
            break
        page.evaluate(FILL, _answers_for_step(django_db_blocker, page, ozg_id, data))
        before = page.url
        page.locator("#weiter").click()
        page.wait_for_load_state()
        assert page.url != before, page.locator("#fehlerzusammenfassung").inner_text()
    assert_no_axe_violations(page)
    # The declarations are asked on the check page.
    for box in page.locator("#absenden-form input[type=checkbox]").all():
        box.check()
    page.locator("#absenden-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/eingang/$"))
    assert_no_axe_violations(page)

    from openkommune.companies.models import ApplicationOnBehalf
    from openkommune.tenancy.scoping import scopes_disabled

    with django_db_blocker.unblock(), scopes_disabled():
        from openkommune.cases.models import Case

        on_behalf = ApplicationOnBehalf.objects.get()
        case_id = Case.objects.get(application=on_behalf.application).public_id
    assert on_behalf.company_snapshot["name"] == COMPANY

    # The clerk (with the second factor) sees the company and the acting person.
    site = re.match(r"^https?://[^/]+", page.url).group(0)
    clerk_page = browser.new_context(locale="de-DE", base_url=site).new_page()
    clerk_page.context.set_default_timeout(15_000)
    log_in(clerk_page, committed_gewerbe_offer["clerk"])
    clerk_page.goto(f"/behoerde/vorgang/{case_id}/")
    assert COMPANY in clerk_page.locator("#unternehmen").inner_text()
    assert "Anna Müller (Testperson)" in clerk_page.locator("#handelnde-person").inner_text()
    assert_no_axe_violations(clerk_page)
    clerk_page.context.close()
