"""What a form's data looks like to people and to machines: labelled answers in German
notation (check-your-answers page, receipt, case file) and the JSON Schema of the cleaned
data. Pure Python; use them through `openkommune.forms.engine`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import NamedTuple

from django.utils.translation import gettext as _

from openkommune.core.formatting import format_date, format_money, format_number
from openkommune.forms.engine.address import ADDRESS_LIMITS, ADDRESS_REQUIRED, address_part_label
from openkommune.forms.engine.conditions import INVALID, MISSING
from openkommune.forms.engine.definition import Definition, Field
from openkommune.forms.engine.fields import (
    DEFAULT_DECIMAL_PLACES,
    EMAIL_MAX_LENGTH,
    MAX_INTEGER_DIGITS,
    max_length,
)
from openkommune.forms.engine.state import Visibility, visibility

UUID_PATTERN = "^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$"


class AnswerRow(NamedTuple):
    label: str
    text: str
    path: str
    # "de" when the text is the citizen's own words or the form's German wording (a code
    # list's label, an address), "" when it is the interface's (Ja/Nein, "Keine Angabe") or
    # neutral (dates, numbers): English pages mark the German parts with lang="de".
    language: str = ""


@dataclass(frozen=True)
class AnswerSection:
    step_id: str
    title: str
    rows: list[AnswerRow]


def format_iban(value: str) -> str:
    return " ".join(value[i : i + 4] for i in range(0, len(value), 4))


def format_address(value: dict) -> str:
    street = " ".join(part for part in (value.get("street"), value.get("house_number")) if part)
    place = " ".join(part for part in (value.get("postcode"), value.get("city")) if part)
    return ", ".join(part for part in (street, place) if part)


def _file_name(value: str, file_names: dict | None) -> str:
    names = file_names or {}
    name = names.get(value)
    if name is None:
        try:
            name = names.get(uuid.UUID(value))
        except ValueError:
            name = None
    return _("Datei: %(name)s") % {"name": name or _("hochgeladen")}


# Field types whose displayed value is German text whatever the interface language.
GERMAN_TEXT_KINDS = frozenset({"text", "textarea", "choice", "multichoice", "address"})


def display_value(definition: Definition, field: Field, value, file_names=None) -> str:
    """A typed value in German notation."""
    if value is MISSING:
        return _("Keine Angabe")
    if value is INVALID:
        return _("Ungültige Angabe")
    kind = field.type
    if kind == "date":
        return format_date(value)
    if kind == "money":
        return format_money(value)
    if kind == "decimal":
        return format_number(value.normalize(), grouping=False)
    if kind == "boolean" and field.must_be_true:
        # Cleaning lets only `true` through; anything else is MISSING or INVALID above.
        return _("Bestätigt")
    if kind == "boolean":
        return _("Ja") if value else _("Nein")
    if kind == "choice":
        return definition.code_list(field).label_for(value)
    if kind == "multichoice":
        code_list = definition.code_list(field)
        return ", ".join(code_list.label_for(code) for code in value)
    if kind == "address":
        return format_address(value)
    if kind == "iban":
        return format_iban(value)
    if kind == "file":
        return _file_name(value, file_names)
    return str(value)


def _answer_rows(definition, shown: Visibility, items, prefix, label_prefix, ctx, file_names):
    rows = []
    for item in items:
        if not shown.item_visible(item.id, ctx):
            continue
        path = prefix + item.id
        if isinstance(item, Field):
            if item.has_value:
                value = shown.value(item.id, ctx)
                text = display_value(definition, item, value, file_names)
                german = item.type in GERMAN_TEXT_KINDS and value not in (MISSING, INVALID)
                rows.append(
                    AnswerRow(label_prefix + item.label, text, path, "de" if german else "")
                )
        elif item.repeat is None:
            rows.extend(
                _answer_rows(
                    definition,
                    shown,
                    item.items,
                    path + ".",
                    f"{label_prefix}{item.title}: ",
                    ctx,
                    file_names,
                )
            )
        else:
            entries = shown.value(item.id, ctx)
            for index in range(len(entries) if isinstance(entries, list) else 0):
                entry_label = f"{label_prefix}{item.repeat.item_label} {index + 1}: "
                rows.extend(
                    _answer_rows(
                        definition,
                        shown,
                        item.items,
                        f"{path}.{index}.",
                        entry_label,
                        {**ctx, item.id: index},
                        file_names,
                    )
                )
    return rows


def answers(
    definition: Definition, data, *, file_names: dict | None = None, today=None
) -> list[AnswerSection]:
    """The visible questions of each visible step with the answers in German notation
    (empty optional ones as "Keine Angabe"). `file_names` maps attachment ids to names."""
    shown = visibility(definition, data, today=today)
    sections = []
    for step in definition.steps:
        if not shown.step_visible(step.id):
            continue
        rows = _answer_rows(definition, shown, step.items, "", "", {}, file_names)
        if rows:
            sections.append(AnswerSection(step_id=step.id, title=step.title, rows=rows))
    return sections


# --- JSON Schema of the data -------------------------------------------------------------


def _string(field: Field, **extra) -> dict:
    return {"type": "string", "minLength": 1, **extra}


def _field_schema(definition: Definition, field: Field) -> dict:
    kind = field.type
    if kind in ("text", "textarea", "email", "phone"):
        schema = _string(field)
        if field.min_length:
            schema["minLength"] = max(1, field.min_length)
        schema["maxLength"] = max_length(field)
        if kind == "email":
            schema["format"] = "email"
            schema["maxLength"] = min(schema["maxLength"], EMAIL_MAX_LENGTH)
        if kind == "phone":
            schema["pattern"] = r"^\+?[0-9 /()\-]+$"
        if field.pattern:
            # JSON Schema patterns search; the engine matches the whole value.
            schema["allOf"] = [{"pattern": f"^(?:{field.pattern})$"}]
    elif kind == "integer":
        bound = 10**MAX_INTEGER_DIGITS - 1
        schema = {"type": "integer", "minimum": -bound, "maximum": bound}
        if field.min is not None:
            schema["minimum"] = field.min
        if field.max is not None:
            schema["maximum"] = field.max
    elif kind == "decimal":
        places = DEFAULT_DECIMAL_PLACES if field.decimal_places is None else field.decimal_places
        fraction = rf"(\.[0-9]{{0,{places - 1}}}[1-9])?" if places else ""
        schema = _string(field, pattern=rf"^-?(0|[1-9][0-9]*){fraction}$")
    elif kind == "money":
        schema = _string(field, pattern=r"^-?(0|[1-9][0-9]*)\.[0-9]{2}$")
    elif kind == "date":
        schema = _string(field, format="date", pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
    elif kind == "boolean" and field.must_be_true:
        schema = {"const": True}
    elif kind == "boolean":
        schema = {"type": "boolean"}
    elif kind == "choice":
        schema = {"type": "string", "enum": list(definition.code_list(field).codes)}
    elif kind == "multichoice":
        codes = list(definition.code_list(field).codes)
        schema = {"type": "array", "items": {"enum": codes}, "minItems": 1, "uniqueItems": True}
        if field.min is not None:
            schema["minItems"] = max(1, int(field.min))
        if field.max is not None:
            schema["maxItems"] = int(field.max)
    elif kind == "iban":
        schema = _string(field, pattern=r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")
    elif kind == "address":
        schema = {
            "type": "object",
            "additionalProperties": False,
            "required": list(ADDRESS_REQUIRED),
            "properties": {
                part: {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": limit,
                    "title": address_part_label(part),
                }
                for part, limit in ADDRESS_LIMITS.items()
            },
        }
        schema["properties"]["postcode"]["pattern"] = "^[0-9]{5}$"
    elif kind == "file":
        schema = _string(field, format="uuid", pattern=UUID_PATTERN)
    else:  # pragma: no cover - info fields are skipped by the caller
        raise AssertionError(kind)
    schema["title"] = field.label
    if field.help:
        schema["description"] = field.help
    return schema


def _object_schema(definition: Definition, items, conditional: bool) -> dict:
    """(object schema, whether valid data always has this object)."""
    properties: dict[str, dict] = {}
    required: list[str] = []
    for item in items:
        hidden_sometimes = conditional or item.visible_if is not None
        if isinstance(item, Field):
            if not item.has_value:
                continue
            properties[item.id] = _field_schema(definition, item)
            if item.required and not hidden_sometimes:
                required.append(item.id)
        elif item.repeat is None:
            inner = _object_schema(definition, item.items, hidden_sometimes)
            properties[item.id] = {"title": item.title, **inner, "minProperties": 1}
            if inner["required"]:
                required.append(item.id)
        else:
            entry = _object_schema(definition, item.items, False)
            properties[item.id] = {
                "title": item.title,
                "type": "array",
                "items": entry,
                "minItems": max(1, item.repeat.min),
                "maxItems": item.repeat.max,
            }
            if item.repeat.min >= 1 and not hidden_sometimes:
                required.append(item.id)
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
        "required": required,
    }


def data_json_schema(definition: Definition) -> dict:
    """A JSON Schema (2020-12) of the cleaned data of this definition. Checks that cannot be
    written in JSON Schema (cross-field rules, date ranges relative to today, IBAN checksums,
    numeric ranges of decimal strings) are left to the engine."""
    properties: dict[str, dict] = {}
    required: list[str] = []
    for step in definition.steps:
        schema = _object_schema(definition, step.items, step.visible_if is not None)
        properties.update(schema["properties"])
        required.extend(schema["required"])
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:openkommune:form-data:{definition.key}",
        "title": definition.title,
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
        "required": required,
    }
