"""Issue 17 part 2 (pages): a member administrator registers destinations (uploading public
JWKs, or an inbox whose keys the platform makes), rotates keys, creates API clients (the
secret shown once) and revokes them after a confirmation; bad keys give a German error and
change nothing; other roles and other members' objects are refused."""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from openkommune.fitconnect.models import Client, Destination, DestinationKey
from openkommune.tenancy.constants import Role
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from tests.cases.factories import clerk_of
from tests.fitconnect.conftest import (
    LEIKA,
    public_encryption_jwk,
    public_signature_jwk,
    run_json,
)

pytestmark = pytest.mark.django_db
OVERVIEW = reverse("fitconnect_admin:overview")
CREATE = reverse("fitconnect_admin:destination_create")
CLIENT = reverse("fitconnect_admin:client_create")


def _file(name: str, data: dict) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, json.dumps(data).encode(), content_type="application/json")


@pytest.fixture
def admin_client(client, member):
    client.force_login(clerk_of(member, role=Role.MEMBER_ADMIN))
    return client


def _destinations():
    with scopes_disabled():
        return list(Destination.objects.all())


def test_empty_overview_says_so(admin_client):
    page = admin_client.get(OVERVIEW)
    assert page.status_code == 200
    assert 'id="keine-zustellpunkte"' in page.text
    assert 'id="keine-clients"' in page.text


def test_register_a_destination_with_uploaded_keys(admin_client, member, subscriber_keys):
    encryption, signing = subscriber_keys
    response = admin_client.post(
        CREATE,
        {
            "art": "fachverfahren",
            "leika": f"{LEIKA}, 99102013000000",
            "verschluesselung": _file("enc.jwk", public_encryption_jwk(encryption)),
            "signatur": _file("sig.jwk", public_signature_jwk(signing)),
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    (destination,) = _destinations()
    assert destination.tenant == member
    assert not destination.inbox
    assert sorted(destination.services) == [
        f"urn:de:fim:leika:leistung:{LEIKA}",
        "urn:de:fim:leika:leistung:99102013000000",
    ]
    with scopes_disabled():
        record = AuditRecord.objects.get(action="fitconnect_destination.create")
    assert str(record.actor_id) == admin_client.session["_auth_user_id"]
    page = admin_client.get(OVERVIEW).text
    assert str(destination.destination_id) in page
    assert encryption.get("kid") in page


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("small", "zu kurz"),
        ("wrong-use", "key_ops"),
        ("private", "private Teile"),
        ("not-json", "kein JSON"),
        ("missing", "Verschlüsselungsschlüssel hoch"),
        ("bad-leika", "14 Ziffern"),
    ],
)
def test_bad_keys_are_refused_in_german_and_nothing_is_stored(
    admin_client, subscriber_keys, small_key, case, message
):
    encryption, _signing = subscriber_keys
    good = public_encryption_jwk(encryption)
    uploads = {
        "small": _file("enc.jwk", public_encryption_jwk(small_key)),
        "wrong-use": _file("enc.jwk", good | {"key_ops": ["encrypt"]}),
        "private": _file("enc.jwk", encryption.export(as_dict=True) | {"alg": "RSA-OAEP-256"}),
        "not-json": SimpleUploadedFile("enc.jwk", b"-----BEGIN PUBLIC KEY-----"),
        "bad-leika": _file("enc.jwk", good),
    }
    data = {"art": "fachverfahren", "leika": "123" if case == "bad-leika" else LEIKA}
    if case in uploads:
        data["verschluesselung"] = uploads[case]
    with scopes_disabled():
        audit_before = AuditRecord.objects.count()
    response = admin_client.post(CREATE, data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert 'id="fehlerzusammenfassung"' in response.content.decode()
    assert _destinations() == []
    assert not DestinationKey.objects.exists()
    with scopes_disabled():
        assert AuditRecord.objects.count() == audit_before


def test_rotate_a_key_keeps_the_old_one_readable(
    admin_client, member, destination_id, subscriber_keys
):
    from jwcrypto import jwk

    new = jwk.JWK.generate(kty="RSA", size=4096, kid="enc-neu")
    url = reverse("fitconnect_admin:key_rotate", args=[destination_id])
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(
        url, {"verwendung": "enc", "datei": _file("neu.jwk", public_encryption_jwk(new))}
    )
    assert response.status_code == 302
    described = admin_client.get(f"/fit-connect/v1/destinations/{destination_id}").json()
    assert described["encryptionKid"] == "enc-neu"
    old_kid = subscriber_keys[0].get("kid")
    assert (
        admin_client.get(
            f"/fit-connect/v1/destinations/{destination_id}/keys/{old_kid}"
        ).status_code
        == 200
    )
    # The same kid again: refused, nothing changes.
    again = admin_client.post(
        url, {"verwendung": "enc", "datei": _file("neu.jwk", public_encryption_jwk(new))}
    )
    assert again.status_code == 422
    assert "schon" in again.content.decode()
    assert DestinationKey.objects.filter(kid="enc-neu").count() == 1


def test_create_a_client_shows_the_secret_once_and_it_works(admin_client, destination_id):
    form = admin_client.get(CLIENT).text
    assert destination_id in form
    response = admin_client.post(CLIENT, {"rolle": "subscriber", "zustellpunkt": destination_id})
    assert response.status_code == 200
    assert (
        response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    )
    page = response.content.decode()
    client_id = re.search(r'id="client-id" value="([^"]+)"', page).group(1)
    secret = re.search(r'id="client-geheimnis" value="([^"]+)"', page).group(1)
    assert f"subscribe:destination:{destination_id}" in page
    token = admin_client.post(
        "/fit-connect/token",
        {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    assert token.status_code == 200
    overview = admin_client.get(OVERVIEW).text
    assert client_id in overview
    assert secret not in overview
    with scopes_disabled():
        stored = Client.objects.values().get(client_id=client_id)
    assert secret not in str(stored)


def test_revoke_a_client_after_confirming(admin_client, member, destination_id):
    created = run_json(
        "fitconnect_client", "create", "--member", member.region_ars, "--role", "sender"
    )
    url = reverse("fitconnect_admin:client_revoke", args=[created["clientId"]])
    confirm = admin_client.get(url)
    assert confirm.status_code == 200
    assert 'id="widerruf-form"' in confirm.text
    with scopes_disabled():
        assert Client.objects.get(client_id=created["clientId"]).revoked_at is None
    assert admin_client.post(url).status_code == 302
    with scopes_disabled():
        assert Client.objects.get(client_id=created["clientId"]).revoked_at is not None
    token = admin_client.post(
        "/fit-connect/token",
        {
            "grant_type": "client_credentials",
            "client_id": created["clientId"],
            "client_secret": created["clientSecret"],
        },
    )
    assert token.status_code == 401


def test_other_roles_and_other_members_objects_are_refused(
    client, member, other_member, destination_id, jwk_files
):
    client.force_login(clerk_of(member, role=Role.CLERK))
    assert client.get(OVERVIEW).status_code == 403
    assert client.post(CLIENT, {"rolle": "sender"}).status_code == 403
    client.force_login(clerk_of(other_member, role=Role.MEMBER_ADMIN))
    # Another member's destination and client answer 404 like missing ones.
    assert (
        client.get(reverse("fitconnect_admin:key_rotate", args=[destination_id])).status_code == 404
    )
    created = run_json(
        "fitconnect_client", "create", "--member", member.region_ars, "--role", "sender"
    )
    revoke = reverse("fitconnect_admin:client_revoke", args=[created["clientId"]])
    assert client.post(revoke).status_code == 404
    with scopes_disabled():
        assert Client.objects.get(client_id=created["clientId"]).revoked_at is None
    # Nor can a client be bound to it.
    response = client.post(CLIENT, {"rolle": "subscriber", "zustellpunkt": destination_id})
    assert response.status_code == 422
    with scopes_disabled():
        assert not Client.objects.filter(tenant=other_member).exists()


def test_create_an_inbox_destination(admin_client, member):
    response = admin_client.post(CREATE, {"art": "posteingang", "leika": LEIKA})
    assert response.status_code == 302, response.content.decode()[-2000:]
    (destination,) = _destinations()
    assert destination.inbox
    keys = list(DestinationKey.objects.filter(destination=destination))
    assert {k.use for k in keys} == {"enc", "sig"}
    assert all(k.sealed_private for k in keys)
    page = admin_client.get(OVERVIEW).text
    assert "Posteingang der Plattform" in page
    # Its keys are the platform's: renewing them needs no upload; no callback for an inbox.
    rotate = reverse("fitconnect_admin:key_rotate", args=[destination.destination_id])
    assert rotate in page
    assert reverse("fitconnect_admin:callback_edit", args=[destination.destination_id]) not in page
    old_kid = destination.active_key("enc").kid
    response = admin_client.post(rotate, {"verwendung": "enc"})
    assert response.status_code == 302
    new_key = destination.active_key("enc")
    assert new_key.kid != old_kid
    assert new_key.sealed_private
    assert DestinationKey.objects.get(destination=destination, kid=old_kid).retired_at
    with scopes_disabled():
        record = AuditRecord.objects.filter(action="fitconnect_destination.rotate_key").get()
    assert record.after == {"use": "enc", "kids": [new_key.kid]}
    assert record.actor is not None
