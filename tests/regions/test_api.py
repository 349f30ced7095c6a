import pytest

from tests.regions.factories import PostcodeAreaFactory, build_test_hierarchy

pytestmark = pytest.mark.django_db

RESOLVE = "/api/v1/regions/resolve"


def assert_error_shape(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    return body["error"]


def test_resolve_magdeburg(client):
    response = client.get(RESOLVE, {"plz": "39104"})
    assert response.status_code == 200
    body = response.json()
    assert body["postcode"] == "39104"
    [item] = body["items"]
    assert item["ags"] == "15003000"
    assert item["ars"] == "150030000000"
    assert item["name"] == "Magdeburg, Landeshauptstadt"
    assert item["level"] == "gemeinde"
    assert (item["kind"], item["kind_label"]) == ("61", "Kreisfreie Stadt")
    assert item["population"] == 244_329
    assert item["area_km2"] == pytest.approx(201.68)
    assert item["verband"] is None  # a kreisfreie Stadt belongs to no Gemeindeverband
    assert item["kreis"] == {
        "ars": "150030000000",
        "name": "Magdeburg, Landeshauptstadt",
        "level": "kreis",
        "kind": "41",
        "kind_label": "Kreisfreie Stadt",
    }
    assert item["land"]["name"] == "Sachsen-Anhalt"
    assert item["land"]["ars"] == "150000000000"


def test_resolve_koethen(client):
    [item] = client.get(RESOLVE, {"plz": "06366"}).json()["items"]
    assert item["name"] == "Köthen (Anhalt), Stadt"
    assert item["ags"] == "15082180"
    assert item["kreis"]["name"] == "Anhalt-Bitterfeld"
    assert item["kreis"]["kind_label"] == "Landkreis"


def test_resolve_postcode_with_several_gemeinden_of_one_verbandsgemeinde(client):
    items = client.get(RESOLVE, {"plz": "38489"}).json()["items"]
    assert [i["name"] for i in items] == ["Beetzendorf", "Jübar", "Rohrberg"]
    assert {i["verband"]["name"] for i in items} == {"Beetzendorf-Diesdorf"}
    assert items[0]["verband"]["kind_label"] == "Verbandsgemeinde"
    assert items[0]["verband"]["ars"] == "150815051000"


def test_resolve_uses_the_hierarchy_of_factories(client):
    units = build_test_hierarchy()
    PostcodeAreaFactory(postcode="00097", gemeinde=units["gemeinde"])
    [item] = client.get(RESOLVE, {"plz": "00097"}).json()["items"]
    assert item["name"] == "Testdorf"
    assert item["verband"]["ars"] == units["verband"].ars
    assert item["kreis"]["ars"] == units["kreis"].ars
    assert item["area_km2"] == pytest.approx(25.5)


@pytest.mark.parametrize("plz", ["3910", "391044", "abcde", "39 10", ""])
def test_resolve_rejects_malformed_postcodes(client, plz):
    error = assert_error_shape(client.get(RESOLVE, {"plz": plz}), 422, "validation_error")
    assert list(error["fields"]) == ["plz"]


def test_resolve_requires_a_postcode(client):
    error = assert_error_shape(client.get(RESOLVE), 422, "validation_error")
    assert "plz" in error["fields"]


def test_resolve_unknown_postcode_is_404(client):
    error = assert_error_shape(client.get(RESOLVE, {"plz": "00000"}), 404, "not_found")
    assert error["message"] == "Für die Postleitzahl 00000 ist keine Gemeinde bekannt."


def test_region_detail_of_a_land_counts_what_is_below(client):
    response = client.get("/api/v1/regions/150000000000")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Sachsen-Anhalt"
    assert body["level"] == "land"
    assert body["parents"] == []
    assert body["counts"]["gemeinde"] == 218
    assert body["counts"]["kreis"] == 14
    assert body["counts"]["gemeindeverband"] == 122
    assert body["counts"]["population"] == 2_135_597
    assert body["children_count"] == 14
    assert body["gebietsstand"] == "2025-11-30"
    assert body["is_current"] is True


def test_region_detail_of_a_verbandsgemeinde(client):
    body = client.get("/api/v1/regions/150815051000").json()
    assert body["name"] == "Beetzendorf-Diesdorf"
    assert body["kind_label"] == "Verbandsgemeinde"
    assert body["seat"] == "Beetzendorf"
    assert [p["level"] for p in body["parents"]] == ["land", "kreis"]
    assert body["parents"][1]["name"] == "Altmarkkreis Salzwedel"
    assert body["children_count"] == 8
    assert body["counts"]["gemeinde"] == 8


def test_region_detail_of_a_gemeinde_has_its_chain_and_no_counts(client):
    body = client.get("/api/v1/regions/150820180180").json()
    assert body["ags"] == "15082180"
    assert body["level"] == "gemeinde"
    assert [p["name"] for p in body["parents"]] == [
        "Sachsen-Anhalt",
        "Anhalt-Bitterfeld",
        "Köthen (Anhalt), Stadt",
    ]
    assert body["counts"] is None
    assert body["children_count"] is None
    assert body["postcode_of_seat"] == "06366"


def test_region_detail_of_a_shared_key_defaults_to_the_most_general_level(client):
    body = client.get("/api/v1/regions/150030000000").json()
    assert body["level"] == "kreis"
    assert body["same_ars_levels"] == ["kreis", "gemeindeverband", "gemeinde"]
    body = client.get("/api/v1/regions/150030000000", {"level": "gemeinde"}).json()
    assert body["level"] == "gemeinde"
    assert body["ags"] == "15003000"


@pytest.mark.parametrize("ars", ["15000000000", "1500000000000", "15000000000x"])
def test_region_detail_rejects_malformed_keys(client, ars):
    error = assert_error_shape(client.get(f"/api/v1/regions/{ars}"), 422, "validation_error")
    assert "ars" in error["fields"]


def test_region_detail_rejects_unknown_levels(client):
    response = client.get("/api/v1/regions/150000000000", {"level": "bezirk"})
    error = assert_error_shape(response, 422, "validation_error")
    assert "level" in error["fields"]


def test_region_detail_unknown_key_is_404(client):
    error = assert_error_shape(client.get("/api/v1/regions/159990000000"), 404, "not_found")
    assert error["message"] == (
        "Für den Regionalschlüssel 159990000000 ist keine Gebietseinheit bekannt."
    )
    response = client.get("/api/v1/regions/150000000000", {"level": "gemeinde"})
    assert_error_shape(response, 404, "not_found")


def test_openapi_documents_patterns_and_error_responses(client):
    schema = client.get("/api/v1/openapi.json").json()
    resolve = schema["paths"]["/api/v1/regions/resolve"]["get"]
    [plz] = [p for p in resolve["parameters"] if p["name"] == "plz"]
    assert plz["schema"]["pattern"] == "^[0-9]{5}$"
    assert {"200", "404", "422"} <= set(resolve["responses"])
    detail = schema["paths"]["/api/v1/regions/{ars}"]["get"]
    [ars] = [p for p in detail["parameters"] if p["name"] == "ars"]
    assert ars["schema"]["pattern"] == "^[0-9]{12}$"
    assert {"200", "404", "422"} <= set(detail["responses"])
