"""The `between` comparison of conditions (docs/forms.md "Conditions"): the answer is a code of
digits from one number to another, both included. It serves FIM rules naming ranges of
numeric codes ("deren Code im Bereich >= 200000 bis < 300000 liegt") on a choice field, or on
the text field a FIM select becomes while its code list is missing."""

import datetime
import json

import pytest

from openkommune.forms.engine import DefinitionError, parse_definition, validate
from openkommune.forms.engine.conditions import MISSING, describe, describe_required, evaluate
from openkommune.forms.engine.rendering import step_widgets
from tests.forms.helpers import field, raw_form

TODAY = datetime.date(2026, 12, 7)
FORMS = {
    "rechtsform": {
        "title": "Rechtsform",
        "entries": [
            {"code": "110000", "label": "Personenhandelsgesellschaft"},
            {"code": "221100", "label": "GmbH"},
            {"code": "250000", "label": "Genossenschaft"},
            {"code": "410000", "label": "Einzelunternehmen"},
            {"code": "X1", "label": "Sonstige"},
        ],
    }
}
CAPITAL = {"field": "form", "between": [200000, 299999]}


def definition_with(*items, code_lists=None):
    return parse_definition(raw_form(*items, code_lists=code_lists or FORMS))


def company_form():
    return definition_with(
        field("form", "choice", choices="rechtsform", required=True, label="Rechtsform"),
        field("typed", "text", label="Rechtsform (Code)"),
        field("register", "text", visible_if=CAPITAL, required=True, label="Registernummer"),
        field(
            "note",
            "text",
            required_if={"field": "typed", "between": [110000, 114000]},
            label="Vertretung",
        ),
    )


@pytest.mark.parametrize(
    ("value", "holds"),
    [
        ("200000", True),
        ("299999", True),
        ("221100", True),
        ("199999", False),
        ("300000", False),
        ("X1", False),
        ("22110A", False),
        ("", False),
        (MISSING, False),
        (True, False),
        (["410000", "250000"], True),  # a multiple choice: one of its answers
        (["410000"], False),
    ],
)
def test_between_holds_for_a_code_of_digits_inside_the_bounds(value, holds):
    assert evaluate(CAPITAL, lambda _name: value) is holds


def test_leading_zeros_are_read_as_the_number():
    assert evaluate({"field": "f", "between": [1, 5]}, lambda _name: "005")


def test_a_field_shown_for_a_range_of_codes_is_asked_and_kept_only_then():
    definition = company_form()
    errors = validate(definition, {"form": "221100"}).errors
    assert errors == {"register": ["Bitte geben Sie „Registernummer“ an."]}
    result = validate(definition, {"form": "410000", "register": "HRB 1"})
    assert result.errors == {}
    assert result.data == {"form": "410000"}  # hidden: the answer is dropped


def test_required_if_between_on_a_text_field_compares_the_typed_code():
    definition = company_form()
    assert "note" in validate(definition, {"form": "410000", "typed": "111000"}).errors
    assert "note" not in validate(definition, {"form": "410000", "typed": "GmbH"}).errors


def test_the_sentences_name_the_labels_of_the_listed_codes_or_the_numbers():
    definition = company_form()
    assert describe(CAPITAL, definition) == (
        "Nur nötig, wenn Sie bei „Rechtsform“ „GmbH“ oder „Genossenschaft“ angegeben haben."
    )
    text_range = {"field": "typed", "between": [110000, 114000]}
    assert describe_required(text_range, definition) == (
        "Pflichtangabe, wenn Sie bei „Rechtsform (Code)“ einen Code von 110000 bis 114000 "
        "angegeben haben."
    )


def test_the_page_script_gets_the_bounds_of_a_comparison_on_the_same_page():
    definition = company_form()
    widgets = step_widgets(definition, definition.steps[0], {}, today=TODAY)
    (register,) = [widget for widget in widgets if widget.path == "register"]
    assert json.loads(register.show_if) == {"name": "form", "between": [200000, 299999]}


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        (
            {"field": "day", "between": [1, 2]},
            "„between“ (Code von … bis …) gilt nur für Auswahl- und Textfelder",
        ),
        ({"field": "form", "between": [300000, 200000]}, "300000 ist größer als 200000"),
        (
            {"field": "form", "between": [500000, 599999]},
            "Kein Code der Liste „rechtsform“ liegt von 500000 bis 599999",
        ),
    ],
)
def test_a_between_that_cannot_hold_is_refused_with_a_german_message(condition, message):
    with pytest.raises(DefinitionError) as refused:
        definition_with(
            field("form", "choice", choices="rechtsform"),
            field("day", "date"),
            field("other", "text", visible_if=condition),
        )
    assert any(message in line for line in refused.value.messages), refused.value.messages


@pytest.mark.parametrize("bounds", [[1], [1, 2, 3], [-1, 5], ["1", "2"], [1.5, 2]])
def test_the_format_takes_exactly_two_whole_numbers_from_zero(bounds):
    with pytest.raises(DefinitionError):
        definition_with(
            field("typed", "text"),
            field("other", "text", visible_if={"field": "typed", "between": bounds}),
        )
