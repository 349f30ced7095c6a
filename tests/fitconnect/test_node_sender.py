"""An independent FIT-Connect client on both ends: a sender written with the npm package
`jose` (tests/fitconnect/sender.mjs, Node) uses only the public HTTP API — token, destination,
key, announce, encrypted attachment, encrypted metadata and data — and first tries the bad
input of issue 17 item 8, each answered with an RFC 7807 problem. The subscriber side then
receives it: the Node subscriber (subscriber.mjs) for a Fachverfahren destination, the
platform's inbox for an inbox destination; the Node sender reads and verifies the accept."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from openkommune.fitconnect.inbox import create_inbox_destination, import_submission
from openkommune.fitconnect.models import Attachment, Submission
from openkommune.submissions.models import Application
from openkommune.tenancy.scoping import scopes_disabled
from tests.fitconnect.bridge import run_program
from tests.fitconnect.conftest import LEIKA, run_json
from tests.submissions.factories import HUNDESTEUER_LEIKA, make_offer, private_media  # noqa: F401

pytestmark = pytest.mark.django_db
HERE = Path(__file__).parent
PROBLEMS = "https://schema.fitko.de/fit-connect/submission-api/problems/"
EVENTS = "https://schema.fitko.de/fit-connect/events/"
PDF = b"%PDF-1.7\n% Nachweis des Node-Senders\n" + bytes(range(256)) * 4


def _node() -> str:
    node = shutil.which("node")
    assert node, "Node.js is part of the development set-up (package.json)"
    return node


def _run(script: str, env: dict) -> dict:
    result = run_program([_node(), str(HERE / script)], {"PATH": os.environ.get("PATH", ""), **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _client(member_ars: str, role: str, destination: str | None = None) -> dict:
    args = ["fitconnect_client", "create", "--member", member_ars, "--role", role]
    if destination:
        args += ["--destination", destination]
    created = run_json(*args)
    return {"FC_CLIENT_ID": created["clientId"], "FC_CLIENT_SECRET": created["clientSecret"]}


def test_node_sender_to_a_fachverfahren_node_subscriber_receives_and_accepts(
    member, other_member, destination_id, subscriber_keys, jwk_files, settings
):
    settings.FITCONNECT_MAX_ATTACHMENT_BYTES = 64 * 1024
    enc_file, _sig_file = jwk_files
    foreign = run_json(
        "fitconnect_destination",
        "create",
        "--member",
        other_member.region_ars,
        "--leika",
        LEIKA,
        "--public-key",
        str(enc_file),
    )["destinationId"]
    sender = _client(member.region_ars, "sender", destination_id)
    data = {"antrag": "Gewerbeanmeldung", "name": "Nora Node", "ort": "München"}
    report = _run(
        "sender.mjs",
        {
            **sender,
            "FC_DESTINATION_ID": destination_id,
            "FC_DATA": json.dumps(data, ensure_ascii=False),
            "FC_ATTACHMENT_B64": base64.b64encode(PDF).decode(),
            "FC_SCHEMA_URI": "https://schema.example.org/gewerbeanmeldung.schema.json",
            "FC_OVERSIZE": str(70 * 1024),
            "FC_FOREIGN_DESTINATION_ID": foreign,
        },
    )

    # Item 8 through the public API: every bad request is a problem with FITKO's type.
    expected = {
        "noToken": (401, "unauthorized"),
        "foreignDestination": (403, "forbidden"),
        "unknownDestination": (404, "destination-not-found"),
        "unannouncedAttachment": (404, "attachment-not-found"),
        "tamperedCiphertext": (422, "invalid-encryption"),
        "wrongMediaType": (415, "unsupported-media-type"),
        "oversizedAttachment": (413, "payload-too-large"),
        "missingAttachment": (422, "missing-attachments"),
        "submitTwice": (409, "submission-state-conflict"),
    }
    assert set(report["problems"]) == set(expected)
    for name, (status, slug) in expected.items():
        answer = report["problems"][name]
        assert answer["status"] == status, (name, answer)
        assert answer["contentType"] == "application/problem+json", (name, answer)
        assert answer["type"] == PROBLEMS + slug, (name, answer)
    # Nothing of the refused requests was stored: one submission, one attachment.
    with scopes_disabled():
        (submission,) = Submission.objects.all()
        assert str(submission.submission_id) == report["submissionId"]
        assert submission.status == "submitted"
        (attachment,) = Attachment.objects.all()
    assert str(attachment.attachment_id) == report["sent"]["attachmentId"]

    # The Node subscriber picks it up, decrypts, checks the hashes and accepts.
    decryption_key, signing_key = subscriber_keys
    received = _run(
        "subscriber.mjs",
        {
            **_client(member.region_ars, "subscriber", destination_id),
            "FC_DESTINATION_ID": destination_id,
            "FC_DECRYPTION_JWK": json.dumps(
                decryption_key.export(as_dict=True) | {"alg": "RSA-OAEP-256"}
            ),
            "FC_SIGNING_JWK": json.dumps(signing_key.export(as_dict=True) | {"alg": "PS512"}),
        },
    )
    (accepted,) = received["accepted"]
    assert accepted["submissionId"] == report["submissionId"]
    assert accepted["data"] == data
    assert accepted["attachments"] == {
        report["sent"]["attachmentId"]: hashlib.sha512(PDF).hexdigest()
    }
    assert accepted["service"] == f"urn:de:fim:leika:leistung:{LEIKA}"

    # The sender reads its event log and verifies every SET, the accept with the
    # destination's published signature key.
    status = _run(
        "sender.mjs",
        {
            **sender,
            "FC_MODE": "status",
            "FC_DESTINATION_ID": destination_id,
            "FC_CASE_ID": report["caseId"],
        },
    )
    assert [(e["name"], e["issuer"]) for e in status["events"]] == [
        (EVENTS + "create-submission", "platform"),
        (EVENTS + "submit-submission", "platform"),
        (EVENTS + "accept-submission", "destination"),
    ]


@pytest.mark.usefixtures("private_media")
def test_node_sender_to_an_inbox_the_back_office_receives_it(client, other_member):
    """The platform is the subscriber: its inbox decrypts what the Node sender encrypted,
    checks the metadata (FIT-Connect's metadata schema) and hashes, and files the
    application; the sender sees the inbox's signed accept."""
    offer = make_offer()
    destination = create_inbox_destination(tenant=offer.tenant, leika_keys=[HUNDESTEUER_LEIKA])
    did = str(destination.destination_id)
    (schema_uri,) = [
        s["schemaUri"]
        for s in destination.submission_schemas
        if "/fit-connect/schemas/testantrag/" in s["schemaUri"]
    ]
    sender = _client(other_member.region_ars, "sender")
    report = _run(
        "sender.mjs",
        {
            **sender,
            "FC_DESTINATION_ID": did,
            "FC_DATA": json.dumps({"name": "Nora Node"}),
            "FC_SCHEMA_URI": schema_uri,
            "FC_REPLY_EMAIL": "nora.node@example.org",
        },
    )
    assert report["problems"]["submitTwice"]["type"] == PROBLEMS + "submission-state-conflict"
    assert import_submission(report["submissionId"]) == "accepted"
    application = Application.applicant_objects.get(tenant=offer.tenant)
    assert application.data == {"name": "Nora Node"}
    assert application.email == "nora.node@example.org"

    status = _run(
        "sender.mjs",
        {**sender, "FC_MODE": "status", "FC_DESTINATION_ID": did, "FC_CASE_ID": report["caseId"]},
    )
    accept = status["events"][-1]
    assert (accept["name"], accept["issuer"]) == (EVENTS + "accept-submission", "destination")
    with scopes_disabled():
        submission = Submission.objects.get(submission_id=report["submissionId"])
    assert (
        accept["content"]["authenticationTags"]["metadata"]
        == (submission.encrypted_metadata.rsplit(".", 1)[1])
    )
