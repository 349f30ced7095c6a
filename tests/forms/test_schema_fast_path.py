"""The definition check's fast path (jsonschema-rs) answers like the Python validator: it
lets a valid definition through at once, and whatever it refuses goes to the Python
validator for the German messages. Both must agree on valid and invalid, or a problem could
slip past (docs/forms.md, "The engine")."""

import copy
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from openkommune.forms.engine.checks import _fast_validator, schema_messages
from openkommune.forms.engine.definition import definition_schema
from tests.forms.helpers import FIXTURES, field, group, raw_form

DEFINITIONS = Path(__file__).resolve().parents[2] / "src/openkommune/forms/definitions"


def _shipped():
    files = sorted(DEFINITIONS.glob("*.json")) + sorted(FIXTURES.glob("*.json"))
    return [json.loads(path.read_text(encoding="utf-8")) for path in files]


def _variants():
    base = raw_form(
        field("a", "boolean"),
        field("b", required_if={"field": "a", "equals": True}),
        group("g", [field("c", "integer", min=0)], repeat={"min": 0, "max": 3}),
        field("d", visible_if={"field": "c", "in": [1, 2], "any_entry": True}),
    )
    out = [base]
    for change in (
        lambda d: d["steps"][0]["items"][0].update({"type": "nope"}),
        lambda d: d["steps"][0]["items"][1].update({"required_if": {"field": "a"}}),
        lambda d: d["steps"][0]["items"][3]["visible_if"].update({"any_entry": False}),
        lambda d: d.update({"key": "Grossbuchstaben"}),
        lambda d: d.update({"key": "mit_zeilenende\n"}),
        lambda d: d.update({"leika_keys": ["99000000000000", "99000000000000"]}),
        lambda d: d.update({"format": True}),
        lambda d: d.update({"format": 1.0}),
        lambda d: d["steps"][0]["items"][2]["repeat"].update({"max": 0}),
        lambda d: d["steps"][0].update({"extra": 1}),
        lambda d: d.update({"steps": []}),
        lambda d: d["steps"][0]["items"][0].update({"label": ""}),
    ):
        variant = copy.deepcopy(base)
        change(variant)
        out.append(variant)
    return out


@pytest.mark.parametrize("raw", _shipped() + _variants())
def test_the_fast_path_agrees_with_the_python_validator(raw):
    fast = _fast_validator()
    assert fast is not None  # a dependency of the project
    python_valid = not list(Draft202012Validator(definition_schema()).iter_errors(raw))
    if fast.is_valid(raw):
        assert python_valid, "the fast path let through what the schema refuses"
    assert (schema_messages(raw) == []) == python_valid
