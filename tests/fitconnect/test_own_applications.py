"""Issue 17 parts 3 and 4: the platform's own applications for a service its member delivers
to a Fachverfahren are encrypted at intake; the platform keeps ciphertext and routing
metadata only; the back office shows the case as delivered with its event log; the citizen
sees zugestellt, angenommen or abgelehnt with the reason."""

from __future__ import annotations

import hashlib
import json
import time
import uuid

import pytest
from jwcrypto import jwe, jwk, jws

from openkommune.cases.models import Case
from openkommune.fitconnect import jose
from openkommune.fitconnect.metadata import metadata_problems
from openkommune.fitconnect.models import Event, Submission
from openkommune.submissions.models import Application, Attachment
from openkommune.tenancy.scoping import scopes_disabled
from tests.cases.factories import clerk_of
from tests.fitconnect.conftest import run_json, token_for
from tests.fitconnect.own_applications import (
    apply_through_pages,
    case_url,
    offer_with_destination,
    status_page,
)
from tests.submissions.factories import HUNDESTEUER_LEIKA, PDF_BYTES, private_media  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]
EVENTS = "https://schema.fitko.de/fit-connect/events/"


def _decrypt(token: str, key: jwk.JWK) -> bytes:
    message = jwe.JWE()
    message.deserialize(token, key=key)
    return message.payload


def _delivered(application) -> Submission:
    with scopes_disabled():
        return Submission.objects.get(application_public_id=application.public_id)


def test_an_application_is_encrypted_at_intake_and_the_platform_keeps_no_plain_text(
    client, subscriber_keys, settings, django_capture_on_commit_callbacks
):
    decryption, _signing = subscriber_keys
    offer, destination = offer_with_destination(subscriber_keys)
    with django_capture_on_commit_callbacks(execute=True):
        application, _status = apply_through_pages(client)

    # The platform keeps no answers and no file (rows and bytes gone), and no receipt.
    application = Application.applicant_objects.get(pk=application.pk)
    assert application.data == {}
    assert not application.has_receipt
    assert not Attachment.applicant_objects.filter(application=application).exists()
    stored = [p for p in settings.PRIVATE_MEDIA_ROOT.rglob("*") if p.is_file()]
    assert not any(PDF_BYTES in p.read_bytes() for p in stored)

    submission = _delivered(application)
    assert submission.destination == destination
    assert submission.sender is None
    assert submission.status == "submitted"
    assert submission.service_identifier == f"urn:de:fim:leika:leistung:{HUNDESTEUER_LEIKA}"
    assert "Erika" not in submission.encrypted_data + submission.encrypted_metadata

    # The Fachverfahren decrypts: data, metadata with SHA-512 hashes, the attachment.
    data = _decrypt(submission.encrypted_data, decryption)
    metadata = json.loads(_decrypt(submission.encrypted_metadata, decryption))
    answers = json.loads(data)
    assert answers["name"] == "Erika Mustermann"
    # It has the structure of FIT-Connect's metadata schema 1.x (fitconnect/metadata.py).
    assert metadata_problems(metadata) == []
    assert metadata["$schema"].startswith("https://schema.fitko.de/fit-connect/metadata/1.")
    structure = metadata["contentStructure"]
    assert structure["data"]["hash"] == {
        "type": "sha512",
        "content": hashlib.sha512(data).hexdigest(),
    }
    (announced,) = structure["attachments"]
    assert announced["attachmentId"] == answers["nachweis"]
    assert announced["mimeType"] == "application/pdf"
    assert announced["description"] == "nachweis"
    (attachment,) = submission.attachments.all()
    assert str(attachment.attachment_id) == answers["nachweis"]
    plain = _decrypt(attachment.ciphertext, decryption)
    assert plain == PDF_BYTES
    assert announced["hash"]["content"] == hashlib.sha512(plain).hexdigest()
    assert metadata["publicServiceType"]["identifier"] == submission.service_identifier
    assert metadata["additionalReferenceInfo"]["senderReference"] == application.reference

    # submissionSchema: the form version's JSON Schema, served at its schemaUri.
    schema = structure["data"]["submissionSchema"]
    assert schema["mimeType"] == "application/json"
    path = "/fit-connect/" + schema["schemaUri"].split("/fit-connect/", 1)[1]
    served = client.get(path)
    assert served.status_code == 200
    assert served["Content-Type"] == "application/schema+json"
    assert served.json() == offer.version.data_schema
    assert set(answers) <= set(served.json()["properties"])

    # The event log: create and submit, signed by the platform, with the stored tags.
    platform = jwk.JWK(**jose.platform_public_jwks()["keys"][0])
    names = []
    for event in Event.objects.filter(submission=submission).order_by("issued_at", "id"):
        token = jws.JWS()
        token.deserialize(event.token)
        token.verify(platform, alg="PS512")
        claims = json.loads(token.payload)
        names.extend(claims["events"])
        assert claims["sub"] == f"submission:{submission.submission_id}"
    assert names == [EVENTS + "create-submission", EVENTS + "submit-submission"]
    assert claims["events"][EVENTS + "submit-submission"]["authenticationTags"] == {
        "metadata": submission.encrypted_metadata.rsplit(".", 1)[1],
        "data": submission.encrypted_data.rsplit(".", 1)[1],
        "attachments": {str(attachment.attachment_id): attachment.ciphertext.rsplit(".", 1)[1]},
    }


def test_the_back_office_shows_the_case_as_delivered_with_its_event_log(client, subscriber_keys):
    offer, _destination = offer_with_destination(subscriber_keys)
    application, _status = apply_through_pages(client)
    with scopes_disabled():
        case = Case.objects.get(application=application)
    assert "Erika" not in case.applicant_name
    clerk = clerk_of(offer.tenant)
    client.force_login(clerk)
    page = client.get(case_url(case))
    assert page.status_code == 200
    text = page.text
    assert 'id="fachverfahren-status">an Fachverfahren zugestellt<' in text
    assert "verschlüsselt zugestellt" in text
    assert "Einreichung angelegt" in text
    log = text.split('id="fachverfahren-ereignisse"', 1)[1].split("</table>", 1)[0]
    assert "Einreichung angelegt" in log
    assert ">Plattform<" in log  # signed by the platform
    assert "Erika Mustermann" not in text
    assert "Eingangsbestätigung (PDF)" not in text


def test_without_a_destination_the_built_in_back_office_gets_the_application(
    client, subscriber_keys
):
    offer_with_destination(subscriber_keys, destination=False)
    application, status = apply_through_pages(client)
    application = Application.applicant_objects.get(pk=application.pk)
    assert application.data["name"] == "Erika Mustermann"
    assert Attachment.applicant_objects.filter(application=application).count() == 1
    with scopes_disabled():
        assert not Submission.objects.exists()
    assert 'id="zustellung"' not in status_page(status)


def test_an_inactive_destination_is_not_used(client, subscriber_keys):
    _offer, destination = offer_with_destination(subscriber_keys)
    destination.status = "inactive"
    destination.save(update_fields=["status"])
    application, _status = apply_through_pages(client)
    assert Application.applicant_objects.get(pk=application.pk).data["name"]
    with scopes_disabled():
        assert not Submission.objects.exists()


def _subscriber_token(client, offer, destination) -> str:
    credentials = run_json(
        "fitconnect_client",
        "create",
        "--member",
        offer.tenant.region_ars,
        "--role",
        "subscriber",
        "--destination",
        str(destination.destination_id),
    )
    return token_for(client, credentials)


def _set(signing: jwk.JWK, submission: Submission, event: str, payload: dict) -> str:
    claims = {
        "$schema": "https://schema.fitko.de/fit-connect/set-payload/1.2.0/set-payload.schema.json",
        "jti": str(uuid.uuid4()),
        "iss": str(submission.destination.destination_id),
        "iat": int(time.time()),
        "sub": f"submission:{submission.submission_id}",
        "txn": f"case:{submission.case_id}",
        "events": {EVENTS + event: payload},
    }
    token = jws.JWS(json.dumps(claims).encode())
    token.add_signature(
        signing,
        alg="PS512",
        protected=json.dumps({"alg": "PS512", "typ": "secevent+jwt", "kid": signing.get("kid")}),
    )
    return token.serialize(compact=True)


def _post_event(client, bearer, submission, token):
    return client.post(
        f"/fit-connect/v1/cases/{submission.case_id}/events",
        token,
        content_type="application/jose",
        HTTP_AUTHORIZATION=f"Bearer {bearer}",
    )


def test_a_reject_with_its_reason_is_what_the_citizen_sees(client, subscriber_keys):
    _decryption, signing = subscriber_keys
    offer, destination = offer_with_destination(subscriber_keys)
    application, status = apply_through_pages(client)
    submission = _delivered(application)
    page = status_page(status)
    assert 'id="zustellung-zugestellt"' in page
    assert 'id="zustellung-ausstehend"' in page

    bearer = _subscriber_token(client, offer, destination)
    # A reject without its reasons is refused, and changes nothing.
    refused = _post_event(
        client, bearer, submission, _set(signing, submission, "reject-submission", {})
    )
    assert refused.status_code == 422
    assert refused["Content-Type"] == "application/problem+json"
    assert "problems" in refused.json()["detail"]
    assert _delivered(application).status == "submitted"

    reason = "Der Nachweis ist nicht lesbar; bitte reichen Sie ihn erneut ein."
    problems = [
        {
            "type": "https://schema.fitko.de/fit-connect/events/problems/invalid-attachment",
            "title": "Anlage ungültig",
            "detail": reason,
        }
    ]
    rejected = _post_event(
        client,
        bearer,
        submission,
        _set(signing, submission, "reject-submission", {"problems": problems}),
    )
    assert rejected.status_code == 204, rejected.content
    page = status_page(status)
    assert 'id="zustellung-abgelehnt"' in page
    assert f'<span id="zustellung-grund" lang="de">{reason}</span>' in page
    assert 'id="zustellung-angenommen"' not in page
