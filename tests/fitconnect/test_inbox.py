"""Issue 17 part 3, second half (ADR 0028): an outside FIT-Connect sender delivers to a member
that works in the built-in back office. The platform holds the inbox destination's keys
(sealed), imports the application into the member's inbox through its own submit path and
answers with a signed accept — or rejects (hash differs, unknown schema) and stores nothing
in the back office."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid

import pytest
from django.core.management.base import CommandError
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from jwcrypto import jwk, jws

from openkommune.cases.models import Case
from openkommune.fitconnect.inbox import (
    create_inbox_destination,
    import_submission,
    rotate_inbox_key,
    unseal,
)
from openkommune.fitconnect.models import DestinationKey, Submission
from openkommune.submissions.models import Application, Attachment
from openkommune.tenancy.scoping import scopes_disabled
from tests.cases.factories import clerk_of
from tests.fitconnect.conftest import encrypt, run_json, token_for
from tests.fitconnect.own_applications import case_url
from tests.fitconnect.test_submission_api import announce, auth, put_attachment
from tests.submissions.factories import (  # noqa: F401
    HUNDESTEUER_LEIKA,
    PDF_BYTES,
    make_offer,
    private_media,
)

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
    change_metadata=lambda metadata: metadata,
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
            },
            "attachments": [],
        },
        "publicServiceType": {"identifier": f"urn:de:fim:leika:leistung:{HUNDESTEUER_LEIKA}"},
        "replyChannel": {"eMail": {"address": "max.extern@example.org"}},
    }
    ids = announce(client, sender, did, leika=HUNDESTEUER_LEIKA).json()
    with captured(execute=True):
        response = client.put(
            f"/fit-connect/v1/submissions/{ids['submissionId']}",
            {
                "encryptedMetadata": encrypt(json.dumps(change_metadata(metadata)).encode(), key),
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


def _without_attachments(metadata):
    del metadata["contentStructure"]["attachments"]
    return metadata


def _bad_hash_type(metadata):
    metadata["contentStructure"]["data"]["hash"]["type"] = "md5"
    return metadata


def _metadata_2(metadata):
    metadata["$schema"] = "https://schema.fitko.de/fit-connect/metadata/2.1.0/metadata.schema.json"
    return metadata


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (_without_attachments, "contentStructure: 'attachments' is a required property"),
        (_bad_hash_type, "contentStructure/data/hash/type"),
        (_metadata_2, "$schema"),
    ],
)
def test_metadata_not_after_the_metadata_schema_is_rejected(
    client, inbox, outside_sender, django_capture_on_commit_callbacks, change, where
):
    """Decrypted metadata from an outside sender is checked against FIT-Connect's metadata
    schema (1.x, fitconnect/metadata.py) before anything else is read from it."""
    _offer, destination = inbox
    ids = _send(
        client,
        outside_sender,
        destination,
        json.dumps({"name": "Max Extern"}).encode(),
        captured=django_capture_on_commit_callbacks,
        change_metadata=change,
    )
    assert import_submission(ids["submissionId"]) == "rejected"
    assert not Application.applicant_objects.exists()
    log = client.get(f"/fit-connect/v1/cases/{ids['caseId']}/events", **auth(outside_sender))
    (problem,) = _payload(log.json()["eventLog"][-1])["events"][EVENTS + "reject-submission"][
        "problems"
    ]
    assert problem["type"].endswith("/schema-violation")
    assert "Metadatenschema" in problem["detail"]
    assert where in problem["detail"]


def test_inbox_key_rotation_keeps_old_submissions_readable(
    client, inbox, outside_sender, django_capture_on_commit_callbacks
):
    """The platform-held encryption key is rotated: a submission encrypted to the old key
    before the rotation is still decrypted and accepted; new ciphertext must use the new
    kid (the destination names it), and what is encrypted to it is accepted too."""
    _offer, destination = inbox
    old_kid = destination.active_key("enc").kid
    ids_before = _send(
        client,
        outside_sender,
        destination,
        json.dumps({"name": "Vor Wechsel"}).encode(),
        captured=django_capture_on_commit_callbacks,
    )
    rotate_inbox_key(destination=destination, use="enc")
    described = client.get(f"/fit-connect/v1/destinations/{destination.destination_id}").json()
    assert described["encryptionKid"] != old_kid
    # The old public key stays readable by kid; its private half is still sealed here.
    assert (
        client.get(
            f"/fit-connect/v1/destinations/{destination.destination_id}/keys/{old_kid}"
        ).status_code
        == 200
    )
    assert import_submission(ids_before["submissionId"]) == "accepted"

    # Ciphertext for the old key is refused now; for the new key it is accepted.
    old_public = client.get(
        f"/fit-connect/v1/destinations/{destination.destination_id}/keys/{old_kid}"
    ).json()
    refused_ids = announce(
        client, outside_sender, str(destination.destination_id), leika=HUNDESTEUER_LEIKA
    ).json()
    refused = client.put(
        f"/fit-connect/v1/submissions/{refused_ids['submissionId']}",
        {"encryptedMetadata": encrypt(b"{}", old_public)},
        content_type="application/json",
        **auth(outside_sender),
    )
    assert refused.status_code == 422
    assert refused.json()["type"].endswith("/invalid-encryption")
    ids_after = _send(
        client,
        outside_sender,
        destination,
        json.dumps({"name": "Nach Wechsel"}).encode(),
        captured=django_capture_on_commit_callbacks,
    )
    assert import_submission(ids_after["submissionId"]) == "accepted"
    names = sorted(a.data["name"] for a in Application.applicant_objects.all())
    assert names == ["Nach Wechsel", "Vor Wechsel"]
    with scopes_disabled():
        keys = DestinationKey.objects.filter(destination=destination, use="enc")
        assert keys.count() == 2
        assert all(key.sealed_private for key in keys)


def test_inbox_key_rotation_from_the_command_line(inbox, jwk_files):
    _offer, destination = inbox
    did = str(destination.destination_id)
    old_sig = destination.active_key("sig").kid
    result = run_json("fitconnect_destination", "rotate-key", "--destination", did, "--use", "sig")
    assert result["rotated"] == "sig"
    new_key = destination.active_key("sig")
    assert result["kid"] == new_key.kid != old_sig
    assert new_key.sealed_private
    # An inbox takes no keys from outside.
    enc_file, _sig_file = jwk_files
    with pytest.raises(CommandError, match="Schlüssel der Plattform"):
        run_json(
            "fitconnect_destination",
            "rotate-key",
            "--destination",
            did,
            "--use",
            "enc",
            "--public-key",
            str(enc_file),
        )


def _send_with_attachment(client, sender, destination, *, data, pdf, captured, declared=True):
    """An outside sender's submission with one PDF attachment; `data` may name its id
    through the placeholder "ANLAGE"."""
    did = str(destination.destination_id)
    described = client.get(f"/fit-connect/v1/destinations/{did}").json()
    key = client.get(f"/fit-connect/v1/destinations/{did}/keys/{described['encryptionKid']}").json()
    (schema,) = [
        s["schemaUri"]
        for s in described["services"][0]["submissionSchemas"]
        if "/fit-connect/schemas/testantrag/" in s["schemaUri"]
    ]
    attachment_id = str(uuid.uuid4())
    ids = announce(client, sender, did, [attachment_id], leika=HUNDESTEUER_LEIKA).json()
    uploaded = put_attachment(client, sender, ids["submissionId"], attachment_id, encrypt(pdf, key))
    assert uploaded.status_code == 204, uploaded.content
    body = json.dumps(
        {k: (attachment_id if v == "ANLAGE" else v) for k, v in data.items()}
    ).encode()
    metadata = {
        "contentStructure": {
            "data": {
                "hash": {"type": "sha512", "content": hashlib.sha512(body).hexdigest()},
                "submissionSchema": {"schemaUri": schema, "mimeType": "application/json"},
            },
            "attachments": [
                {
                    "attachmentId": attachment_id,
                    "hash": {"type": "sha512", "content": hashlib.sha512(pdf).hexdigest()},
                    "purpose": "attachment",
                    "mimeType": "application/pdf",
                    "filename": "impfnachweis.pdf",
                }
            ]
            if declared
            else [],
        },
        "replyChannel": {"eMail": {"address": "max.extern@example.org"}},
    }
    with captured(execute=True):
        response = client.put(
            f"/fit-connect/v1/submissions/{ids['submissionId']}",
            {
                "encryptedMetadata": encrypt(json.dumps(metadata).encode(), key),
                "encryptedData": encrypt(body, key),
            },
            content_type="application/json",
            **auth(sender),
        )
    assert response.status_code == 202, response.content
    return ids, attachment_id


def test_an_outside_attachment_is_in_the_case_file_and_downloadable(
    client, inbox, outside_sender, django_capture_on_commit_callbacks, settings
):
    offer, destination = inbox
    ids, _attachment_id = _send_with_attachment(
        client,
        outside_sender,
        destination,
        data={"name": "Max Anhang", "nachweis": "ANLAGE"},
        pdf=PDF_BYTES,
        captured=django_capture_on_commit_callbacks,
    )
    result = import_submission(ids["submissionId"])
    log = client.get(f"/fit-connect/v1/cases/{ids['caseId']}/events", **auth(outside_sender))
    assert result == "accepted", _payload(log.json()["eventLog"][-1])["events"]
    application = Application.applicant_objects.get(tenant=offer.tenant)
    (attachment,) = Attachment.applicant_objects.filter(application=application)
    assert application.data["nachweis"] == str(attachment.public_id)
    assert attachment.content_type == "application/pdf"
    assert attachment.path == "nachweis"
    with scopes_disabled():
        case = Case.objects.get(application=application)

    # The clerk sees it in the case file and downloads exactly the sender's bytes.
    client.force_login(clerk_of(offer.tenant))
    page = client.get(case_url(case)).text
    link = reverse("cases:case_attachment", args=[case.public_id, attachment.public_id])
    assert link in page
    download = client.get(link)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES


@pytest.mark.parametrize(
    ("data", "declared", "slug"),
    [
        ({"name": "Max Anhang"}, True, "unsupported-attachments"),
        ({"name": "Max Anhang", "nachweis": "ANLAGE"}, False, "hash-mismatch"),
    ],
)
def test_an_attachment_the_inbox_cannot_file_is_rejected_and_no_file_is_left(
    client,
    inbox,
    outside_sender,
    django_capture_on_commit_callbacks,
    settings,
    data,
    declared,
    slug,
):
    """An attachment no file field names, or one the metadata does not declare, is
    refused; nothing reaches the back office and no stored file is left behind."""
    _offer, destination = inbox
    ids, _attachment_id = _send_with_attachment(
        client,
        outside_sender,
        destination,
        data=data,
        pdf=PDF_BYTES,
        captured=django_capture_on_commit_callbacks,
        declared=declared,
    )
    assert import_submission(ids["submissionId"]) == "rejected"
    assert not Application.applicant_objects.exists()
    assert not Attachment.applicant_objects.exists()
    stored = [p for p in settings.PRIVATE_MEDIA_ROOT.rglob("*") if p.is_file()]
    assert not any(PDF_BYTES in p.read_bytes() for p in stored)
    log = client.get(f"/fit-connect/v1/cases/{ids['caseId']}/events", **auth(outside_sender))
    (problem,) = _payload(log.json()["eventLog"][-1])["events"][EVENTS + "reject-submission"][
        "problems"
    ]
    assert problem["type"].endswith("/" + slug)
