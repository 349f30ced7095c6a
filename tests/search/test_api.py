"""GET /api/v1/services and /api/v1/services/{ozg_id}."""

import pytest

pytestmark = pytest.mark.django_db


def test_search_returns_items_best_first(client):
    response = client.get("/api/v1/services", {"q": "kfz zulassung", "limit": 5})
    assert response.status_code == 200
    body = response.json()
    assert body["total"] >= len(body["items"]) > 0
    first = body["items"][0]
    assert first["ozg_id"] == "10439"
    assert set(first) == {"ozg_id", "name", "lage", "themenfeld", "leika", "score"}
    assert first["leika"]
    assert set(first["leika"][0]) == {"key", "name"}
    scores = [item["score"] for item in body["items"]]
    assert scores == sorted(scores, reverse=True)


def test_search_offset_pages(client):
    first = client.get("/api/v1/services", {"q": "steuer", "limit": 4}).json()
    second = client.get("/api/v1/services", {"q": "steuer", "limit": 4, "offset": 4}).json()
    assert {i["ozg_id"] for i in first["items"]}.isdisjoint(i["ozg_id"] for i in second["items"])
    assert first["total"] == second["total"]


def test_without_query_an_alphabetical_page(client):
    body = client.get("/api/v1/services").json()
    assert body["total"] == 557
    assert len(body["items"]) == 20
    names = [item["name"] for item in body["items"]]
    assert names == sorted(names)
    assert all(item["score"] is None for item in body["items"])
    page = client.get("/api/v1/services", {"limit": 100, "offset": 550}).json()
    assert len(page["items"]) == 7


@pytest.mark.parametrize(
    "params",
    [
        {"q": "x" * 201},
        {"limit": 0},
        {"limit": 101},
        {"offset": -1},
        {"offset": 10**20},
        {"limit": "viele"},
    ],
)
def test_bad_parameters_are_422_in_the_error_shape(client, params):
    response = client.get("/api/v1/services", params)
    assert response.status_code == 422
    assert set(response.json()["error"]) == {"code", "message", "fields"}


def test_detail_lists_leika_services_with_typisierung(client):
    response = client.get("/api/v1/services/10160")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Hundehaltung"
    assert body["themenfeld"]
    assert body["lage"]
    steuer = next(row for row in body["leika"] if row["name"] == "Hundesteuer")
    assert steuer["key"] == "99102013000000"
    assert steuer["typisierung"]  # in words
    assert {"rechtsgrundlagen", "gesetze", "executed_by_kommune"} <= set(steuer)


def test_detail_keeps_rows_without_leika_key(client):
    rows = client.get("/api/v1/services/10083").json()["leika"]
    assert any(row["key"] is None and row["im_leika"] is False for row in rows)


@pytest.mark.parametrize("ozg_id", ["1016", "101600", "abcde"])
def test_detail_malformed_id_is_422(client, ozg_id):
    response = client.get(f"/api/v1/services/{ozg_id}")
    assert response.status_code == 422
    assert response.json()["error"]["code"]


def test_detail_unknown_id_is_404(client):
    response = client.get("/api/v1/services/99999")
    assert response.status_code == 404
    assert "99999" in response.json()["error"]["message"]


def test_function_words_match_no_abbreviation_or_compound_head(client):
    """Issue 14: "bin" matched "Binnenschiff" and the abbreviation "BIN"."""
    for query in ("ich bin", "wir sind mein"):
        body = client.get("/api/v1/services", {"q": query}).json()
        assert body["items"] == [], query
    top = client.get("/api/v1/services", {"q": "ich bin umgezogen", "limit": 3}).json()
    assert top["items"][0]["ozg_id"] == "10124"  # Wohnsitzmeldungen, not 6th any more
    names = " ".join(item["name"] for item in top["items"])
    assert "Schiff" not in names
    assert "tierärztlich" not in names


@pytest.mark.parametrize("query", ["kuchen backen rezept", "fernseher reparieren", "asdfgh"])
def test_no_good_match_says_so_and_offers_lebenslagen_and_most_used(client, query):
    body = client.get("/api/v1/services", {"q": query}).json()
    assert body["no_good_match"] is True
    assert body["items"] == []
    assert body["total"] == 0
    names = {lage["name"] for lage in body["lebenslagen"]}
    assert {"Geburt", "Wohnen & Umzug"} <= names
    assert all(
        set(lage) == {"id", "name", "themenfeld_id", "themenfeld"} for lage in body["lebenslagen"]
    )
    most_used = [item["ozg_id"] for item in body["most_used"]]
    assert most_used[:2] == ["10119", "10124"]  # Personalausweis, Wohnsitzmeldungen


def test_a_good_match_offers_no_fallback(client):
    body = client.get("/api/v1/services", {"q": "hundesteuer"}).json()
    assert body["no_good_match"] is False
    assert body["items"][0]["ozg_id"] == "10160"
    assert body["lebenslagen"] == []
    assert body["most_used"] == []
    assert body["did_you_mean"] is None


@pytest.mark.parametrize(
    ("query", "suggestion"),
    [
        ("führerschien", "führerschein"),
        ("personalausweiss beantragen", "personalausweis beantragen"),
    ],
)
def test_did_you_mean_corrects_typos_from_the_index_vocabulary(client, query, suggestion):
    body = client.get("/api/v1/services", {"q": query}).json()
    assert body["did_you_mean"] == suggestion
    corrected = client.get("/api/v1/services", {"q": suggestion}).json()
    assert corrected["did_you_mean"] is None
    assert corrected["items"][0]["ozg_id"] == body["items"][0]["ozg_id"]
