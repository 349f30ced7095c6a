"""Issue 17 part 8: every bad input of the list answers with RFC 7807 problem details (or a
German message where a person registers keys) and changes nothing — checked against a
snapshot of every table of the app and of the audit log, before and after each refusal.

Tampered ciphertext the platform can judge without the key (wrapped key, IV or tag cut or
padded) is refused here; a flipped byte inside, and data whose hash differs from the
metadata, can only be seen by whoever decrypts: the subscriber (it rejects) or the
platform's inbox import (tests/fitconnect/test_inbox.py)."""

from __future__ import annotations

import base64
import time
import uuid

import pytest

from openkommune.fitconnect import jose, services
from openkommune.fitconnect.models import (
    AccessToken,
    Attachment,
    Client,
    Destination,
    DestinationKey,
    Event,
    Submission,
)
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from tests.fitconnect.conftest import encrypt, public_encryption_jwk, run_json, token_for
from tests.fitconnect.test_submission_api import (
    EVENTS,
    PROBLEMS,
    announce,
    auth,
    put_attachment,
    sender,  # noqa: F401
    sign_event,
    subscriber,  # noqa: F401
)

pytestmark = pytest.mark.django_db


def snapshot() -> dict:
    """Everything the app stores, and the audit log."""
    with scopes_disabled():
        return {
            "destinations": list(Destination.objects.values().order_by("id")),
            "keys": list(DestinationKey.objects.values().order_by("id")),
            "clients": list(Client.objects.values().order_by("id")),
            "submissions": list(Submission.objects.values().order_by("id")),
            "attachments": list(Attachment.objects.values().order_by("id")),
            "events": list(Event.objects.values_list("jti", "event").order_by("id")),
            "audit": AuditRecord.objects.count(),
        }


def refused(response, status: int, slug: str, before: dict) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == PROBLEMS + slug
    assert body["status"] == status
    assert body["title"]
    assert snapshot() == before, "a refused request changed stored data"
    return body


def _key(client, destination_id) -> dict:
    kid = client.get(f"/fit-connect/v1/destinations/{destination_id}").json()["encryptionKid"]
    return client.get(f"/fit-connect/v1/destinations/{destination_id}/keys/{kid}").json()


def _part(token: str, index: int, new: bytes) -> str:
    parts = token.split(".")
    parts[index] = base64.urlsafe_b64encode(new).decode().rstrip("=")
    return ".".join(parts)


def _raw(token: str, index: int) -> bytes:
    return jose.b64url_decode(token.split(".")[index])


@pytest.fixture
def announced(client, sender, destination_id):  # noqa: F811
    """A submission with one announced attachment, and the destination's key."""
    attachment_id = str(uuid.uuid4())
    ids = announce(client, sender, destination_id, [attachment_id]).json()
    return ids["submissionId"], attachment_id, _key(client, destination_id)


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda t: _part(t, 1, _raw(t, 1)[:-16]), id="wrapped-key-cut"),
        pytest.param(lambda t: _part(t, 1, _raw(t, 1) + b"\0" * 16), id="wrapped-key-padded"),
        pytest.param(lambda t: _part(t, 2, _raw(t, 2)[:8]), id="iv-cut"),
        pytest.param(lambda t: _part(t, 4, _raw(t, 4)[:12]), id="tag-cut"),
        pytest.param(lambda t: _part(t, 0, b'{"alg":"RSA-OAEP-256"}'), id="header-replaced"),
        pytest.param(lambda t: t.replace(".", "..", 1), id="six-parts"),
        pytest.param(lambda t: t[: len(t) // 2], id="truncated"),
    ],
)
def test_tampered_ciphertext_is_refused_for_attachment_and_submit(
    client,
    sender,  # noqa: F811
    announced,
    tamper,
):
    sid, attachment_id, key = announced
    before = snapshot()
    bad = tamper(encrypt(b"%PDF-1.7 Demo", key))
    refused(
        put_attachment(client, sender, sid, attachment_id, bad), 422, "invalid-encryption", before
    )
    assert put_attachment(client, sender, sid, attachment_id, encrypt(b"x", key)).status_code == 204
    before = snapshot()
    body = client.put(
        f"/fit-connect/v1/submissions/{sid}",
        {"encryptedMetadata": tamper(encrypt(b"{}", key))},
        content_type="application/json",
        **auth(sender),
    )
    refused(body, 422, "invalid-encryption", before)


def test_unannounced_and_missing_attachments(client, sender, announced):  # noqa: F811
    sid, _attachment_id, key = announced
    before = snapshot()
    refused(
        put_attachment(client, sender, sid, str(uuid.uuid4()), encrypt(b"x", key)),
        404,
        "attachment-not-found",
        before,
    )
    refused(
        client.put(
            f"/fit-connect/v1/submissions/{sid}",
            {"encryptedMetadata": encrypt(b"{}", key)},
            content_type="application/json",
            **auth(sender),
        ),
        422,
        "missing-attachments",
        before,
    )


def test_submit_twice_keeps_the_first(client, sender, announced):  # noqa: F811
    sid, attachment_id, key = announced
    put_attachment(client, sender, sid, attachment_id, encrypt(b"x", key))
    url = f"/fit-connect/v1/submissions/{sid}"
    first = {"encryptedMetadata": encrypt(b'{"n":1}', key)}
    assert (
        client.put(url, first, content_type="application/json", **auth(sender)).status_code == 202
    )
    before = snapshot()
    second = {"encryptedMetadata": encrypt(b'{"n":2}', key), "encryptedData": encrypt(b"x", key)}
    refused(
        client.put(url, second, content_type="application/json", **auth(sender)),
        409,
        "submission-state-conflict",
        before,
    )
    # A late attachment upload changes nothing either.
    refused(
        put_attachment(client, sender, sid, attachment_id, encrypt(b"y", key)),
        409,
        "submission-state-conflict",
        before,
    )


def test_oversized_attachment(client, sender, announced, settings):  # noqa: F811
    settings.FITCONNECT_MAX_ATTACHMENT_BYTES = 4000
    sid, attachment_id, key = announced
    before = snapshot()
    refused(
        put_attachment(client, sender, sid, attachment_id, encrypt(b"x" * 5000, key)),
        413,
        "payload-too-large",
        before,
    )


def test_expired_token(client, sender, announced):  # noqa: F811
    sid, attachment_id, key = announced
    AccessToken.objects.update(expires_at="2000-01-01T00:00:00Z")
    before = snapshot()
    body = refused(
        put_attachment(client, sender, sid, attachment_id, encrypt(b"x", key)),
        401,
        "unauthorized",
        before,
    )
    assert body["detail"] == "Das Token ist abgelaufen."


def test_clients_acting_on_another_members_destination(
    client,
    sender,  # noqa: F811
    subscriber,  # noqa: F811
    announced,
    other_member,
    jwk_files,
    subscriber_keys,
):
    sid, attachment_id, key = announced
    put_attachment(client, sender, sid, attachment_id, encrypt(b"x", key))
    client.put(
        f"/fit-connect/v1/submissions/{sid}",
        {"encryptedMetadata": encrypt(b"{}", key)},
        content_type="application/json",
        **auth(sender),
    )
    with scopes_disabled():
        submission = Submission.objects.get(submission_id=sid)
    case_id = str(submission.case_id)
    enc_file, _sig = jwk_files
    other_destination = run_json(
        "fitconnect_destination",
        "create",
        "--member",
        other_member.region_ars,
        "--leika",
        "99050012104000",
        "--public-key",
        str(enc_file),
    )["destinationId"]
    foreign_subscriber = token_for(
        client,
        run_json(
            "fitconnect_client",
            "create",
            "--member",
            other_member.region_ars,
            "--role",
            "subscriber",
        ),
    )
    foreign_sender = token_for(
        client,
        run_json(
            "fitconnect_client",
            "create",
            "--member",
            other_member.region_ars,
            "--role",
            "sender",
            "--destination",
            other_destination,
        ),
    )
    _decryption, signing = subscriber_keys
    claims = {
        "jti": str(uuid.uuid4()),
        "iss": str(submission.destination.destination_id),
        "iat": int(time.time()),
        "sub": f"submission:{sid}",
        "txn": f"case:{case_id}",
        "events": {EVENTS + "reject-submission": {"problems": [{"type": "urn:x", "title": "x"}]}},
    }
    before = snapshot()
    # Another member's subscriber: cannot list, read, fetch or answer our submission.
    refused(
        client.get(
            f"/fit-connect/v1/submissions?destinationId={submission.destination.destination_id}",
            **auth(foreign_subscriber),
        ),
        403,
        "forbidden",
        before,
    )
    refused(
        client.get(f"/fit-connect/v1/submissions/{sid}", **auth(foreign_subscriber)),
        404,
        "submission-not-found",
        before,
    )
    refused(
        client.get(
            f"/fit-connect/v1/submissions/{sid}/attachments/{attachment_id}",
            **auth(foreign_subscriber),
        ),
        404,
        "submission-not-found",
        before,
    )
    refused(
        client.post(
            f"/fit-connect/v1/cases/{case_id}/events",
            sign_event(signing, claims),
            content_type="application/jose",
            **auth(foreign_subscriber),
        ),
        404,
        "case-not-found",
        before,
    )
    # A sender bound to another destination cannot send to ours nor touch our submission.
    refused(
        announce(client, foreign_sender, str(submission.destination.destination_id)),
        403,
        "forbidden",
        before,
    )
    refused(
        client.get(f"/fit-connect/v1/cases/{case_id}/events", **auth(foreign_sender)),
        404,
        "case-not-found",
        before,
    )


def test_keys_of_the_wrong_size_or_use_change_nothing(member, destination_id, small_key):
    with scopes_disabled():
        destination = Destination.objects.get(destination_id=destination_id)
    before = snapshot()
    small = public_encryption_jwk(small_key)
    wrong_use = dict(_key_of(destination)) | {"kid": "new", "key_ops": ["encrypt"]}
    for bad, message in [
        (small, "zu kurz"),
        (wrong_use, "key_ops"),
        (dict(_key_of(destination)) | {"kid": "new", "alg": "RSA1_5"}, "RSA-OAEP-256"),
    ]:
        with pytest.raises(jose.JoseError, match=message):
            services.rotate_key(destination=destination, use="enc", public_jwk=bad)
        with pytest.raises(jose.JoseError, match=message):
            services.create_destination(
                tenant=member, leika_keys=["99050012104000"], encryption_jwk=bad
            )
    assert snapshot() == before


def _key_of(destination) -> dict:
    return destination.active_key("enc").jwk
