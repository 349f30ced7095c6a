"""The publish gate: each check fails on a form with that problem and passes on the shipped
forms (page length: the engine's own cut, ADR 0032)."""

import json
from pathlib import Path

import pytest

from openkommune.studio.gate import (
    applicant_messages,
    condition_order_messages,
    labels_messages,
    page_length_messages,
    publish_gate,
    schema_messages,
    unasked_step_messages,
)
from tests.forms.helpers import field, group, raw_form

DEFINITIONS = Path(__file__).parents[2] / "src/openkommune/forms/definitions"
APPLICANT = {"name": "name", "email": "email"}


def _form(*items, **kwargs):
    return raw_form(*(items or [field("name"), field("email", "email")]),
                    applicant=kwargs.pop("applicant", APPLICANT), **kwargs)  # fmt: skip


def test_a_good_small_form_passes():
    assert publish_gate(_form()).passed


def test_blank_labels_are_found():
    assert labels_messages(_form(field("name", label="  "), field("email", "email")))


def test_missing_applicant_is_found():
    assert len(applicant_messages(_form(applicant={}))) == 2
    assert applicant_messages(_form(applicant={"name": "name"}))  # not reachable
    assert not applicant_messages(_form())


def test_engine_errors_are_schema_messages():
    assert schema_messages(_form(field("name", "integer", min=3, max=1), field("email", "email")))
    assert not schema_messages(_form())


def test_condition_on_a_later_answer_is_found():
    later = _form(
        field("name", visible_if={"field": "email", "filled": True}), field("email", "email")
    )
    messages = condition_order_messages(later)
    assert any("email" in message and "später" in message for message in messages)
    steps = [
        {"id": "a", "title": "A", "visible_if": {"field": "b1", "equals": "x"},
         "items": [field("name"), field("email", "email")]},
        {"id": "b", "title": "B", "items": [field("b1")]},
    ]  # fmt: skip
    assert condition_order_messages(_form(steps=steps))
    earlier = _form(
        field("email", "email"), field("name", visible_if={"field": "email", "filled": True})
    )
    assert not condition_order_messages(earlier)


def test_a_page_the_engine_cannot_cut_is_found():
    # Plain fields are cut into pages by the engine; an entry of a repeated group is not.
    fields = [field(f"f{i}") for i in range(11)]
    assert not page_length_messages(_form(field("name"), field("email", "email"), *fields))
    entry = group("hunde", [field(f"h{i}") for i in range(11)], repeat={"min": 1, "max": 3})
    assert page_length_messages(_form(field("name"), field("email", "email"), entry))
    assert not page_length_messages(_form())


def test_a_step_that_asks_nothing_is_found():
    fixed = field("art", fixed="x")
    steps = [
        {"id": "a", "title": "Angaben", "items": [field("name"), field("email", "email")]},
        {"id": "b", "title": "Art", "items": [fixed]},
    ]
    [message] = unasked_step_messages(_form(steps=steps))
    assert "„Art“" in message
    assert "leere Seite" in message
    assert not publish_gate(_form(steps=steps)).passed
    steps[1]["items"].append(field("ort"))
    assert not unasked_step_messages(_form(steps=steps))


@pytest.mark.parametrize("path", sorted(DEFINITIONS.glob("*.json")), ids=lambda p: p.stem)
def test_shipped_forms_pass_the_gate(path):
    gate = publish_gate(json.loads(path.read_text(encoding="utf-8")))
    assert [check.key for check in gate.checks if not check.passed] == []
