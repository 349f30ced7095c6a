"""Engine: the rule "day, month and year make a calendar date" (`valid_date`, used for the
FIM building block "Datum (teilbekannt)": Tag, Monat, Jahr in three fields), and "at least one
of these Ja/Nein fields is yes" (`any_true`)."""

import pytest

from openkommune.forms.engine import DefinitionError, parse_definition, validate
from tests.forms.helpers import field, group, raw_form

MESSAGE = "Diesen Tag gibt es nicht."


def date_form(*, day_type="integer"):
    return parse_definition(
        raw_form(
            field("tag", day_type),
            field("monat", "integer"),
            field("jahr", "integer"),
            rules=[{"valid_date": ["tag", "monat", "jahr"], "message": MESSAGE}],
        )
    )


def test_a_day_the_month_does_not_have_is_an_error_at_the_day():
    definition = date_form()
    assert validate(definition, {"tag": 30, "monat": 2, "jahr": 2019}).errors == {"tag": [MESSAGE]}
    assert validate(definition, {"tag": 31, "monat": 11, "jahr": 1968}).errors == {"tag": [MESSAGE]}
    assert validate(definition, {"tag": 29, "monat": 2, "jahr": 2024}).is_valid
    assert validate(definition, {"tag": 31, "monat": 12, "jahr": 1968}).is_valid


def test_skipped_while_a_part_is_missing_and_text_parts_are_read_as_numbers():
    definition = date_form(day_type="text")
    assert validate(definition, {"tag": "30", "monat": 2}).is_valid
    assert validate(definition, {"tag": "x", "monat": 2, "jahr": 2019}).is_valid
    assert validate(definition, {"tag": "30", "monat": 2, "jahr": 2019}).errors == {
        "tag": [MESSAGE]
    }


def test_inside_a_repeated_group_per_entry():
    definition = parse_definition(
        raw_form(
            group("daten", [field("t", "integer"), field("m", "integer"), field("j", "integer")],
                  repeat={"min": 1, "max": 3}),
            rules=[{"valid_date": ["t", "m", "j"], "message": MESSAGE}],
        )
    )  # fmt: skip
    result = validate(
        definition, {"daten": [{"t": 1, "m": 1, "j": 2000}, {"t": 31, "m": 4, "j": 2000}]}
    )
    assert result.errors == {"daten.1.t": [MESSAGE]}


@pytest.mark.parametrize(
    ("rules", "problem"),
    [
        ([{"valid_date": ["tag", "monat", "datum"], "message": "x"}], "kein Zahl-, Text-"),
        ([{"valid_date": ["tag", "monat"], "message": "x"}], "valid_date"),
    ],
)
def test_bad_valid_date_rules_are_definition_errors(rules, problem):
    with pytest.raises(DefinitionError) as caught:
        parse_definition(
            raw_form(
                field("tag", "integer"), field("monat", "integer"), field("datum", "date"),
                rules=rules,
            )
        )  # fmt: skip
    assert problem in str(caught.value)


def test_any_true_needs_one_yes_among_the_shown_fields():
    definition = parse_definition(
        raw_form(
            field("zeigen", "boolean"),
            field("a", "boolean", visible_if={"field": "zeigen", "equals": True}),
            field("b", "boolean", visible_if={"field": "zeigen", "equals": True}),
            rules=[{"any_true": ["a", "b"], "message": MESSAGE}],
        )
    )
    assert validate(definition, {"zeigen": True, "a": False, "b": False}).errors == {"a": [MESSAGE]}
    assert validate(definition, {"zeigen": True, "a": False, "b": True}).is_valid
    assert validate(definition, {"zeigen": False}).is_valid  # none shown: skipped


def test_any_true_over_a_field_that_is_no_yes_no_field_is_a_definition_error():
    with pytest.raises(DefinitionError) as caught:
        parse_definition(
            raw_form(
                field("a", "boolean"), field("b", "text"),
                rules=[{"any_true": ["a", "b"], "message": "x"}],
            )
        )  # fmt: skip
    assert "kein Ja/Nein-Feld" in str(caught.value)
