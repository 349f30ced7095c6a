"""Prefill from the applicant's BundID login: a locked origin of the prefill registry
(`services.prefill`, issue 15 part 3).

`bundid_values(context)` gives the BundID account's attributes of this session as `Prefill`
values of the form's applicant roles (given and family name, the name in one field, birth
date and place, address, e-mail), each with the origin "aus Ihrem BundID-Konto" and the
level the attribute was confirmed at. Values confirmed with the online ID (level "hoch",
`EID_LEVEL`) are a **locked** origin: shown read-only and put back whatever is posted
(`forms.engine.keep_locked`), so they cannot be changed. Values of a lower level (the
citizen typed them into the BundID account) stay editable; a changed one is no longer
counted as confirmed. Locked values win over the account's and the place's values.

`identity_record(record)` picks BundID's values out of the draft's prefill record
(`Draft.identity_prefill`: {path: {"value", "level", "origin"}}); at the submit
`trust.verified_fields` keeps the answers still exactly as BundID sent them (the clerk sees
them as confirmed) and the check page lists those the applicant changed (`prefill_notes`)."""

from __future__ import annotations

import datetime
import re

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from openkommune.forms.engine import Origin, Prefill, get_path
from openkommune.identity.selectors import session_identity_attributes

ORIGIN_BUNDID = "bundid"
ORIGIN_LABELS = {ORIGIN_BUNDID: _("aus Ihrem BundID-Konto")}
# STORK level from which a value counts as read from an ID document (eID): "hoch".
EID_LEVEL = 4

_STREET = re.compile(
    r"^(?P<street>.*?)\s+(?P<number>\d+\s*[a-zA-Z]?(?:\s*[-/]\s*\d+\s*[a-zA-Z]?)?)$"
)
_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


def _split_street(value: str) -> tuple[str, str]:
    match = _STREET.match(value.strip())
    if match:
        return match.group("street").strip(), match.group("number").replace(" ", "")
    return value.strip(), ""


def form_date(value: str) -> str:
    """BundID's birth date (`YYYY-MM-DD`; some IdPs send `TT.MM.JJJJ`) as a page would post
    it, `TT.MM.JJJJ`, so an unchanged answer stays equal to the prefilled value; "" for
    anything else (a partial date of a document without day or month)."""
    value = (value or "").strip()
    german = _GERMAN_DATE.match(value)
    if german:
        day, month, year = german.groups()
        value = f"{year}-{int(month):02d}-{int(day):02d}"
    try:
        date = datetime.date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        date = None
    return date.strftime("%d.%m.%Y") if date else ""


def bundid_origin(level: int) -> Origin:
    return Origin(
        ORIGIN_BUNDID, gettext("aus Ihrem BundID-Konto"), locked=level >= EID_LEVEL, level=level
    )


def attribute_values(attributes: dict) -> list[Prefill]:
    """The `Prefill` values of BundID attributes ({name: {"value", "level"}}, see
    `identity.selectors.identity_attributes`)."""

    def item(name: str) -> tuple[str, int]:
        entry = attributes.get(name) or {}
        return str(entry.get("value") or "").strip(), int(entry.get("level") or 0)

    values: list[Prefill] = []
    for role, name in (
        ("given_name", "given_name"),
        ("family_name", "family_name"),
        ("email", "email"),
        ("birth_place", "birth_place"),
    ):
        value, level = item(name)
        if value and level:
            values.append(Prefill(role, value, bundid_origin(level)))
    (given, given_level), (family, family_level) = item("given_name"), item("family_name")
    if given and family and given_level and family_level:
        values.append(
            Prefill("name", f"{given} {family}", bundid_origin(min(given_level, family_level)))
        )
    birth_date, level = item("birth_date")
    if form_date(birth_date) and level:
        values.append(Prefill("birth_date", form_date(birth_date), bundid_origin(level)))
    # The address's parts, grouped by the level they were confirmed at.
    street_value, street_level = item("street")
    street, number = _split_street(street_value)
    parts: dict[int, dict[str, str]] = {}
    for part, (value, level) in {
        "street": (street, street_level),
        "house_number": (number, street_level),
        "postcode": item("postal_code"),
        "city": item("locality"),
    }.items():
        if value and level:
            parts.setdefault(level, {})[part] = value
    for level, address in sorted(parts.items(), reverse=True):
        values.append(Prefill("address", address, bundid_origin(level)))
    return values


def bundid_values(context) -> list[Prefill]:
    """Prefill source (`services.prefill`): the BundID account of this session's login."""
    return attribute_values(session_identity_attributes(context.user, context.session))


def identity_record(record: dict | None) -> dict:
    """BundID's entries of a draft's prefill record: {path: {"value", "level", "origin"}}."""
    return {
        path: {
            "value": entry.get("value", ""),
            "level": int(entry.get("level") or 0),
            "origin": ORIGIN_BUNDID,
        }
        for path, entry in (record or {}).items()
        if entry.get("origin") == ORIGIN_BUNDID
    }


def changed_prefill(prefill: dict, data: dict) -> list[str]:
    """Paths of prefilled values the applicant changed (shown on the check page)."""
    return [
        path
        for path, item in (prefill or {}).items()
        if str(get_path(data, path) or "") != str(item.get("value", ""))
    ]


def prefill_notes(definition, prefill: dict, data: dict) -> list[dict]:
    """Per prefilled field of the applicant marker, for the step and check pages: label,
    whether still unchanged, and whether verified with the online ID (level "hoch")."""
    notes = {}
    for path, item in (prefill or {}).items():
        field_path = path
        field_id = path.split(".")[-1]
        if field_id in ("street", "house_number", "postcode", "city"):
            field_path = path.rsplit(".", 1)[0]
            field_id = field_path.split(".")[-1]
        field = definition.items.get(field_id)
        label = getattr(field, "label", field_id)
        note = notes.setdefault(
            field_path,
            {"path": field_path, "label": label, "unchanged": True, "eid": True, "level": 4},
        )
        note["unchanged"] = note["unchanged"] and str(get_path(data, path) or "") == str(
            item.get("value", "")
        )
        note["level"] = min(note["level"], int(item.get("level", 0)))
        note["eid"] = note["level"] >= EID_LEVEL
    return list(notes.values())
