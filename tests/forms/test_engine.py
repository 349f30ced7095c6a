"""validate(): coercion of page strings and API values, the checks of each field type,
visibility, repeated groups, rules and unknown keys."""

import dataclasses
import datetime

import pytest

from openkommune.forms.engine import validate, visible_steps
from tests.forms.helpers import field, fixture_definition, form, group

TODAY = datetime.date(2025, 6, 15)


def check(definition, data, **kwargs):
    return validate(definition, data, today=TODAY, **kwargs)


FULL_PAGE_DATA = {
    "anlass": "an",
    "person": {
        "vorname": " Anna ",
        "nachname": "Muster",
        "geburtsdatum": "01.02.1980",
        "anschrift": {"street": "Hauptstraße", "house_number": "1a", "postcode": "12345",
                      "city": "Musterstadt"},
        "email": "anna@example.org",
        "telefon": "",
    },
    "hunde": [{"hund_name": "Bello", "rasse": "dackel", "merkmale": ["kastriert", "chip"],
               "chipnummer": "", "gewicht": "12,5", "gehalten_seit": "2020-03-01",
               "gehalten_bis": ""}],
    "lastschrift": "ja",
    "iban": "de02 1203 0000 0000 2020 51",
    "anzahl_hunde_haushalt": "2",
    "vorauszahlung": "234,5",
}  # fmt: skip


def test_page_strings_become_typed_data():
    result = check(fixture_definition(), FULL_PAGE_DATA)
    assert result.errors == {}
    assert result.is_valid
    assert result.data == {
        "anlass": "an",
        "person": {
            "vorname": "Anna",
            "nachname": "Muster",
            "geburtsdatum": "1980-02-01",
            "anschrift": {"street": "Hauptstraße", "house_number": "1a", "postcode": "12345",
                          "city": "Musterstadt"},
            "email": "anna@example.org",
        },
        "hunde": [{"hund_name": "Bello", "rasse": "dackel", "merkmale": ["chip", "kastriert"],
                   "gewicht": "12.5", "gehalten_seit": "2020-03-01"}],
        "lastschrift": True,
        "iban": "DE02120300000000202051",
        "anzahl_hunde_haushalt": 2,
        "vorauszahlung": "234.50",
    }  # fmt: skip


def test_cleaned_data_validates_again_unchanged():
    definition = fixture_definition()
    first = check(definition, FULL_PAGE_DATA)
    again = check(definition, first.data)
    assert again.errors == {}
    assert again.data == first.data


def test_typed_api_values_are_accepted():
    definition = form(
        field("n", "integer"), field("b", "boolean"), field("m", "money"), field("d", "decimal")
    )
    result = check(definition, {"n": 3.0, "b": False, "m": 12.5, "d": 7})
    assert result.errors == {}
    assert result.data == {"n": 3, "b": False, "m": "12.50", "d": "7"}


def test_definition_is_frozen():
    definition = fixture_definition()
    with pytest.raises(dataclasses.FrozenInstanceError):
        definition.title = "anders"


# --- visibility -----------------------------------------------------------------------------


def test_hidden_field_is_dropped_and_not_required():
    definition = fixture_definition()
    data = {**FULL_PAGE_DATA, "abmeldegrund": "zu viel Text" * 100}
    result = check(definition, data)
    assert "abmeldegrund" not in result.data
    assert "abmeldegrund" not in result.errors


def test_visible_required_field_is_checked():
    result = check(fixture_definition(), {**FULL_PAGE_DATA, "anlass": "ab"})
    assert result.errors["abmeldegrund"] == ["Bitte geben Sie „Grund der Abmeldung“ an."]


def test_hidden_step_drops_its_data_and_requirements():
    definition = fixture_definition()
    result = check(definition, {**FULL_PAGE_DATA, "anlass": "ab", "abmeldegrund": "Umzug"})
    assert result.errors == {}
    assert "hunde" not in result.data
    assert [s.id for s in visible_steps(definition, result.data, today=TODAY)] == [
        "anlass_schritt", "halter", "zahlung",
    ]  # fmt: skip


def test_invalid_value_of_a_hidden_field_is_no_error():
    data = {**FULL_PAGE_DATA, "lastschrift": "nein", "iban": "kaputt"}
    result = check(fixture_definition(), data)
    assert result.errors == {}
    assert "iban" not in result.data


def test_condition_on_a_hidden_field_sees_no_value():
    definition = form(
        field("a", "boolean"),
        field("b", "text", visible_if={"field": "a", "equals": True}),
        field("c", "text", required=True, visible_if={"field": "b", "filled": True}),
    )
    assert check(definition, {"a": True, "b": "x"}).errors == {"c": ["Bitte geben Sie „C“ an."]}
    # b is hidden, so its value does not count as filled and c is hidden as well.
    assert check(definition, {"a": False, "b": "x"}).errors == {}


@pytest.mark.parametrize(
    ("condition", "value", "shown"),
    [
        ({"field": "n", "equals": 3}, "3", True),
        ({"field": "n", "equals": 3}, "4", False),
        ({"field": "n", "in": [1, 2]}, "2", True),
        ({"field": "n", "filled": False}, "", True),
        ({"not": {"field": "n", "filled": True}}, "1", False),
        ({"all": [{"field": "n", "filled": True}, {"field": "n", "in": [5]}]}, "5", True),
        ({"any": [{"field": "n", "equals": 1}, {"field": "n", "equals": 9}]}, "9", True),
        # An invalid value counts as filled but equals nothing.
        ({"field": "n", "filled": True}, "abc", True),
        ({"field": "n", "equals": 3}, "abc", False),
    ],
)
def test_conditions(condition, value, shown):
    definition = form(
        field("n", "integer"), field("t", "text", required=True, visible_if=condition)
    )
    errors = check(definition, {"n": value}).errors
    assert ("t" in errors) is shown


def test_multichoice_condition_means_chosen():
    definition = fixture_definition()
    data = {**FULL_PAGE_DATA, "hunde": [{**FULL_PAGE_DATA["hunde"][0], "merkmale": ["blind"]}]}
    errors = check(definition, data).errors
    assert errors == {"hunde.0.nachweis": ["Bitte laden Sie „Nachweis Blindenführhund“ hoch."]}


# --- unknown keys and shapes ---------------------------------------------------------------


def test_unknown_keys_are_errors_at_every_level():
    definition = fixture_definition()
    data = {
        **FULL_PAGE_DATA,
        "tippfehler": 1,
        "hinweis": "info fields take no value",
        "person": {**FULL_PAGE_DATA["person"], "zweitname": "x"},
        "hunde": [{**FULL_PAGE_DATA["hunde"][0], "farbe": "braun"}],
    }
    data["person"]["anschrift"] = {**data["person"]["anschrift"], "land": "DE"}
    errors = check(definition, data).errors
    assert errors == {
        "tippfehler": ["Unbekanntes Feld."],
        "hinweis": ["Unbekanntes Feld."],
        "person.zweitname": ["Unbekanntes Feld."],
        "person.anschrift.land": ["Unbekanntes Feld."],
        "hunde.0.farbe": ["Unbekanntes Feld."],
    }


def test_wrong_shapes_are_errors_not_crashes():
    definition = fixture_definition()
    errors = check(definition, {**FULL_PAGE_DATA, "person": "Anna", "hunde": {"0": {}}}).errors
    assert errors["person"] == ["„Person“ muss ein Objekt mit den Feldern der Gruppe sein."]
    assert errors["hunde"][0] == "„Hunde“ muss eine Liste von Einträgen sein."
    errors = check(definition, {**FULL_PAGE_DATA, "hunde": ["Bello"]}).errors
    assert errors["hunde.0"] == ["„Hunde“ muss ein Objekt mit den Feldern der Gruppe sein."]
    assert check(definition, ["not", "a", "dict"]).errors == {
        "__all__": ["Die Daten müssen ein JSON-Objekt sein."]
    }


def test_step_id_limits_errors_to_that_step():
    definition = fixture_definition()
    result = check(definition, {"tippfehler": 1, "anlass": "an"}, step_id="anlass_schritt")
    assert result.errors == {}
    result = check(definition, {"anlass": "an"}, step_id="halter")
    assert set(result.errors) == {
        "person.vorname", "person.nachname", "person.geburtsdatum",
        "person.anschrift.street", "person.anschrift.postcode", "person.anschrift.city",
    }  # fmt: skip


# --- repeated groups and rules ---------------------------------------------------------------


def test_repeat_min_and_max():
    definition = fixture_definition()
    entry = FULL_PAGE_DATA["hunde"][0]
    assert check(definition, {**FULL_PAGE_DATA, "hunde": []}).errors == {
        "hunde": ["Bitte geben Sie mindestens 1 Eintrag bei „Hunde“ an."]
    }
    assert check(definition, {**FULL_PAGE_DATA, "hunde": [entry] * 4}).errors == {
        "hunde": ["Bei „Hunde“ sind höchstens 3 Einträge möglich."]
    }
    assert check(definition, {**FULL_PAGE_DATA, "hunde": [entry] * 3}).errors == {}


def test_a_huge_list_of_entries_is_refused_without_cleaning_each():
    definition = fixture_definition()
    data = {**FULL_PAGE_DATA, "hunde": [{"hund_name": 5}] * 100_000}
    errors = check(definition, data).errors
    assert errors["hunde"] == ["Bei „Hunde“ sind höchstens 3 Einträge möglich."]
    assert "hunde.3.hund_name" not in errors
    assert "hunde.2.hund_name" in errors


def test_errors_in_entries_carry_the_entry_index():
    data = {**FULL_PAGE_DATA, "hunde": [FULL_PAGE_DATA["hunde"][0], {"hund_name": "Rex"}]}
    errors = check(fixture_definition(), data).errors
    assert errors == {"hunde.1.gehalten_seit": ["Bitte geben Sie „Gehalten seit“ an."]}


def test_rule_in_repeated_group_reports_at_left_field_of_the_entry():
    good = {**FULL_PAGE_DATA["hunde"][0], "gehalten_bis": "2021-01-01"}
    bad = {**good, "gehalten_bis": "29.02.2020"}
    data = {**FULL_PAGE_DATA, "hunde": [good, bad]}
    assert check(fixture_definition(), data).errors == {
        "hunde.1.gehalten_bis": ["Das Ende darf nicht vor dem Beginn liegen."]
    }


def test_rule_between_numbers_and_missing_values():
    definition = form(
        field("von", "integer"),
        field("bis", "money"),
        rules=[{"left": "von", "op": "<", "right": "bis", "message": "Von muss kleiner sein."}],
    )
    assert check(definition, {"von": "5", "bis": "5,00"}).errors == {
        "von": ["Von muss kleiner sein."]
    }
    assert check(definition, {"von": "5", "bis": "5,01"}).errors == {}
    assert check(definition, {"von": "5"}).errors == {}


def test_rule_not_equal():
    definition = form(
        field("a", "text"),
        field("b", "text"),
        rules=[{"left": "b", "op": "!=", "right": "a", "message": "Bitte zwei verschiedene."}],
    )
    assert check(definition, {"a": "x", "b": "x"}).errors == {"b": ["Bitte zwei verschiedene."]}
    assert check(definition, {"a": "x", "b": "y"}).errors == {}


def test_nested_group_without_values_is_absent():
    definition = form(group("g", [field("a"), group("h", [field("b")])]))
    assert check(definition, {"g": {"a": "", "h": {"b": " "}}}).data == {}
    assert check(definition, {"g": {"h": {"b": "x"}}}).data == {"g": {"h": {"b": "x"}}}
