"""The page-length rule on the citizen pages: the Gewerbeanmeldung's person step (one group
of 14 inputs) is cut by the engine into two pages. Progress, the part of the step, posting
and errors per page, "Zurück", the draft's place and the check page's "Ändern" links."""

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from openkommune.forms.selectors import version_definition
from openkommune.submissions.models import Draft
from openkommune.submissions.services import draft_set_data
from tests.forms.test_definitions import TODAY, load_raw, valid
from tests.forms.test_definitions_load import OZG_OF_FORM
from tests.submissions.factories import make_offer, private_media  # noqa: F401
from tests.submissions.form_pages import dates_moved
from tests.submissions.journey_support import draft_id, start_draft, step_url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

KEY = "gewerbeanmeldung"


@pytest.fixture
def draft(client):
    make_offer(ozg_id=OZG_OF_FORM[KEY], definition=load_raw(KEY))
    draft = Draft.applicant_objects.get(
        public_id=draft_id(start_draft(client, ozg_id=OZG_OF_FORM[KEY]))
    )
    draft_set_data(draft=draft, data=dates_moved(valid(KEY), written_on=TODAY))
    return draft


def url(draft, page_id: str) -> str:
    return step_url(str(draft.public_id), page_id)


def test_the_person_step_is_two_screens_with_progress_and_part(client, draft):
    first = client.get(url(draft, "person")).text
    second = client.get(url(draft, "person-2")).text
    # Owner, person (two pages), premises, activity, permits: six screens.
    assert "Schritt 2 von 6" in first
    assert "Schritt 3 von 6" in second
    assert "Teil 1 von 2 dieses Abschnitts" in first
    assert "Teil 2 von 2 dieses Abschnitts" in second
    assert 'id="f-person-nachname"' in first
    assert 'id="f-person-anschrift-street"' not in first
    assert 'id="f-person-anschrift-street"' in second
    assert 'id="f-person-nachname"' not in second
    # Each page posts to itself; the group's legend is on both.
    assert f'action="{url(draft, "person-2")}"' in second
    assert "Anzeigende Person" in first
    assert "Anzeigende Person" in second


def test_a_page_saves_its_answers_only_and_goes_on_to_the_next_page(client, draft):
    posted = {
        "person.anschrift.street": "Neue Straße",
        "person.anschrift.house_number": "3",
        "person.anschrift.postcode": "39104",
        "person.anschrift.city": "Magdeburg",
        "person.email": "lena@example.de",
        "person.telefon": "",
    }
    response = client.post(url(draft, "person-2"), posted | {"_action": "weiter"})
    assert response.status_code == 302
    assert response["Location"] == url(draft, "betriebsstaette")
    draft.refresh_from_db()
    assert draft.data["person"]["anschrift"]["street"] == "Neue Straße"
    assert draft.data["person"]["nachname"] == "Beispiel"  # the first page's answers stay
    assert draft.current_step == "person-2"
    # "Zurück" leads to the step's first page.
    back = client.post(url(draft, "person-2"), posted | {"_action": "zurueck"})
    assert back["Location"] == url(draft, "person")
    first = client.post(
        url(draft, "person"), {"person.nachname": "Beispiel"} | {"_action": "weiter"}
    )
    assert first.status_code == 200  # other answers of this page were emptied: errors here
    assert "f-person-anschrift" not in "".join(re.findall(r'href="#(f-[^"]+)"', first.text))


def test_errors_of_a_page_are_shown_there_and_keep_the_other_page(client, draft):
    response = client.post(
        url(draft, "person-2"),
        {"person.anschrift.street": "", "person.email": "lena@example.de", "_action": "weiter"},
    )
    assert response.status_code == 200
    links = re.findall(r'href="#(f-[^"]+)"', response.text)
    assert "f-person-anschrift-street" in links
    assert not [link for link in links if link.startswith("f-person-nachname")]
    draft.refresh_from_db()
    assert draft.data["person"]["vornamen"] == "Lena Marie"


def test_the_check_page_links_each_answer_to_its_page(client, draft):
    page = client.get(reverse("submissions:check", args=[draft.public_id])).text
    assert f'href="{escape(url(draft, "person-2"))}?zurueck=pruefen#f-person-anschrift"' in page
    assert f'href="{escape(url(draft, "person"))}?zurueck=pruefen#f-person-nachname"' in page
    # "Ändern" and "Weiter zur Übersicht" come back to the check page.
    changed = client.post(
        url(draft, "person-2"),
        {
            "_return": "pruefen",
            "_action": "weiter",
            "person.anschrift.street": "Breiter Weg",
            "person.anschrift.postcode": "39104",
            "person.anschrift.city": "Magdeburg",
            "person.email": "lena@example.de",
        },
    )
    assert changed["Location"] == reverse("submissions:check", args=[draft.public_id])


def test_an_unknown_page_of_a_step_is_not_found_or_goes_on_where_the_applicant_can(client, draft):
    assert client.get(url(draft, "person-x")).status_code == 404
    assert client.get(url(draft, "person-1")).status_code == 404
    assert client.get(url(draft, "gibtsnicht-2")).status_code == 404
    # A page number the step does not have (now): where the applicant stopped.
    response = client.get(url(draft, "person-7"))
    assert response.status_code == 302
    assert response["Location"] == url(draft, version_definition(draft.form_version).steps[0].id)


def test_the_draft_keeps_the_page_and_refuses_a_page_of_another_step(draft):
    from openkommune.submissions.services import draft_save_step

    draft_save_step(draft=draft, step_id="person", raw_fragment={}, page_id="person-2")
    draft.refresh_from_db()
    assert draft.current_step == "person-2"
    with pytest.raises(KeyError):
        draft_save_step(draft=draft, step_id="person", raw_fragment={}, page_id="inhaber-2")
