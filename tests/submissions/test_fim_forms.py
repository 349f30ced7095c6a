"""The three real FIM Stammdatenschemata, imported and published, through the citizen pages:
every step renders (the same view and templates a citizen gets), a minimal set of answers
(required fields only, files uploaded where required) typed into the pages passes every
step, and the check page finds the application complete."""

import pytest

from openkommune.catalog.selectors import ozg_leistung_get
from openkommune.forms.engine import (
    field_dom_id,
    page_errors,
    validate,
    visible_pages,
    visible_steps,
)
from openkommune.forms.selectors import version_definition
from openkommune.submissions.models import Draft
from openkommune.tenancy.scoping import scope
from tests.accounts.factories import UserFactory
from tests.forms.helpers import Page
from tests.forms.test_fim_import import ALL, run
from tests.submissions.factories import (
    HUNDEHALTUNG,
    MAGDEBURG_ARS,
    magdeburg_member,
    private_media,  # noqa: F401
    publish_form,
)
from tests.submissions.form_pages import fill_form, minimal_data
from tests.submissions.journey_support import step_url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


def fim_draft(client, name: str):
    """A logged-in applicant's draft on the published FIM form (routing is not the point
    here: the draft is made directly)."""
    raw = run(name).definition
    version = publish_form(raw)
    user = UserFactory()
    client.force_login(user)
    tenant = magdeburg_member()
    definition = version_definition(version)
    with scope(tenant=tenant):
        draft = Draft.objects.create(
            tenant=tenant,
            form_version=version,
            ozg_leistung=ozg_leistung_get(ozg_id=HUNDEHALTUNG),
            gemeinde_ars=MAGDEBURG_ARS,
            user=user,
            email=user.email,
            current_step=definition.steps[0].id,
        )
    return raw, definition, draft


@pytest.mark.parametrize("name", ALL)
def test_an_imported_fim_form_works_through_the_citizen_pages(client, name):
    raw, definition, draft = fim_draft(client, name)
    data = minimal_data(raw)
    assert len(visible_steps(definition, data)) == len(definition.steps)  # no conditions
    fill_form(client, draft, definition, data)


@pytest.mark.parametrize("name", ALL)
def test_every_step_of_an_imported_fim_form_shows_its_errors_when_left_empty(client, name):
    # The first visit of each step, and "Weiter" without answers: the errors the engine
    # finds, each linked to its field on the page; never a 500.
    # A step above the page-length rule is cut into pages (forms.engine.pages): each page
    # shows its own errors.
    _raw, definition, draft = fim_draft(client, name)
    for step in visible_pages(definition, {}):
        url = step_url(str(draft.public_id), step.id)
        assert client.get(url).status_code == 200
        expected = page_errors(
            definition, step, validate(definition, {}, step_id=step.step_id).errors
        )
        response = client.post(url, {"_action": "weiter"})
        if not expected:
            assert response.status_code == 302, step.id
            continue
        assert response.status_code == 200, step.id
        page = Page(response.text)
        assert page.one("div", id="fehlerzusammenfassung")
        links = {a["href"] for a in page.find("a") if a.get("href", "").startswith("#f-")}
        assert {f"#{field_dom_id(path)}" for path in expected} <= links, step.id
