"""The shape of an API key and its hash. Pure helpers without database access.

A key reads `okk_<prefix>_<secret>`: the prefix (12 hex characters) finds the row and lets
people tell keys apart in lists and logs; the secret is 256 random bits (43 URL-safe
characters). Only the SHA-256 of the whole key is stored (see `models.ApiKey`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

KEY_SCHEME = "okk"
PREFIX_BYTES = 6
SECRET_BYTES = 32
KEY_PATTERN = re.compile(r"^okk_(?P<prefix>[0-9a-f]{12})_(?P<secret>[A-Za-z0-9_-]{43})$")


def new_key() -> tuple[str, str]:
    """(prefix, whole key) of a fresh random key."""
    prefix = secrets.token_hex(PREFIX_BYTES)
    return prefix, f"{KEY_SCHEME}_{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("ascii")).hexdigest()


def key_prefix(key: str) -> str | None:
    """The prefix of a well-formed key, else None (nothing to look up)."""
    match = KEY_PATTERN.fullmatch(key or "")
    return match["prefix"] if match else None


def key_matches(key: str, stored_hash: str) -> bool:
    # Constant time: the comparison must not tell an attacker how many characters fit.
    return hmac.compare_digest(key_hash(key), stored_hash)
