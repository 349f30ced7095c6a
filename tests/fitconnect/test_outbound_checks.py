"""The outbound sender's checks without a network (outbound.py, ADR 0043): the key's `x5c`
certificate chain against configured trust anchors, SETs of the event log that do not
verify, and the registration of an external destination (secret sealed, never audited)."""

from __future__ import annotations

import base64
import datetime
import json
import time
import uuid

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from jwcrypto import jwk, jws

from openkommune.fitconnect import outbound
from openkommune.fitconnect.models import OutboundSubmission
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from tests.fitconnect.conftest import public_encryption_jwk
from tests.submissions.factories import HUNDESTEUER_LEIKA

NOW = datetime.datetime.now(tz=datetime.UTC)


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _cert(subject, public, issuer_name, issuer_key, *, ca=False, days=(-1, 365)):
    return (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer_name))
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW + datetime.timedelta(days=days[0]))
        .not_valid_after(NOW + datetime.timedelta(days=days[1]))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(issuer_key, hashes.SHA256())
    )


@pytest.fixture(scope="module")
def pki():
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root = _cert("Test-Wurzel", root_key.public_key(), "Test-Wurzel", root_key, ca=True)
    inter_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    inter = _cert("Test-Zwischen-CA", inter_key.public_key(), "Test-Wurzel", root_key, ca=True)
    return root, root_key, inter, inter_key


def _pem(cert) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _x5c(*certs) -> list[str]:
    return [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode() for c in certs]


def _key_with_chain(subscriber_keys, pki, *, days=(-1, 365), signer=None):
    _root, _root_key, inter, inter_key = pki
    encryption, _signing = subscriber_keys
    public = public_encryption_jwk(encryption)
    leaf = _cert(
        "Zustellpunkt",
        encryption.get_op_key("wrapKey"),
        "Test-Zwischen-CA",
        signer or inter_key,
        days=days,
    )
    return public | {"x5c": _x5c(leaf, inter)}


def test_a_chain_to_the_trust_anchor_passes(subscriber_keys, pki):
    key = _key_with_chain(subscriber_keys, pki)
    outbound.check_x5c(key, _pem(pki[0]))  # no exception


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("other-anchor", "keinem konfigurierten Vertrauensanker"),
        ("expired", "abgelaufen"),
        ("forged-signature", "nicht geschlossen"),
        ("other-key", "gehört nicht zu diesem Schlüssel"),
        ("no-chain", "keine Zertifikatskette"),
    ],
)
def test_a_broken_chain_is_refused(subscriber_keys, small_key, pki, case, message):
    anchor = _pem(pki[0])
    if case == "other-anchor":
        other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        anchor = _pem(_cert("Fremde Wurzel", other_key.public_key(), "Fremde Wurzel", other_key))
        key = _key_with_chain(subscriber_keys, pki)
    elif case == "expired":
        key = _key_with_chain(subscriber_keys, pki, days=(-400, -1))
    elif case == "forged-signature":
        forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        key = _key_with_chain(subscriber_keys, pki, signer=forger)
    elif case == "other-key":
        key = _key_with_chain(subscriber_keys, pki)
        key = key | {"n": small_key.export_public(as_dict=True)["n"]}
    else:
        key = public_encryption_jwk(subscriber_keys[0])
    with pytest.raises(outbound.Refused, match=message):
        outbound.check_x5c(key, anchor)


def _set(key: jwk.JWK, claims: dict) -> str:
    token = jws.JWS(json.dumps(claims).encode())
    token.add_signature(
        key,
        alg="PS512",
        protected=json.dumps({"alg": "PS512", "typ": "secevent+jwt", "kid": key.get("kid")}),
    )
    return token.serialize(compact=True)


@pytest.mark.django_db
def test_only_events_that_verify_count(subscriber_keys, small_key, member, monkeypatch):
    _encryption, signing = subscriber_keys
    zustelldienst = jwk.JWK.generate(kty="RSA", size=2048, kid="zd")
    route = outbound.create_external_destination(
        tenant=member,
        leika_keys=[HUNDESTEUER_LEIKA],
        destination_id=str(uuid.uuid4()),
        api_url="https://zustelldienst.example/api",
        token_url="https://zustelldienst.example/token",
        client_id="sender-1",
        secret="geheim-" + uuid.uuid4().hex,
    )
    with scopes_disabled():
        sent = OutboundSubmission.objects.create(
            tenant=member,
            route=route,
            application_public_id=uuid.uuid4(),
            service_identifier="urn:de:fim:leika:leistung:" + HUNDESTEUER_LEIKA,
            state="submitted",
            remote_submission_id=uuid.uuid4(),
            remote_case_id=uuid.uuid4(),
        )
    signature_jwk = signing.export_public(as_dict=True) | {
        "kid": signing.get("kid"),
        "alg": "PS512",
        "key_ops": ["verify"],
    }
    monkeypatch.setattr(
        outbound,
        "_zustelldienst_keys",
        lambda _route: {"zd": zustelldienst.export_public(as_dict=True) | {"kid": "zd"}},
    )
    monkeypatch.setattr(
        outbound,
        "_destination_signature_key",
        lambda _route, _token, kid: signature_jwk if kid == signing.get("kid") else {},
    )

    def claims(event, **extra):
        return {
            "jti": str(uuid.uuid4()),
            "iat": int(time.time()),
            "iss": str(route.destination_id),
            "sub": f"submission:{sent.remote_submission_id}",
            "txn": f"case:{sent.remote_case_id}",
            "events": {f"https://schema.fitko.de/fit-connect/events/{event}": {}},
        } | extra

    good_submit = _set(zustelldienst, claims("submit-submission"))
    accept_by_zustelldienst = _set(zustelldienst, claims("accept-submission"))
    other_case = _set(signing, claims("accept-submission", txn=f"case:{uuid.uuid4()}"))
    forged = _set(
        jwk.JWK.generate(kty="RSA", size=2048, kid=signing.get("kid")), claims("reject-submission")
    )
    good_accept = _set(signing, claims("accept-submission"))
    found = outbound.verified_events(
        sent, "token", [good_submit, accept_by_zustelldienst, other_case, forged, good_accept]
    )
    assert [(e["event"], e["by"]) for e in found] == [
        ("submit-submission", "zustelldienst"),
        ("accept-submission", "fachverfahren"),
    ]


@pytest.mark.django_db
def test_the_secret_is_sealed_and_never_audited(member):
    secret = "geheim-" + uuid.uuid4().hex
    route = outbound.create_external_destination(
        tenant=member,
        leika_keys=[HUNDESTEUER_LEIKA],
        destination_id=str(uuid.uuid4()),
        api_url="https://zustelldienst.example/api/",
        token_url="https://zustelldienst.example/token",
        client_id="sender-1",
        secret=secret,
    )
    assert route.api_url == "https://zustelldienst.example/api"
    assert secret not in route.client_secret_sealed
    assert outbound.client_secret(route) == secret
    outbound.set_external_secret(route, secret + "-neu")
    assert outbound.client_secret(route) == secret + "-neu"
    with scopes_disabled():
        audit = json.dumps(
            list(AuditRecord.objects.filter(action__startswith="fitconnect_external").values()),
            default=str,
        )
    assert "fitconnect_external.create" in audit
    assert "fitconnect_external.secret" in audit
    assert secret not in audit
    with pytest.raises(ValueError, match="muss mit https:// beginnen"):
        outbound.create_external_destination(
            tenant=member,
            leika_keys=[HUNDESTEUER_LEIKA],
            destination_id=str(uuid.uuid4()),
            api_url="http://zustelldienst.example/api",
            token_url="https://zustelldienst.example/token",
            client_id="sender-1",
            secret=secret,
        )
    with pytest.raises(ValueError, match="keine UUID"):
        outbound.create_external_destination(
            tenant=member,
            leika_keys=[HUNDESTEUER_LEIKA],
            destination_id="kein-uuid",
            api_url="https://zustelldienst.example/api",
            token_url="https://zustelldienst.example/token",
            client_id="sender-1",
            secret=secret,
        )
