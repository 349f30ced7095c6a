"""Definitions for the forms tests: the fixture files in tests/forms/fixtures/ and a small
builder for one-step forms around the fields a test is about."""

import copy
import json
from pathlib import Path

from openkommune.forms.engine import parse_definition

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_raw(name: str = "hundesteuer") -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def fixture_definition(name: str = "hundesteuer"):
    return parse_definition(fixture_raw(name))


def field(id: str, type: str = "text", **props) -> dict:
    label = props.pop("label", id.title())
    return {"kind": "field", "id": id, "type": type, "label": label, **props}


def group(id: str, items: list, **props) -> dict:
    title = props.pop("title", id.title())
    return {"kind": "group", "id": id, "title": title, "items": items, **props}


CODE_LISTS = {
    "farbe": {
        "title": "Farbe",
        "entries": [
            {"code": "rot", "label": "Rot"},
            {"code": "gruen", "label": "Grün"},
            {"code": "blau", "label": "Blau"},
        ],
    }
}


def raw_form(*items, key: str = "test_form", rules=None, steps=None, **extra) -> dict:
    raw = {
        "format": 1,
        "key": key,
        "title": "Testformular",
        "leika_keys": ["99000000000000"],
        "code_lists": copy.deepcopy(CODE_LISTS),
        "steps": steps or [{"id": "eins", "title": "Schritt eins", "items": list(items)}],
    }
    if rules:
        raw["rules"] = rules
    raw.update(extra)
    return raw


def form(*items, **kwargs):
    return parse_definition(raw_form(*items, **kwargs))
