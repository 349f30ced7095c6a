"""Declarations (`"must_be_true": true` on a boolean): one checkbox, only `true` is an answer,
an unchecked box is "not confirmed". Engine, rendering, data schema, answers and the checks
of the definition."""

import datetime

import jsonschema
import pytest
from django.http import QueryDict

from openkommune.forms.engine import (
    answers,
    data_json_schema,
    parse_definition,
    parse_step_post,
    validate,
)
from openkommune.forms.engine.rendering import error_summary_entries
from tests.forms.helpers import field, form, group, raw_form
from tests.forms.test_definition_errors import errors_of
from tests.forms.test_definitions import KEYS, load, valid
from tests.forms.test_definitions import TODAY as FORMS_TODAY
from tests.forms.test_definitions import check as check_form
from tests.forms.test_rendering import render

TODAY = datetime.date(2025, 6, 15)
LABEL = "Ich versichere, dass die Angaben richtig sind."
MESSAGE = "Bitte bestätigen Sie: „Ich versichere, dass die Angaben richtig sind.“."


def declaration(id="ok", **props):
    return field(id, "boolean", label=LABEL, must_be_true=True, **props)


def definition():
    return form(
        field("name", "text", label="Name"),
        declaration(help="Falsche Angaben können ein Bußgeld nach sich ziehen."),
        group(
            "helfer",
            [field("helfer_name", "text", label="Name"), declaration("helfer_ok")],
            repeat={"min": 0, "max": 3, "item_label": "Helfer"},
        ),
    )


def posted(**fields) -> QueryDict:
    query = QueryDict(mutable=True)
    for name, value in fields.items():
        query.appendlist(name.replace("__", "."), value)
    return query


def check(data: dict):
    return validate(definition(), data, today=TODAY)


# --- engine ------------------------------------------------------------------------------


def test_must_be_true_implies_required():
    parsed = definition().field("ok")
    assert (parsed.must_be_true, parsed.required) == (True, True)
    assert form(field("frage", "boolean")).field("frage").must_be_true is False


def test_unchecked_box_is_not_confirmed_and_reported_at_its_path():
    fragment = parse_step_post(definition(), "eins", posted(name="Anna"))
    assert fragment["ok"] is False
    assert check(fragment).errors == {"ok": [MESSAGE]}


def test_unchecked_box_replaces_an_earlier_confirmation():
    draft = {"name": "Anna", "ok": True}
    assert check(draft).errors == {}
    draft |= parse_step_post(definition(), "eins", posted(name="Anna"))
    assert check(draft).errors == {"ok": [MESSAGE]}


def test_checked_box_gives_true():
    fragment = parse_step_post(definition(), "eins", posted(name="Anna", ok="ja"))
    result = check(fragment)
    assert result.errors == {}
    assert result.data == {"name": "Anna", "ok": True}


def test_unchecked_box_in_a_repeated_entry_is_reported_at_the_entry():
    post = posted(ok="ja", helfer___count="2", helfer__0__helfer_ok="ja")
    post.appendlist("helfer.1.helfer_name", "Ben")
    fragment = parse_step_post(definition(), "eins", post)
    assert [entry["helfer_ok"] for entry in fragment["helfer"]] == [True, False]
    assert check(fragment).errors == {"helfer.1.helfer_ok": [MESSAGE]}


@pytest.mark.parametrize("value", [False, "nein", "Nein", "false", "vielleicht", 1])
def test_anything_but_true_is_not_a_confirmation(value):
    assert check({"ok": value}).errors == {"ok": [MESSAGE]}


@pytest.mark.parametrize("value", [None, "", "   "])
def test_a_missing_confirmation_has_the_same_message(value):
    assert check({"ok": value}).errors == {"ok": [MESSAGE]}


@pytest.mark.parametrize("value", [True, "ja", "true"])
def test_true_from_the_api_or_a_page_is_a_confirmation(value):
    result = check({"ok": value})
    assert result.errors == {}
    assert result.data == {"ok": True}


def test_a_hidden_declaration_is_dropped_and_not_required():
    conditional = form(
        field("anlass", "boolean", label="Anlass"),
        declaration(visible_if={"field": "anlass", "equals": True}),
    )
    assert validate(conditional, {"anlass": False, "ok": False}).errors == {}
    assert validate(conditional, {"anlass": False, "ok": False}).data == {"anlass": False}
    assert validate(conditional, {"anlass": True}).errors == {"ok": [MESSAGE]}


def test_data_schema_allows_only_true():
    schema = data_json_schema(definition())
    ok = schema["properties"]["ok"]
    assert ok["const"] is True
    assert "type" not in ok or ok["type"] == "boolean"
    assert "ok" in schema["required"]
    assert schema["properties"]["helfer"]["items"]["required"] == ["helfer_ok"]
    validator = jsonschema.Draft202012Validator(schema)
    assert validator.is_valid({"ok": True})
    assert not validator.is_valid({"ok": False})
    assert not validator.is_valid({"ok": 1})


def test_answers_say_bestaetigt():
    [section] = answers(definition(), {"name": "Anna", "ok": True})
    rows = {row.path: row.text for row in section.rows}
    assert rows["ok"] == "Bestätigt"


# --- rendering ---------------------------------------------------------------------------


def test_rendered_as_one_checkbox_labelled_with_the_declaration():
    page = render(definition(), "eins", {"name": "Anna"})
    [box] = page.find("input", name="ok")
    assert (box["type"], box["id"], box["value"]) == ("checkbox", "f-ok", "ja")
    assert "checked" not in box
    assert page.one("label", for_="f-ok")["_text"] == LABEL  # no "optional" marker
    assert page.find("input", type="radio") == []
    assert page.find("fieldset", id="f-ok") == []
    assert box["aria-describedby"] == "f-ok--hint"
    assert page.one("div", id="f-ok--hint")["_text"].startswith("Falsche Angaben")
    assert "checked" in render(definition(), "eins", {"ok": True}).one("input", name="ok")


def test_what_the_page_posts_parses_back():
    for value in (True, False):
        page = render(definition(), "eins", {"name": "Anna", "ok": value})
        assert parse_step_post(definition(), "eins", page.posted())["ok"] is value


def test_error_is_shown_at_the_checkbox_and_linked_from_the_summary():
    data = {"name": "Anna", "ok": False}
    errors = check(data).errors
    page = render(definition(), "eins", data, errors)
    box = page.one("input", name="ok")
    assert box["aria-invalid"] == "true"
    assert box["aria-describedby"] == "f-ok--hint f-ok--error"
    assert "kern-form-check__checkbox--error" in box["class"]
    assert page.one("p", id="f-ok--error")["_text"] == MESSAGE
    step = definition().step("eins")
    assert error_summary_entries(definition(), step, data, errors) == [("#f-ok", MESSAGE)]


# --- definition checks -------------------------------------------------------------------


def test_must_be_true_on_another_type_is_a_definition_error():
    raw = raw_form(field("a", "text", must_be_true=True))
    assert errors_of(raw) == ["Feld „a“: Die Angabe „must_be_true“ gilt nur für den Typ „boolean“."]


def test_must_be_true_contradicting_required_false_is_a_definition_error():
    raw = raw_form(field("a", "boolean", must_be_true=True, required=False))
    assert errors_of(raw) == [
        "Feld „a“: „must_be_true“ verlangt eine Bestätigung und damit eine Antwort; "
        "„required“: false widerspricht dem."
    ]


def test_condition_expecting_an_unconfirmed_declaration_is_a_definition_error():
    raw = raw_form(
        field("a", "boolean", must_be_true=True),
        field("b", "text", visible_if={"field": "a", "equals": False}),
    )
    assert errors_of(raw) == [
        "Feld „b“: Die Bedingung vergleicht „a“ (Typ „boolean“) mit False; dieser Wert ist "
        "dort nicht möglich."
    ]
    # Comparing with true is fine.
    raw["steps"][0]["items"][1]["visible_if"]["equals"] = True
    parse_definition(raw)


def test_must_be_true_must_be_a_json_boolean():
    messages = errors_of(raw_form(field("a", "boolean", must_be_true="ja")))
    assert messages == ["Schritt „eins“, Feld „a“, „must_be_true“: Muss true oder false sein."]


def test_must_be_true_false_is_a_plain_boolean():
    plain = form(field("a", "boolean", must_be_true=False))
    assert validate(plain, {"a": "nein"}).data == {"a": False}
    assert validate(plain, {}).errors == {}


# --- the cooperative's forms -------------------------------------------------------------

# Statements to confirm, not questions with two possible answers. Checked one by one:
# identitaet is the declaration of § 2 Abs. 2 Nr. 4 GewAnzV; Sperrmüll from a business is
# not collected; the road may only be used if it is kept safe.
DECLARATIONS = {
    "baumfaellung": {"versicherung_richtig"},
    "bewohnerparkausweis": {"versicherung_richtig"},
    "gewerbeanmeldung": {"identitaet", "versicherung_richtig"},
    "hundesteuer": {"versicherung_richtig"},
    "sondernutzung": {"verkehrssicherung", "versicherung_richtig"},
    "sperrmuell": {"privathaushalt", "versicherung_richtig"},
}


@pytest.mark.parametrize("key", KEYS)
def test_the_forms_declare_exactly_these_confirmations(key):
    found = {f.id for f in load(key).iter_fields() if f.must_be_true}
    assert found == DECLARATIONS[key]


@pytest.mark.parametrize(
    ("key", "field_id"), [(key, f) for key in KEYS for f in sorted(DECLARATIONS[key])]
)
def test_a_declaration_answered_no_is_refused(key, field_id):
    label = load(key).field(field_id).label
    for answer in (False, "nein"):
        assert check_form(key, {**valid(key), field_id: answer}).errors == {
            field_id: [f"Bitte bestätigen Sie: „{label}“."]
        }


@pytest.mark.parametrize(
    ("key", "field_id"), [(key, f) for key in KEYS for f in sorted(DECLARATIONS[key])]
)
def test_a_declaration_page_posts_a_confirmation_or_none(key, field_id):
    definition = load(key)
    step_id = definition.locations[field_id].step_id
    data = valid(key)
    page = render(definition, step_id, data)
    [box] = page.find("input", name=field_id)
    assert (box["type"], "checked" in box) == ("checkbox", True)
    result = validate(definition, data | parse_step_post(definition, step_id, page.posted()),
                      step_id=step_id, today=FORMS_TODAY)  # fmt: skip
    assert result.errors == {}
    # Unticked, the page posts nothing for the box; the earlier confirmation is gone.
    unticked = page.posted()
    del unticked[field_id]
    fragment = parse_step_post(definition, step_id, unticked)
    errors = validate(definition, data | fragment, step_id=step_id, today=FORMS_TODAY).errors
    assert list(errors) == [field_id]


@pytest.mark.parametrize("key", KEYS)
def test_cleaned_application_shows_the_declaration_as_confirmed(key):
    definition = load(key)
    data = check_form(key, valid(key)).data
    rows = {row.path: row.text for s in answers(definition, data, today=FORMS_TODAY)
            for row in s.rows}  # fmt: skip
    assert {rows[field_id] for field_id in DECLARATIONS[key]} == {"Bestätigt"}
