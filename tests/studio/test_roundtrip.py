"""The six shipped forms open in the studio and round-trip without change: every step, group
and field shown in its edit form and saved as shown gives the same JSON (issue 18, part 8)."""

import copy
import json
from pathlib import Path

import pytest

from openkommune.forms.models import FormVersion
from openkommune.studio import editing
from openkommune.studio.forms import FieldForm, FormSettingsForm, GroupForm, StepForm
from tests.accounts.factories import UserFactory
from tests.studio.helpers import post_data

DEFINITIONS = Path(__file__).parents[2] / "src/openkommune/forms/definitions"
SHIPPED = sorted(path.stem for path in DEFINITIONS.glob("*.json"))


def _load(name: str) -> dict:
    return json.loads((DEFINITIONS / f"{name}.json").read_text(encoding="utf-8"))


def _resave(form_class, definition, original, **kwargs):
    shown = form_class(definition=definition, original=original, **kwargs)
    form = form_class(post_data(shown), definition=definition, original=original, **kwargs)
    assert form.is_valid(), form.errors
    return form


def test_all_six_forms_are_shipped():
    assert len(SHIPPED) == 6


@pytest.mark.parametrize("name", SHIPPED)
def test_every_part_saved_unchanged_gives_the_same_definition(name):
    original = _load(name)
    definition = copy.deepcopy(original)
    touched = 0
    for step in original["steps"]:
        form = _resave(
            StepForm,
            definition,
            step,
            condition_fields=editing.fields_before(definition, step_id=step["id"]),
        )
        definition = editing.replace_step(definition, step["id"], form.step())
        touched += 1
    for place in list(editing.places(original)):
        item = place.item
        before = editing.fields_before(definition, item_id=item["id"])
        if item["kind"] == "group":
            form = _resave(GroupForm, definition, item, condition_fields=before)
            new = form.group()
        else:
            form = _resave(FieldForm, definition, item, condition_fields=before)
            new, code_list = form.field(item["id"])
            assert not form.errors, form.errors
            assert code_list is None, f"{item['id']}: its code list would be rewritten"
        definition = editing.replace_item(definition, item["id"], new)
        touched += 1
    settings = FormSettingsForm(definition=definition)
    form = FormSettingsForm(post_data(settings), definition=definition)
    assert form.is_valid(), form.errors
    definition = form.apply()
    assert touched > len(original["steps"])
    assert definition == original


@pytest.mark.django_db
@pytest.mark.parametrize("name", SHIPPED)
def test_a_shipped_form_opens_in_the_studio_and_saving_every_part_changes_nothing(client, name):
    staff = UserFactory(cooperative_staff=True)
    client.force_login(staff)
    published = FormVersion.objects.filter(form__key=name, status="published").latest("number")
    base = f"/genossenschaft/formular-studio/{name}/"
    response = client.post(f"{base}{published.number}/neuer-entwurf/")
    draft = FormVersion.objects.filter(form__key=name).latest("number")
    assert draft.status == "draft"
    assert draft.number == published.number + 1
    assert response["Location"].endswith(f"/{name}/{draft.number}/")
    assert client.get(response["Location"]).status_code == 200
    urls = [f"{base}{draft.number}/formular/"]
    urls += [f"{base}{draft.number}/schritt/{s['id']}/" for s in draft.definition["steps"]]
    urls += [
        f"{base}{draft.number}/element/{place.item['id']}/"
        for place in editing.places(draft.definition)
    ]
    for url in urls:
        page = client.get(url)
        assert page.status_code == 200, url
        response = client.post(url, post_data(page.context["form"]))
        assert response.status_code == 302, (url, response.content.decode()[:2000])
    draft.refresh_from_db()
    assert draft.definition == published.definition
