"""Fourth pass of the FIM rule translation (docs/forms.md "FIM rules", "Fourth pass") on
small synthetic schemas (test data, not real FIM content): prefilling and hiding a field
(`fixed`), rules for some Länder only (a `system` field "land"). Each translation is
executed with the engine."""

import datetime
import json

import pytest

from openkommune.forms.engine import (
    LAENDER,
    DefinitionError,
    land_of_ars,
    parse_definition,
    parse_step_post,
    validate,
    with_system_values,
)
from openkommune.forms.engine.rendering import step_widgets
from openkommune.forms.engine.state import visibility
from openkommune.forms.fim.codelists import CodeListIndex
from openkommune.forms.fim.importer import import_schema
from openkommune.forms.fim.reader import read_genericode
from openkommune.studio.gate import unasked_step_messages
from tests.forms.fim_samples.builders import (
    applied,
    field,
    genericode,
    group,
    import_with_rules,
    refused,
    rule,
    schema,
)

LEIKA = ["99089086000000"]
ROWS = [("001", "privat"), ("002", "geschäftlich")]
INDEX = CodeListIndex([read_genericode(genericode("urn:test:art", "1", ROWS))])

ART = field(
    "F90000001", "Art des Antragstellers", feldart="select", codeliste=("urn:test:art", "1")
)
FIRMA = field("F90000002", "Firma", anzahl="0:1")
NAME = field("F90000003", "Name")
A, F, N = "f90000001_art_des_antragstellers", "f90000002_firma", "f90000003_name"


# A small hand-written form (not imported) with one code list, for the engine's own checks.
ART_FORM = {
    "format": 1,
    "key": "t",
    "title": "T",
    "leika_keys": LEIKA,
    "code_lists": {"art": {"title": "Art", "entries": [{"code": "a", "label": "A"}]}},
}


def run(children, *texts):
    return import_with_rules(children, texts, leika_keys=LEIKA, code_lists=INDEX)


SHOW_FIRMA = (
    'Wenn das Feld F90000001 "Art des Antragstellers" = 002 "geschäftlich", dann muss das '
    'Feld F90000002 "Firma" befüllt werden.'
)


@pytest.mark.parametrize(
    "text",
    [
        'Das Datenfeld F90000001 "Art des Antragstellers" ist mit 002 "geschäftlich" '
        "vorzubefüllen und in der Antragsstrecke auszublenden.",
        'Im Datenfeld F90000001 "Art des Antragstellers" muss die Auswahl 002=geschäftlich als '
        "Vorbefüllung gewählt sein UND diese Datenfeld soll nicht angezeigt werden.",
    ],
)
def test_prefill_and_hide_becomes_a_fixed_value_the_data_holds(text):
    result, definition = run([ART, FIRMA, NAME], text, SHOW_FIRMA)
    assert applied(result) == ["R90000001", "R90000002"], refused(result)
    assert definition.field(A).fixed == "002"
    step = definition.steps[0]
    # Not asked: the page shows no input for it, a post carries none, and a posted value
    # (or none) does not change it; the data holds the value.
    widgets = step_widgets(definition, step, {})
    assert A not in [widget.path for widget in widgets]
    assert F in [widget.path for widget in widgets]  # settled by the fixed value: shown
    posted = parse_step_post(definition, step.id, {A: ["001"], N: ["Muster"]})
    assert A not in posted
    validation = validate(definition, {**posted, A: "001"})
    assert validation.data[A] == "002"
    # The rule depending on it executes: "Firma" is shown and required.
    assert validation.errors == {F: ["Bitte geben Sie „Firma“ an."]}
    assert validate(definition, {N: "Muster", F: "Muster GmbH"}).data == {
        A: "002",
        N: "Muster",
        F: "Muster GmbH",
    }


def test_without_the_pattern_the_field_is_asked():
    _result, definition = run([ART, FIRMA, NAME], SHOW_FIRMA)
    assert definition.field(A).fixed is None
    assert A in [widget.path for widget in step_widgets(definition, definition.steps[0], {})]
    assert validate(definition, {N: "Muster"}).errors[A]


def test_prefill_with_a_code_the_list_does_not_have_is_refused():
    result, definition = run(
        [ART, NAME],
        'Das Feld F90000001 "Art des Antragstellers" ist mit 009 "andere" vorzubefüllen und in '
        "der Antragsstrecke auszublenden.",
    )
    assert applied(result) == []
    assert "passt nicht zum Feld" in refused(result)[0]
    assert definition.field(A).fixed is None


def test_a_group_left_with_only_a_prefilled_hidden_field_joins_the_next_step():
    # FIM's "Allgemeine Angaben" holding only the prefilled, hidden "Art": no empty page.
    general = group("G90000050", "Allgemeine Angaben", [ART])
    company = group("G90000051", "Unternehmen", [FIRMA, NAME])
    text = (
        'Das Datenfeld F90000001 "Art des Antragstellers" ist mit 002 "geschäftlich" '
        "vorzubefüllen und in der Antragsstrecke auszublenden."
    )
    result, definition = run([general, company], text, SHOW_FIRMA)
    assert applied(result) == ["R90000001", "R90000002"], refused(result)
    assert [step.title for step in definition.steps] == ["Unternehmen"]
    assert definition.steps[0].items[0].id == A
    assert validate(definition, {N: "Muster"}).errors == {F: ["Bitte geben Sie „Firma“ an."]}
    assert unasked_step_messages(result.definition) == []


def test_fixed_and_system_are_checked_by_the_engine():
    base = ART_FORM

    asked = {"kind": "field", "id": "y", "type": "text", "label": "Y"}

    def messages(item, *others):
        raw = {**base, "steps": [{"id": "s", "title": "S", "items": [item, *others]}]}
        try:
            parse_definition(raw)
        except DefinitionError as exc:
            return exc.messages
        return []

    choice = {"kind": "field", "id": "x", "type": "choice", "choices": "art", "label": "X"}
    assert messages({**choice, "fixed": "a"}, asked) == []
    assert messages({**choice, "system": "land"}, asked) == []
    # A step of such values only is valid; the publish gate names it (tests/studio).
    assert messages({**choice, "fixed": "a"}) == []
    assert "passt nicht zum Feld" in messages({**choice, "fixed": "b"})[0]
    assert messages({**choice, "fixed": "a", "required_if": {"field": "x", "filled": True}})
    assert messages({**choice, "system": "land", "required": True})
    assert messages({**choice, "system": "land", "fixed": "a"})
    assert messages({"kind": "field", "id": "x", "type": "file", "label": "X", "fixed": "a"})
    assert messages({**choice, "system": "kreis"})  # only "land" is known


def test_a_hidden_fixed_field_is_visible_for_conditions():
    text = SHOW_FIRMA.replace('002 "geschäftlich"', '001 "privat"')
    result, definition = run([ART, FIRMA, NAME], text)
    assert definition.field(F).visible_if == {"field": A, "equals": "001"}
    raw = result.definition
    [art] = [item for item in raw["steps"][0]["items"] if item["id"] == A]
    art["fixed"] = "002"
    shown = visibility(parse_definition(raw), {A: "001"})
    assert shown.item_visible(A, {})
    assert not shown.item_visible(F, {})
    art["fixed"] = "001"
    assert visibility(parse_definition(raw), {}).item_visible(F, {})


# --- rules for some Länder only --------------------------------------------------------------

FRAGE = field("F90000004", "Ausbildung in Deutschland", datentyp="bool", anzahl="0:1")
NACHWEIS = field("F90000005", "Nachweis", anzahl="0:1")
MELDUNG = field("F90000006", "Meldung", anzahl="0:1")
Q, W, M = "f90000004_ausbildung_in_deutschland", "f90000005_nachweis", "f90000006_meldung"
SECTIONS = (
    'Für die Länder NW, SL, SN gilt:\nWENN das Datenfeld F90000004 "Ausbildung in Deutschland" '
    '<> "wahr", DANN muss das Datenfeld F90000005 "Nachweis" befüllt werden.\nWENN das '
    'Datenfeld F90000004 "Ausbildung in Deutschland" = "wahr", DANN darf das Datenfeld '
    'F90000005 "Nachweis" nicht angezeigt werden.\n\nFür das Land RP gilt:\nDas Datenfeld '
    'F90000005 "Nachweis" muss befüllt werden.\n\nFür alle anderen Länder gilt: \nDas '
    'Datenfeld F90000005 "Nachweis" darf nicht angezeigt werden'
)


def test_sections_for_some_laender_become_conditions_on_the_land_the_platform_sets():
    result, definition = run([FRAGE, NACHWEIS, NAME], SECTIONS)
    assert applied(result) == ["R90000001"], refused(result)
    land = definition.field("land")
    assert land.system == "land"
    assert [entry.code for entry in definition.code_lists["land"].entries][:3] == [
        "SH",
        "HH",
        "NI",
    ]
    # Not asked: no input for it, and a post cannot set it.
    step = definition.steps[0]
    assert "land" not in [widget.path for widget in step_widgets(definition, step, {})]
    assert "land" not in parse_step_post(definition, step.id, {"land": ["RP"]})

    def errors(data):
        return validate(definition, {N: "Muster", **data}).errors

    required = {W: ["Bitte geben Sie „Nachweis“ an."]}
    assert errors({"land": "SN", Q: False}) == required
    assert errors({"land": "SN", Q: True}) == {}
    assert errors({"land": "RP", Q: True}) == required
    assert errors({"land": "BY"}) == {}
    # Hidden where the rule hides it: an answer there is dropped.
    assert W not in validate(definition, {N: "Muster", "land": "BY", W: "x"}).data
    kept = validate(definition, {N: "Muster", "land": "RP", W: "x"}).data
    assert kept == {"land": "RP", N: "Muster", W: "x"}


def test_without_the_land_field_the_sections_are_not_taken_over():
    result = import_schema(
        schema([FRAGE, NACHWEIS, NAME], extra=rule("R90000001", "Regel 1", SECTIONS.lower())),
        leika_keys=LEIKA,
    )
    # Lower case "für": no section heading; nothing is guessed and no Land field stays.
    assert [entry.kind for entry in result.report if entry.fim_id == "R90000001"] == ["rule"]
    assert '"id": "land"' not in json.dumps(result.definition["steps"])


@pytest.mark.parametrize(
    ("text", "shown_in", "required_in"),
    [
        (
            'Das Feld F90000006 "Meldung" muss für die Länder Bremen und Rheinland-Pfalz '
            "angezeigt werden. Für die anderen Länder darf das Feld nicht angezeigt werden.",
            {"HB", "RP"},
            set(),
        ),
        (
            'Das Feld F90000006 "Meldung" darf nur für die Länder für NI, RP und SN angezeigt '
            "werden. Für die anderen Länder wird das Feld nicht angezeigt.",
            {"NI", "RP", "SN"},
            set(),
        ),
        (
            'Das Feld F90000006 "Meldung" muss in Thüringen befüllt werden. Für die anderen '
            "Bundesländer darf es nicht angezeigt werden.",
            {"TH"},
            {"TH"},
        ),
        (
            'Das Feld F90000006 "Meldung" muss für alle Länder außer RP und ST befüllt werden. '
            "Für RP und ST darf das Feld nicht angezeigt werden.",
            {code for _key, code, _name in LAENDER} - {"RP", "ST"},
            {code for _key, code, _name in LAENDER} - {"RP", "ST"},
        ),
        (
            'Das Feld F90000006 "Meldung" muss für das Land TH befüllt werden, für die anderen '
            "Länder muss es angezeigt werden.",
            {code for _key, code, _name in LAENDER},
            {"TH"},
        ),
    ],
)
def test_inline_wordings_for_some_laender(text, shown_in, required_in):
    result, definition = run([MELDUNG, NAME], text)
    assert applied(result) == ["R90000001"], refused(result)
    for _key, code, _name in LAENDER:
        data = {"land": code, N: "Muster"}
        assert visibility(definition, data).item_visible(M, {}) == (code in shown_in), code
        missing = validate(definition, data).errors == {M: ["Bitte geben Sie „Meldung“ an."]}
        assert missing == (code in required_in), code


def test_a_land_that_is_not_one_is_not_guessed():
    result, _definition = run(
        [MELDUNG, NAME],
        'Für das Land XY gilt: Das Datenfeld F90000006 "Meldung" muss befüllt werden.',
    )
    assert applied(result) == []
    assert "„XY“ ist kein Land" in refused(result)[0]
    assert '"id": "land"' not in json.dumps(result.definition["steps"])


def test_the_land_field_stays_while_a_code_restriction_names_it():
    from openkommune.forms.fim.importer import _drop_unused_land_field

    def definition(rules):
        land = {"kind": "field", "id": "land", "type": "choice", "choices": "land",
                "label": "Land", "system": "land"}  # fmt: skip
        raw = {
            "steps": [{"id": "s", "title": "S", "items": [land]}],
            "code_lists": {"land": {"title": "Länder", "entries": []}},
            "rules": rules,
        }
        return raw, {"land": land}

    named = [{"only_codes": ["a"], "field": "x", "when": {"field": "land", "equals": "TH"}}]
    raw, items = definition(named)
    _drop_unused_land_field(raw, items)
    assert "land" in items
    assert raw["steps"][0]["items"]
    raw, items = definition([])
    _drop_unused_land_field(raw, items)
    assert "land" not in items
    assert raw["steps"][0]["items"] == []
    assert "code_lists" not in raw


def test_land_of_ars_and_system_values():
    assert land_of_ars("145220000000") == "SN"
    assert land_of_ars("160550000000") == "TH"
    assert land_of_ars("99") is None
    assert land_of_ars(None) is None
    _result, definition = run([FRAGE, NACHWEIS, NAME], SECTIONS)
    # Whatever the data says, the platform's value is put in (and a post cannot change it).
    assert with_system_values(definition, {"land": "BY", N: "x"}, gemeinde_ars="071110000000") == {
        "land": "RP",
        N: "x",
    }
    assert with_system_values(definition, {"land": "BY"}, gemeinde_ars="") == {}
    assert with_system_values(definition, ["not", "an", "object"], gemeinde_ars="07") == [
        "not",
        "an",
        "object",
    ]
    # The Land field is visible although its step may be hidden (it is at the top of a step).
    raw = _result.definition
    raw["steps"][0]["visible_if"] = {"field": "land", "equals": "BY"}
    hidden_step = parse_definition(raw)
    assert validate(hidden_step, {"land": "SN"}).data == {"land": "SN"}
    assert validate(hidden_step, {"land": "BY"}).errors == {N: ["Bitte geben Sie „Name“ an."]}


# --- restricting the codes of a choice under a condition ------------------------------------

REG_ROWS = [("A", "Handelsregister A"), ("B", "Handelsregister B"), ("X", "Ausland")]
REG_INDEX = CodeListIndex(
    [
        read_genericode(genericode("urn:test:art", "1", ROWS)),
        read_genericode(genericode("urn:test:register", "1", REG_ROWS)),
    ]
)
REGISTER = field(
    "F90000007", "Register", feldart="select", codeliste=("urn:test:register", "1"), anzahl="0:1"
)
R = "f90000007_register"
ONLY_CODES = (
    'Wenn das Feld F90000001 "Art des Antragstellers" = 002 "geschäftlich", dann muss das Feld '
    'F90000007 "Register" befüllt werden, wobei nur die Codes B "Handelsregister B" ODER X '
    '"Ausland" ausgewählt werden dürfen.'
)


def run_registers(*texts):
    extra = "".join(rule(f"R9000000{n}", f"Regel {n}", text) for n, text in enumerate(texts, 1))
    result = import_schema(
        schema([ART, REGISTER, NAME], extra=extra), leika_keys=LEIKA, code_lists=REG_INDEX
    )
    return result, parse_definition(result.definition)


def test_only_some_codes_while_a_condition_holds_becomes_an_only_codes_rule():
    result, definition = run_registers(ONLY_CODES)
    assert applied(result) == ["R90000001"], refused(result)
    assert result.definition["rules"] == [
        {
            "only_codes": ["B", "X"],
            "field": R,
            "when": {"field": A, "equals": "002"},
            "message": "Bei „Register“ ist nach Ihren Angaben nur „Handelsregister B“ oder "
            "„Ausland“ möglich.",
        }
    ]
    message = result.definition["rules"][0]["message"]
    business = {A: "002", N: "Muster"}
    assert validate(definition, {**business, R: "A"}).errors == {R: [message]}
    assert validate(definition, {**business, R: "B"}).errors == {}
    unanswered = validate(definition, business).errors
    assert unanswered == {R: ["Bitte wählen Sie bei „Register“ eine Antwort."]}
    # Hidden (and so unchecked) unless the condition holds.
    assert validate(definition, {A: "001", N: "Muster", R: "A"}).data == {A: "001", N: "Muster"}


def test_only_codes_a_doubled_closing_quote_and_one_code():
    result, definition = run_registers(
        'Wenn das Feld F90000001 "Art des Antragstellers" = 001 "privat"", dann kann das Feld '
        'F90000007 "Register" angezeigt werden, wobei nur der Code A "Handelsregister A" '
        "ausgewählt werden darf."
    )
    assert applied(result) == ["R90000001"], refused(result)
    message = "Bei „Register“ ist nach Ihren Angaben nur „Handelsregister A“ möglich."
    assert validate(definition, {A: "001", N: "M", R: "X"}).errors == {R: [message]}
    assert validate(definition, {A: "001", N: "M"}).errors == {}


def test_only_codes_without_the_code_list_checks_the_code_typed_in_its_place():
    result = import_schema(
        schema([ART, REGISTER, NAME], extra=rule("R90000001", "Regel 1", ONLY_CODES)),
        leika_keys=LEIKA,
        code_lists=INDEX,  # no list for "Register": a free-text field until the list is added
    )
    assert applied(result) == ["R90000001"], refused(result)
    (only,) = result.definition["rules"]
    assert only["only_codes"] == ["B", "X"]
    # The labels come from the rule's own text while the list is missing.
    assert only["message"] == (
        "Bei „Register“ ist nach Ihren Angaben nur „Handelsregister B“ oder „Ausland“ möglich."
    )
    definition = parse_definition(result.definition)
    assert definition.field(R).type == "text"
    business = {A: "002", N: "Muster"}
    assert validate(definition, {**business, R: "A"}).errors == {R: [only["message"]]}
    assert validate(definition, {**business, R: "X"}).errors == {}


def test_only_codes_with_a_code_its_list_does_not_have_is_not_taken_over():
    result, _definition = run_registers(ONLY_CODES.replace('X "Ausland"', 'Q "Quatsch"'))
    assert applied(result) == []
    assert "Den Code „Q“ gibt es" in refused(result)[0]


def test_only_codes_rule_is_checked_by_the_engine():
    base = {
        **ART_FORM,
        "steps": [
            {
                "id": "s",
                "title": "S",
                "items": [
                    {"kind": "field", "id": "x", "type": "choice", "choices": "art", "label": "X"},
                    {"kind": "field", "id": "t", "type": "text", "label": "T"},
                    {"kind": "field", "id": "d", "type": "date", "label": "D"},
                ],
            }
        ],
    }

    def messages(rule_raw):
        try:
            parse_definition({**base, "rules": [rule_raw]})
        except DefinitionError as exc:
            return exc.messages
        return []

    assert messages({"only_codes": ["a"], "field": "x", "message": "m"}) == []
    # A text field: a FIM select whose code list is missing, its answer is the code.
    assert messages({"only_codes": ["a"], "field": "t", "message": "m"}) == []
    wrong = messages({"only_codes": ["a"], "field": "d", "message": "m"})
    assert "kein Auswahl- oder Textfeld" in wrong[0]
    assert "gibt es" in messages({"only_codes": ["b"], "field": "x", "message": "m"})[0]
    when = {"field": "nix", "filled": True}
    assert messages({"only_codes": ["a"], "field": "x", "when": when, "message": "m"})
    assert messages({"only_codes": [], "field": "x", "message": "m"})


def test_a_value_not_asked_counts_no_input_and_keeps_a_declarations_step_on_the_check_page():
    codes = {"title": "Länder", "entries": [{"code": "SN", "label": "Sachsen"}]}
    raw = {
        "format": 1,
        "key": "t",
        "title": "T",
        "leika_keys": LEIKA,
        "code_lists": {"land": codes},
        "steps": [
            {
                "id": "erklaerung",
                "title": "Erklärung",
                "items": [
                    {"kind": "field", "id": "land", "type": "choice", "choices": "land",
                     "label": "Land", "system": "land"},
                    {"kind": "field", "id": "art", "type": "text", "label": "Art", "fixed": "x"},
                    {"kind": "field", "id": "ok", "type": "boolean", "label": "Richtig",
                     "must_be_true": True},
                ],
            }
        ],
    }  # fmt: skip
    definition = parse_definition(raw)
    assert definition.steps[0].on_check_page
    raw["steps"][0]["items"][1] = {"kind": "field", "id": "art", "type": "text", "label": "Art"}
    assert not parse_definition(raw).steps[0].on_check_page


# --- the time since a date ("aktuelles Datum - Beginn < 7 Tage") -----------------------------

BEGINN = field("F90000008", "Beginn", datentyp="date", anzahl="0:1")
KURZ = field("F90000009", "Fristverkürzung", anzahl="0:1")
ANZEIGE = field("F90000010", "Letzte Anzeige", datentyp="date", anzahl="0:1")
NEU = field("F90000011", "Neue Anzeige", anzahl="0:1")
BG, KZ, AZ, NE = (
    "f90000008_beginn",
    "f90000009_fristverkuerzung",
    "f90000010_letzte_anzeige",
    "f90000011_neue_anzeige",
)
TODAY = datetime.date(2026, 12, 6)


def test_the_time_since_a_date_becomes_a_since_condition_counted_from_today():
    result, definition = run(
        [BEGINN, KURZ, ANZEIGE, NEU, NAME],
        'Wenn (aktuelles Datum - F90000008 "Beginn") < 7 Tage muss das Feld F90000009 '
        '"Fristverkürzung" befüllt sein. Wenn (aktuelles Datum - F90000008 "Beginn") > 7 Tage '
        'oder = 7 Tage darf das Feld F90000009 "Fristverkürzung" nicht befüllt sein.',
        'Wenn das Feld F90000003 "Name" befüllt ist ODER (aktuelles Datum - F90000010 "Letzte '
        'Anzeige") > 6 Jahre, dann muss das Feld F90000011 "Neue Anzeige" befüllt sein.',
    )
    assert applied(result) == ["R90000001", "R90000002"], refused(result)
    assert definition.field(KZ).visible_if == {"field": BG, "since": {"op": "<", "days": 7}}

    def errors(data):
        found = validate(definition, {N: "M", NE: "ja", **data}, today=TODAY).errors
        return {path: messages for path, messages in found.items() if path == KZ}

    required = {KZ: ["Bitte geben Sie „Fristverkürzung“ an."]}
    # Six days ago (and any later date) is less than seven days: required.
    assert errors({BG: "2026-11-30"}) == required
    assert errors({BG: "2026-12-20"}) == required
    # Seven days ago or earlier: hidden, an answer is dropped.
    assert errors({BG: "2026-11-29"}) == {}
    kept = validate(definition, {N: "M", BG: "2026-11-29", KZ: "x"}, today=TODAY).data
    assert KZ not in kept
    # More than six years, counted in calendar years.
    assert definition.field(NE).visible_if["any"][1] == {
        "field": AZ,
        "since": {"op": ">", "years": 6},
    }
    shown = visibility(definition, {AZ: "2020-12-05"}, today=TODAY)
    assert shown.item_visible(NE, {})
    assert not visibility(definition, {AZ: "2020-12-06"}, today=TODAY).item_visible(NE, {})


def test_since_counts_calendar_months_and_years_and_is_checked():
    from openkommune.forms.engine.conditions import evaluate, since_bound

    assert since_bound({"years": 1}, datetime.date(2028, 2, 29)) == datetime.date(2027, 2, 28)
    assert since_bound({"months": 1}, datetime.date(2026, 3, 31)) == datetime.date(2026, 2, 28)
    assert since_bound({"days": 7}, TODAY) == datetime.date(2026, 11, 29)
    condition = {"field": "d", "since": {"op": ">=", "years": 18}}
    born = {"d": datetime.date(2008, 12, 6)}.get
    assert evaluate(condition, born, TODAY)
    assert not evaluate(condition, born, datetime.date(2026, 12, 5))
    assert not evaluate(condition, lambda _name: "kein Datum", TODAY)
    raw = {
        "format": 1,
        "key": "t",
        "title": "T",
        "leika_keys": LEIKA,
        "steps": [
            {
                "id": "s",
                "title": "S",
                "items": [
                    {"kind": "field", "id": "d", "type": "text", "label": "D"},
                    {"kind": "field", "id": "e", "type": "text", "label": "E",
                     "visible_if": condition},
                ],
            }
        ],
    }  # fmt: skip
    with pytest.raises(DefinitionError, match="nur für Datumsfelder"):
        parse_definition(raw)
    raw["steps"][0]["items"][0]["type"] = "date"
    parse_definition(raw)
    raw["steps"][0]["items"][1]["visible_if"] = {"field": "d", "since": {"op": "<"}}
    with pytest.raises(DefinitionError):
        parse_definition(raw)


def test_a_since_condition_on_the_same_page_is_shown_with_the_server_deciding():
    _result, definition = run(
        [BEGINN, KURZ, NAME],
        'Wenn (aktuelles Datum - F90000008 "Beginn") < 7 Tage, dann muss das Feld F90000009 '
        '"Fristverkürzung" befüllt sein.',
    )
    [widget] = [
        w for w in step_widgets(definition, definition.steps[0], {}, today=TODAY) if w.path == KZ
    ]
    assert json.loads(widget.show_if) == {"const": True}
    assert widget.hint.startswith("Nur nötig, wenn es auf Sie zutrifft.")
