"""`required_if` (a field shown always, required only while a condition holds) and
comparisons with `any_entry` (a field of a repeated group named from outside it: "any entry
of the group"), docs/forms.md "Conditions". Engine: definition checks, validation, rendering."""

import datetime

import pytest

from openkommune.forms.engine import DefinitionError, parse_definition, validate, visibility
from openkommune.forms.engine.rendering import step_widgets
from tests.forms.helpers import field, form, group, raw_form

TODAY = datetime.date(2025, 6, 15)


def _steps(*steps):
    return [{"id": sid, "title": sid.title(), "items": items} for sid, items in steps]


def _kinder_form(**zweite):
    """Step 1: children (repeated) with their age; step 2: a field depending on them."""
    return parse_definition(
        raw_form(
            steps=_steps(
                (
                    "angaben",
                    [
                        group(
                            "kinder",
                            [
                                field("alter", "integer", label="Alter"),
                                field("kita", "boolean", label="Kita"),
                            ],
                            repeat={"min": 0, "max": 5},
                        )
                    ],
                ),
                ("zeiten", [field("betreuung", label="Betreuungszeiten", **zweite)]),
            )
        )
    )


def test_required_if_requires_only_while_the_condition_holds():
    definition = form(
        field("verheiratet", "boolean", label="Verheiratet"),
        field("partner", label="Name des Partners",
              required_if={"field": "verheiratet", "equals": True}),
    )  # fmt: skip
    assert validate(definition, {"verheiratet": True}, today=TODAY).errors == {
        "partner": ["Bitte geben Sie „Name des Partners“ an."]
    }
    assert validate(definition, {"verheiratet": False}, today=TODAY).is_valid
    assert validate(definition, {}, today=TODAY).is_valid
    # Always shown: an answer is kept when the condition does not hold.
    result = validate(definition, {"verheiratet": False, "partner": "Kim"}, today=TODAY)
    assert result.data == {"verheiratet": False, "partner": "Kim"}


def test_a_hidden_field_is_never_required_whatever_required_if_says():
    definition = form(
        field("art", "choice", choices="farbe"),
        field("grund", required_if={"field": "art", "equals": "rot"},
              visible_if={"field": "art", "in": ["rot", "gruen"]}),
        field("immer", required_if={"field": "art", "filled": True},
              visible_if={"field": "art", "equals": "blau"}),
    )  # fmt: skip
    errors = validate(definition, {"art": "rot"}, today=TODAY).errors
    assert list(errors) == ["grund"]


def test_required_if_inside_a_repeated_group_looks_at_the_same_entry():
    definition = form(
        group("hunde", [
            field("gefaehrlich", "boolean"),
            field("erlaubnis", "file", required_if={"field": "gefaehrlich", "equals": True}),
        ], repeat={"min": 1, "max": 3}),
    )  # fmt: skip
    data = {"hunde": [{"gefaehrlich": False}, {"gefaehrlich": True}]}
    assert list(validate(definition, data, today=TODAY).errors) == ["hunde.1.erlaubnis"]


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"required": True, "required_if": {"field": "a", "filled": True}}, "ohnehin Pflicht"),
        ({"required_if": {"field": "b", "filled": True}}, "nennt das Feld selbst"),
        ({"required_if": {"field": "gibtsnicht", "filled": True}}, "gibtsnicht"),
        ({"required_if": {"field": "a", "wrong": 1}}, "required_if"),
    ],
)
def test_contradictory_or_broken_required_if_is_a_definition_error(props, message):
    raw = raw_form(field("a"), field("b", **props))
    with pytest.raises(DefinitionError) as error:
        parse_definition(raw)
    assert message in " ".join(error.value.messages)


def test_an_info_text_cannot_have_required_if():
    raw = raw_form(field("a"), field("hinweis", "info", required_if={"field": "a", "filled": True}))
    with pytest.raises(DefinitionError, match="Hinweistexte"):
        parse_definition(raw)


def test_any_entry_holds_when_one_entry_of_the_group_matches():
    definition = _kinder_form(visible_if={"field": "kita", "equals": True, "any_entry": True})
    shown = lambda data: visibility(definition, data).item_visible("betreuung")  # noqa: E731
    assert not shown({"kinder": []})
    assert not shown({"kinder": [{"kita": False}, {"kita": False}]})
    assert shown({"kinder": [{"kita": False}, {"kita": True}]})
    # Numbers compare too (`in`), and `filled` asks whether any entry has the field.
    numbers = _kinder_form(visible_if={"field": "alter", "in": [1, 2], "any_entry": True})
    assert visibility(numbers, {"kinder": [{"alter": 5}, {"alter": "2"}]}).item_visible("betreuung")
    filled = _kinder_form(visible_if={"field": "alter", "filled": True, "any_entry": True})
    assert not visibility(filled, {"kinder": [{}, {}]}).item_visible("betreuung")
    assert visibility(filled, {"kinder": [{}, {"alter": 3}]}).item_visible("betreuung")


def test_required_if_any_entry_of_an_earlier_step():
    definition = _kinder_form(required_if={"field": "kita", "equals": True, "any_entry": True})
    data = {"kinder": [{"kita": False}, {"kita": True}]}
    assert validate(definition, data, today=TODAY).errors == {
        "betreuung": ["Bitte geben Sie „Betreuungszeiten“ an."]
    }
    assert validate(definition, {"kinder": [{"kita": False}]}, today=TODAY).is_valid
    # The page of step 2 marks it required when an earlier answer makes it so.
    [widget] = step_widgets(definition, definition.step("zeiten"), data)
    assert widget.optional is False
    [widget] = step_widgets(definition, definition.step("zeiten"), {"kinder": []})
    assert widget.optional is True


def test_naming_a_repeated_field_from_outside_needs_any_entry_and_any_entry_needs_that():
    with pytest.raises(DefinitionError, match="any_entry"):
        _kinder_form(visible_if={"field": "kita", "equals": True})
    raw = raw_form(field("a", "boolean"), field("b", visible_if={"field": "a", "equals": True,
                                                                 "any_entry": True}))  # fmt: skip
    with pytest.raises(DefinitionError, match="keiner wiederholten Gruppe"):
        parse_definition(raw)


def test_a_same_page_required_if_says_when_it_is_needed():
    definition = form(
        field("verheiratet", "boolean", label="Verheiratet"),
        field("partner", label="Name des Partners",
              required_if={"field": "verheiratet", "equals": True}),
    )  # fmt: skip
    widgets = step_widgets(definition, definition.steps[0], {})
    partner = widgets[1]
    assert partner.optional is True
    assert "Pflichtangabe, wenn Sie bei „Verheiratet“ „Ja“ angegeben haben." in partner.hint


def test_the_data_schema_does_not_require_a_required_if_field():
    from openkommune.forms.engine import data_json_schema

    definition = form(
        field("a", "boolean"),
        field("b", required_if={"field": "a", "equals": True}),
    )
    assert "b" not in data_json_schema(definition)["required"]
    assert "b" in data_json_schema(definition)["properties"]
