"""Interoperability: the platform (jwcrypto) against a subscriber written with the npm
package `jose`, run by Node over real HTTP (tests/fitconnect/bridge.py). The sender side is
Python/jwcrypto; the subscriber decrypts, checks SHA-512 hashes, verifies the platform's
SETs and accepts; the sender then sees the subscriber's accept event in the event log."""

import base64
import hashlib
import json
import os
import shutil
import uuid
from pathlib import Path

import pytest

from openkommune.fitconnect.models import Submission
from openkommune.tenancy.scoping import scopes_disabled
from tests.fitconnect.bridge import run_program
from tests.fitconnect.conftest import encrypt, run_json, token_for
from tests.fitconnect.own_applications import (
    apply_through_pages,
    offer_with_destination,
    status_page,
)
from tests.fitconnect.test_submission_api import announce, auth, put_attachment
from tests.submissions.factories import HUNDESTEUER_LEIKA, PDF_BYTES, private_media  # noqa: F401

pytestmark = pytest.mark.django_db
SCRIPT = Path(__file__).with_name("subscriber.mjs")
EVENTS = "https://schema.fitko.de/fit-connect/events/"


def test_node_jose_subscriber_picks_up_decrypts_and_accepts(
    client, member, destination_id, subscriber_keys
):
    node = shutil.which("node")
    assert node, "Node.js is part of the development set-up (package.json)"
    decryption_key, signing_key = subscriber_keys
    sender = token_for(
        client,
        run_json("fitconnect_client", "create", "--member", member.region_ars, "--role", "sender"),
    )
    subscriber = run_json(
        "fitconnect_client",
        "create",
        "--member",
        member.region_ars,
        "--role",
        "subscriber",
        "--destination",
        destination_id,
    )
    kid = client.get(f"/fit-connect/v1/destinations/{destination_id}").json()["encryptionKid"]
    public = client.get(f"/fit-connect/v1/destinations/{destination_id}/keys/{kid}").json()

    data = json.dumps({"antrag": "Demo-Gewerbeanmeldung", "name": "Erika Demo"}).encode()
    pdf = b"%PDF-1.7 Demo-Anlage " + os.urandom(64)
    attachment_id = str(uuid.uuid4())
    metadata = json.dumps(
        {
            "contentStructure": {
                "data": {
                    "hash": {"type": "sha512", "content": hashlib.sha512(data).hexdigest()},
                    "submissionSchema": {
                        "schemaUri": "https://schema.example.org/demo-gewerbe.json",
                        "mimeType": "application/json",
                    },
                },
                "attachments": [
                    {
                        "attachmentId": attachment_id,
                        "purpose": "attachment",
                        "mimeType": "application/pdf",
                        "hash": {"type": "sha512", "content": hashlib.sha512(pdf).hexdigest()},
                    }
                ],
            }
        }
    ).encode()
    ids = announce(client, sender, destination_id, [attachment_id]).json()
    assert (
        put_attachment(
            client, sender, ids["submissionId"], attachment_id, encrypt(pdf, public)
        ).status_code
        == 204
    )
    submitted = client.put(
        f"/fit-connect/v1/submissions/{ids['submissionId']}",
        {"encryptedMetadata": encrypt(metadata, public), "encryptedData": encrypt(data, public)},
        content_type="application/json",
        **auth(sender),
    )
    assert submitted.status_code == 202, submitted.content

    env = {
        "PATH": os.environ.get("PATH", ""),
        "FC_CLIENT_ID": subscriber["clientId"],
        "FC_CLIENT_SECRET": subscriber["clientSecret"],
        "FC_DESTINATION_ID": destination_id,
        "FC_DECRYPTION_JWK": json.dumps(
            decryption_key.export(as_dict=True) | {"alg": "RSA-OAEP-256"}
        ),
        "FC_SIGNING_JWK": json.dumps(signing_key.export(as_dict=True) | {"alg": "PS512"}),
    }
    result = run_program([node, str(SCRIPT)], env)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["totalCount"] == 1
    (accepted,) = report["accepted"]
    assert accepted["data"] == {"antrag": "Demo-Gewerbeanmeldung", "name": "Erika Demo"}
    assert accepted["attachments"] == {attachment_id: hashlib.sha512(pdf).hexdigest()}
    assert accepted["platformEvents"] == [
        EVENTS + "create-submission",
        EVENTS + "submit-submission",
    ]

    # The sender sees the subscriber's accept event, as the subscriber signed it.
    log = client.get(f"/fit-connect/v1/cases/{ids['caseId']}/events", **auth(sender)).json()
    payload = json.loads(base64.urlsafe_b64decode(log["eventLog"][-1].split(".")[1] + "=="))
    assert list(payload["events"]) == [EVENTS + "accept-submission"]
    assert payload["iss"] == destination_id
    with scopes_disabled():
        assert Submission.objects.get(submission_id=ids["submissionId"]).status == "accepted"
    # Nothing is left to pick up.
    again = run_program([node, str(SCRIPT)], env)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == {"totalCount": 0, "accepted": []}


@pytest.mark.usefixtures("private_media")
def test_node_subscriber_accepts_a_citizens_application_made_through_the_platforms_form(
    client, subscriber_keys
):
    """Issue 17's "done when": a citizen applies through the platform's own form (with a
    PDF); the application is encrypted at intake to the member's destination; the Node
    subscriber fetches, decrypts, checks the hashes and the data schema, verifies the
    platform's SETs and accepts; the citizen then sees "angenommen" on the status page."""
    node = shutil.which("node")
    assert node, "Node.js is part of the development set-up (package.json)"
    decryption_key, signing_key = subscriber_keys
    offer, destination = offer_with_destination(subscriber_keys)
    application, status_url = apply_through_pages(client, name="Erika Demo")
    assert 'id="zustellung-ausstehend"' in status_page(status_url)
    subscriber = run_json(
        "fitconnect_client",
        "create",
        "--member",
        offer.tenant.region_ars,
        "--role",
        "subscriber",
        "--destination",
        str(destination.destination_id),
    )
    env = {
        "PATH": os.environ.get("PATH", ""),
        "FC_CLIENT_ID": subscriber["clientId"],
        "FC_CLIENT_SECRET": subscriber["clientSecret"],
        "FC_DESTINATION_ID": str(destination.destination_id),
        "FC_DECRYPTION_JWK": json.dumps(
            decryption_key.export(as_dict=True) | {"alg": "RSA-OAEP-256"}
        ),
        "FC_SIGNING_JWK": json.dumps(signing_key.export(as_dict=True) | {"alg": "PS512"}),
    }
    result = run_program([node, str(SCRIPT)], env)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["totalCount"] == 1
    (accepted,) = report["accepted"]
    assert accepted["data"]["name"] == "Erika Demo"
    attachment_id = accepted["data"]["nachweis"]
    assert accepted["attachments"] == {attachment_id: hashlib.sha512(PDF_BYTES).hexdigest()}
    assert accepted["schemaTitle"] == offer.version.data_schema["title"]
    assert accepted["reference"] == application.reference
    assert accepted["service"] == f"urn:de:fim:leika:leistung:{HUNDESTEUER_LEIKA}"
    assert accepted["platformEvents"] == [
        EVENTS + "create-submission",
        EVENTS + "submit-submission",
    ]

    # The citizen sees the acceptance, like parcel tracking.
    page = status_page(status_url)
    assert 'id="zustellung-zugestellt"' in page
    assert 'id="zustellung-angenommen"' in page
    assert 'id="zustellung-ausstehend"' not in page
    with scopes_disabled():
        assert Submission.objects.get(application_public_id=application.public_id).status == (
            "accepted"
        )
