"""GET /api/v1/services/{ozg_id}/responsible."""

import pytest
from django.db.models import Count

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

URL = "/api/v1/services/{}/responsible"


def test_kreisfreie_stadt_member_with_online_service(client):
    stadt = member(
        MAGDEBURG_ARS,
        kind=OrganisationKind.KREISFREIE_STADT,
        name="Landeshauptstadt Magdeburg",
        street="Alter Markt 6",
        postcode="39104",
        city="Magdeburg",
        email="info@magdeburg.example.org",
    )
    service_activation_set(
        tenant=stadt,
        actor=None,
        ozg_leistung=leistung(HUNDEHALTUNG),
        is_active=True,
        contact_phone="0391 540-1",
    )
    response = client.get(URL.format(HUNDEHALTUNG), {"plz": "39104"})
    assert response.status_code == 200
    (item,) = response.json()["items"]
    assert item["region"]["ars"] == MAGDEBURG_ARS
    assert item["region"]["ags"] == "15003000"
    assert "Magdeburg" in item["region"]["name"]
    assert item["authority"] == {
        "name": "Landeshauptstadt Magdeburg",
        "address": "Alter Markt 6, 39104 Magdeburg",
        "email": "info@magdeburg.example.org",
        "phone": "0391 540-1",
        "is_member": True,
    }
    assert item["online"] is True
    assert item["start_url"].endswith(f"/leistungen/{HUNDEHALTUNG}/online/")
    assert item["level"] == "gemeinde"


def test_landkreis_not_member_by_ars(client):
    response = client.get(URL.format(KFZ), {"ars": "150820180180"})  # Köthen (Anhalt)
    assert response.status_code == 200
    (item,) = response.json()["items"]
    assert item["authority"]["name"] == "Landkreis Anhalt-Bitterfeld"
    assert item["authority"]["is_member"] is False
    assert item["online"] is False
    assert item["start_url"] is None
    assert item["level"] == "kreis"


def test_one_item_per_gemeinde_of_the_postcode(client):
    member(ANHALT_BITTERFELD_ARS, kind=OrganisationKind.LANDKREIS)
    postcode = (
        PostcodeArea.objects.filter(gemeinde__land_code="15")
        .values("postcode")
        .annotate(n=Count("gemeinde"))
        .filter(n__gt=1)
        .order_by("postcode")
        .values_list("postcode", flat=True)
        .first()
    )
    expected = PostcodeArea.objects.filter(postcode=postcode).count()
    response = client.get(URL.format(KFZ), {"plz": postcode})
    assert response.status_code == 200
    assert len(response.json()["items"]) == expected > 1


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"plz": "39104", "ars": MAGDEBURG_ARS},
        {"plz": "3910"},
        {"plz": "abcde"},
        {"ars": "15003"},
    ],
)
def test_bad_input_is_422_with_error_shape(client, query):
    response = client.get(URL.format(HUNDEHALTUNG), query)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


def test_malformed_ozg_id_is_422(client):
    response = client.get(URL.format("1016"), {"plz": "39104"})
    assert response.status_code == 422
    assert "error" in response.json()


@pytest.mark.parametrize(
    ("ozg_id", "query"),
    [
        ("99999", {"plz": "39104"}),
        (HUNDEHALTUNG, {"plz": "00000"}),
        (HUNDEHALTUNG, {"ars": "150820000000"}),  # a Kreis, not a Gemeinde
    ],
)
def test_unknown_service_or_place_is_404(client, ozg_id, query):
    response = client.get(URL.format(ozg_id), query)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
