"""The BundID trust level a service asks for (issue 15): the form's default, set by the
cooperative, unless the responsible member set its own for the service; and what an
application records of the applicant's BundID login."""

from __future__ import annotations

import datetime
import re

from openkommune.forms.engine import get_path
from openkommune.submissions.errors import TrustLevelTooLow


def required_trust_level(*, responsibility, form) -> int:
    """0 (no BundID login needed) to 4 ("hoch")."""
    activation = getattr(responsibility, "activation", None)
    override = getattr(activation, "min_trust_level", None)
    if override is not None:
        return int(override)
    return int(getattr(form, "min_trust_level", 0) or 0)


def require_trust_level(*, responsibility, form, current: int) -> None:
    required = required_trust_level(responsibility=responsibility, form=form)
    if required and current < required:
        raise TrustLevelTooLow(required, current)


def verified_fields(*, prefill: dict, data: dict, trust_level: int) -> dict:
    """The answers submitted exactly as the BundID account sent them, with the level they
    were verified at: {path: {"level": n, "origin": "bundid"}}. A changed answer is not
    verified (the clerk sees it as typed by the applicant)."""
    verified = {}
    for path, item in (prefill or {}).items():
        value = get_path(data, path)
        if value is not None and _comparable(value) == _comparable(item.get("value")):
            verified[path] = {
                "level": min(int(item.get("level", 0)), int(trust_level)),
                "origin": "bundid",
            }
    return verified


_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


def _comparable(value) -> str:
    """A date as `YYYY-MM-DD` whether cleaned (a date) or as posted (`TT.MM.JJJJ`)."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value)
    german = _GERMAN_DATE.match(text.strip())
    if german:
        day, month, year = german.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    return text
