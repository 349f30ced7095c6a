"""parse_step_post, apply_repeat_action, answers and data_json_schema."""

import datetime

import jsonschema
import pytest
from django.http import QueryDict

from openkommune.forms.engine import (
    answers,
    apply_repeat_action,
    data_json_schema,
    entry_index,
    parse_step_post,
    validate,
)
from tests.forms.helpers import field, fixture_definition, form, group

TODAY = datetime.date(2025, 6, 15)
UUID = "0b6f8a52-3c1e-4d8e-9a77-6c1f2f0e1a10"


def post(**fields) -> QueryDict:
    query = QueryDict(mutable=True)
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            query.appendlist(name.replace("__", "."), item)
    return query


# --- parse_step_post ------------------------------------------------------------------------


def test_step_post_builds_the_raw_fragment_of_the_step():
    definition = fixture_definition()
    fragment = parse_step_post(
        definition,
        "hund",
        post(**{
            "hunde._count": "2",
            "hunde.0.hund_name": "  Bello ",
            "hunde.0.merkmale": ["chip", "blind"],
            "hunde.1.gewicht": "12,5",
            "anlass": "sneaked in from another step",
        }),
    )  # fmt: skip
    empty_entry = {"hund_name": "", "rasse": "", "merkmale": [], "chipnummer": "", "gewicht": "",
                   "gehalten_seit": "", "gehalten_bis": "", "nachweis": ""}  # fmt: skip
    assert fragment == {
        "hunde": [
            {**empty_entry, "hund_name": "  Bello ", "merkmale": ["chip", "blind"]},
            {**empty_entry, "gewicht": "12,5"},
        ]
    }


def test_step_post_reads_addresses_booleans_and_plain_dicts():
    definition = fixture_definition()
    fragment = parse_step_post(
        definition,
        "halter",
        {"person.vorname": ["Anna"], "person.anschrift.postcode": "39104"},
    )
    assert fragment["person"]["vorname"] == "Anna"
    assert fragment["person"]["anschrift"] == {
        "street": "", "house_number": "", "postcode": "39104", "city": "",
    }  # fmt: skip
    payment = parse_step_post(definition, "zahlung", post(lastschrift="ja"))
    assert payment["lastschrift"] is True
    assert parse_step_post(definition, "zahlung", post(lastschrift="nein"))["lastschrift"] is False
    assert parse_step_post(definition, "zahlung", post())["lastschrift"] == ""


def test_step_post_skips_info_fields_and_caps_entries_at_max():
    definition = fixture_definition()
    assert parse_step_post(definition, "anlass_schritt", post(hinweis="x")) == {
        "anlass": "", "abmeldegrund": "",
    }  # fmt: skip
    fragment = parse_step_post(definition, "hund", post(**{"hunde.99.hund_name": "x"}))
    assert len(fragment["hunde"]) == 3


def test_step_post_keeps_invalid_input_for_the_next_render():
    definition = fixture_definition()
    fragment = parse_step_post(definition, "zahlung", post(anzahl_hunde_haushalt="zwei"))
    assert fragment["anzahl_hunde_haushalt"] == "zwei"
    errors = validate(definition, fragment, step_id="zahlung", today=TODAY).errors
    assert "anzahl_hunde_haushalt" in errors


# --- apply_repeat_action ------------------------------------------------------------------


def test_add_appends_an_entry_and_does_not_touch_the_input():
    definition = fixture_definition()
    data = {"hunde": [{"hund_name": "Bello"}]}
    new, handled = apply_repeat_action(definition, data, post(_add="hunde"))
    assert handled
    assert new == {"hunde": [{"hund_name": "Bello"}, {}]}
    assert data == {"hunde": [{"hund_name": "Bello"}]}


def test_add_fills_up_to_min_first_and_stops_at_max():
    definition = fixture_definition()
    assert apply_repeat_action(definition, {}, post(_add="hunde"))[0] == {"hunde": [{}, {}]}
    full = {"hunde": [{}, {}, {}]}
    assert apply_repeat_action(definition, full, post(_add="hunde")) == (full, True)


def test_remove_an_entry_but_not_below_min():
    definition = fixture_definition()
    data = {"hunde": [{"hund_name": "A"}, {"hund_name": "B"}]}
    assert apply_repeat_action(definition, data, post(_remove="hunde.0")) == (
        {"hunde": [{"hund_name": "B"}]},
        True,
    )
    single = {"hunde": [{"hund_name": "A"}]}
    assert apply_repeat_action(definition, single, post(_remove="hunde.0")) == (single, True)


def test_remove_clears_a_file_field():
    definition = fixture_definition()
    data = {"hunde": [{"hund_name": "A", "nachweis": UUID}]}
    new, handled = apply_repeat_action(definition, data, post(_remove="hunde.0.nachweis"))
    assert handled
    assert new == {"hunde": [{"hund_name": "A", "nachweis": ""}]}


def test_nested_repeated_groups():
    definition = form(
        group("kinder", [field("name"), group("impfungen", [field("datum", "date")],
                                              repeat={"min": 0, "max": 2})],
              repeat={"min": 0, "max": 3})
    )  # fmt: skip
    data = {"kinder": [{"name": "A"}, {"name": "B"}]}
    new, _ = apply_repeat_action(definition, data, post(_add="kinder.1.impfungen"))
    assert new == {"kinder": [{"name": "A"}, {"name": "B", "impfungen": [{}]}]}


def test_unknown_actions_are_handled_without_change():
    definition = fixture_definition()
    data = {"anlass": "an"}
    for action in ("nirgends", "anlass", "hunde.x", "hunde.0.hund_name", "person"):
        assert apply_repeat_action(definition, data, post(_add=action)) == (data, True)
        assert apply_repeat_action(definition, data, post(_remove=action))[0].get("anlass") == "an"
    assert apply_repeat_action(definition, data, post(weiter="1")) == (data, False)


# Characters `str.isdigit()` accepts but that are no ASCII index: "²" made int() fail (500),
# "٣" (Arabic-Indic three) would be read as entry 3.
NOT_AN_INDEX = ["²", "٣", "¹0", "0\n", "1.5", "-1", "00000"]


@pytest.mark.parametrize("value", NOT_AN_INDEX)
def test_a_count_that_is_not_an_ascii_number_is_ignored(value):
    definition = fixture_definition()
    fragment = parse_step_post(
        definition, "hund", post(**{"hunde._count": value, "hunde.0.hund_name": "Bello"})
    )
    # The count comes from the posted entries alone.
    assert [entry["hund_name"] for entry in fragment["hunde"]] == ["Bello"]


@pytest.mark.parametrize("value", NOT_AN_INDEX)
def test_a_posted_index_that_is_not_an_ascii_number_names_no_entry(value):
    definition = fixture_definition()
    fragment = parse_step_post(definition, "hund", post(**{f"hunde.{value}.hund_name": "Bello"}))
    assert all(entry["hund_name"] == "" for entry in fragment["hunde"])
    data = {"hunde": [{"hund_name": "A", "nachweis": UUID}, {"hund_name": "B"}]}
    for action in (f"hunde.{value}", f"hunde.{value}.nachweis", f"hunde.{value}.impfungen"):
        assert apply_repeat_action(definition, data, post(_remove=action)) == (data, True)
        assert apply_repeat_action(definition, data, post(_add=action)) == (data, True)


def test_entry_index_reads_ascii_digits_only():
    assert [entry_index(s) for s in ("0", "7", "12", "9999")] == [0, 7, 12, 9999]
    others = [*NOT_AN_INDEX, "", "hunde", None, 3]
    assert [entry_index(s) for s in others] == [None] * len(others)


# --- answers --------------------------------------------------------------------------------


def test_answers_in_german_notation():
    definition = fixture_definition()
    data = {
        "anlass": "an",
        "person": {"vorname": "Anna", "nachname": "Muster", "geburtsdatum": "1980-02-01",
                   "anschrift": {"street": "Hauptstraße", "house_number": "1",
                                 "postcode": "39104", "city": "Magdeburg"}},
        "hunde": [{"hund_name": "Bello", "merkmale": ["chip", "blind"], "gewicht": "12.5",
                   "gehalten_seit": "2020-03-01", "nachweis": UUID}],
        "lastschrift": True,
        "iban": "DE02120300000000202051",
        "vorauszahlung": "1234.50",
    }  # fmt: skip
    sections = answers(definition, data, file_names={UUID: "nachweis.pdf"}, today=TODAY)
    assert [s.title for s in sections] == [
        "Anlass", "Halterin oder Halter", "Angaben zum Hund", "Zahlung",
    ]  # fmt: skip
    rows = {row.path: (row.label, row.text) for s in sections for row in s.rows}
    assert rows["anlass"] == ("Anlass", "Anmeldung")
    assert rows["person.geburtsdatum"] == ("Person: Geburtsdatum", "01.02.1980")
    assert rows["person.anschrift"] == ("Person: Anschrift", "Hauptstraße 1, 39104 Magdeburg")
    assert rows["person.email"] == ("Person: E-Mail-Adresse", "Keine Angabe")
    assert rows["hunde.0.merkmale"] == ("Hund 1: Merkmale", "Gechippt, Blindenführhund")
    assert rows["hunde.0.gewicht"] == ("Hund 1: Gewicht in kg", "12,5")
    assert rows["hunde.0.nachweis"] == ("Hund 1: Nachweis Blindenführhund", "Datei: nachweis.pdf")
    assert rows["lastschrift"][1] == "Ja"
    assert rows["iban"][1] == "DE02 1203 0000 0000 2020 51"
    assert rows["vorauszahlung"][1] == "1.234,50 €"
    # Hidden questions and info texts are not answers.
    assert "abmeldegrund" not in rows
    assert "hinweis" not in rows
    label, text, path, _language = sections[0].rows[0]
    assert (label, text, path) == ("Anlass", "Anmeldung", "anlass")


def test_answers_without_file_names_still_name_the_upload():
    definition = form(field("datei", "file", label="Nachweis"))
    [section] = answers(definition, {"datei": UUID})
    assert section.rows[0].text == "Datei: hochgeladen"


# --- data_json_schema ---------------------------------------------------------------------


def test_data_schema_requires_only_unconditional_required_fields():
    schema = data_json_schema(fixture_definition())
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["additionalProperties"] is False
    # anlass: required; abmeldegrund: required but conditional; hunde: in a conditional step.
    assert schema["required"] == ["anlass", "person", "lastschrift"]
    person = schema["properties"]["person"]
    assert person["required"] == ["vorname", "nachname", "geburtsdatum", "anschrift"]
    assert person["additionalProperties"] is False
    hunde = schema["properties"]["hunde"]
    assert (hunde["minItems"], hunde["maxItems"]) == (1, 3)
    assert hunde["items"]["required"] == ["hund_name", "gehalten_seit"]
    assert "hinweis" not in schema["properties"]


def test_cleaned_data_matches_the_data_schema_and_typos_do_not():
    definition = fixture_definition()
    data = {
        "anlass": "ab",
        "abmeldegrund": "Umzug",
        "person": {"vorname": "A", "nachname": "B", "geburtsdatum": "1970-01-01",
                   "anschrift": {"street": "S", "postcode": "12345", "city": "C"}},
        "lastschrift": False,
        "anzahl_hunde_haushalt": 1,
        "vorauszahlung": "0",
    }  # fmt: skip
    result = validate(definition, data, today=TODAY)
    assert result.errors == {}
    validator = jsonschema.Draft202012Validator(
        data_json_schema(definition), format_checker=jsonschema.FormatChecker()
    )
    assert list(validator.iter_errors(result.data)) == []
    assert list(validator.iter_errors({**result.data, "tippfehler": 1}))
