"""JOSE for FIT-Connect with jwcrypto (ADR 0022): checks of public JWKs and JWE headers,
and the platform's signed Security Event Tokens (PS512).

The platform never decrypts: it checks that ciphertext is shaped as FIT-Connect prescribes
(compact JWE, RSA-OAEP-256 + A256GCM, the destination's kid) and stores it as it came.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from jwcrypto import jwe, jwk, jws
from jwcrypto.common import JWException

from openkommune.fitconnect.constants import (
    CONTENT_ENC,
    KEY_WRAP_ALG,
    MIN_RSA_BITS,
    SET_TYPE,
    SIGNATURE_ALG,
)

PRIVATE_RSA_MEMBERS = ("d", "p", "q", "dp", "dq", "qi")


class JoseError(ValueError):
    """Input that is not the JOSE object FIT-Connect prescribes; the message is German."""


def b64url_decode(part: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError) as error:
        raise JoseError(_("Kein gültiges Base64url.")) from error


def _public_rsa_key(data) -> jwk.JWK:
    if not isinstance(data, dict):
        raise JoseError(_("Der Schlüssel ist kein JSON-Objekt (JWK)."))
    if data.get("kty") != "RSA":
        raise JoseError(_("Der Schlüssel muss ein RSA-Schlüssel sein (kty RSA)."))
    if any(member in data for member in PRIVATE_RSA_MEMBERS):
        raise JoseError(_("Der Schlüssel enthält private Teile; erlaubt ist nur der öffentliche."))
    if not data.get("kid"):
        raise JoseError(_("Der Schlüssel hat keine Schlüssel-ID (kid)."))
    try:
        key = jwk.JWK(**data)
    except (JWException, ValueError, TypeError) as error:
        raise JoseError(_("Der Schlüssel ist kein gültiger JWK.")) from error
    # From the modulus itself: jwcrypto's get_op_key would refuse a key whose key_ops do not
    # fit before we could say so in German.
    bits = int.from_bytes(b64url_decode(data.get("n", "")), "big").bit_length()
    if bits < MIN_RSA_BITS:
        raise JoseError(
            _("Der Schlüssel ist zu kurz: %(bits)s Bit, verlangt sind mindestens %(min)s Bit.")
            % {"bits": bits, "min": MIN_RSA_BITS}
        )
    return key


def check_encryption_jwk(data) -> dict:
    """The public encryption key of a destination as FIT-Connect requires it; returns the
    JWK as stored. Raises JoseError with a German message."""
    _public_rsa_key(data)
    if data.get("alg") != KEY_WRAP_ALG:
        raise JoseError(_("Der Verschlüsselungsschlüssel muss alg RSA-OAEP-256 haben."))
    if data.get("key_ops") != ["wrapKey"]:
        raise JoseError(_('Der Verschlüsselungsschlüssel muss key_ops ["wrapKey"] haben.'))
    return dict(data)


def check_signature_jwk(data) -> dict:
    _public_rsa_key(data)
    if data.get("alg") != SIGNATURE_ALG:
        raise JoseError(_("Der Signaturschlüssel muss alg PS512 haben."))
    if data.get("key_ops") != ["verify"]:
        raise JoseError(_('Der Signaturschlüssel muss key_ops ["verify"] haben.'))
    return dict(data)


def check_jwe(token, *, kid: str, modulus_bytes: int | None = None) -> str:
    """A JWE compact serialisation encrypted to the key `kid` with RSA-OAEP-256 and A256GCM.
    The platform cannot decrypt it; it checks the shape and the protected header, and what
    tampering shows without the key: the wrapped key has the size of the destination's RSA
    modulus (`modulus_bytes`), the IV 96 bit, the tag 128 bit."""
    if not isinstance(token, str):
        raise JoseError(_("Erwartet wird ein JWE in kompakter Serialisierung."))
    parts = token.strip().split(".")
    if len(parts) != 5 or not all(parts[i] for i in (0, 1, 2, 3, 4)):
        raise JoseError(_("Erwartet wird ein JWE in kompakter Serialisierung (fünf Teile)."))
    for part in parts[1:]:
        b64url_decode(part)
    try:
        header = json.loads(b64url_decode(parts[0]))
    except ValueError as error:
        raise JoseError(_("Der JWE-Header ist kein JSON.")) from error
    if not isinstance(header, dict):
        raise JoseError(_("Der JWE-Header ist kein JSON-Objekt."))
    if header.get("alg") != KEY_WRAP_ALG:
        raise JoseError(_("Der JWE muss alg RSA-OAEP-256 verwenden."))
    if header.get("enc") != CONTENT_ENC:
        raise JoseError(_("Der JWE muss enc A256GCM verwenden."))
    if header.get("kid") != kid:
        raise JoseError(_("Der JWE ist nicht mit dem Schlüssel des Zustellpunkts verschlüsselt."))
    if len(b64url_decode(parts[4])) != 16:
        raise JoseError(_("Der Authentication Tag des JWE hat nicht 128 Bit."))
    if len(b64url_decode(parts[2])) != 12:
        raise JoseError(_("Der Initialisierungsvektor des JWE hat nicht 96 Bit."))
    if modulus_bytes is not None and len(b64url_decode(parts[1])) != modulus_bytes:
        raise JoseError(
            _(
                "Der verschlüsselte Schlüssel des JWE passt nicht zur Schlüssellänge des "
                "Zustellpunkts."
            )
        )
    return token.strip()


def modulus_bytes(public_jwk: dict) -> int:
    """The length in bytes of an RSA public key's modulus (of an RSA-OAEP ciphertext)."""
    return (int.from_bytes(b64url_decode(public_jwk.get("n", "")), "big").bit_length() + 7) // 8


def authentication_tag(token: str) -> str:
    """The last part of a JWE compact serialisation (what accept events name)."""
    return token.rsplit(".", 1)[-1]


# --- Security Event Tokens --------------------------------------------------------------

_platform_key_lock = threading.Lock()
_platform_key_cache: dict[str, jwk.JWK] = {}


def _generate_signing_key() -> jwk.JWK:
    key = jwk.JWK.generate(kty="RSA", size=MIN_RSA_BITS)
    key.update(kid=key.thumbprint(), alg=SIGNATURE_ALG)
    return key


def platform_signing_key() -> jwk.JWK:
    """The platform's private PS512 key: from OPENKOMMUNE_FITCONNECT_SIGNING_KEY_FILE (a
    private JWK) when configured, else generated once and kept in the database."""
    configured = settings.FITCONNECT_SIGNING_KEY_FILE
    cache_key = str(configured or "database")
    with _platform_key_lock:
        if cache_key in _platform_key_cache:
            return _platform_key_cache[cache_key]
        if configured:
            data = json.loads(Path(configured).read_text(encoding="utf-8"))
            key = jwk.JWK(**data)
            if not key.has_private or not data.get("kid"):
                raise RuntimeError("The FIT-Connect signing key file needs a private JWK with kid.")
        else:
            key = _database_signing_key()
        _platform_key_cache[cache_key] = key
        return key


def _database_signing_key() -> jwk.JWK:
    from openkommune.fitconnect.models import PlatformKey

    stored = PlatformKey.objects.order_by("created_at").first()
    if stored is None:
        key = _generate_signing_key()
        try:
            with transaction.atomic():
                PlatformKey.objects.create(kid=key.get("kid"), private_jwk=key.export(as_dict=True))
        except IntegrityError:
            pass
        stored = PlatformKey.objects.order_by("created_at").first()
    return jwk.JWK(**stored.private_jwk)


def forget_cached_platform_key() -> None:
    """Tests and key rotation: read the key again on next use."""
    with _platform_key_lock:
        _platform_key_cache.clear()


def platform_public_jwks() -> dict:
    key = platform_signing_key()
    public = key.export_public(as_dict=True)
    public.update(kid=key.get("kid"), alg=SIGNATURE_ALG, use="sig", key_ops=["verify"])
    return {"keys": [public]}


def sign_set(payload: dict) -> str:
    key = platform_signing_key()
    token = jws.JWS(json.dumps(payload, separators=(",", ":")).encode())
    token.add_signature(
        key,
        alg=SIGNATURE_ALG,
        protected=json.dumps({"alg": SIGNATURE_ALG, "typ": SET_TYPE, "kid": key.get("kid")}),
    )
    return token.serialize(compact=True)


def verify_set(token, *, public_jwk: dict) -> tuple[dict, dict]:
    """(header, payload) of a SET signed PS512 with the given public key, else JoseError."""
    if not isinstance(token, str) or token.count(".") != 2:
        raise JoseError(_("Erwartet wird ein signiertes JWT (SET) in kompakter Serialisierung."))
    try:
        header = json.loads(b64url_decode(token.split(".")[0]))
    except ValueError as error:
        raise JoseError(_("Der Header des SET ist kein JSON.")) from error
    if not isinstance(header, dict) or header.get("alg") != SIGNATURE_ALG:
        raise JoseError(_("Das SET muss mit PS512 signiert sein."))
    if header.get("typ") != SET_TYPE:
        raise JoseError(_("Das SET muss typ secevent+jwt haben."))
    if header.get("kid") != public_jwk.get("kid"):
        raise JoseError(
            _("Das SET ist nicht mit dem Signaturschlüssel des Zustellpunkts signiert.")
        )
    verifier = jws.JWS()
    verifier.allowed_algs = [SIGNATURE_ALG]
    try:
        verifier.deserialize(token)
        verifier.verify(jwk.JWK(**public_jwk), alg=SIGNATURE_ALG)
        payload = json.loads(verifier.payload)
    except (JWException, ValueError) as error:
        raise JoseError(_("Die Signatur des SET ist ungültig.")) from error
    if not isinstance(payload, dict):
        raise JoseError(_("Der Inhalt des SET ist kein JSON-Objekt."))
    return header, payload


def encrypt_to(public_jwk: dict, plaintext: bytes, *, content_type: str) -> str:
    """A JWE compact serialisation of `plaintext` for the destination's public encryption
    key (RSA-OAEP-256 + A256GCM, `kid` in the protected header), as a FIT-Connect sender
    makes it: the platform's own intake (intake.py) is such a sender."""
    token = jwe.JWE(
        plaintext,
        protected=json.dumps(
            {"alg": KEY_WRAP_ALG, "enc": CONTENT_ENC, "kid": public_jwk["kid"], "cty": content_type}
        ),
    )
    token.add_recipient(jwk.JWK(**public_jwk))
    return token.serialize(compact=True)
