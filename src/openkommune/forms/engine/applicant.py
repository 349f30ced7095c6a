"""The applicant marker of a form definition: which fields hold the applicant's name,
address and e-mail address. Other parts of the platform (the case inbox, the notice letter)
read the applicant through it instead of guessing from group or field names.

In a definition it is a top-level object from role to field id, for example
`"applicant": {"given_name": "vorname", "family_name": "nachname", "address": "anschrift",
"email": "email"}`. Every role is optional; a form without the marker has no known applicant
(pages then say so). Pure Python, no database."""

from __future__ import annotations

from openkommune.forms.engine.definition import Definition, Field

# Role -> the field types that may hold it.
APPLICANT_ROLES: dict[str, tuple[str, ...]] = {
    "given_name": ("text",),
    "family_name": ("text",),
    "name": ("text",),
    "organisation": ("text",),
    "address": ("address",),
    "email": ("email",),
    "phone": ("phone",),
    "birth_date": ("date",),
    "birth_place": ("text",),
}


def applicant_messages(d: Definition) -> list[str]:
    """German messages for a marker that names a missing field, a field of the wrong type or
    one inside a repeated group (there it has no single value)."""
    out = []
    for role, field_id in d.applicant.items():
        where = f"Antragsteller „{role}“"
        allowed = APPLICANT_ROLES.get(role)
        target = d.items.get(field_id)
        if allowed is None:
            out.append(f"{where}: Diese Rolle gibt es nicht.")
        elif not isinstance(target, Field):
            out.append(f"{where}: „{field_id}“ ist kein Feld dieses Formulars.")
        elif target.type not in allowed:
            types = ", ".join(f"„{t}“" for t in allowed)
            out.append(
                f"{where}: Das Feld „{field_id}“ hat den Typ „{target.type}“; "
                f"erwartet wird {types}."
            )
        elif d.locations[field_id].repeats:
            out.append(
                f"{where}: Das Feld „{field_id}“ liegt in einer wiederholten Gruppe und hat "
                "daher keinen einzelnen Wert."
            )
    return out


def applicant_values(d: Definition, data) -> dict:
    """The marked values present in `data` (cleaned application data), by role. Roles the
    form does not mark, or the applicant left empty, are missing; never raises."""
    values = {}
    for role, field_id in d.applicant.items():
        location = d.locations.get(field_id)
        if location is None or location.repeats:
            continue
        value = data
        for key in (*location.groups, field_id):
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, str):
            value = " ".join(value.split())
        if value not in (None, "", {}):
            values[role] = value
    return values
