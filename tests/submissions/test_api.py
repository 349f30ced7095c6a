"""/api/v1/applications: submit with an idempotency key, read the status as the applicant."""

import pytest

from openkommune.catalog.services import service_activation_set
from openkommune.submissions.models import Application, Draft
from tests.accounts.factories import UserFactory
from tests.submissions.factories import (
    MAGDEBURG_POSTCODE,
    TEST_FORM,
    make_offer,
    pdf_text,
    private_media,  # noqa: F401
    publish_form,
    submissions_only,  # noqa: F401
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media", "submissions_only")]

URL = "/api/v1/applications"


@pytest.fixture
def offer():
    return make_offer()


def _body(**changes):
    body = {
        "form": "testantrag",
        "version": 1,
        "data": {"name": "Erika Mustermann", "hunde": [{"hund_name": "Bello"}]},
        "postcode": MAGDEBURG_POSTCODE,
        "email": "erika@example.org",
    }
    return body | changes


def _post(client, body, key="schluessel-1"):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(URL, body, content_type="application/json", headers=headers)


def test_happy_path_creates_an_application(client, offer):
    response = _post(client, _body(version=offer.version.number))
    assert response.status_code == 201, response.json()
    body = response.json()
    application = Application.applicant_objects.get()
    assert body["reference"] == application.reference
    assert body["status"] == "delivered"
    assert body["status_label"] == "Der zuständigen Stelle zugestellt"
    assert body["status_token"]
    assert body["status_url"].startswith("http://testserver/")
    assert body["status_url"].endswith(f"?token={body['status_token']}")
    assert body["receipt_url"].endswith(f"/api/v1/applications/{application.reference}/receipt")
    assert application.data == {"name": "Erika Mustermann", "hunde": [{"hund_name": "Bello"}]}
    assert application.tenant == offer.tenant


def test_retry_with_the_same_key_returns_the_same_application(client, offer):
    body = _body(version=offer.version.number)
    first = _post(client, body)
    again = _post(client, body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Application.applicant_objects.count() == 1
    assert Draft.applicant_objects.count() == 1


def test_same_key_with_another_body_is_a_conflict(client, offer):
    assert _post(client, _body(version=offer.version.number)).status_code == 201
    response = _post(client, _body(version=offer.version.number, email="anders@example.org"))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_conflict"
    assert Application.applicant_objects.count() == 1


def test_the_same_key_of_two_users_does_not_collide(client, offer):
    body = _body(version=offer.version.number)
    client.force_login(UserFactory())
    assert _post(client, body).status_code == 201
    client.force_login(UserFactory())
    assert _post(client, body).status_code == 201
    assert Application.applicant_objects.count() == 2


def test_missing_idempotency_key_is_a_bad_request(client, offer):
    response = _post(client, _body(version=offer.version.number), key=None)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "idempotency_key_missing"
    assert not Application.applicant_objects.exists()


@pytest.mark.parametrize("key", ["x" * 201, "mit\ttab", " "])
def test_malformed_idempotency_key_is_a_bad_request(client, offer, key):
    response = _post(client, _body(version=offer.version.number), key=key)
    assert response.status_code == 400
    assert response.json()["error"]["code"] in {
        "idempotency_key_invalid",
        "idempotency_key_missing",
    }


def test_malformed_body_is_refused_with_the_error_shape(client, offer):
    response = _post(client, {"form": "Test Antrag!", "version": 0, "data": []})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert {"form", "version", "data"} <= set(error["fields"])


def test_invalid_data_names_the_fields(client, offer):
    data = {"name": "", "beginn": "2026-02-31", "unbekannt": 1}
    response = _post(client, _body(version=offer.version.number, data=data))
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"data.name", "data.beginn", "data.unbekannt"}
    assert not Application.applicant_objects.exists()
    assert not Draft.applicant_objects.exists()  # nothing is kept from a refused request


def test_files_cannot_be_sent_through_the_api(client, offer):
    data = {"name": "Erika", "nachweis": "3f2b1c7e-8a4d-4e6f-9b1a-2c3d4e5f6a7b"}
    response = _post(client, _body(version=offer.version.number, data=data))
    assert response.status_code == 422
    assert "data.nachweis" in response.json()["error"]["fields"]


def test_service_not_offered_at_the_address(client):
    offer = make_offer(active=False)
    response = _post(client, _body(version=offer.version.number))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "service_not_offered"
    assert "Magdeburg" in error["message"]
    assert not Application.applicant_objects.exists()


def test_a_kept_route_follows_the_members_changes_at_once(client, offer):
    """The submit keeps its route in the read cache; switching the service off or changing
    its contact is seen by the next submission, not after a timeout."""

    def activation(**params):
        service_activation_set(
            tenant=offer.tenant, actor=None, ozg_leistung=offer.leistung, **params
        )

    assert _post(client, _body(version=offer.version.number), key="eins").status_code == 201
    activation(is_active=True, contact_email="neu@magdeburg.example.org")
    assert _post(client, _body(version=offer.version.number), key="zwei").status_code == 201
    newest = Application.applicant_objects.order_by("-id").first()
    assert newest.authority["email"] == "neu@magdeburg.example.org"
    activation(is_active=False)
    response = _post(client, _body(version=offer.version.number), key="drei")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "service_not_offered"
    assert Application.applicant_objects.count() == 2


def test_unknown_form_or_version_is_not_found(client, offer):
    assert _post(client, _body(form="gibtesnicht")).status_code == 404
    response = _post(client, _body(version=99), key="anderer")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "form_not_found"


def test_postcode_without_gemeinde_is_refused_clearly(client, offer):
    response = _post(client, _body(version=offer.version.number, postcode="01010"))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "location_invalid"


def test_invalid_email_is_reported_on_the_email_field(client, offer):
    response = _post(client, _body(version=offer.version.number, email="kaputt"))
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["email"]


@pytest.mark.parametrize("email", [None, "", "   "])
def test_without_login_an_email_address_is_required(client, offer, email):
    body = _body(version=offer.version.number)
    if email is None:
        del body["email"]
    else:
        body["email"] = email
    response = _post(client, body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert list(error["fields"]) == ["email"]
    assert "E-Mail-Adresse" in error["fields"]["email"][0]
    assert not Application.applicant_objects.exists()
    assert not Draft.applicant_objects.exists()


def test_a_logged_in_user_needs_no_email_address_in_the_body(client, offer):
    user = UserFactory()
    client.force_login(user)
    body = _body(version=offer.version.number)
    del body["email"]
    assert _post(client, body).status_code == 201
    assert Application.applicant_objects.get().email == user.email


def _created(client, offer, **changes):
    response = _post(client, _body(version=offer.version.number, **changes))
    assert response.status_code == 201, response.json()
    return response.json()


def test_status_with_the_token(client, offer):
    created = _created(client, offer)
    response = client.get(
        f"{URL}/{created['reference']}", headers={"X-Status-Token": created["status_token"]}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["reference"] == created["reference"]
    assert body["service"] == {"ozg_id": "10160", "name": "Hundehaltung"}
    assert body["form"] == {"key": "testantrag", "version": offer.version.number}
    assert body["authority"]["name"] == "Landeshauptstadt Magdeburg (Test)"
    assert [event["kind"] for event in body["events"]] == ["submitted", "delivered"]
    assert body["events"][0]["label"] == "Eingereicht"
    # The reference may be typed in lower case and with spaces.
    lower = created["reference"].lower().replace("-", "- ")
    response = client.get(f"{URL}/{lower}", headers={"X-Status-Token": created["status_token"]})
    assert response.status_code == 200


def test_status_for_the_logged_in_owner(client, offer):
    owner = UserFactory()
    client.force_login(owner)
    created = _created(client, offer)
    assert created["status_token"] is None
    assert "token=" not in created["status_url"]
    assert client.get(f"{URL}/{created['reference']}").status_code == 200


def test_anyone_else_gets_not_found(client, offer):
    created = _created(client, offer)
    reference = created["reference"]
    assert client.get(f"{URL}/{reference}").status_code == 404
    wrong = client.get(f"{URL}/{reference}", headers={"X-Status-Token": "x" * 43})
    assert wrong.status_code == 404
    assert wrong.json()["error"]["code"] == "not_found"
    client.force_login(UserFactory())
    assert client.get(f"{URL}/{reference}").status_code == 404
    assert client.get(f"{URL}/{reference}/receipt").status_code == 404


def test_unknown_reference_is_not_found(client, offer):
    created = _created(client, offer)
    token = {"X-Status-Token": created["status_token"]}
    assert client.get(f"{URL}/2026-MG-AAAA-BBBB", headers=token).status_code == 404
    assert client.get(f"{URL}/kein-aktenzeichen", headers=token).status_code == 404


def test_receipt_download_through_the_api(client, offer):
    created = _created(client, offer)
    response = client.get(
        f"{URL}/{created['reference']}/receipt",
        headers={"X-Status-Token": created["status_token"]},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert created["reference"] in pdf_text(b"".join(response.streaming_content))


def test_a_form_with_a_required_file_is_refused_with_a_clear_message(client):
    definition = {
        **TEST_FORM,
        "steps": [
            {
                **TEST_FORM["steps"][0],
                "items": [
                    *TEST_FORM["steps"][0]["items"],
                    {
                        "kind": "field",
                        "id": "pflichtdatei",
                        "type": "file",
                        "label": "Pflichtnachweis",
                        "required": True,
                    },
                ],
            }
        ],
    }
    offer = make_offer()
    version = publish_form(definition)
    response = _post(client, _body(version=version.number))
    assert response.status_code == 422
    assert "data.pflichtdatei" in response.json()["error"]["fields"]
    assert offer.version.number < version.number


def test_replaying_an_anonymous_key_from_another_client_reveals_nothing(client, offer):
    from django.test import Client

    body = _body(version=offer.version.number)
    first = _post(client, body)
    assert first.status_code == 201
    stranger = _post(Client(), body)
    assert stranger.status_code == 409
    error = stranger.json()["error"]
    assert error["code"] == "idempotency_conflict"
    assert first.json()["reference"] not in stranger.content.decode()
    assert first.json()["status_token"] not in stranger.content.decode()
    assert Application.applicant_objects.count() == 1
    # The applicant's own retry (same session cookie) still gets the application back.
    assert _post(client, body).json() == first.json()


def test_a_logged_in_users_key_is_not_replayable_by_an_anonymous_caller(client, offer):
    from django.test import Client

    body = _body(version=offer.version.number)
    client.force_login(UserFactory())
    assert _post(client, body).status_code == 201
    assert _post(Client(), body).status_code == 201  # another namespace: a new application
    assert Application.applicant_objects.count() == 2


def test_refused_anonymous_requests_leave_no_session_behind(client, offer):
    from django.contrib.sessions.models import Session

    # 422 (invalid data), 400 (no key), 404 (unknown version): no session is stored.
    assert _post(client, _body(version=offer.version.number, data={})).status_code == 422
    assert _post(client, _body(version=offer.version.number), key=None).status_code == 400
    assert _post(client, _body(version=999)).status_code == 404
    assert not Session.objects.exists()
    assert "sessionid" not in client.cookies
    # Only a created application stores one (for the caller's retries).
    body = _body(version=offer.version.number)
    assert _post(client, body).status_code == 201
    assert Session.objects.count() == 1
    assert _post(client, body).status_code == 200
    assert Session.objects.count() == 1


def test_a_conflicting_replay_leaves_no_session_behind(client, offer):
    from django.contrib.sessions.models import Session
    from django.test import Client

    body = _body(version=offer.version.number)
    assert _post(client, body).status_code == 201
    assert _post(Client(), body).status_code == 409
    assert Session.objects.count() == 1
