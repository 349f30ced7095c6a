"""parse_definition: JSON Schema and reference checks, with German messages naming the place."""

import copy

import pytest

from openkommune.forms.engine import DefinitionError, parse_definition
from tests.forms.helpers import field, fixture_raw, group, raw_form


def errors_of(raw) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        parse_definition(raw)
    assert caught.value.messages, "a DefinitionError always says why"
    return caught.value.messages


def test_fixture_and_minimal_definitions_parse():
    definition = parse_definition(fixture_raw())
    assert definition.key == "hundesteuer_test"
    assert definition.locations["hund_name"].repeats == ("hunde",)
    assert definition.field("anlass").type == "choice"
    assert definition.code_list(definition.field("anlass")).label_for("ab") == "Abmeldung"
    parse_definition(raw_form(field("a")))


def test_not_an_object():
    assert errors_of(["steps"]) == ["Formular: Die Definition muss ein JSON-Objekt sein."]


def test_schema_errors_name_the_place_in_german():
    raw = fixture_raw()
    raw["steps"][1]["items"][0]["items"][0]["max_length"] = "sechzig"
    del raw["steps"][0]["title"]
    raw["leika_keys"] = ["12345"]
    raw["extra"] = True
    messages = errors_of(raw)
    assert "Formular: Unbekannte Angabe „extra“." in messages
    assert "Schritt „anlass_schritt“: Es fehlt die Angabe „title“." in messages
    assert (
        "Schritt „halter“, Gruppe „person“, Feld „vorname“, „max_length“: Muss eine ganze Zahl "
        "sein." in messages
    )
    assert any(m.startswith("„leika_keys“, „0“: „12345“ hat nicht das erwartete Format. Ein "
                            "LeiKa-Schlüssel") for m in messages)  # fmt: skip


def test_item_variant_is_chosen_by_its_kind():
    raw = raw_form({"kind": "field", "id": "a", "type": "zahl", "label": "A"})
    messages = errors_of(raw)
    assert len(messages) == 1
    assert messages[0].startswith("Schritt „eins“, Feld „a“, „type“: Erlaubt sind: text,")


def test_condition_variant_errors_are_specific():
    raw = raw_form(field("a"), field("b", visible_if={"field": "a", "equals": "x", "in": ["y"]}))
    assert errors_of(raw) == [
        "Schritt „eins“, Feld „b“, Bedingung „visible_if“: Unbekannte Angabe „in“."
    ]


def test_bad_code_list_key():
    raw = raw_form(field("a"))
    raw["code_lists"]["Farben"] = copy.deepcopy(raw["code_lists"]["farbe"])
    [message] = errors_of(raw)
    assert message.startswith("„code_lists“: Der Schlüssel „Farben“: „Farben“ hat nicht das")


@pytest.mark.parametrize(
    ("items", "rules", "expected"),
    [
        ([field("a"), group("g", [field("a")])], None,
         "„a“: Die Kennung kommt 2-mal vor (Schritte „eins“, „eins“); Kennungen von Feldern und "
         "Gruppen müssen im ganzen Formular eindeutig sein."),
        ([field("c", "choice")], None,
         "Feld „c“: Ein Auswahlfeld braucht „choices“ (den Namen einer Codeliste)."),
        ([field("c", "choice", choices="farben")], None,
         "Feld „c“: Die Codeliste „farben“ gibt es nicht in „code_lists“."),
        ([field("a", "text", choices="farbe")], None,
         "Feld „a“: Die Angabe „choices“ gilt nicht für den Typ „text“."),
        ([field("n", "integer", pattern="[0-9]+")], None,
         "Feld „n“: Die Angabe „pattern“ gilt nicht für den Typ „integer“."),
        ([field("a", "text", pattern="([a-z]")], None,
         "Feld „a“: Der reguläre Ausdruck in „pattern“ ist ungültig (missing ), unterminated "
         "subpattern at position 0)."),
        ([field("a", "text", pattern_message="Falsch.")], None,
         "Feld „a“: „pattern_message“ ohne „pattern“."),
        ([field("a", "text", min_length=5, max_length=4)], None,
         "Feld „a“: „min_length“ ist größer als „max_length“."),
        ([field("n", "integer", min=5, max=4)], None,
         "Feld „n“: „min“ (5) ist größer als „max“ (4)."),
        ([field("n", "integer", min=0.5)], None,
         "Feld „n“: „min“ muss bei ganzen Zahlen ganzzahlig sein."),
        ([field("n", "money", max="100")], None,
         "Feld „n“: „max“ muss eine Zahl sein, nicht „100“."),
        ([field("d", "date", min="today+10", max="today")], None,
         "Feld „d“: „min“ (today+10) ist größer als „max“ (today)."),
        ([field("d", "date", min="2024-02-30")], None,
         "Feld „d“: „min“ muss ein Datum JJJJ-MM-TT, „today“ oder „today+N“/„today-N“ sein, "
         "nicht „2024-02-30“."),
        ([field("c", "choice", choices="farbe", widget="checkboxes")], None,
         "Feld „c“: Die Darstellung „checkboxes“ passt nicht zum Typ; erlaubt: radio, select."),
        ([field("i", "info", required=True)], None,
         "Feld „i“: Ein Hinweistext (info) kann nicht Pflicht sein."),
        ([group("g", [field("a")], repeat={"min": 3, "max": 2})], None,
         "Gruppe „g“: Die Mindestzahl der Einträge (3) ist größer als die Höchstzahl (2)."),
        ([field("a", visible_if={"field": "zz", "filled": True})], None,
         "Feld „a“: Die Bedingung nennt „zz“; ein solches Feld gibt es nicht."),
        ([group("g", [field("a")]), field("b", visible_if={"field": "g", "filled": True})], None,
         "Feld „b“: Die Bedingung nennt „g“; das ist kein Feld mit einem Wert."),
        ([group("g", [field("a")], repeat={"min": 0, "max": 2}),
          field("b", visible_if={"field": "a", "filled": True})], None,
         "Feld „b“: Die Bedingung nennt „a“ aus der wiederholten Gruppe „g“; das geht nur "
         "innerhalb dieser Gruppe oder mit „any_entry“: true (irgendein Eintrag)."),
        ([field("c", "choice", choices="farbe"),
          field("b", visible_if={"field": "c", "equals": "lila"})], None,
         "Feld „b“: Die Bedingung vergleicht „c“ (Typ „choice“) mit 'lila'; dieser Wert ist dort "
         "nicht möglich."),
        ([field("j", "boolean"), field("b", visible_if={"field": "j", "equals": "ja"})], None,
         "Feld „b“: Die Bedingung vergleicht „j“ (Typ „boolean“) mit 'ja'; dieser Wert ist dort "
         "nicht möglich."),
        ([field("a", visible_if={"field": "b", "filled": True}),
          field("b", visible_if={"field": "a", "filled": True})], None,
         "Die Sichtbarkeitsbedingungen hängen im Kreis voneinander ab: „a“ → „b“ → „a“."),
        ([group("g", [field("a")], visible_if={"field": "a", "filled": True})], None,
         "Die Sichtbarkeitsbedingungen hängen im Kreis voneinander ab: „g“ → „a“ → „g“."),
        ([field("a"), field("b")], [{"left": "a", "op": "<", "right": "b", "message": "M"}],
         "Regel 1 (a < b): „<“ vergleicht nur zwei Daten oder zwei Zahlen."),
        ([field("a", "date"), field("b", "integer")],
         [{"left": "a", "op": "!=", "right": "b", "message": "M"}],
         "Regel 1 (a != b): „!=“ vergleicht nur Felder desselben Typs."),
        ([field("a", "date")], [{"left": "a", "op": "<", "right": "zz", "message": "M"}],
         "Regel 1 (a < zz): „zz“ ist kein Feld mit einem Wert."),
        ([field("a", "date"), group("g", [field("b", "date")], repeat={"min": 0, "max": 2})],
         [{"left": "a", "op": "<", "right": "b", "message": "M"}],
         "Regel 1 (a < b): Beide Felder müssen in derselben (wiederholten) Gruppe liegen."),
    ],
)  # fmt: skip
def test_reference_and_consistency_errors(items, rules, expected):
    assert expected in errors_of(raw_form(*items, rules=rules))


def test_duplicate_codes_and_step_ids():
    raw = raw_form(field("a"))
    raw["code_lists"]["farbe"]["entries"].append({"code": "rot", "label": "Nochmal rot"})
    assert errors_of(raw) == ["Codeliste „farbe“: Der Code „rot“ kommt 2-mal vor."]
    raw = raw_form(steps=[
        {"id": "s", "title": "S", "items": [field("a")]},
        {"id": "s", "title": "S2", "items": [field("b")]},
    ])  # fmt: skip
    assert errors_of(raw) == ["Schritt „s“: Die Kennung kommt 2-mal vor."]


def test_step_condition_is_checked():
    raw = raw_form(steps=[
        {"id": "s", "title": "S", "items": [field("a")]},
        {"id": "t", "title": "T", "items": [field("b")], "visible_if": {"field": "x", "equals": 1}},
    ])  # fmt: skip
    assert errors_of(raw) == [
        "Schritt „t“: Die Bedingung nennt „x“; ein solches Feld gibt es nicht."
    ]


def test_every_problem_is_reported_at_once():
    raw = raw_form(
        field("c", "choice"),
        field("n", "integer", min=3, max=1),
        field("a", visible_if={"field": "zz", "filled": True}),
    )
    assert len(errors_of(raw)) == 3


# --- the applicant marker ---------------------------------------------------------------------


def _with_applicant(applicant: dict) -> dict:
    return raw_form(
        group("wer", [field("vorname"), field("nachname"), field("post", "address")]),
        field("mail", "email"),
        group("kinder", [field("kind_name")], repeat={"min": 1, "max": 3}),
        applicant=applicant,
    )


def test_the_applicant_marker_names_fields_of_the_form():
    marker = {"given_name": "vorname", "family_name": "nachname", "address": "post"}
    definition = parse_definition(_with_applicant(marker | {"email": "mail"}))
    assert definition.applicant["family_name"] == "nachname"


def test_an_applicant_marker_pointing_to_a_missing_field_is_refused():
    assert errors_of(_with_applicant({"family_name": "familienname"})) == [
        "Antragsteller „family_name“: „familienname“ ist kein Feld dieses Formulars."
    ]


def test_an_applicant_marker_needs_a_field_of_a_suitable_type_outside_repeats():
    messages = errors_of(_with_applicant({"address": "nachname", "name": "kind_name"}))
    assert messages == [
        "Antragsteller „address“: Das Feld „nachname“ hat den Typ „text“; erwartet wird „address“.",
        "Antragsteller „name“: Das Feld „kind_name“ liegt in einer wiederholten Gruppe und hat "
        "daher keinen einzelnen Wert.",
    ]


def test_an_unknown_applicant_role_is_refused_by_the_schema():
    messages = errors_of(_with_applicant({"geburtsname": "nachname"}))
    assert any("geburtsname" in message for message in messages)
