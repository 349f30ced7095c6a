"""The Länder, for fields whose value the platform sets (`"system": "land"`, docs/forms.md):
the Land of the Gemeinde an application is for, from the first two digits of its ARS
(Amtlicher Regionalschlüssel). Pure Python, no database."""

from __future__ import annotations

from openkommune.forms.engine.definition import Definition

# (ARS prefix, code, name): the codes are the usual two-letter abbreviations FIM rules use.
LAENDER = (
    ("01", "SH", "Schleswig-Holstein"),
    ("02", "HH", "Hamburg"),
    ("03", "NI", "Niedersachsen"),
    ("04", "HB", "Bremen"),
    ("05", "NW", "Nordrhein-Westfalen"),
    ("06", "HE", "Hessen"),
    ("07", "RP", "Rheinland-Pfalz"),
    ("08", "BW", "Baden-Württemberg"),
    ("09", "BY", "Bayern"),
    ("10", "SL", "Saarland"),
    ("11", "BE", "Berlin"),
    ("12", "BB", "Brandenburg"),
    ("13", "MV", "Mecklenburg-Vorpommern"),
    ("14", "SN", "Sachsen"),
    ("15", "ST", "Sachsen-Anhalt"),
    ("16", "TH", "Thüringen"),
)


def land_of_ars(ars: str | None) -> str | None:
    """The Land code for a regional key (`"145220000000"` → `"SN"`); None if unknown."""
    prefix = (ars or "")[:2]
    return next((code for key, code, _name in LAENDER if key == prefix), None)


def with_system_values(definition: Definition, data, *, gemeinde_ars: str | None):
    """`data` (a copy) with each platform-set value in place: a `"land"` field holds the Land
    of the Gemeinde `gemeinde_ars`, whatever the data said (an applicant cannot change it).
    Data that is no object, or a form without such fields: `data` itself."""
    fields = definition.system_fields
    if not fields or not isinstance(data, dict):
        return data
    out = dict(data)
    for field in fields:
        value = land_of_ars(gemeinde_ars) if field.system == "land" else None
        if value is None:
            out.pop(field.id, None)
        else:
            out[field.id] = value
    return out


def not_asked(raw_item: dict) -> bool:
    """Whether an item of a raw definition is a field the applicant is never asked: its
    value is set by the form (`fixed`) or the platform (`system`)."""
    return raw_item.get("kind") == "field" and (
        raw_item.get("fixed") is not None or raw_item.get("system") is not None
    )
