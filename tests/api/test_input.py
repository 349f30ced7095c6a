"""What every /api/v1 operation accepts: body size caps (413), text PostgreSQL can store
(no NUL, no lone surrogate, valid UTF-8: else 422), all in the project's error shape."""

import json

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient
from django.test.client import FakePayload

from openkommune.core.api_policy import API_BODY_LIMIT
from openkommune.submissions.api import APPLICATION_BODY_LIMIT
from openkommune.submissions.models import Application
from tests.delivery.factories import api_key_for, case_with_files
from tests.submissions.factories import (
    MAGDEBURG_POSTCODE,
    make_offer,
    private_media,  # noqa: F401
    submissions_only,  # noqa: F401
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_media", "submissions_only", "mailoutbox"),
]

APPLICATIONS = "/api/v1/applications"


@pytest.fixture
def offer():
    return make_offer()


def _application(offer, **data) -> dict:
    return {
        "form": "testantrag",
        "version": offer.version.number,
        "data": {"name": "Erika Mustermann", "hunde": [{"hund_name": "Bello"}]} | data,
        "postcode": MAGDEBURG_POSTCODE,
        "email": "erika@example.org",
    }


def _post_raw(client, url, raw, headers=None):
    return client.post(
        url,
        raw,
        content_type="application/json",
        headers={"Idempotency-Key": "k-1"} | (headers or {}),
    )


def _error(response, status):
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields"}
    return error


# --- size ------------------------------------------------------------------------------------


def _padded(offer, size: int) -> str:
    raw = json.dumps(_application(offer, name="x"))
    return raw.replace('"x"', '"' + "x" * (size - len(raw) + 1) + '"')


def test_an_application_over_its_limit_is_413_and_stores_nothing(client, offer):
    raw = _padded(offer, APPLICATION_BODY_LIMIT + 1)
    assert len(raw) == APPLICATION_BODY_LIMIT + 1
    error = _error(_post_raw(client, APPLICATIONS, raw), 413)
    assert error["code"] == "request_too_large"
    assert "1024 KiB" in error["message"]
    assert not Application.applicant_objects.exists()


def test_an_application_above_the_default_limit_but_within_its_own_is_accepted(client, offer):
    # A form's data may exceed the default limit: the application endpoint allows more. The
    # padded name is far too long for the field (422), but the size is accepted.
    raw = _padded(offer, API_BODY_LIMIT + 1)
    error = _error(_post_raw(client, APPLICATIONS, raw), 422)
    assert set(error["fields"]) == {"data.name"}


def test_a_body_beyond_djangos_own_cap_is_413_not_500(client, offer):
    # 3 MB: more than DATA_UPLOAD_MAX_MEMORY_SIZE, which used to end in a 500.
    raw = _padded(offer, 3 * 1024 * 1024)
    assert _error(_post_raw(client, APPLICATIONS, raw), 413)["code"] == "request_too_large"


def test_the_default_limit_holds_for_the_authority_message_api(client, offer):
    case = case_with_files(offer)
    key = api_key_for(offer.tenant)
    raw = json.dumps({"body": "x" * API_BODY_LIMIT})
    response = client.post(
        f"/api/v1/authority/applications/{case.reference}/messages",
        raw,
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert _error(response, 413)["code"] == "request_too_large"


def test_a_get_with_an_oversized_body_is_refused_too(client):
    response = client.generic(
        "GET", "/api/v1/regions/resolve?plz=39104", b"x" * (API_BODY_LIMIT + 1)
    )
    assert _error(response, 413)["code"] == "request_too_large"


# --- text --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("escaped", "word"),
    [("\\ud800", "Surrogat"), ("Erika\\udc00", "Surrogat"), ("Eri\\u0000ka", "NUL")],
)
def test_lone_surrogates_and_nul_are_422_naming_the_field(client, offer, escaped, word):
    raw = json.dumps(_application(offer, name="PLACEHOLDER")).replace("PLACEHOLDER", escaped)
    error = _error(_post_raw(client, APPLICATIONS, raw), 422)
    assert error["code"] == "validation_error"
    assert list(error["fields"]) == ["data.name"]
    assert word in error["fields"]["data.name"][0]
    assert not Application.applicant_objects.exists()


def test_nul_in_a_nested_list_and_in_a_plain_field_is_named(client, offer):
    body = _application(offer, hunde=[{"hund_name": "Bel\x00lo"}])
    body["email"] = "erika\x00@example.org"
    error = _error(_post_raw(client, APPLICATIONS, json.dumps(body)), 422)
    assert set(error["fields"]) == {"data.hunde.0.hund_name", "email"}


def test_a_broken_key_names_the_object_holding_it(client, offer):
    raw = json.dumps(_application(offer)).replace('"hunde"', '"\\ud83d"')
    error = _error(_post_raw(client, APPLICATIONS, raw), 422)
    assert list(error["fields"]) == ["data"]


def test_invalid_utf8_is_422(client, offer):
    raw = json.dumps(_application(offer, name="PLACEHOLDER")).encode()
    raw = raw.replace(b"PLACEHOLDER", b"\xed\xa0\x80")  # a surrogate encoded as UTF-8
    error = _error(_post_raw(client, APPLICATIONS, raw), 422)
    assert error["code"] == "invalid_encoding"
    assert "UTF-8" in error["message"]


def test_invalid_json_is_a_german_400(client, offer):
    error = _error(_post_raw(client, APPLICATIONS, '{"form": '), 400)
    assert error["code"] == "json_invalid"
    assert error["message"] == "Der Inhalt ist kein gültiges JSON."


def test_nul_in_a_query_parameter_is_422_naming_it(client):
    error = _error(client.get("/api/v1/regions/resolve?plz=39%00104"), 422)
    assert list(error["fields"]) == ["plz"]
    assert "NUL" in error["fields"]["plz"][0]


@pytest.mark.parametrize(
    "path",
    ["/api/v1/procurement/call-offs/AB%00C", "/api/v1/authority/applications/%00"],
)
def test_nul_in_a_path_parameter_is_422_naming_it(client, path):
    # PostgreSQL cannot even compare a NUL: without this check the lookup ended in a 500.
    error = _error(client.get(path), 422)
    assert error["code"] == "validation_error"
    assert list(error["fields"]) == ["reference"]
    assert "NUL" in error["fields"]["reference"][0]


def test_a_body_without_content_length_is_measured_too(offer):
    """Under ASGI a chunked body arrives without Content-Length; its real size counts."""
    raw = _padded(offer, APPLICATION_BODY_LIMIT + 1).encode()
    scope = {
        "method": "POST",
        "path": APPLICATIONS,
        "server": ("127.0.0.1", "80"),
        "scheme": "http",
        "query_string": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/json"),
            (b"idempotency-key", b"k-1"),
        ],
        "_body_file": FakePayload(raw),
    }
    response = async_to_sync(AsyncClient().request)(**scope)
    assert _error(response, 413)["code"] == "request_too_large"
    assert not Application.applicant_objects.exists()
