"""Issue 17 part 3, second half (ADR 0028): an outside FIT-Connect sender delivers to a member
that works in the built-in back office. The platform holds the inbox destination's keys
(sealed), imports the application into the member's inbox through its own submit path and
answers with a signed accept — or rejects (hash differs, unknown schema) and stores nothing
in the back office."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from django_tasks_db.models import DBTaskResult
from jwcrypto import jwk, jws

from openkommune.cases.models import Case
from openkommune.fitconnect.inbox import create_inbox_destination, import_submission, unseal
from openkommune.fitconnect.models import DestinationKey, Submission
from openkommune.submissions.models import Application
from openkommune.tenancy.scoping import scopes_disabled
from tests.cases.factories import clerk_of
from tests.fitconnect.conftest import encrypt, run_json, token_for
from tests.fitconnect.own_applications import case_url
from tests.fitconnect.test_submission_api import announce, auth
from tests.submissions.factories import HUNDESTEUER_LEIKA, make_offer, private_media  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]
EVENTS = "https://schema.fitko.de/fit-connect/events/"


@pytest.fixture
def inbox(other_member):
    """Magdeburg offers the test form's service and has an inbox destination for it; an
    online service of another member (Frankfurt) is the outside sender."""
    offer = make_offer()
    destination = create_inbox_destination(tenant=offer.tenant, leika_keys=[HUNDESTEUER_LEIKA])
    return offer, destination


@pytest.fixture
def outside_sender(client, other_member):
    return token_for(
        client,
        run_json(
            "fitconnect_client", "create", "--member", other_member.region_ars, "--role", "sender"
        ),
    )


def _flip(token: str) -> str:
    """The same JWE with one bit of the ciphertext flipped (all sizes unchanged)."""
    parts = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(parts[3] + "=="))
    raw[0] ^= 1
    parts[3] = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    return ".".join(parts)


def _send(
    client,
    sender,
    destination,
    data: bytes,
    *,
    data_hash=None,
    schema_uri=None,
    captured,
    tamper=lambda token: token,
):
    did = str(destination.destination_id)
    described = client.get(f"/fit-connect/v1/destinations/{did}").json()
    key = client.get(f"/fit-connect/v1/destinations/{did}/keys/{described['encryptionKid']}").json()
    # The destination names the schemas it takes: the published forms of the service.
    (schema,) = [
        s["schemaUri"]
        for s in described["services"][0]["submissionSchemas"]
        if "/fit-connect/schemas/testantrag/" in s["schemaUri"]
    ]
    metadata = {
        "contentStructure": {
            "data": {
                "hash": {
                    "type": "sha512",
                    "content": data_hash or hashlib.sha512(data).hexdigest(),
                },
                "submissionSchema": {
                    "schemaUri": schema_uri or schema,
                    "mimeType": "application/json",
                },
            }
        },
        "publicServiceType": {"identifier": f"urn:de:fim:leika:leistung:{HUNDESTEUER_LEIKA}"},
        "replyChannel": {"eMail": {"address": "max.extern@example.org"}},
    }
    ids = announce(client, sender, did, leika=HUNDESTEUER_LEIKA).json()
    with captured(execute=True):
        response = client.put(
            f"/fit-connect/v1/submissions/{ids['submissionId']}",
            {
                "encryptedMetadata": encrypt(json.dumps(metadata).encode(), key),
                "encryptedData": tamper(encrypt(data, key)),
            },
            content_type="application/json",
            **auth(sender),
        )
    assert response.status_code == 202, response.content
    return ids


def _payload(token: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))


def test_an_outside_application_arrives_in_the_inbox_and_is_accepted(
    client, inbox, outside_sender, django_capture_on_commit_callbacks
):
    offer, destination = inbox
    ids = _send(
        client,
        outside_sender,
        destination,
        json.dumps({"name": "Max Extern"}).encode(),
        captured=django_capture_on_commit_callbacks,
    )
    # The submit queued the import job; the worker runs it.
    (job,) = [j for j in DBTaskResult.objects.all() if j.task_path.endswith("import_to_inbox")]
    assert job.args_kwargs["args"] == [ids["submissionId"]]
    result = import_submission(ids["submissionId"])
    log = client.get(f"/fit-connect/v1/cases/{ids['caseId']}/events", **auth(outside_sender))
    assert result == "accepted", _payload(log.json()["eventLog"][-1])["events"]
    assert import_submission(ids["submissionId"]) == "skipped"  # a second run does nothing

    application = Application.applicant_objects.get(tenant=offer.tenant)
    assert application.data == {"name": "Max Extern"}
    assert application.email == "max.extern@example.org"
    with scopes_disabled():
        case = Case.objects.get(application=application)
        submission = Submission.objects.get(submission_id=ids["submissionId"])
    assert submission.status == "accepted"
    assert submission.application_public_id == application.public_id

    # The accept event is signed with the inbox destination's key (published, public half).
    token = client.get(f"/fit-connect/v1/cases/{ids['caseId']}/events", **auth(outside_sender))
    accept = token.json()["eventLog"][-1]
    header = json.loads(base64.urlsafe_b64decode(accept.split(".")[0] + "=="))
    public = client.get(
        f"/fit-connect/v1/destinations/{destination.destination_id}/keys/{header['kid']}"
    ).json()
    verifier = jws.JWS()
    verifier.deserialize(accept)
    verifier.verify(jwk.JWK(**public), alg="PS512")
    assert list(_payload(accept)["events"]) == [EVENTS + "accept-submission"]

    # The clerk works on it in the built-in back office, in plain text.
    client.force_login(clerk_of(offer.tenant))
    page = client.get(case_url(case)).text
    assert "über FIT-Connect eingegangen" in page
    assert "Max Extern" in page


def test_a_data_hash_that_differs_is_rejected_and_nothing_reaches_the_inbox(
    client, inbox, outside_sender, django_capture_on_commit_callbacks
):
    _offer, destination = inbox
    ids = _send(
        client,
        outside_sender,
        destination,
        json.dumps({"name": "Max Extern"}).encode(),
        data_hash=hashlib.sha512(b"something else").hexdigest(),
        captured=django_capture_on_commit_callbacks,
    )
    assert import_submission(ids["submissionId"]) == "rejected"
    assert not Application.applicant_objects.exists()
    with scopes_disabled():
        assert not Case.objects.exists()
        assert Submission.objects.get(submission_id=ids["submissionId"]).status == "rejected"
    log = client.get(f"/fit-connect/v1/cases/{ids['caseId']}/events", **auth(outside_sender))
    payload = _payload(log.json()["eventLog"][-1])
    (problem,) = payload["events"][EVENTS + "reject-submission"]["problems"]
    assert problem["type"].endswith("/hash-mismatch")
    assert "SHA-512" in problem["detail"]


@pytest.mark.parametrize(
    ("data", "schema_uri", "slug"),
    [
        (b'{"name": "Max Extern"}', "flip", "encryption-issue"),
        (b'{"name": "Max Extern"}', "https://schema.example.org/fremd.json", "unsupported-schema"),
        (b'{"name": ""}', None, "schema-violation"),
        (b"kein json", None, "syntax-violation"),
    ],
)
def test_data_the_inbox_cannot_take_is_rejected_with_its_reason(
    client, inbox, outside_sender, django_capture_on_commit_callbacks, data, schema_uri, slug
):
    _offer, destination = inbox
    ids = _send(
        client,
        outside_sender,
        destination,
        data,
        schema_uri=None if schema_uri == "flip" else schema_uri,
        captured=django_capture_on_commit_callbacks,
        tamper=_flip if schema_uri == "flip" else (lambda token: token),
    )
    assert import_submission(ids["submissionId"]) == "rejected"
    assert not Application.applicant_objects.exists()
    log = client.get(f"/fit-connect/v1/cases/{ids['caseId']}/events", **auth(outside_sender))
    payload = _payload(log.json()["eventLog"][-1])
    (problem,) = payload["events"][EVENTS + "reject-submission"]["problems"]
    assert problem["type"].endswith("/" + slug)


def test_the_inbox_private_keys_are_stored_sealed(inbox):
    _offer, destination = inbox
    keys = list(DestinationKey.objects.filter(destination=destination))
    assert {key.use for key in keys} == {"enc", "sig"}
    for key in keys:
        assert key.sealed_private.count(".") == 4  # a JWE, not a JWK
        assert '"d"' not in key.sealed_private
        private = unseal(key.sealed_private)
        assert private.has_private
        assert private.export_public(as_dict=True)["n"] == key.jwk["n"]
