"""A value the platform sets (`"system": "land"`, docs/forms.md): the Land of the Gemeinde an
application is for goes into the draft at its start, stays whatever a step posts, and is in
the submitted data; an API caller cannot set another one. Conditions on it execute (the FIM
import's rules for some Länder only)."""

import copy

import pytest

from openkommune.submissions.services import (
    application_submit,
    application_submit_data,
    draft_save_step,
    draft_set_data,
)
from tests.submissions.factories import (
    MAGDEBURG_POSTCODE,
    TEST_FORM,
    make_offer,
    private_media,  # noqa: F401
    start,
    submissions_only,  # noqa: F401
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media", "submissions_only")]


def land_form() -> dict:
    """The test form with the Land field and a question shown only in Sachsen-Anhalt (ST,
    where Magdeburg is) and one shown only in Bayern."""
    definition = copy.deepcopy(TEST_FORM)
    definition["key"] = "test_land"
    definition["code_lists"] = {
        **definition.get("code_lists", {}),
        "land": {
            "title": "Länder",
            "entries": [
                {"code": "ST", "label": "Sachsen-Anhalt"},
                {"code": "BY", "label": "Bayern"},
            ],
        },
    }
    items = definition["steps"][0]["items"]
    items.insert(
        0,
        {
            "kind": "field",
            "id": "land",
            "type": "choice",
            "choices": "land",
            "label": "Land",
            "system": "land",
        },
    )
    items.append(
        {
            "kind": "field",
            "id": "nur_st",
            "type": "text",
            "label": "Nur in Sachsen-Anhalt",
            "required": True,
            "visible_if": {"field": "land", "equals": "ST"},
        }
    )
    items.append(
        {
            "kind": "field",
            "id": "nur_by",
            "type": "text",
            "label": "Nur in Bayern",
            "required": True,
            "visible_if": {"field": "land", "equals": "BY"},
        }
    )
    return definition


@pytest.fixture
def offer():
    return make_offer(definition=land_form())


def test_the_draft_holds_the_land_of_its_gemeinde_and_a_post_cannot_change_it(offer):
    draft, _token = start(offer)
    assert offer.gemeinde.ars.startswith("15")
    assert draft.data["land"] == "ST"
    validation = draft_save_step(
        draft=draft, step_id="person", raw_fragment={"name": "Erika", "land": "BY"}
    )
    assert draft.data["land"] == "ST"
    # The question for Sachsen-Anhalt is asked (and required), the one for Bayern is not.
    assert validation.errors == {"nur_st": ["Bitte geben Sie „Nur in Sachsen-Anhalt“ an."]}
    draft_set_data(draft=draft, data={**draft.data, "land": "BY", "nur_st": "ja"})
    assert draft.data["land"] == "ST"
    application = application_submit(draft=draft, idempotency_key="k-1")
    assert application.data == {"land": "ST", "name": "Erika", "nur_st": "ja"}


def test_an_api_caller_cannot_choose_the_land(offer):
    application = application_submit_data(
        actor=None,
        form_version=offer.version,
        data={"name": "Erika", "land": "BY", "nur_by": "x", "nur_st": "y"},
        idempotency_key="api-1",
        postcode=MAGDEBURG_POSTCODE,
        email="erika@example.org",
    )
    assert application.data == {"land": "ST", "name": "Erika", "nur_st": "y"}
