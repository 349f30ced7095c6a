"""Secret tokens for the status link of an application and the resume link of a draft.

A token is derived from a random per-row salt with the installation's secret key (HMAC), and
only the salt and the token's SHA-256 are stored. So a database copy alone reveals no token,
yet the platform can put the same link into a later e-mail (the confirmation task, a retried
API call) without ever writing the token to a table or a task queue. See ADR 0006.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from django.utils.crypto import salted_hmac

_PURPOSES = frozenset({"status", "resume"})


def new_salt() -> str:
    return secrets.token_hex(16)


def derive_token(*, purpose: str, salt: str) -> str:
    """The token for `salt`: 43 URL-safe characters (256 bits)."""
    if purpose not in _PURPOSES:
        raise ValueError(f"Unknown token purpose {purpose!r}.")
    if not salt:
        raise ValueError("A token needs a salt.")
    digest = salted_hmac(f"openkommune.submissions.{purpose}", salt, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_matches(token: str | None, stored_hash: str) -> bool:
    """Constant-time comparison of a presented token with the stored hash."""
    if not token or not stored_hash or not isinstance(token, str):
        return False
    return hmac.compare_digest(token_hash(token), stored_hash)
