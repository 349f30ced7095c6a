"""The three real FIM Stammdatenschemata, imported and published, through the citizen pages:
every step renders (the same view and templates a citizen gets), what the page posts back
with a minimal set of answers (required fields only, files uploaded where required) passes
every step, and the check page finds the application complete."""

import re

import pytest
from django.urls import reverse

from openkommune.catalog.selectors import ozg_leistung_get
from openkommune.forms.engine import Field, field_dom_id, validate, visible_steps
from openkommune.forms.rendering import step_widgets
from openkommune.forms.selectors import version_definition
from openkommune.submissions.models import Attachment, Draft
from openkommune.submissions.services import draft_set_data
from openkommune.tenancy.scoping import scope
from tests.accounts.factories import UserFactory
from tests.forms.fim_samples.builders import sample_value
from tests.forms.helpers import Page
from tests.forms.test_fim_import import ALL, run
from tests.submissions.factories import (
    HUNDEHALTUNG,
    JPEG_BYTES,
    PDF_BYTES,
    PNG_BYTES,
    TEXT_BYTES,
    magdeburg_member,
    private_media,  # noqa: F401
    publish_form,
    upload,
)
from tests.submissions.journey_support import step_url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

MAGDEBURG_ARS = "150030000000"
FILE_FOR_TYPE = {
    "application/pdf": ("nachweis.pdf", PDF_BYTES),
    "image/png": ("bild.png", PNG_BYTES),
    "image/jpeg": ("bild.jpg", JPEG_BYTES),
    "text/plain": ("text.txt", TEXT_BYTES),
}


def minimal_data(raw: dict) -> dict:
    """Typed data with only what is required: required fields, the minimum of entries of
    repeated groups; optional groups (FIM 0..1) stay empty. File fields are left out: the
    pages upload them."""
    code_lists = raw.get("code_lists", {})

    def fill(items) -> dict:
        out = {}
        for item in items:
            if item["kind"] == "group":
                if "repeat" in item:
                    entries = [fill(item["items"]) for _ in range(item["repeat"]["min"])]
                    if entries:
                        out[item["id"]] = entries
                else:
                    inner = fill(item["items"])
                    if inner:
                        out[item["id"]] = inner
            elif item.get("required") and item["type"] not in ("info", "file"):
                out[item["id"]] = sample_value(item, code_lists)
        return out

    data = {}
    for step in raw["steps"]:
        data.update(fill(step["items"]))
    return data


def required_file_paths(items, data: dict, prefix: str = ""):
    """(path, field) of every required file field shown for `data` under `items`."""
    for item in items:
        path = prefix + item.id
        if isinstance(item, Field):
            if item.type == "file" and item.required:
                yield path, item
        elif item.repeat is None:
            yield from required_file_paths(item.items, data.get(item.id, {}), path + ".")
        else:
            for index, entry in enumerate(data.get(item.id, [])):
                yield from required_file_paths(item.items, entry, f"{path}.{index}.")


def widget_ids(widgets):
    for widget in widgets:
        yield widget.id
        yield from widget_ids(widget.parts)


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
    draft_set_data(draft=draft, data=data)
    steps = visible_steps(definition, data)
    assert len(steps) == len(definition.steps)  # the imports have no conditions
    uploaded = 0
    for index, step in enumerate(steps):
        url = step_url(str(draft.public_id), step.id)
        response = client.get(url)
        assert response.status_code == 200, (step.id, response.content[:500])
        page = Page(response.text)
        # Every widget of the step (fields, groups, address parts) is on the page.
        widgets = step_widgets(definition, step, data)
        assert widgets
        assert set(widget_ids(widgets)) - {""} <= page.ids(), step.id
        posted = {key: page.posted().getlist(key) for key in page.posted()}
        for path, field in required_file_paths(step.items, data):
            file_name, content = FILE_FOR_TYPE[(field.accept or ["application/pdf"])[0]]
            posted[path] = upload(file_name, content)
            uploaded += 1
        response = client.post(url, posted | {"_action": "weiter"})
        # A redirect to the next step: no error on this one.
        assert response.status_code == 302, (
            step.id,
            re.findall(r'class="kern-error"[^>]*>(.*?)</', response.text, re.S)[:5],
        )
        following = (
            step_url(str(draft.public_id), steps[index + 1].id)
            if index + 1 < len(steps)
            else reverse("submissions:check", args=[draft.public_id])
        )
        assert response["Location"] == following
    draft.refresh_from_db()
    validation = validate(definition, draft.data)
    assert validation.errors == {}
    assert Attachment.applicant_objects.filter(draft=draft).count() == uploaded
    check = client.get(reverse("submissions:check", args=[draft.public_id]))
    assert check.status_code == 200
    assert 'id="fehlerzusammenfassung"' not in check.text
    assert 'id="absenden-form"' in check.text


@pytest.mark.parametrize("name", ALL)
def test_every_step_of_an_imported_fim_form_shows_its_errors_when_left_empty(client, name):
    # The first visit of each step, and "Weiter" without answers: the errors the engine
    # finds, each linked to its field on the page; never a 500.
    _raw, definition, draft = fim_draft(client, name)
    for step in definition.steps:
        url = step_url(str(draft.public_id), step.id)
        assert client.get(url).status_code == 200
        expected = validate(definition, {}, step_id=step.id).errors
        response = client.post(url, {"_action": "weiter"})
        if not expected:
            assert response.status_code == 302, step.id
            continue
        assert response.status_code == 200, step.id
        page = Page(response.text)
        assert page.one("div", id="fehlerzusammenfassung")
        links = {a["href"] for a in page.find("a") if a.get("href", "").startswith("#f-")}
        assert {f"#{field_dom_id(path)}" for path in expected} <= links, step.id
