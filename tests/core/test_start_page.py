"""The start page built around tasks (issue 14, part 1): the search, what is online for the
visitor's remembered place, their Gemeinde, the most used services and the Lebenslagen; the
platform's figures live on the cooperative's pages."""

import datetime

import pytest
from django.urls import reverse

from openkommune.catalog.services import service_activation_set
from openkommune.members.selectors import member_count, member_list
from openkommune.regions.constants import PLACE_SESSION_KEY
from openkommune.search.selectors import MOST_USED, fallback_choices
from openkommune.tenancy.constants import OrganisationKind
from tests.catalog.responsibility_helpers import (
    HUNDEHALTUNG,
    KFZ,
    MAGDEBURG_ARS,
    leistung,
    member,
    verbandsgemeinde_member,
)
from tests.members.factories import MembershipPeriodFactory, member_with_period

pytestmark = pytest.mark.django_db


def _magdeburg_member():
    return member(
        MAGDEBURG_ARS,
        kind=OrganisationKind.KREISFREIE_STADT,
        name="Landeshauptstadt Magdeburg",
        street="Alter Markt 6",
        postcode="39104",
        city="Magdeburg",
        email="demo-rathaus@example.org",
        phone="0391 540-0",
    )


def test_without_a_place_the_page_asks_for_the_postcode_and_shows_no_figures(client):
    response = client.get("/")
    text = response.text
    assert response.status_code == 200
    assert 'id="ort-leer"' in text
    assert 'id="online-vor-ort"' not in text
    assert 'id="start-suche"' in text
    assert f'action="{reverse("search:results")}"' in text
    # The platform figures moved to the cooperative's pages.
    for gone in ("Gemeinden in Deutschland", "Mitglieder der Genossenschaft", "10.953"):
        assert gone not in text
    assert reverse("reports:overview") in text


def test_most_used_services_and_lebenslagen_come_from_the_search_data(client):
    context = client.get("/").context
    assert [o.ozg_id for o in context["most_used"]] == MOST_USED
    lebenslagen = {lage.name for lage in context["lebenslagen"]}
    assert {"Wohnen & Umzug", "Geburt", "Eheschließung"} <= lebenslagen
    assert lebenslagen == {lage.name for lage in fallback_choices().lebenslagen}
    assert "Unternehmensstart & Gewerbezulassung" in {
        lage.name for lage in context["unternehmenslagen"]
    }
    text = client.get("/").text
    umzug = next(lage for lage in context["lebenslagen"] if lage.name == "Wohnen & Umzug")
    assert (
        f"{reverse('catalog:themenfeld', args=[umzug.themenfeld.official_id])}"
        f"#lage-{umzug.official_id}"
    ) in text


def test_a_postcode_is_remembered_and_the_page_shows_the_place(client):
    response = client.get("/", {"plz": " 39 104 "})
    assert response.status_code == 302
    assert response["Location"] == "/#ihr-ort"
    assert client.session[PLACE_SESSION_KEY] == {"plz": "39104", "ars": ""}
    response = client.get("/")
    assert response.context["place"].gemeinde.ars == MAGDEBURG_ARS
    assert "Ihr Ort: Magdeburg" in response.text
    assert 'id="online-leer"' in response.text  # nothing online yet
    # The most used services lead straight to the responsibility for this place.
    assert f"/leistungen/{MOST_USED[0]}/?plz=39104&amp;ars={MAGDEBURG_ARS}" in response.text


def test_a_bad_postcode_is_explained_and_changes_nothing(client):
    client.get("/", {"plz": "39104"})
    response = client.get("/", {"plz": "391O4"})
    assert response.status_code == 400
    assert "Eine Postleitzahl besteht aus genau fünf Ziffern" in response.text
    assert 'value="391O4"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert client.session[PLACE_SESSION_KEY]["plz"] == "39104"


def test_an_unknown_postcode_says_so(client):
    client.get("/", {"plz": "00001"})
    response = client.get("/")
    assert 'id="ort-unbekannt"' in response.text
    assert "Für die Postleitzahl 00001 ist uns keine Gemeinde bekannt" in response.text


def test_a_postcode_of_several_gemeinden_asks_which_one(client):
    client.get("/", {"plz": "38489"})
    response = client.get("/")
    assert 'id="ort-auswahl"' in response.text
    choices = response.context["place"].gemeinden
    assert [g.name for g in choices] == ["Beetzendorf", "Jübar", "Rohrberg"]
    jubar = choices[1]
    assert f"?plz=38489&amp;ars={jubar.ars}" in response.text
    client.get("/", {"plz": "38489", "ars": jubar.ars})
    response = client.get("/")
    assert response.context["place"].gemeinde == jubar
    assert "Ihr Ort: Jübar" in response.text


def test_a_chosen_gemeinde_outside_the_postcode_counts_as_not_chosen(client):
    client.get("/", {"plz": "38489", "ars": MAGDEBURG_ARS})
    place = client.get("/").context["place"]
    assert place.gemeinde is None
    assert place.needs_choice


def test_online_services_are_those_the_responsible_member_offers_for_the_place(client):
    stadt = _magdeburg_member()
    service_activation_set(
        tenant=stadt, actor=None, ozg_leistung=leistung(HUNDEHALTUNG), is_active=True
    )
    # Another member's offer is not online for Magdeburg.
    other = member("150820000000", kind=OrganisationKind.LANDKREIS, name="Anhalt-Bitterfeld")
    service_activation_set(
        tenant=other,
        actor=None,
        ozg_leistung=leistung(KFZ),
        is_active=True,
        start_url="https://kfz.example.org/antrag",
    )
    client.get("/", {"plz": "39104"})
    response = client.get("/")
    offers = response.context["online"]
    assert [o.leistung.ozg_id for o in offers] == [HUNDEHALTUNG]
    assert offers[0].responsibility.organisation == stadt
    assert 'id="online-leistungen"' in response.text
    assert f"/leistungen/{HUNDEHALTUNG}/?plz=39104&amp;ars={MAGDEBURG_ARS}" in response.text


def test_ihre_gemeinde_shows_the_members_contact(client):
    _magdeburg_member()
    client.get("/", {"plz": "39104"})
    response = client.get("/")
    text = response.text
    assert response.context["local"].is_member
    assert "Landeshauptstadt Magdeburg" in text
    assert "Alter Markt 6, 39104 Magdeburg" in text
    assert "mailto:demo-rathaus@example.org" in text
    assert "0391 540-0" in text


def test_ihre_gemeinde_without_a_member_names_the_administration_and_its_seat(client):
    gemeinde, verband = verbandsgemeinde_member()
    postcode = gemeinde.postcode_areas.first().postcode
    client.get("/", {"plz": postcode, "ars": gemeinde.ars})
    local = client.get("/").context["local"]
    assert local.gemeinde == gemeinde
    assert local.administered_by == verband
    assert not local.is_member
    assert "verwaltet durch" in local.authority.name
    assert local.authority.address.startswith("Verwaltungssitz:")


def test_the_service_page_remembers_the_postcode_for_the_start_page(client):
    client.get(f"/leistungen/{HUNDEHALTUNG}/", {"plz": "39104"})
    assert client.get("/").context["place"].gemeinde.ars == MAGDEBURG_ARS


def test_my_municipality_remembers_the_postcode(client):
    client.get("/meine-gemeinde/", {"plz": "39104"})
    assert client.session[PLACE_SESSION_KEY]["plz"] == "39104"


def test_the_place_can_be_forgotten_with_a_post_only(client):
    client.get("/", {"plz": "39104"})
    assert client.get(reverse("place_forget")).status_code == 405
    response = client.post(reverse("place_forget"), follow=True)
    assert PLACE_SESSION_KEY not in client.session
    assert 'id="ort-leer"' in response.text
    assert "Ihre Postleitzahl ist vergessen." in response.text


# --- the figures on the cooperative's pages ---------------------------------------------


def test_cooperative_overview_has_the_figures_and_the_registers_member_count(client):
    member_with_period(joined_on=datetime.date(2010, 1, 1))
    member_with_period(joined_on=datetime.date(2012, 1, 1))
    former = member_with_period(joined_on=datetime.date(2011, 1, 1))
    period = former.periods.get()
    period.left_on = datetime.date(2020, 1, 1)
    period.save()
    MembershipPeriodFactory(joined_on=datetime.date(2999, 1, 1))  # not yet a member

    today = datetime.date.today()
    assert member_count() == 2 == member_list(viewer=None, as_of=today).count()

    response = client.get(reverse("reports:overview"))
    assert response.status_code == 200
    figures = response.context["figures"]
    assert figures.members == 2
    assert figures.gemeinden_germany == 10953
    assert figures.gemeinden_land == 218
    assert figures.ozg_leistungen == 557
    assert 'id="anzahl-mitglieder">2<' in response.text
    register = client.get(reverse("members:register"))
    assert "Heute hat die Genossenschaft laut Register 2 Mitglieder." in register.text
    coverage = client.get(reverse("reports:coverage"))
    assert coverage.context["result"].member_count == 2


def test_a_postcode_typed_into_the_search_becomes_the_place(client):
    response = client.get(reverse("search:results"), {"q": "39104"})
    assert response.status_code == 302
    assert response["Location"] == "/#ihr-ort"
    assert client.get("/").context["place"].gemeinde.ars == MAGDEBURG_ARS
    # Five digits that are no postcode stay a search.
    assert client.get(reverse("search:results"), {"q": "00001"}).status_code == 200
