"""End to end through HTTP: a sender encrypts to the destination's key, the subscriber picks
up, decrypts, checks and accepts with a signed SET, and the sender reads the event log."""

import hashlib
import json
import time
import uuid

import pytest
from jwcrypto import jwe, jwk, jws

from openkommune.fitconnect.models import Attachment, Event, Submission
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from tests.fitconnect.conftest import LEIKA, encrypt, run_json, token_for

pytestmark = pytest.mark.django_db
EVENTS = "https://schema.fitko.de/fit-connect/events/"
PROBLEMS = "https://schema.fitko.de/fit-connect/submission-api/problems/"


def auth(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def sender(client, member):
    return token_for(
        client,
        run_json("fitconnect_client", "create", "--member", member.region_ars, "--role", "sender"),
    )


@pytest.fixture
def subscriber(client, member, destination_id):
    return token_for(
        client,
        run_json(
            "fitconnect_client",
            "create",
            "--member",
            member.region_ars,
            "--role",
            "subscriber",
            "--destination",
            destination_id,
        ),
    )


def announce(client, sender, destination_id, attachments=(), *, leika=LEIKA):
    return client.post(
        "/fit-connect/v1/submissions",
        {
            "destinationId": destination_id,
            "serviceType": {
                "name": "Gewerbeanmeldung",
                "identifier": f"urn:de:fim:leika:leistung:{leika}",
            },
            "announcedAttachments": list(attachments),
        },
        content_type="application/json",
        **auth(sender),
    )


def put_attachment(client, sender, submission_id, attachment_id, body):
    return client.put(
        f"/fit-connect/v1/submissions/{submission_id}/attachments/{attachment_id}",
        body,
        content_type="application/jose",
        **auth(sender),
    )


def sign_event(key: jwk.JWK, claims: dict) -> str:
    token = jws.JWS(json.dumps(claims).encode())
    token.add_signature(
        key,
        alg="PS512",
        protected=json.dumps({"alg": "PS512", "typ": "secevent+jwt", "kid": key.get("kid")}),
    )
    return token.serialize(compact=True)


def platform_verified(client, token: str) -> dict:
    keys = jwk.JWKSet.from_json(client.get("/fit-connect/.well-known/jwks.json").content)
    verifier = jws.JWS()
    verifier.deserialize(token)
    header = json.loads(jwk.base64url_decode(token.split(".")[0]))
    assert header["alg"] == "PS512"
    assert header["typ"] == "secevent+jwt"
    verifier.verify(keys.get_key(header["kid"]), alg="PS512")
    return json.loads(verifier.payload)


def test_send_pick_up_decrypt_accept_and_read_events(
    client, sender, subscriber, destination_id, subscriber_keys
):
    decryption_key, signing_key = subscriber_keys
    destination = client.get(f"/fit-connect/v1/destinations/{destination_id}").json()
    assert destination["status"] == "active"
    assert destination["services"][0]["identifier"] == f"urn:de:fim:leika:leistung:{LEIKA}"
    kid = destination["encryptionKid"]
    public = client.get(f"/fit-connect/v1/destinations/{destination_id}/keys/{kid}").json()
    assert public["key_ops"] == ["wrapKey"]
    assert public["alg"] == "RSA-OAEP-256"
    assert "d" not in public

    attachment_id = str(uuid.uuid4())
    created = announce(client, sender, destination_id, [attachment_id])
    assert created.status_code == 201, created.content
    ids = created.json()
    submission_id, case_id = ids["submissionId"], ids["caseId"]

    pdf = b"%PDF-1.7 Demo-Anlage"
    data = json.dumps({"gewerbe": "Demo-Bäckerei"}).encode()
    metadata = json.dumps(
        {
            "contentStructure": {
                "data": {
                    "hash": {"type": "sha512", "content": hashlib.sha512(data).hexdigest()},
                    "submissionSchema": {
                        "schemaUri": "https://schema.example.org/demo.json",
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
    assert (
        put_attachment(
            client, sender, submission_id, attachment_id, encrypt(pdf, public)
        ).status_code
        == 204
    )
    submitted = client.put(
        f"/fit-connect/v1/submissions/{submission_id}",
        {"encryptedMetadata": encrypt(metadata, public), "encryptedData": encrypt(data, public)},
        content_type="application/json",
        **auth(sender),
    )
    assert submitted.status_code == 202, submitted.content

    # The platform stores ciphertext only.
    with scopes_disabled():
        stored = Submission.objects.get(submission_id=submission_id)
        assert b"Demo-B" not in stored.encrypted_data.encode()
        assert b"PDF" not in Attachment.objects.get(submission=stored).ciphertext.encode()

    listing = client.get(
        f"/fit-connect/v1/submissions?destinationId={destination_id}", **auth(subscriber)
    ).json()
    assert listing["totalCount"] == 1
    assert listing["submissions"][0]["submissionId"] == submission_id
    fetched = client.get(f"/fit-connect/v1/submissions/{submission_id}", **auth(subscriber)).json()
    assert fetched["attachments"] == [attachment_id]

    def decrypt(token):
        box = jwe.JWE()
        box.deserialize(token, key=decryption_key)
        return box.payload

    meta = json.loads(decrypt(fetched["encryptedMetadata"]))
    plain = decrypt(fetched["encryptedData"])
    assert hashlib.sha512(plain).hexdigest() == meta["contentStructure"]["data"]["hash"]["content"]
    blob = client.get(
        f"/fit-connect/v1/submissions/{submission_id}/attachments/{attachment_id}",
        **auth(subscriber),
    )
    assert blob["Content-Type"] == "application/jose"
    assert decrypt(blob.content.decode()) == pdf

    tags = {
        "metadata": fetched["encryptedMetadata"].split(".")[-1],
        "data": fetched["encryptedData"].split(".")[-1],
        "attachments": {attachment_id: blob.content.decode().split(".")[-1]},
    }
    accept = sign_event(
        signing_key,
        {
            "$schema": "https://schema.fitko.de/fit-connect/set-payload/1.2.0/set-payload.schema.json",
            "jti": str(uuid.uuid4()),
            "iss": destination_id,
            "iat": int(time.time()),
            "sub": f"submission:{submission_id}",
            "txn": f"case:{case_id}",
            "events": {EVENTS + "accept-submission": {"authenticationTags": tags}},
        },
    )
    posted = client.post(
        f"/fit-connect/v1/cases/{case_id}/events",
        accept,
        content_type="application/jose",
        **auth(subscriber),
    )
    assert posted.status_code == 204, posted.content

    log = client.get(f"/fit-connect/v1/cases/{case_id}/events", **auth(sender)).json()["eventLog"]
    assert len(log) == 3
    first, second = platform_verified(client, log[0]), platform_verified(client, log[1])
    assert list(first["events"]) == [EVENTS + "create-submission"]
    assert second["events"][EVENTS + "submit-submission"]["authenticationTags"] == tags
    assert log[2] == accept
    by_submission = client.get(
        f"/fit-connect/v1/submissions/{submission_id}/events", **auth(subscriber)
    ).json()["eventLog"]
    assert by_submission == log
    with scopes_disabled():
        assert Submission.objects.get(submission_id=submission_id).status == "accepted"
        assert AuditRecord.objects.filter(action="fitconnect_submission.accept").count() == 1
    # Accepting twice is refused.
    again = client.post(
        f"/fit-connect/v1/cases/{case_id}/events",
        accept,
        content_type="application/jose",
        **auth(subscriber),
    )
    assert again.status_code == 422


def _problem(response, status, slug):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == PROBLEMS + slug
    return response.json()


def test_missing_attachment_and_submit_twice_are_refused(
    client, sender, destination_id, subscriber_keys
):
    public = client.get(f"/fit-connect/v1/destinations/{destination_id}").json()
    key = client.get(
        f"/fit-connect/v1/destinations/{destination_id}/keys/{public['encryptionKid']}"
    ).json()
    attachment_id = str(uuid.uuid4())
    sid = announce(client, sender, destination_id, [attachment_id]).json()["submissionId"]
    body = {"encryptedMetadata": encrypt(b"{}", key)}
    url = f"/fit-connect/v1/submissions/{sid}"
    _problem(
        client.put(url, body, content_type="application/json", **auth(sender)),
        422,
        "missing-attachments",
    )
    # Not announced:
    _problem(
        put_attachment(client, sender, sid, str(uuid.uuid4()), encrypt(b"x", key)),
        404,
        "attachment-not-found",
    )
    # Wrong content encryption:
    _problem(
        put_attachment(client, sender, sid, attachment_id, encrypt(b"x", key, enc="A128GCM")),
        422,
        "invalid-encryption",
    )
    assert put_attachment(client, sender, sid, attachment_id, encrypt(b"x", key)).status_code == 204
    assert client.put(url, body, content_type="application/json", **auth(sender)).status_code == 202
    _problem(
        client.put(url, body, content_type="application/json", **auth(sender)),
        409,
        "submission-state-conflict",
    )
    with scopes_disabled():
        assert Event.objects.filter(submission__submission_id=sid).count() == 2


def test_tampered_and_foreign_ciphertext_is_refused(client, sender, destination_id, small_key):
    dest = client.get(f"/fit-connect/v1/destinations/{destination_id}").json()
    key = client.get(
        f"/fit-connect/v1/destinations/{destination_id}/keys/{dest['encryptionKid']}"
    ).json()
    sid = announce(client, sender, destination_id).json()["submissionId"]
    url = f"/fit-connect/v1/submissions/{sid}"
    foreign = small_key.export_public(as_dict=True) | {"kid": "small"}
    for bad in ["not-a-jwe", encrypt(b"{}", foreign), encrypt(b"{}", key, alg="RSA-OAEP")]:
        _problem(
            client.put(
                url, {"encryptedMetadata": bad}, content_type="application/json", **auth(sender)
            ),
            422,
            "invalid-encryption",
        )
    with scopes_disabled():
        assert Submission.objects.get(submission_id=sid).status == "incomplete"


def test_other_members_subscriber_cannot_pick_up(
    client, sender, destination_id, other_member, jwk_files
):
    enc_file, _sig_file = jwk_files
    other_dest = run_json(
        "fitconnect_destination",
        "create",
        "--member",
        other_member.region_ars,
        "--leika",
        LEIKA,
        "--public-key",
        str(enc_file),
    )["destinationId"]
    foreign = token_for(
        client,
        run_json(
            "fitconnect_client",
            "create",
            "--member",
            other_member.region_ars,
            "--role",
            "subscriber",
            "--destination",
            other_dest,
        ),
    )
    key = client.get(
        f"/fit-connect/v1/destinations/{destination_id}/keys/"
        + client.get(f"/fit-connect/v1/destinations/{destination_id}").json()["encryptionKid"]
    ).json()
    ids = announce(client, sender, destination_id).json()
    client.put(
        f"/fit-connect/v1/submissions/{ids['submissionId']}",
        {"encryptedMetadata": encrypt(b"{}", key)},
        content_type="application/json",
        **auth(sender),
    )
    _problem(
        client.get(f"/fit-connect/v1/submissions?destinationId={destination_id}", **auth(foreign)),
        403,
        "forbidden",
    )
    _problem(
        client.get(f"/fit-connect/v1/submissions/{ids['submissionId']}", **auth(foreign)),
        404,
        "submission-not-found",
    )
    _problem(
        client.get(f"/fit-connect/v1/cases/{ids['caseId']}/events", **auth(foreign)),
        404,
        "case-not-found",
    )
    assert client.get("/fit-connect/v1/submissions", **auth(foreign)).json()["totalCount"] == 0
    # A subscriber cannot send, and the client of another member cannot use a destination
    # it was not given.
    _problem(announce(client, foreign, destination_id), 403, "forbidden")
    with pytest.raises(Exception, match="keinen Zustellpunkt"):
        run_json(
            "fitconnect_client",
            "create",
            "--member",
            other_member.region_ars,
            "--role",
            "subscriber",
            "--destination",
            destination_id,
        )


def test_expired_and_missing_token(client, sender, destination_id):
    from openkommune.fitconnect.models import AccessToken

    AccessToken.objects.update(expires_at="2000-01-01T00:00:00Z")
    problem = _problem(announce(client, sender, destination_id), 401, "unauthorized")
    assert problem["detail"] == "Das Token ist abgelaufen."
    _problem(client.get("/fit-connect/v1/submissions"), 401, "unauthorized")
    with scopes_disabled():
        assert not Submission.objects.exists()


def test_token_endpoint_refuses_wrong_secret_and_foreign_scope(client, member, destination_id):
    creds = run_json(
        "fitconnect_client", "create", "--member", member.region_ars, "--role", "subscriber"
    )
    assert creds["scope"] == f"subscribe:destination:{destination_id}"
    wrong = client.post(
        "/fit-connect/token",
        {"grant_type": "client_credentials", "client_id": creds["clientId"], "client_secret": "x"},
    )
    assert wrong.status_code == 401
    assert wrong.json() == {"error": "invalid_client"}
    foreign = client.post(
        "/fit-connect/token",
        {
            "grant_type": "client_credentials",
            "client_id": creds["clientId"],
            "client_secret": creds["clientSecret"],
            "scope": f"subscribe:destination:{uuid.uuid4()}",
        },
    )
    assert foreign.status_code == 400
    assert foreign.json() == {"error": "invalid_scope"}


def test_reject_event_with_wrong_key_is_refused_then_right_key_rejects(
    client, sender, subscriber, destination_id, subscriber_keys, small_key
):
    _decrypt, signing_key = subscriber_keys
    key = client.get(
        f"/fit-connect/v1/destinations/{destination_id}/keys/"
        + client.get(f"/fit-connect/v1/destinations/{destination_id}").json()["encryptionKid"]
    ).json()
    ids = announce(client, sender, destination_id).json()
    client.put(
        f"/fit-connect/v1/submissions/{ids['submissionId']}",
        {"encryptedMetadata": encrypt(b"{}", key)},
        content_type="application/json",
        **auth(sender),
    )
    claims = {
        "jti": str(uuid.uuid4()),
        "iss": destination_id,
        "iat": int(time.time()),
        "sub": f"submission:{ids['submissionId']}",
        "txn": f"case:{ids['caseId']}",
        "events": {
            EVENTS + "reject-submission": {"problems": [{"type": "urn:demo", "title": "Demo"}]}
        },
    }
    url = f"/fit-connect/v1/cases/{ids['caseId']}/events"
    forged_key = jwk.JWK(**small_key.export(as_dict=True))
    forged_key.update(kid=signing_key.get("kid"))
    _problem(
        client.post(
            url, sign_event(forged_key, claims), content_type="application/jose", **auth(subscriber)
        ),
        422,
        "invalid-event",
    )
    _problem(
        client.post(
            url,
            sign_event(signing_key, claims | {"iss": str(uuid.uuid4())}),
            content_type="application/jose",
            **auth(subscriber),
        ),
        422,
        "invalid-event",
    )
    # The sender may read but not post events.
    _problem(
        client.post(
            url, sign_event(signing_key, claims), content_type="application/jose", **auth(sender)
        ),
        403,
        "forbidden",
    )
    assert (
        client.post(
            url,
            sign_event(signing_key, claims),
            content_type="application/jose",
            **auth(subscriber),
        ).status_code
        == 204
    )
    with scopes_disabled():
        assert Submission.objects.get(submission_id=ids["submissionId"]).status == "rejected"


def test_revoked_client_loses_its_tokens(client, member, sender, destination_id):
    from openkommune.fitconnect.models import Client

    with scopes_disabled():
        (sender_client,) = Client.objects.filter(role="sender")
    result = run_json("fitconnect_client", "revoke", "--client", str(sender_client.client_id))
    assert result == {"clientId": str(sender_client.client_id), "revoked": True}
    _problem(announce(client, sender, destination_id), 401, "unauthorized")
    with scopes_disabled():
        assert AuditRecord.objects.filter(action="fitconnect_client.revoke").count() == 1
    with pytest.raises(Exception, match="schon widerrufen"):
        run_json("fitconnect_client", "revoke", "--client", str(sender_client.client_id))
