"""Catalogue pages with the Django client: browse, service page, postcode errors."""

import pytest
from django.db.models import Count
from django.urls import reverse
from django.utils.html import escape

from openkommune.catalog.models import Themenfeld
from openkommune.catalog.services import service_activation_set
from openkommune.regions.models import PostcodeArea
from openkommune.tenancy.constants import OrganisationKind
from tests.catalog.responsibility_helpers import (
    ANHALT_BITTERFELD_ARS,
    HUNDEHALTUNG,
    KFZ,
    MAGDEBURG_ARS,
    leistung,
    member,
)

pytestmark = pytest.mark.django_db


def test_index_lists_themenfelder_and_links_to_them(client):
    response = client.get(reverse("catalog:index"))
    assert response.status_code == 200
    field = Themenfeld.objects.filter(is_current=True).first()
    assert reverse("catalog:themenfeld", args=[field.official_id]) in response.text


def test_themenfeld_page_shows_lagen_with_leistungen(client):
    hund = leistung(HUNDEHALTUNG)
    response = client.get(reverse("catalog:themenfeld", args=[hund.themenfeld.official_id]))
    assert response.status_code == 200
    assert hund.lage.name in response.text
    assert reverse("catalog:service", args=[HUNDEHALTUNG]) in response.text
    assert client.get("/leistungen/themenfeld/9999/").status_code == 404


def test_service_page_shows_leika_and_the_postcode_form(client):
    response = client.get(reverse("catalog:service", args=[HUNDEHALTUNG]))
    assert response.status_code == 200
    text = response.text
    assert "Hundehaltung" in text
    assert "Tierhaltung" in text
    assert "99102013000000" in text  # Hundesteuer
    assert "Regelung" in text  # Typisierung in words
    assert 'id="zustaendigkeit-form"' in text
    assert '<label class="kern-label" for="plz">Ihre Postleitzahl' in text
    assert 'id="zustaendigkeit"' not in text
    assert client.get("/leistungen/99999/").status_code == 404


def test_invalid_postcode_shows_error_summary_and_keeps_the_value(client):
    response = client.get(reverse("catalog:service", args=[HUNDEHALTUNG]), {"plz": "391x4"})
    assert response.status_code == 200
    text = response.text
    assert 'id="fehlerzusammenfassung"' in text
    assert 'href="#plz"' in text
    assert 'id="plz-error"' in text
    assert 'value="391x4"' in text
    assert 'aria-invalid="true"' in text
    assert "<title>Fehler:" in text
    assert 'id="zustaendigkeit"' not in text


def test_member_city_with_online_service(client):
    stadt = member(
        MAGDEBURG_ARS,
        kind=OrganisationKind.KREISFREIE_STADT,
        name="Landeshauptstadt Magdeburg",
        email="buergerbuero@magdeburg.example.org",
        phone="0391 540-0",
    )
    service_activation_set(
        tenant=stadt, actor=None, ozg_leistung=leistung(HUNDEHALTUNG), is_active=True
    )
    response = client.get(reverse("catalog:service", args=[HUNDEHALTUNG]), {"plz": "39104"})
    text = response.text
    assert 'id="zustaendigkeit"' in text
    assert "Landeshauptstadt Magdeburg" in text
    assert "buergerbuero@magdeburg.example.org" in text
    assert "0391 540-0" in text
    assert "Online beantragen" in text
    # The service page starts the application itself: one post with the place.
    begin = reverse("submissions:start", args=[HUNDEHALTUNG])
    assert f'id="antrag-beginnen-form" method="post" action="{begin}"' in text
    assert '<input type="hidden" name="plz" value="39104">' in text
    assert '<input type="hidden" name="ars" value="150030000000">' in text
    # The GET address for links from elsewhere still forwards the place.
    start_url = reverse("catalog:online_start", args=[HUNDEHALTUNG])
    start = client.get(start_url, {"plz": "39104", "ars": "150030000000"})
    assert start.status_code == 302
    assert start["Location"].startswith(reverse("submissions:start", args=[HUNDEHALTUNG]))
    assert "plz=39104" in start["Location"]


def test_member_without_activation_is_named_but_not_online(client):
    member(ANHALT_BITTERFELD_ARS, kind=OrganisationKind.LANDKREIS, name="Landkreis ABI (Test)")
    response = client.get(reverse("catalog:service", args=[KFZ]), {"plz": "06366"})
    text = response.text
    assert "Landkreis ABI (Test)" in text
    assert "Online beantragen" not in text
    assert "nicht online an" in text


def test_non_member_is_named_and_the_service_is_not_offered(client):
    response = client.get(reverse("catalog:service", args=[KFZ]), {"plz": "06366"})
    text = response.text
    assert "Landkreis Anhalt-Bitterfeld" in text
    assert "Diese Leistung wird auf dieser Plattform für Ihren Ort nicht angeboten." in text


def test_postcode_with_several_gemeinden_asks_for_the_gemeinde(client):
    postcode = (
        PostcodeArea.objects.filter(gemeinde__land_code="15")
        .values("postcode")
        .annotate(n=Count("gemeinde"))
        .filter(n__gt=1)
        .order_by("postcode")
        .values_list("postcode", flat=True)
        .first()
    )
    url = reverse("catalog:service", args=[KFZ])
    response = client.get(url, {"plz": postcode})
    assert 'id="gemeinde-auswahl"' in response.text
    assert 'id="zustaendigkeit"' not in response.text
    gemeinde = PostcodeArea.objects.filter(postcode=postcode).first().gemeinde
    assert f"ars={gemeinde.ars}" in response.text
    chosen = client.get(url, {"plz": postcode, "ars": gemeinde.ars})
    assert 'id="zustaendigkeit"' in chosen.text
    assert chosen.context["results"][0].gemeinde == gemeinde


def test_unknown_postcode_says_so(client):
    response = client.get(reverse("catalog:service", args=[KFZ]), {"plz": "00000"})
    assert "Keine Gemeinde gefunden" in response.text


def test_service_page_names_its_table_and_links_the_legal_bases(client):
    text = client.get(reverse("catalog:service", args=[HUNDEHALTUNG])).text
    assert "Leistungen des Leistungskatalogs in „Hundehaltung“</caption>" in text
    # "§ 2a Absatz 1 Tierschutzgesetz (TierSchG) [http://www.gesetze-im-internet.de/…]"
    assert (
        '<a class="kern-link" href="http://www.gesetze-im-internet.de/tierschg/__2a.html">'
        "§ 2a Absatz 1 Tierschutzgesetz (TierSchG)</a>"
    ) in text
    assert "[http" not in text


def test_start_page_themenfeld_cards_are_links(client):
    text = client.get("/").text
    field = Themenfeld.objects.filter(is_current=True).first()
    href = reverse("catalog:themenfeld", args=[field.official_id])
    assert (
        f'<a class="kern-link kern-link--stretched" href="{href}">{escape(field.name)}</a>' in text
    )


def test_online_beantragen_leads_to_the_members_own_link(client):
    stadt = member(MAGDEBURG_ARS, kind=OrganisationKind.KREISFREIE_STADT, name="Stadt (Test)")
    service_activation_set(
        tenant=stadt,
        actor=None,
        ozg_leistung=leistung(KFZ),
        is_active=True,
        start_url="https://kfz.magdeburg.example.org/antrag",
    )
    text = client.get(reverse("catalog:service", args=[KFZ]), {"plz": "39104"}).text
    assert 'id="online-beantragen" href="https://kfz.magdeburg.example.org/antrag"' in text
    assert "ja, mit dem Online-Antrag der zuständigen Stelle" in text
