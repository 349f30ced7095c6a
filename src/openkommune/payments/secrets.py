"""The Bezahldienst's shared secret when the member administrator enters it on the page
(`ProviderConfig.secret_encrypted`): encrypted with Fernet (AES-128-CBC with HMAC-SHA256,
`cryptography`, already a dependency of jwcrypto) under a key derived from the platform's
`SECRET_KEY` for this purpose only. Pages never show it again; logs never see it.

Rotating `SECRET_KEY` makes stored secrets unreadable: the connection then reports the secret
as missing and the administrator enters it again (docs/payment.md).
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

_PURPOSE = b"openkommune.payments.provider-secret.v1:"


def _fernet() -> Fernet:
    digest = hashlib.sha256(_PURPOSE + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt(token: str) -> str:
    """The secret, or "" when there is none or it cannot be read (another key)."""
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except (InvalidToken, ValueError):
        return ""
