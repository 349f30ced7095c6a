"""The start of an online application: place, responsibility, terms; no e-mail screen (the
form's contact step asks it once); what the platform knows already filled in."""

import pytest
from django.urls import reverse

from openkommune.catalog.selectors import ozg_leistung_get
from openkommune.catalog.services import service_activation_set
from openkommune.submissions.models import Draft
from openkommune.submissions.selectors.journey import SESSION_DRAFTS
from tests.accounts.factories import UserFactory
from tests.submissions.factories import HUNDEHALTUNG, private_media  # noqa: F401
from tests.submissions.journey_support import draft_id, offer_hundesteuer, start_url
from tests.tenancy.factories import OrganisationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

PETERSBERG_ARS = "150880295295"  # shares postcode 06193 with Wettin-Löbejün
KFZ = "10439"  # no online form on the platform


def test_start_asks_for_the_postcode_and_shows_the_intro(client):
    offer_hundesteuer()
    response = client.get(start_url())
    assert response.status_code == 200
    text = response.text
    assert "<title>Ihr Wohnort – Hundesteuer: Hund an- oder abmelden – OpenKommune</title>" in text
    assert (
        '<h1 class="kern-heading-large" lang="de">Hundesteuer: Hund an- oder abmelden</h1>' in text
    )
    assert 'id="einleitung"' in text
    assert 'id="wohnort-form"' in text
    assert 'method="get"' in text
    assert 'id="start-form"' not in text


def test_invalid_postcode_shows_error_summary_and_keeps_input(client):
    response = client.get(start_url(), {"plz": "391O4"})
    text = response.text
    assert "<title>Fehler:" in text
    assert 'id="fehlerzusammenfassung"' in text
    assert 'href="#plz"' in text
    assert 'id="plz-error"' in text
    assert 'value="391O4"' in text


def test_unknown_postcode_is_an_error_at_the_field(client):
    response = client.get(start_url(), {"plz": "00001"})
    assert "kennen wir keine Gemeinde" in response.text
    assert 'href="#plz"' in response.text


def test_known_place_shows_authority_terms_without_asking_for_email(client):
    offer_hundesteuer()
    response = client.get(start_url(), {"plz": "39104"})
    text = response.text
    assert "<title>Antrag beginnen – Hundesteuer" in text
    assert "Landeshauptstadt Magdeburg (Test)" in text
    assert "hundesteuer@magdeburg.example.org" in text
    assert "0,00 €" in text
    assert "etwa zwei Wochen" in text
    assert "Bitte halten Sie die Chipnummer bereit." in text
    assert 'id="start-form"' in text
    assert 'method="post"' in text
    assert 'name="email"' not in text
    assert 'name="plz" value="39104"' in text
    assert 'name="ars" value="150030000000"' in text
    # A link to log in first comes back to this place.
    assert "next=%2Fantrag%2F10160%2F%3Fplz%3D39104%26ars%3D150030000000" in text


def test_catalogue_online_start_forwards_the_known_place(client):
    response = client.get(
        reverse("catalog:online_start", args=[HUNDEHALTUNG]),
        {"plz": "39104", "ars": "150030000000"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{start_url()}?plz=39104&ars=150030000000"
    plain = client.get(reverse("catalog:online_start", args=[HUNDEHALTUNG]))
    assert plain["Location"] == start_url()
    assert client.get("/leistungen/99999/online/").status_code == 404


def test_postcode_of_several_gemeinden_asks_which_one(client):
    response = client.get(start_url(), {"plz": "06193"})
    text = response.text
    assert 'id="gemeinde-form"' in text
    assert "Petersberg" in text
    assert "Wettin-Löbejün" in text
    assert 'type="radio" id="ars" name="ars"' in text
    assert 'id="fehlerzusammenfassung"' not in text

    # Sent without a choice: the question comes again with its error.
    response = client.get(start_url(), {"plz": "06193", "gemeinde_wahl": "1"})
    text = response.text
    assert 'id="fehlerzusammenfassung"' in text
    assert 'href="#ars"' in text
    assert 'id="ars-error"' in text
    assert "Petersberg" in text


def test_chosen_gemeinde_leads_to_its_authority(client):
    member = OrganisationFactory(name="Gemeinde Petersberg (Test)", region_ars=PETERSBERG_ARS)
    service_activation_set(
        tenant=member,
        actor=None,
        ozg_leistung=ozg_leistung_get(ozg_id=HUNDEHALTUNG),
        is_active=True,
    )
    response = client.get(
        start_url(), {"plz": "06193", "ars": PETERSBERG_ARS, "gemeinde_wahl": "1"}
    )
    assert "Gemeinde Petersberg (Test)" in response.text
    assert 'id="start-form"' in response.text


def test_choosing_the_gemeinde_starts_the_application_at_once(client):
    """A postcode of several Gemeinden costs one screen, not two: the choice is posted and
    the form's first screen follows (no page of its own for the authority and the start)."""
    member = OrganisationFactory(name="Gemeinde Petersberg (Test)", region_ars=PETERSBERG_ARS)
    service_activation_set(
        tenant=member,
        actor=None,
        ozg_leistung=ozg_leistung_get(ozg_id=HUNDEHALTUNG),
        is_active=True,
    )
    choice = client.post(start_url(), {"plz": "06193"}).text  # the service page's post
    assert 'id="gemeinde-form" method="post"' in choice
    assert 'name="csrfmiddlewaretoken"' in choice
    response = client.post(
        start_url(), {"plz": "06193", "ars": PETERSBERG_ARS, "gemeinde_wahl": "1"}
    )
    assert response.status_code == 302
    draft = Draft.applicant_objects.get(public_id=draft_id(response["Location"]))
    assert draft.gemeinde_ars == PETERSBERG_ARS
    assert response["Location"].endswith("/anliegen/")
    # Posted without a choice: the question again, with its error, and no draft.
    again = client.post(start_url(), {"plz": "06193", "gemeinde_wahl": "1"})
    assert 'href="#ars"' in again.text
    assert Draft.applicant_objects.count() == 1


def test_the_service_page_offers_the_choice_with_the_start_button(client):
    page = client.get(reverse("catalog:service", args=[HUNDEHALTUNG]), {"plz": "06193"}).text
    assert 'id="gemeinde-beantragen-form" method="post"' in page
    assert f'value="{PETERSBERG_ARS}"' in page
    assert 'id="gemeinde-beantragen"' in page


def test_place_where_the_service_is_not_offered_gets_a_clear_refusal(client):
    offer_hundesteuer()
    response = client.get(start_url(), {"plz": "39179"})  # Barleben: not a member here
    assert response.status_code == 200
    text = response.text
    assert 'id="nicht-angeboten"' in text
    assert "nicht online über diese Plattform" in text
    assert "Barleben" in text
    assert 'id="start-form"' not in text


def test_switched_off_activation_is_refused_also_on_post(client):
    tenant = offer_hundesteuer()
    service_activation_set(
        tenant=tenant,
        actor=None,
        ozg_leistung=ozg_leistung_get(ozg_id=HUNDEHALTUNG),
        is_active=False,
    )
    response = client.post(
        start_url(), {"plz": "39104", "ars": "150030000000", "email": "a@example.org"}
    )
    assert 'id="nicht-angeboten"' in response.text
    assert not Draft.applicant_objects.exists()


def test_service_without_an_online_form(client):
    response = client.get(reverse("submissions:start", args=[KFZ]))
    assert response.status_code == 200
    assert "noch kein Online-Formular" in response.text
    assert client.get(reverse("submissions:start", args=["99999"])).status_code == 404


def test_anonymous_start_creates_the_draft_at_once_with_the_place_filled_in(client):
    """The service page's "Online beantragen" posts postcode and Gemeinde: the draft starts
    without an e-mail screen, and the address already has postcode and town."""
    offer_hundesteuer()
    response = client.post(start_url(), {"plz": "39104", "ars": "150030000000"})
    assert response.status_code == 302
    public_id = draft_id(response["Location"])
    assert response["Location"].endswith("/anliegen/")
    draft = Draft.applicant_objects.get(public_id=public_id)
    assert draft.user is None
    assert draft.email == ""
    assert draft.gemeinde_ars == "150030000000"
    assert draft.data == {"halter": {"anschrift": {"postcode": "39104", "city": "Magdeburg"}}}
    assert draft.prefilled["halter.anschrift.postcode"]["origin"] == "wohnort"
    assert public_id in client.session[SESSION_DRAFTS]
    page = client.get(response["Location"]).text
    assert 'id="f-halter-anschrift-postcode" name="halter.anschrift.postcode" value="39104"' in page
    assert "Vorausgefüllt aus Ihrer Angabe zum Wohnort. Sie können die Angabe ändern." in page


def test_start_post_with_a_wrong_postcode_changes_nothing(client):
    offer_hundesteuer()
    response = client.post(start_url(), {"plz": "391O4", "ars": ""})
    assert response.status_code == 422
    assert 'href="#plz"' in response.text
    assert not Draft.applicant_objects.exists()


def test_logged_in_start_uses_the_account(client):
    offer_hundesteuer()
    user = UserFactory(email="konto@example.org")
    client.force_login(user)
    page = client.get(start_url(), {"plz": "39104"})
    assert 'name="email"' not in page.text
    assert "konto@example.org" in page.text
    response = client.post(start_url(), {"plz": "39104", "ars": "150030000000"})
    assert response.status_code == 302
    draft = Draft.applicant_objects.get(public_id=draft_id(response["Location"]))
    assert draft.user == user
    assert SESSION_DRAFTS not in client.session


def test_logged_in_start_prefills_from_the_account_and_names_the_origin(client):
    offer_hundesteuer()
    user = UserFactory(
        email="erika@example.org",
        first_name="Erika",
        last_name="Mustermann",
        phone="0391 123456",
        street="Breiter Weg",
        house_number="1",
        postcode="39104",
        city="Magdeburg",
    )
    client.force_login(user)
    response = client.post(start_url(), {"plz": "39104", "ars": "150030000000"})
    draft = Draft.applicant_objects.get(public_id=draft_id(response["Location"]))
    assert draft.data["halter"] == {
        "vorname": "Erika",
        "nachname": "Mustermann",
        "email": "erika@example.org",
        "telefon": "0391 123456",
        "anschrift": {
            "street": "Breiter Weg",
            "house_number": "1",
            "postcode": "39104",
            "city": "Magdeburg",
        },
    }
    assert {entry["origin"] for entry in draft.prefilled.values()} == {"konto"}
    page = client.get(response["Location"]).text
    assert 'name="halter.vorname" value="Erika"' in page
    assert page.count("Vorausgefüllt aus Ihrem Konto. Sie können die Angabe ändern.") == 8
    assert " readonly" not in page

    # Changed by the applicant: the origin is no longer claimed for that field.
    fields = {
        "anlass": "an",
        "halter.vorname": "Erika",
        "halter.nachname": "Musterfrau",
        "halter.geburtsdatum": "12.03.1980",
        "halter.anschrift.street": "Breiter Weg",
        "halter.anschrift.house_number": "1",
        "halter.anschrift.postcode": "39104",
        "halter.anschrift.city": "Magdeburg",
        "halter.email": "erika@example.org",
        "halter.telefon": "0391 123456",
        "_action": "zurueck",
    }
    client.post(response["Location"], fields)
    page = client.get(response["Location"]).text
    assert 'value="Musterfrau"' in page
    assert page.count("Vorausgefüllt aus Ihrem Konto. Sie können die Angabe ändern.") == 7
