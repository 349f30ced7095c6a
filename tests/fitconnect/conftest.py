"""Keys and parties of the FIT-Connect tests. RSA-4096 keys take a moment to make, so they
are made once per session; each test gets fresh destinations and clients in the database."""

import json
import uuid

import pytest
from django.core.management import call_command
from jwcrypto import jwe, jwk

from openkommune.fitconnect import jose
from tests.tenancy.factories import OrganisationFactory

LEIKA = "99050012104000"


@pytest.fixture(scope="session")
def subscriber_keys():
    """The Fachverfahren's private keys: decryption and event signing."""
    encryption = jwk.JWK.generate(kty="RSA", size=4096, kid=f"enc-{uuid.uuid4()}")
    signing = jwk.JWK.generate(kty="RSA", size=4096, kid=f"sig-{uuid.uuid4()}")
    return encryption, signing


@pytest.fixture(scope="session")
def small_key():
    return jwk.JWK.generate(kty="RSA", size=2048, kid="small")


def public_encryption_jwk(key: jwk.JWK) -> dict:
    public = key.export_public(as_dict=True)
    public.update(kid=key.get("kid"), alg="RSA-OAEP-256", key_ops=["wrapKey"])
    return public


def public_signature_jwk(key: jwk.JWK) -> dict:
    public = key.export_public(as_dict=True)
    public.update(kid=key.get("kid"), alg="PS512", key_ops=["verify"])
    return public


def encrypt(plaintext: bytes, public: dict, *, enc="A256GCM", alg="RSA-OAEP-256") -> str:
    token = jwe.JWE(
        plaintext,
        protected=json.dumps(
            {"alg": alg, "enc": enc, "kid": public["kid"], "cty": "application/json"}
        ),
    )
    token.add_recipient(jwk.JWK(**public))
    return token.serialize(compact=True)


@pytest.fixture
def member(db):
    return OrganisationFactory(region_ars="091620000000", name="Demo-Stadt München (Test)")


@pytest.fixture
def other_member(db):
    return OrganisationFactory(region_ars="064120000000", name="Demo-Stadt Frankfurt (Test)")


@pytest.fixture(scope="session")
def platform_key_file(tmp_path_factory):
    """A configured platform signing key (OPENKOMMUNE_FITCONNECT_SIGNING_KEY_FILE), made once:
    generating one per test (the database default) would cost seconds each."""
    key = jwk.JWK.generate(kty="RSA", size=4096)
    key.update(kid=key.thumbprint())
    path = tmp_path_factory.mktemp("fitconnect") / "platform.jwk"
    path.write_text(key.export(private_key=True))
    return path


@pytest.fixture(autouse=True)
def _platform_key(platform_key_file, settings):
    settings.FITCONNECT_SIGNING_KEY_FILE = str(platform_key_file)
    jose.forget_cached_platform_key()
    yield
    jose.forget_cached_platform_key()


@pytest.fixture
def jwk_files(tmp_path, subscriber_keys):
    encryption, signing = subscriber_keys
    enc_file = tmp_path / "enc.jwk"
    sig_file = tmp_path / "sig.jwk"
    enc_file.write_text(json.dumps(public_encryption_jwk(encryption)))
    sig_file.write_text(json.dumps(public_signature_jwk(signing)))
    return enc_file, sig_file


def run_json(*args) -> dict:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def destination_id(member, jwk_files):
    enc_file, sig_file = jwk_files
    result = run_json(
        "fitconnect_destination",
        "create",
        "--member",
        member.region_ars,
        "--leika",
        LEIKA,
        "--public-key",
        str(enc_file),
        "--signature-key",
        str(sig_file),
    )
    return result["destinationId"]


def token_for(client, credentials: dict) -> str:
    response = client.post(
        "/fit-connect/token",
        {
            "grant_type": "client_credentials",
            "client_id": credentials["clientId"],
            "client_secret": credentials["clientSecret"],
        },
    )
    assert response.status_code == 200, response.content
    return response.json()["access_token"]
