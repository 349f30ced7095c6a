"""Engine: the rule "at least one of these fields is filled" (`any_filled`, used for FIM's
"mindestens eines der Felder …" and "entweder A oder B") and the number of answers of a
multiple choice (`min`/`max` on `multichoice`)."""

import pytest

from openkommune.forms.engine import DefinitionError, data_json_schema, parse_definition, validate
from tests.forms.helpers import field, group, raw_form

MESSAGE = "Bitte geben Sie Telefon oder E-Mail an."


def contact_form(**props):
    return parse_definition(
        raw_form(
            field("wie", "boolean", required=True),
            field("telefon", "phone", visible_if={"field": "wie", "equals": True}),
            field("email", "email", visible_if={"field": "wie", "equals": True}),
            rules=[{"any_filled": ["telefon", "email"], "message": MESSAGE}],
            **props,
        )
    )


def test_one_of_the_fields_must_be_filled():
    definition = contact_form()
    assert validate(definition, {"wie": True}).errors == {"telefon": [MESSAGE]}
    assert validate(definition, {"wie": True, "email": "a@example.de"}).is_valid
    assert validate(definition, {"wie": True, "telefon": "0391 123456"}).is_valid


def test_skipped_while_none_is_shown_and_invalid_counts_as_filled():
    definition = contact_form()
    assert validate(definition, {"wie": False}).is_valid
    errors = validate(definition, {"wie": True, "email": "kaputt"}).errors
    assert list(errors) == ["email"]  # its own error, not the rule's


def test_inside_a_repeated_group_per_entry():
    definition = parse_definition(
        raw_form(
            group("kontakte", [field("tel", "phone"), field("mail", "email")],
                  repeat={"min": 1, "max": 3}),
            rules=[{"any_filled": ["tel", "mail"], "message": MESSAGE}],
        )
    )  # fmt: skip
    result = validate(definition, {"kontakte": [{"tel": "0391 123456"}, {}]})
    assert result.errors == {"kontakte.1.tel": [MESSAGE]}


@pytest.mark.parametrize(
    ("rules", "problem"),
    [
        ([{"any_filled": ["telefon", "fehlt"], "message": "x"}], "kein Feld mit einem Wert"),
        ([{"any_filled": ["telefon"], "message": "x"}], "einzelnes Feld gilt „required“"),
        ([{"any_filled": ["plain"], "message": "x"}], "keine wiederholte Gruppe"),
        (
            [{"any_filled": ["telefon", "fax"], "when": {"field": "nix", "filled": True},
              "message": "x"}],
            "Bedingung „when“: Die Bedingung nennt „nix“",
        ),
    ],
)  # fmt: skip
def test_bad_any_filled_rules_are_definition_errors(rules, problem):
    with pytest.raises(DefinitionError) as caught:
        parse_definition(
            raw_form(
                field("telefon", "phone"),
                field("fax", "phone"),
                group("plain", [field("inner", "text")]),
                rules=rules,
            )
        )
    assert problem in str(caught.value)


def land_form(rule_fields):
    return parse_definition(
        raw_form(
            field("land", "text", label="Land"),
            field("telefon", "phone"),
            field("email", "email"),
            group("nachweise", [field("datei", "text", required=True)],
                  repeat={"min": 0, "max": 3}),
            rules=[{"any_filled": rule_fields, "message": MESSAGE,
                    "when": {"field": "land", "in": ["TH", "SN"]}}],
        )
    )  # fmt: skip


def test_any_filled_with_when_is_checked_only_while_the_condition_holds():
    definition = land_form(["telefon", "email"])
    assert validate(definition, {"land": "TH"}).errors == {"telefon": [MESSAGE]}
    assert validate(definition, {"land": "TH", "email": "a@example.de"}).is_valid
    assert validate(definition, {"land": "BY"}).is_valid
    assert validate(definition, {}).is_valid


def test_any_filled_over_a_repeated_group_needs_an_entry_with_a_value():
    definition = land_form(["nachweise"])
    assert validate(definition, {"land": "SN"}).errors == {"nachweise": [MESSAGE]}
    assert validate(definition, {"land": "SN", "nachweise": [{"datei": "x"}]}).is_valid
    assert validate(definition, {"land": "BY"}).is_valid


def test_fields_at_different_repeat_levels_count_in_any_entry():
    definition = parse_definition(
        raw_form(
            field("wie", "boolean", required=True),
            field("telefon", "phone", visible_if={"field": "wie", "equals": True}),
            group("liste", [field("mail", "email")], repeat={"min": 0, "max": 2}),
            rules=[{"any_filled": ["telefon", "mail"], "message": MESSAGE}],
        )
    )
    # Checked once, at the level the fields share: the phone, or a mail in any entry.
    assert validate(definition, {"wie": True, "liste": [{}, {}]}).errors == {"telefon": [MESSAGE]}
    assert validate(definition, {"wie": True, "liste": [{}, {"mail": "a@example.de"}]}).is_valid
    assert validate(definition, {"wie": True, "telefon": "0391 123456"}).is_valid
    # No field of that level shown: the error goes to the repeated group.
    assert validate(definition, {"wie": False, "liste": [{}]}).errors == {"liste": [MESSAGE]}
    assert validate(definition, {"wie": False, "liste": [{"mail": "a@example.de"}]}).is_valid


def test_yes_no_rules_at_different_repeat_levels_are_refused():
    raw = raw_form(
        field("a", "boolean"),
        group("liste", [field("b", "boolean")], repeat={"min": 0, "max": 2}),
        rules=[{"any_true": ["a", "b"], "message": "x"}],
    )
    with pytest.raises(DefinitionError, match="derselben"):
        parse_definition(raw)


def test_number_of_answers_of_a_multiple_choice():
    definition = parse_definition(
        raw_form(field("farben", "multichoice", choices="farbe", min=2, max=2))
    )
    assert validate(definition, {"farben": ["rot", "blau"]}).is_valid
    assert validate(definition, {}).is_valid  # optional: nothing chosen is fine
    too_many = validate(definition, {"farben": ["rot", "gruen", "blau"]}).errors
    assert too_many == {"farben": ["Bitte wählen Sie bei „Farben“ höchstens 2 Antworten."]}
    too_few = validate(definition, {"farben": ["rot"]}).errors
    assert too_few == {"farben": ["Bitte wählen Sie bei „Farben“ mindestens 2 Antworten."]}
    schema = data_json_schema(definition)["properties"]["farben"]
    assert (schema["minItems"], schema["maxItems"]) == (2, 2)


@pytest.mark.parametrize("bound", [0, 1.5, "2"])
def test_bad_answer_counts_are_definition_errors(bound):
    with pytest.raises(DefinitionError):
        parse_definition(raw_form(field("farben", "multichoice", choices="farbe", max=bound)))


def test_a_condition_on_a_repeated_group_means_an_entry_holds_a_value():
    definition = parse_definition(
        raw_form(
            group("anzeige", [field("datum", "date"), field("art", "text")],
                  repeat={"min": 0, "max": 1}),
            field("behoerde", "text", required=True,
                  visible_if={"field": "anzeige", "filled": True}),
        )
    )  # fmt: skip
    assert validate(definition, {}).is_valid
    assert validate(definition, {"anzeige": [{}]}).is_valid  # an empty entry holds nothing
    errors = validate(definition, {"anzeige": [{"art": "neu"}]}).errors
    assert list(errors) == ["behoerde"]
    assert validate(definition, {"anzeige": [{"art": "neu"}], "behoerde": "Amt"}).is_valid


def test_a_repeated_group_cannot_be_compared_with_a_value():
    raw = raw_form(
        group("anzeige", [field("art", "text")], repeat={"min": 0, "max": 1}),
        field("behoerde", "text", visible_if={"field": "anzeige", "equals": "x"}),
    )
    with pytest.raises(DefinitionError, match="filled"):
        parse_definition(raw)
