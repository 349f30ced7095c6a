"""Prefill from the applicant's identity, with the origin of each value (issue 15, part 3).

A minimal, separable origin interface until the forms engine has a general prefill with
named origins: `identity_prefill(definition, attributes)` returns, per path, the value,
the level it was verified at and its origin; draft_start writes the values into the draft
and keeps the record in `Draft.identity_prefill`; at the submit, `trust.verified_fields` keeps the
answers that are still exactly what the BundID account sent (the clerk sees them as
verified), and the check page lists those the applicant changed (`changed_prefill`).

The fields are the form's applicant marker (`forms.engine.applicant`): given name, family
name, address and e-mail address."""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

from openkommune.forms.engine import get_path

ORIGIN_BUNDID = "bundid"
ORIGIN_LABELS = {ORIGIN_BUNDID: _("aus Ihrem BundID-Konto")}
# STORK level from which a value counts as read from an ID document (eID): "hoch".
EID_LEVEL = 4

_STREET = re.compile(
    r"^(?P<street>.*?)\s+(?P<number>\d+\s*[a-zA-Z]?(?:\s*[-/]\s*\d+\s*[a-zA-Z]?)?)$"
)


def _split_street(value: str) -> tuple[str, str]:
    match = _STREET.match(value.strip())
    if match:
        return match.group("street").strip(), match.group("number").replace(" ", "")
    return value.strip(), ""


def _path(definition, field_id: str) -> str | None:
    location = definition.locations.get(field_id)
    if location is None or location.repeats:
        return None
    return ".".join((*location.groups, field_id))


def identity_prefill(definition, attributes: dict) -> dict:
    """{path: {"value", "level", "origin"}} for the applicant fields the attributes fill."""
    marker = getattr(definition, "applicant", {}) or {}
    values: dict[str, tuple[str, int]] = {}

    def take(role: str, attribute: str) -> None:
        item = attributes.get(attribute)
        field_id = marker.get(role)
        path = _path(definition, field_id) if field_id else None
        if item and item.get("value") and path:
            values[path] = (item["value"], int(item.get("level", 0)))

    take("given_name", "given_name")
    take("family_name", "family_name")
    take("email", "email")
    address_id = marker.get("address")
    address_path = _path(definition, address_id) if address_id else None
    if address_path:
        street, number = _split_street(attributes.get("street", {}).get("value", ""))
        parts = {
            "street": (street, attributes.get("street", {}).get("level", 0)),
            "house_number": (number, attributes.get("street", {}).get("level", 0)),
            "postcode": (
                attributes.get("postal_code", {}).get("value", ""),
                attributes.get("postal_code", {}).get("level", 0),
            ),
            "city": (
                attributes.get("locality", {}).get("value", ""),
                attributes.get("locality", {}).get("level", 0),
            ),
        }
        for part, (value, level) in parts.items():
            if value:
                values[f"{address_path}.{part}"] = (value, int(level))
    return {
        path: {"value": value, "level": level, "origin": ORIGIN_BUNDID}
        for path, (value, level) in values.items()
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
