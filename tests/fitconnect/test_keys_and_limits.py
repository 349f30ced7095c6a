"""Keys a destination may have, the platform's own key, and size limits."""

import json
import re
import uuid

import pytest
from django.core.management.base import CommandError
from jwcrypto import jwk

from openkommune.fitconnect import jose
from openkommune.fitconnect.models import Destination, PlatformKey
from openkommune.tenancy.scoping import scopes_disabled
from tests.fitconnect.conftest import LEIKA, encrypt, public_encryption_jwk, run_json, token_for
from tests.fitconnect.test_submission_api import _problem, announce, auth, put_attachment

pytestmark = pytest.mark.django_db


def _create(member, path):
    return run_json(
        "fitconnect_destination",
        "create",
        "--member",
        member.region_ars,
        "--leika",
        LEIKA,
        "--public-key",
        str(path),
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"key_ops": ["encrypt"]}, 'key_ops ["wrapKey"]'),
        ({"alg": "RSA-OAEP"}, "alg RSA-OAEP-256"),
        ({"kid": ""}, "kid"),
        ({"kty": "EC"}, "RSA-Schlüssel"),
    ],
)
def test_encryption_key_of_the_wrong_kind_is_refused(
    member, tmp_path, subscriber_keys, change, message
):
    encryption, _signing = subscriber_keys
    path = tmp_path / "key.jwk"
    path.write_text(json.dumps(public_encryption_jwk(encryption) | change))
    with pytest.raises(CommandError, match=re.escape(message)):
        _create(member, path)
    with scopes_disabled():
        assert not Destination.objects.exists()


def test_short_and_private_keys_are_refused(member, tmp_path, small_key, subscriber_keys):
    path = tmp_path / "key.jwk"
    path.write_text(json.dumps(public_encryption_jwk(small_key)))
    with pytest.raises(CommandError, match="zu kurz: 2048 Bit"):
        _create(member, path)
    encryption, _signing = subscriber_keys
    private = encryption.export(as_dict=True) | {"alg": "RSA-OAEP-256", "key_ops": ["wrapKey"]}
    path.write_text(json.dumps(private))
    with pytest.raises(CommandError, match="private Teile"):
        _create(member, path)
    with pytest.raises(CommandError, match="14 Ziffern"):
        run_json(
            "fitconnect_destination",
            "create",
            "--member",
            member.region_ars,
            "--leika",
            "123",
            "--public-key",
            str(path),
        )
    with pytest.raises(CommandError, match="Kein Mitglied"):
        run_json(
            "fitconnect_destination",
            "create",
            "--member",
            "000000000000",
            "--leika",
            LEIKA,
            "--public-key",
            str(path),
        )
    with scopes_disabled():
        assert not Destination.objects.exists()


def test_key_rotation_keeps_the_old_key_readable(
    client, member, destination_id, jwk_files, tmp_path
):
    new = jwk.JWK.generate(kty="RSA", size=4096, kid=f"enc-{uuid.uuid4()}")
    path = tmp_path / "new.jwk"
    path.write_text(json.dumps(public_encryption_jwk(new)))
    old_kid = client.get(f"/fit-connect/v1/destinations/{destination_id}").json()["encryptionKid"]
    run_json(
        "fitconnect_destination",
        "rotate-key",
        "--destination",
        destination_id,
        "--use",
        "enc",
        "--public-key",
        str(path),
    )
    assert client.get(f"/fit-connect/v1/destinations/{destination_id}").json()[
        "encryptionKid"
    ] == new.get("kid")
    assert (
        client.get(f"/fit-connect/v1/destinations/{destination_id}/keys/{old_kid}").status_code
        == 200
    )
    # Ciphertext for the retired key is refused now.
    sender = token_for(
        client,
        run_json("fitconnect_client", "create", "--member", member.region_ars, "--role", "sender"),
    )
    old = client.get(f"/fit-connect/v1/destinations/{destination_id}/keys/{old_kid}").json()
    sid = announce(client, sender, destination_id).json()["submissionId"]
    _problem(
        client.put(
            f"/fit-connect/v1/submissions/{sid}",
            {"encryptedMetadata": encrypt(b"{}", old)},
            content_type="application/json",
            **auth(sender),
        ),
        422,
        "invalid-encryption",
    )


def test_oversized_attachment_and_foreign_sender_are_refused(
    client, member, destination_id, settings
):
    settings.FITCONNECT_MAX_ATTACHMENT_BYTES = 2000
    sender = token_for(
        client,
        run_json("fitconnect_client", "create", "--member", member.region_ars, "--role", "sender"),
    )
    other_sender = token_for(
        client,
        run_json("fitconnect_client", "create", "--member", member.region_ars, "--role", "sender"),
    )
    kid = client.get(f"/fit-connect/v1/destinations/{destination_id}").json()["encryptionKid"]
    key = client.get(f"/fit-connect/v1/destinations/{destination_id}/keys/{kid}").json()
    aid = str(uuid.uuid4())
    sid = announce(client, sender, destination_id, [aid]).json()["submissionId"]
    _problem(
        put_attachment(client, sender, sid, aid, encrypt(b"x" * 3000, key)),
        413,
        "payload-too-large",
    )
    _problem(
        put_attachment(client, other_sender, sid, aid, encrypt(b"x", key)),
        404,
        "submission-not-found",
    )
    _problem(
        client.put(
            f"/fit-connect/v1/submissions/{sid}/attachments/{aid}",
            "x",
            content_type="text/plain",
            **auth(sender),
        ),
        415,
        "unsupported-media-type",
    )


def test_platform_key_is_generated_once_into_the_database(settings):
    settings.FITCONNECT_SIGNING_KEY_FILE = None
    jose.forget_cached_platform_key()
    first = jose.platform_public_jwks()
    jose.forget_cached_platform_key()
    assert jose.platform_public_jwks() == first
    assert PlatformKey.objects.count() == 1
    (public,) = first["keys"]
    assert "d" not in public
    assert public["alg"] == "PS512"


def test_expired_tokens_are_pruned_by_the_schedule(client, member, destination_id):
    import datetime

    from django.utils import timezone

    from openkommune.core.worker import schedule
    from openkommune.fitconnect.models import AccessToken

    token_for(
        client,
        run_json("fitconnect_client", "create", "--member", member.region_ars, "--role", "sender"),
    )
    token_for(
        client,
        run_json("fitconnect_client", "create", "--member", member.region_ars, "--role", "sender"),
    )
    old = AccessToken.objects.order_by("id").first()
    AccessToken.objects.filter(pk=old.pk).update(
        expires_at=timezone.now() - datetime.timedelta(hours=2)
    )
    (periodic,) = [p for p in schedule() if p.name == "fitconnect.prune_expired_tokens"]
    assert periodic.run() == 1
    assert not AccessToken.objects.filter(pk=old.pk).exists()
    assert AccessToken.objects.count() == 1
