"""The publish gate: each check fails on a form with that problem and passes on the shipped
forms (page length: see docs/forms.md, gewerbeanmeldung's person step is the known exception)."""

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
)
from tests.forms.helpers import field, raw_form

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


def test_a_step_with_too_many_inputs_is_found():
    fields = [field(f"f{i}") for i in range(11)]
    assert page_length_messages(_form(field("name"), field("email", "email"), *fields))
    assert not page_length_messages(_form())


@pytest.mark.parametrize("path", sorted(DEFINITIONS.glob("*.json")), ids=lambda p: p.stem)
def test_shipped_forms_pass_all_but_the_known_page_length_exception(path):
    gate = publish_gate(json.loads(path.read_text(encoding="utf-8")))
    failed = {check.key for check in gate.checks if not check.passed}
    assert failed == ({"page_length"} if path.stem == "gewerbeanmeldung" else set())
