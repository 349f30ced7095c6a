"""/api/v1/forms: published forms, one version with definition and data schema."""

import pytest

from openkommune.forms.engine import data_json_schema, parse_definition
from tests.forms.factories import FormVersionFactory, published_version
from tests.forms.helpers import field, raw_form

pytestmark = pytest.mark.django_db
URL = "/api/v1/forms"


def test_list_shows_published_forms_only(client):
    version = published_version(raw_form(field("name"), key="api_test"))
    draft = FormVersionFactory()
    response = client.get(URL)
    assert response.status_code == 200
    items = {item["key"]: item for item in response.json()["items"]}
    assert items["api_test"] == {
        "key": "api_test",
        "title": "Testformular",
        "leika_keys": ["99000000000000"],
        "current_version": version.number,
    }
    assert draft.form.key not in items


def test_version_with_definition_and_data_schema(client):
    raw = raw_form(field("name", required=True), key="api_test")
    published_version(raw)
    response = client.get(f"{URL}/api_test/versions/1")
    assert response.status_code == 200
    body = response.json()
    assert body["key"] == "api_test"
    assert body["number"] == 1
    assert body["status"] == "published"
    assert body["definition"] == raw
    assert body["data_schema"] == data_json_schema(parse_definition(raw))
    assert body["published_at"]


def test_retired_versions_stay_readable(client):
    version = FormVersionFactory(retired=True)
    response = client.get(f"{URL}/{version.form.key}/versions/{version.number}")
    assert response.status_code == 200
    assert response.json()["status"] == "retired"


@pytest.mark.parametrize("path", ["gibt_es_nicht/versions/1", "Böse/versions/1"])
def test_unknown_form_is_404_in_the_error_shape(client, path):
    response = client.get(f"{URL}/{path}")
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "not_found", "message": "Nicht gefunden.", "fields": {}}
    }


def test_nul_in_the_form_key_is_422_naming_the_path_parameter(client):
    # Refused before any query: PostgreSQL cannot hold NUL in text.
    response = client.get(f"{URL}/Böse%00/versions/1")
    assert response.status_code == 422
    body = response.json()["error"]
    assert body["code"] == "validation_error"
    assert list(body["fields"]) == ["key"]


def test_drafts_and_unknown_numbers_are_404(client):
    draft = FormVersionFactory(number=1)
    assert client.get(f"{URL}/{draft.form.key}/versions/1").status_code == 404
    assert client.get(f"{URL}/{draft.form.key}/versions/2").status_code == 404


@pytest.mark.parametrize("number", ["0", "abc", "99999999999999999999"])
def test_bad_version_numbers_are_422(client, number):
    response = client.get(f"{URL}/irgendein/versions/{number}")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


@pytest.mark.django_db
def test_list_filters_by_leika_key_and_refuses_a_malformed_one(client):
    hundesteuer = client.get("/api/v1/forms", {"leika": "99102013000000"}).json()["items"]
    assert [form["key"] for form in hundesteuer] == ["hundesteuer"]
    response = client.get("/api/v1/forms", {"leika": "1234"})
    assert response.status_code == 422
    assert "leika" in response.json()["error"]["fields"]
