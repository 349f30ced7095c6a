import json

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


def test_access_errors_of_the_shared_checks_are_answered_in_the_error_shape(rf):
    # The access checks shared by pages and API raise LoginRequired / PermissionDenied; the
    # API answers them once, in api.errors, not per endpoint.
    from django.core.exceptions import PermissionDenied
    from ninja import NinjaAPI

    from openkommune.accounts.access import LoginRequired
    from openkommune.api.errors import install_error_handlers

    api = NinjaAPI(urls_namespace="access-errors-test")
    install_error_handlers(api)
    raised = {
        "login": LoginRequired(),
        "denied": PermissionDenied("Nur für die Genossenschaft."),
        "bare": PermissionDenied(),
    }
    answers = {name: api.on_exception(rf.get("/api/v1/x"), error) for name, error in raised.items()}
    assert [answers[name].status_code for name in raised] == [401, 403, 403]
    bodies = {name: json.loads(answer.content) for name, answer in answers.items()}
    assert bodies["login"] == {
        "error": {"code": "not_authenticated", "message": "Anmeldung erforderlich.", "fields": {}}
    }
    assert bodies["denied"]["error"] == {
        "code": "permission_denied",
        "message": "Nur für die Genossenschaft.",
        "fields": {},
    }
    assert bodies["bare"]["error"]["message"] == "Keine Berechtigung."
