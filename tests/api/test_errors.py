import pytest

from openkommune.api.errors import german_message


@pytest.mark.django_db
def test_validation_errors_have_the_project_shape_and_german_messages(client):
    response = client.get("/api/v1/regions/resolve", {"plz": "3910"})
    assert response.status_code == 422
    body = response.json()
    assert body["error"]["code"] == "validation_error"
    assert body["error"]["message"] == "Die Eingabe ist ungültig."
    assert body["error"]["fields"] == {"plz": ["Bitte genau fünf Ziffern angeben."]}


@pytest.mark.django_db
def test_missing_parameter_is_named(client):
    response = client.get("/api/v1/regions/resolve")
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"plz": ["Diese Angabe fehlt."]}


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            {"type": "string_too_long", "ctx": {"max_length": 200}},
            "Bitte höchstens 200 Zeichen angeben.",
        ),
        (
            {"type": "string_pattern_mismatch", "ctx": {"pattern": "^x$"}},
            "Die Angabe hat nicht das erwartete Format.",
        ),
        ({"type": "something_new"}, "Die Angabe ist ungültig."),
        ({"type": "greater_than_equal", "ctx": {}}, "Die Angabe ist ungültig."),
    ],
)
def test_german_message_covers_unknown_and_incomplete_errors(error, expected):
    assert german_message(error) == expected


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/v1/coverage", "/api/v1/members"])
@pytest.mark.parametrize("value", ["0", "1700000000", "01.10.2022", "2022-13-01"])
def test_dates_are_iso_only_never_unix_timestamps(client, url, value):
    param = "date" if url.endswith("coverage") else "as_of"
    response = client.get(url, {param: value})
    assert response.status_code == 422
    [message] = response.json()["error"]["fields"][param]
    assert "JJJJ-MM-TT" in message or "Datum" in message
