"""The address field: its parts, their limits and labels, and cleaning a posted address into
parts with German errors keyed by part ("postcode" etc.). Pure Python."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from openkommune.forms.engine.conditions import MISSING
from openkommune.forms.engine.definition import ADDRESS_PARTS, Field
from openkommune.forms.engine.text import _Invalid, _text

ADDRESS_LIMITS = {"street": 100, "house_number": 20, "postcode": 5, "city": 100}
ADDRESS_REQUIRED = ("street", "postcode", "city")
ADDRESS_LABELS = {
    "street": "Straße",
    "house_number": "Hausnummer",
    "postcode": "Postleitzahl",
    "city": "Ort",
}
_POSTCODE = re.compile(r"[0-9]{5}")


def address_part_label(part: str) -> str:
    return _(ADDRESS_LABELS[part])


def _clean_address(field: Field, raw) -> tuple[object, dict[str, list[str]]]:
    if not isinstance(raw, dict):
        message = _(
            "„%(label)s“ muss eine Anschrift mit street, house_number, postcode und city sein."
        ) % {"label": field.label}
        return MISSING, {"": [message]}
    errors: dict[str, list[str]] = {}
    for key in raw:
        if key not in ADDRESS_PARTS:
            errors[str(key)] = [_("Unbekanntes Feld.")]
    parts = {}
    for part in ADDRESS_PARTS:
        part_label = f"{field.label}: {address_part_label(part)}"
        try:
            value = _text(raw.get(part, ""), part_label, multiline=False) if part in raw else ""
        except _Invalid as exc:
            errors[part] = [exc.message]
            continue
        if value and len(value) > ADDRESS_LIMITS[part]:
            errors[part] = [
                _("„%(label)s“ darf höchstens %(n)d Zeichen lang sein.")
                % {"label": part_label, "n": ADDRESS_LIMITS[part]}
            ]
        elif part == "postcode" and value and not _POSTCODE.fullmatch(value):
            errors[part] = [
                _("Bitte geben Sie bei „%(label)s“ eine Postleitzahl mit fünf Ziffern an.")
                % {"label": field.label}
            ]
        if value:
            parts[part] = value
    if not parts and not errors:
        return MISSING, {}
    if parts:
        for part in ADDRESS_REQUIRED:
            if part not in parts and part not in errors:
                errors[part] = [address_required_message(field, part)]
    return (parts if not errors else MISSING), errors


def address_required_message(field: Field, part: str) -> str:
    return _("Bitte geben Sie bei „%(label)s“ %(part)s an.") % {
        "label": field.label,
        "part": {
            "street": _("die Straße"),
            "postcode": _("die Postleitzahl"),
            "city": _("den Ort"),
            "house_number": _("die Hausnummer"),
        }[part],
    }
