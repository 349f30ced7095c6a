"""Applications on behalf of a company (issue 15 part 4): a company logs in through the
Test-Identitätsanbieter (real oidc-provider), files a Gewerbeanmeldung or a Sondernutzung
through the citizen pages; the application is recorded as filed for the company by the acting
person, the account page shows both, and the clerk sees both in the case file."""

import pytest
from django.urls import reverse

from openkommune.cases.models import Case
from openkommune.companies.models import ApplicationOnBehalf
from openkommune.forms.selectors import version_definition
from openkommune.submissions.models import Application, Draft
from openkommune.tenancy.constants import Role
from openkommune.tenancy.scoping import scopes_disabled
from tests.accounts.factories import UserFactory
from tests.companies.test_company_login import _authorize_at_provider, _back, _start
from tests.forms.test_definitions import TODAY, load_raw, valid
from tests.forms.test_definitions_load import OZG_OF_FORM
from tests.submissions.factories import make_offer, private_media  # noqa: F401
from tests.submissions.form_pages import dates_moved, declaration_answers, fill_form
from tests.submissions.journey_support import draft_id, start_draft, submit
from tests.tenancy.factories import MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


@pytest.mark.parametrize("key", ["gewerbeanmeldung", "sondernutzung"])
def test_a_company_files_on_behalf_and_the_clerk_sees_company_and_person(
    client, oidc_provider, key
):
    offer = make_offer(ozg_id=OZG_OF_FORM[key], definition=load_raw(key))
    _back(client, _authorize_at_provider(_start(client)))

    overview = client.get(reverse("accounts:overview")).text
    assert "Müller Bau GmbH (Testunternehmen)" in overview
    assert "Anna Müller (Testperson)" in overview

    first_step = start_draft(client, ozg_id=OZG_OF_FORM[key])
    draft = Draft.applicant_objects.get(public_id=draft_id(first_step))
    data = dates_moved(valid(key), written_on=TODAY)
    definition = version_definition(offer.version)
    fill_form(client, draft, definition, data)
    assert submit(client, str(draft.public_id), declaration_answers(definition)).status_code == 303

    application = Application.applicant_objects.get(draft=draft)
    with scopes_disabled():
        on_behalf = ApplicationOnBehalf.objects.get(application=application)
        case = Case.objects.get(application=application)
    assert on_behalf.tenant == application.tenant
    assert on_behalf.company_snapshot["name"] == "Müller Bau GmbH (Testunternehmen)"
    assert on_behalf.acting_person["given_name"] == "Anna"
    assert on_behalf.acting_person["sub"] == "anna-mueller"

    clerk = UserFactory()
    MembershipFactory(tenant=offer.tenant, user=clerk, role=Role.CLERK)
    client.force_login(clerk)
    page = client.get(reverse("cases:case_detail", args=[case.public_id])).text
    assert "Für das Unternehmen" in page
    assert "Müller Bau GmbH (Testunternehmen) (GmbH), HRB 00001 (Testeintrag)" in page
    assert "Handelnde Person" in page
    assert "Anna Müller (Testperson)" in page


def test_a_citizen_application_is_not_on_behalf_of_anybody(client):
    offer = make_offer(
        ozg_id=OZG_OF_FORM["gewerbeanmeldung"], definition=load_raw("gewerbeanmeldung")
    )
    client.force_login(UserFactory())
    first_step = start_draft(client, ozg_id=OZG_OF_FORM["gewerbeanmeldung"])
    draft = Draft.applicant_objects.get(public_id=draft_id(first_step))
    data = dates_moved(valid("gewerbeanmeldung"), written_on=TODAY)
    definition = version_definition(offer.version)
    fill_form(client, draft, definition, data)
    assert submit(client, str(draft.public_id), declaration_answers(definition)).status_code == 303
    with scopes_disabled():
        assert not ApplicationOnBehalf.objects.exists()
