"""Reference numbers (*Aktenzeichen* the applicant quotes): `2026-MG-7KQ4-93XP`.

Year of submission, a two-letter code of the responsible organisation, and 40 random bits in
two groups. The alphabet has no 0/O and no 1/I, so a number read out on the phone or typed
from paper cannot be mistaken. Uniqueness is the database's job (unique constraint); the
caller retries with a new random part on the rare collision.
"""

from __future__ import annotations

import re
import secrets
import unicodedata

from openkommune.submissions.constants import (
    REFERENCE_ALPHABET,
    REFERENCE_GROUP_LENGTH,
    REFERENCE_PATTERN,
    REFERENCE_RANDOM_GROUPS,
)

_FOLD = str.maketrans({"Ä": "AE", "Ö": "OE", "Ü": "UE", "ß": "SS"})
_CODE_FALLBACK = "XX"
_VOWELS = frozenset("AEU")  # O and I are not in the alphabet anyway


def tenant_code(name: str) -> str:
    """Two letters from the organisation's (short) name: its first letter and the first
    consonant after it, "Magdeburg" -> "MG", "Köthen (Anhalt)" -> "KT". Letters outside the
    reference alphabet are skipped."""
    folded = unicodedata.normalize("NFKD", name.upper().translate(_FOLD))
    letters = [c for c in folded if c in REFERENCE_ALPHABET and c.isalpha()]
    if not letters:
        return _CODE_FALLBACK
    first = letters[0]
    second = next((c for c in letters[1:] if c not in _VOWELS), None)
    if second is None:
        second = letters[1] if len(letters) > 1 else "X"
    return first + second


def new_reference(*, year: int, code: str) -> str:
    groups = [
        "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_GROUP_LENGTH))
        for _ in range(REFERENCE_RANDOM_GROUPS)
    ]
    return "-".join([f"{year:04d}", code, *groups])


def normalise_reference(raw: str) -> str | None:
    """What a person typed (any case, spaces) as a reference number, or None if it cannot be
    one."""
    if not isinstance(raw, str):
        return None
    candidate = re.sub(r"\s+", "", raw).upper()
    return candidate if re.fullmatch(REFERENCE_PATTERN, candidate) else None
