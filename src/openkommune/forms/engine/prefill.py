"""Prefill: values the platform already knows about the applicant, put into the fields the
form marks as the applicant's (`applicant` roles, see applicant.py), each with its named
origin ("aus Ihrem Konto"). Pure Python, no database: the sources (the account, the place
chosen on the service page, later a BundID login) are the `submissions` app's registry.

An origin is `locked` when its values are verified by their source (an eID or BundID login):
the page shows them read-only and `keep_locked` puts them back whatever is posted, so they
cannot be changed silently. Values of an unlocked origin are suggestions the applicant edits
freely; the page names their origin as long as the value is still the prefilled one.

The record of what was prefilled is plain JSON (`{path: {"origin", "label", "locked",
"value"}}`, and "level" for a verified origin), kept with the draft, so pages and later
steps see it without the sources."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from openkommune.forms.engine.definition import ADDRESS_PARTS, Definition, Field
from openkommune.forms.engine.paths import get_path, set_path


@dataclass(frozen=True)
class Origin:
    """Where prefilled values come from: `key` names it in the record ("konto"), `label`
    is what the page shows next to the field ("aus Ihrem Konto"); `level` is the trust level
    (STORK QAA 1 to 4) a verified source confirmed the values at, 0 for none."""

    key: str
    label: str
    locked: bool = False
    level: int = 0


@dataclass(frozen=True)
class Prefill:
    """One known value for an applicant role: a string, or for `address` a dict of some of
    its parts (`{"postcode": "39104", "city": "Magdeburg"}`)."""

    role: str
    value: Any
    origin: Origin


def _role_path(definition: Definition, role: str) -> tuple[str, Field] | None:
    field_id = definition.applicant.get(role)
    location = definition.locations.get(field_id) if field_id else None
    item = definition.items.get(field_id) if field_id else None
    if location is None or location.repeats or not isinstance(item, Field):
        return None
    return ".".join((*location.groups, field_id)), item


def _empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def apply_prefill(
    definition: Definition, data: dict | None, values: Iterable[Prefill]
) -> tuple[dict, dict[str, dict]]:
    """New data with each known value put into its applicant field where that field is
    still empty, and the record of what was put where. A locked origin's value wins over an
    unlocked one (and over what is there); otherwise the first value for a field wins."""
    out: dict = _copy(data if isinstance(data, dict) else {})
    record: dict[str, dict] = {}
    ordered = sorted(values, key=lambda prefill: not prefill.origin.locked)
    for prefill in ordered:
        target = _role_path(definition, prefill.role)
        if target is None or _empty_value(prefill.value):
            continue
        path, field = target
        if field.type == "address":
            if not isinstance(prefill.value, dict):
                continue
            parts = {
                f"{path}.{part}": str(prefill.value[part]).strip()
                for part in ADDRESS_PARTS
                if not _empty(prefill.value.get(part))
            }
        else:
            parts = {path: str(prefill.value).strip()}
        for part_path, value in parts.items():
            if part_path in record:
                continue
            if not prefill.origin.locked and not _empty(get_path(out, part_path)):
                continue
            set_path(out, part_path, value)
            record[part_path] = {
                "origin": prefill.origin.key,
                "label": prefill.origin.label,
                "locked": prefill.origin.locked,
                "value": value,
            }
            if prefill.origin.level:
                record[part_path]["level"] = prefill.origin.level
    return out, record


def keep_locked(data: dict, record: dict[str, dict] | None) -> dict:
    """`data` with every locked value of the record put back (a post cannot change it)."""
    locked = {path: entry for path, entry in (record or {}).items() if entry.get("locked")}
    if not locked:
        return data
    out = _copy(data)
    for path, entry in locked.items():
        set_path(out, path, entry["value"])
    return out


def origin_of(record: dict[str, dict] | None, path: str, value) -> dict | None:
    """The record's entry for `path` while the field still holds the prefilled value."""
    entry = (record or {}).get(path)
    if entry is None:
        return None
    shown = value.strip() if isinstance(value, str) else value
    return entry if entry.get("locked") or shown == entry.get("value") else None


def _empty_value(value) -> bool:
    if isinstance(value, dict):
        return all(_empty(part) for part in value.values())
    return _empty(value)


def _copy(data):
    if isinstance(data, dict):
        return {key: _copy(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_copy(value) for value in data]
    return data
