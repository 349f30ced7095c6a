"""Eighth pass of the FIM rule translation (docs/forms.md "FIM rules", "Eighth pass") on small
synthetic schemas (test data, not real FIM content; the state codes are only examples): codes
listed "in der Codeliste", bare code lists with commas, a capitalised "Im", and rules that
enumerate the states they mean with their codes. Each translation is executed with the
engine; the selects have no code list, so their answers are typed codes."""

import pytest

from openkommune.forms.engine import validate
from openkommune.forms.engine.state import visibility
from openkommune.forms.fim.codelists import CodeListIndex
from openkommune.forms.fim.reader import read_genericode
from tests.forms.fim_samples.builders import (
    applied,
    field,
    genericode,
    group,
    import_with_rules,
    refused,
)

LEIKA = ["99089086000000"]
FORM = field("F90000001", "Rechtsform", feldart="select", codeliste=("urn:test:x", "1"))
FIRMA = group("G90000020", "Nicht natürliche Person", [field("F90000021", "Firma")], anzahl="0:1")
R, U = "f90000001_rechtsform", "g90000020_nicht_natuerliche_person"


def run(children, text):
    return import_with_rules(children, [text], leika_keys=LEIKA)


def shown(definition, data, item_id):
    return visibility(definition, data).item_visible(item_id, {})


@pytest.mark.parametrize(
    "condition",
    [
        'Im Datenfeld F90000001 "Rechtsform" in der Codeliste die Einträge folgender Codes '
        "ausgewählt: 211000, 221000, 111000-113000, 138100",
        'im Datenfeld F90000001 "Rechtsform" Auswahl = 211000, 221000, 111000 bis 113000 oder '
        "138100",
    ],
)
def test_codes_and_spans_listed_with_commas(condition):
    result, definition = run(
        [FORM, FIRMA],
        f'WENN {condition}, DANN ist Datenfeldgruppe G90000020 "Nicht natürliche Person" eine '
        "Pflichtfeldgruppe.",
    )
    assert applied(result) == ["R90000001"], refused(result)
    inside = ["211000", "221000", "111000", "112500", "113000", "138100"]
    outside = ["110999", "113001", "138000", "410000", ""]
    assert all(shown(definition, {R: code}, U) for code in inside)
    assert not any(shown(definition, {R: code}, U) for code in outside)
    assert (
        "Bitte geben Sie mindestens 1 Eintrag" in validate(definition, {R: "211000"}).errors[U][0]
    )


STATE = field(
    "F90000001", "Staatsangehörigkeit", feldart="select", codeliste=("urn:test:staat", "1")
)
STATES = field(
    "F90000001",
    "Staatsangehörigkeit",
    feldart="select",
    codeliste=("urn:test:staat", "1"),
    anzahl="1:n",
)
PERMIT = group("G90000020", "Aufenthaltstitel", [field("F90000021", "Titel")], anzahl="0:1")
S, P = "f90000001_staatsangehoerigkeit", "g90000020_aufenthaltstitel"
EU = (
    "Die Mitgliedstaaten der Europäischen Union (Stand 2025) sind alphabetisch sortiert: "
    "901 Aland, 902 Bland, 0 Deutschland und 903 Cland."
)
WIDE = (
    "Die Mitgliedstaaten der EU, EWR und Schweiz (Stand 02/2026) sind alphabetisch sortiert: "
    "901 Aland, 000 Deutschland, 904 Dland und 905 Eland."
)


@pytest.mark.parametrize(
    ("text", "members", "others"),
    [
        (
            'WENN in Feld F90000001 "Staatsangehörigkeit" in der Auswahl ein Nicht-EU-Staat '
            'gewählt, DANN ist Feldgruppe G90000020 "Aufenthaltstitel" als Pflichtfeldgruppe '
            'anzuzeigen und zu befüllen. WENN in Feld F90000001 "Staatsangehörigkeit" in der '
            'Auswahl ein EU-Staat gewählt, DANN ist Feldgruppe G90000020 "Aufenthaltstitel" '
            f"auszublenden. {EU}",
            ["901", "902", "0", "903"],
            ["904", "999", "000"],  # "000" is not the "0" the rule writes
        ),
        (
            'WENN in Datenfeld F90000001 "Staatsangehörigkeit" ein Staat gewählt wird, der nicht '
            "zur EU, zum EWR oder zur Schweiz gehört, DANN ist die Datenfeldgruppe G90000020 "
            '"Aufenthaltstitel" zu befüllen. WENN in Datenfeld F90000001 "Staatsangehörigkeit" '
            "ein Staat gewählt wird, der zur EU, zum EWR oder zur Schweiz gehört, DANN ist die "
            f'Datenfeldgruppe G90000020 "Aufenthaltstitel" auszublenden. {WIDE}',
            ["901", "000", "904", "905"],
            ["902", "999"],
        ),
    ],
)
def test_a_rule_enumerating_its_states_compares_with_their_codes(text, members, others):
    result, definition = run([STATE, PERMIT], text)
    assert applied(result) == ["R90000001"], refused(result)
    for code in members:
        assert not shown(definition, {S: code}, P), code
    for code in others:
        assert shown(definition, {S: code}, P), code
        errors = validate(definition, {S: code}).errors
        assert "Bitte geben Sie mindestens 1 Eintrag" in errors[P][0]


def test_all_or_at_least_one_of_several_nationalities():
    result, definition = run(
        [STATES, PERMIT],
        'WENN alle Angaben in Feld F90000001 "Staatsangehörigkeit" <> Deutschland/EU-Staat '
        'sind, dann muss die Gruppe G90000020 "Aufenthaltstitel" befüllt werden. WENN '
        'mindestens eine Angabe in Feld F90000001 "Staatsangehörigkeit" = Deutschland/EU-Staat '
        f'ist, dann darf die Gruppe G90000020 "Aufenthaltstitel" nicht angezeigt werden. {EU}',
    )
    assert applied(result) == ["R90000001"], refused(result)
    entries = "f90000001_staatsangehoerigkeit_liste"

    def nationalities(*codes):
        return {entries: [{S: code} for code in codes]}

    assert shown(definition, nationalities("999", "998"), P)
    assert not shown(definition, nationalities("999", "902"), P)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        # The rule names EU states but enumerates EU, EWR and Schweiz: not guessed.
        (
            'WENN in Feld F90000001 "Staatsangehörigkeit" in der Auswahl ein EU-Staat gewählt, '
            f'DANN ist Feldgruppe G90000020 "Aufenthaltstitel" auszublenden. {WIDE}',
            "nennt andere Staaten",
        ),
        # A state without its code: dropping it would change who is asked.
        (
            'WENN in Feld F90000001 "Staatsangehörigkeit" in der Auswahl ein EU-Staat gewählt, '
            'DANN ist Feldgruppe G90000020 "Aufenthaltstitel" auszublenden. Die Mitgliedstaaten '
            "der EU sind: 901 Aland, Bland und 903 Cland.",
            "„Bland“ steht ohne Code",
        ),
    ],
)
def test_a_set_of_states_that_does_not_fit_is_refused(text, reason):
    result, _definition = run([STATE, PERMIT], text)
    assert applied(result) == []
    assert reason in refused(result)[0]


NAME = field("F90000002", "Name")
PERSON = group(
    "G90000010",
    "Natürliche Person",
    [field("F90000011", "Familienname", anzahl="0:1"), field("F90000012", "Vorname", anzahl="0:1")],
    anzahl="0:1",
)
EXTRACT = group("G90000030", "Registerauszug", [field("F90000031", "Auszug", anzahl="0:1")])
G = "g90000010_natuerliche_person"
X = "f90000031_auszug"
PERSON_NEEDED = ["Bitte machen Sie Angaben zu „Natürliche Person“."]


@pytest.mark.parametrize(
    ("text", "needed_in", "free_in"),
    [
        (
            'Die Gruppe G90000010 "Natürliche Person" muss in den Bundesländern SN, HB und RLP '
            "befüllt werden.",
            ["SN", "HB", "RP"],
            ["BY", "TH"],
        ),
        (
            'Für alle Bundesländer außer BW ist die Gruppe G90000010 "Natürliche Person" zu '
            'befüllen. Für das Bundesland BW ist die Gruppe G90000010 "Natürliche Person" '
            "anzuzeigen.",
            ["SN", "BY", "TH"],
            ["BW"],
        ),
    ],
)
def test_a_group_required_in_some_laender_only(text, needed_in, free_in):
    # Inside a step, the optional group is a plain group: the message goes to its first field.
    result, definition = run([group("G90000001", "Antrag", [NAME, PERSON])], text)
    assert applied(result) == ["R90000001"], refused(result)
    for land in needed_in:
        assert validate(definition, {"f90000002_name": "M", "land": land}).errors == {
            f"{G}.f90000011_familienname": PERSON_NEEDED
        }, land
        filled = {"f90000002_name": "M", "land": land, G: {"f90000012_vorname": "Eva"}}
        assert validate(definition, filled).errors == {}
    for land in free_in:
        assert validate(definition, {"f90000002_name": "M", "land": land}).errors == {}, land
        assert shown(definition, {"land": land}, G)


def test_a_group_of_one_field_required_in_some_laender_makes_the_field_required_there():
    result, definition = run(
        [NAME, EXTRACT], 'Die Gruppe G90000030 "Registerauszug" muss in TH befüllt werden.'
    )
    assert applied(result) == ["R90000001"], refused(result)
    assert validate(definition, {"f90000002_name": "M", "land": "TH"}).errors == {
        X: ["Bitte geben Sie „Auszug“ an."]
    }
    assert validate(definition, {"f90000002_name": "M", "land": "SN"}).errors == {}


def test_a_group_already_required_by_its_fields_changes_nothing():
    required = group("G90000030", "Registerauszug", [field("F90000031", "Auszug")])
    result, _definition = run(
        [NAME, required], 'Die Gruppe G90000030 "Registerauszug" muss in TH befüllt werden.'
    )
    assert applied(result) == []
    assert "nichts Ausführbares" in refused(result)[0]


def test_a_repeated_group_required_in_some_laender_needs_an_entry_there():
    persons = group(
        "G90000010",
        "Natürliche Person",
        [field("F90000011", "Familienname"), field("F90000012", "Vorname", anzahl="0:1")],
        anzahl="0:3",
    )
    result, definition = run(
        [group("G90000001", "Antrag", [NAME, persons])],
        'Die Gruppe G90000010 "Natürliche Person" muss in TH befüllt werden.',
    )
    assert applied(result) == ["R90000001"], refused(result)
    base = {"f90000002_name": "M"}
    assert validate(definition, {**base, "land": "TH"}).errors == {G: PERSON_NEEDED}
    entry = {G: [{"f90000011_familienname": "Muster"}]}
    assert validate(definition, {**base, **entry, "land": "TH"}).errors == {}
    assert validate(definition, {**base, "land": "SN"}).errors == {}


def test_a_dotted_reference_may_leave_out_levels_and_takes_the_nearest_use():
    deeper = group("G90000007", "Weitere", [group("G90000006", "Register", [FORM])], anzahl="0:1")
    near = group("G90000005", "Register", [FORM])
    result, definition = run(
        [group("G90000001", "Antrag", [near, deeper]), FIRMA],
        'WENN das Feld G90000001.F90000001 "Rechtsform" = 221100, DANN ist Datenfeldgruppe '
        'G90000020 "Nicht natürliche Person" eine Pflichtfeldgruppe.',
    )
    assert applied(result) == ["R90000001"], refused(result)
    (compared,) = [
        item_id
        for item_id in definition.items
        if item_id.startswith("f90000001") and definition.items[U].visible_if["field"] == item_id
    ]
    assert definition.locations[compared].groups[-1].startswith("g90000005")


def test_a_dotted_reference_naming_no_enclosing_group_is_not_found():
    result, _definition = run(
        [group("G90000001", "Antrag", [FORM]), FIRMA],
        'WENN das Feld G90000009.F90000001 "Rechtsform" = 221100, DANN ist Datenfeldgruppe '
        'G90000020 "Nicht natürliche Person" eine Pflichtfeldgruppe.',
    )
    assert applied(result) == []
    assert "Bezug G90000009.F90000001 nicht gefunden" in refused(result)[0]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ('Auswahl 221100 "GmbH"', "221100"),  # the word "Auswahl" is not the code
        ('221100="GmbH"', "221100"),
        ('"221100"', "221100"),
        ('B "Handelsregister B"', "B"),
    ],
)
def test_without_the_code_list_only_what_reads_as_a_code_is_compared(value, code):
    result, definition = run(
        [FORM, FIRMA],
        f'WENN das Feld F90000001 "Rechtsform" = {value}, DANN ist Datenfeldgruppe G90000020 '
        '"Nicht natürliche Person" eine Pflichtfeldgruppe.',
    )
    assert applied(result) == ["R90000001"], refused(result)
    assert definition.items[U].visible_if == {"field": R, "equals": code}


@pytest.mark.parametrize("value", ["'Deutschland'", '"Gesellschaft mit beschränkter Haftung"'])
def test_without_the_code_list_a_label_is_not_compared_as_if_it_were_a_code(value):
    result, _definition = run(
        [FORM, FIRMA],
        f'WENN das Feld F90000001 "Rechtsform" = {value}, DANN ist Datenfeldgruppe G90000020 '
        '"Nicht natürliche Person" eine Pflichtfeldgruppe.',
    )
    assert applied(result) == []
    assert "ohne Codeliste lässt sich keine Bezeichnung nachschlagen" in refused(result)[0]


NUMMER = field("F90000003", "Registernummer", anzahl="0:1")
NR = "f90000003_registernummer"


@pytest.mark.parametrize(
    ("action", "shown_then", "required_then"),
    [
        ('ist das Feld F90000003 "Registernummer" sichtbar', True, False),
        ('wird das Feld F90000003 "Registernummer" sichtbar', True, False),
        ('muss das Feld F90000003 "Registernummer" sichtbar sein', True, False),
        ('ist F90000003 "Registernummer" einzublenden', True, False),
        ('ist das Feld F90000003 "Registernummer" auszufüllen', True, True),
        ('ist das Feld F90000003 "Registernummer" anzugeben', True, True),
        ('ist das Feld F90000003 "Registernummer" verpflichtend', None, True),
        ('ist das Feld F90000003 "Registernummer" Pflicht', None, True),
        ('ist die Angabe im Feld F90000003 "Registernummer" erforderlich', None, True),
        ('wird F90000003 "Registernummer" zur Pflicht', None, True),
        ('ist das Feld F90000003 "Registernummer" nicht sichtbar', False, False),
    ],
)
def test_more_words_for_showing_hiding_and_requiring(action, shown_then, required_then):
    """`shown_then`: shown exactly while the condition holds (True), hidden exactly then
    (False), or always shown (None: the rule only makes it required then)."""
    result, definition = run(
        [FORM, NUMMER], f'Wenn das Feld F90000001 "Rechtsform" = 221100, dann {action}.'
    )
    assert applied(result) == ["R90000001"], refused(result)
    holds, other = {R: "221100"}, {R: "410000"}
    if shown_then is None:
        assert shown(definition, holds, NR)
        assert shown(definition, other, NR)
    else:
        assert shown(definition, holds, NR) is shown_then
        assert shown(definition, other, NR) is not shown_then
    assert (NR in validate(definition, holds).errors) is required_then
    assert NR not in validate(definition, other).errors


ART_LIST = CodeListIndex(
    [read_genericode(genericode("urn:test:art", "1", [("01", "privat"), ("02", "gewerblich")]))]
)
ART = field("F90000001", "Art", feldart="select", codeliste=("urn:test:art", "1"))
TICK = field("F90000002", "Vertreter", datentyp="bool")
A, T = "f90000001_art", "f90000002_vertreter"


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ('Wenn im Feld F90000001 "Art" der Wert 02 ausgewählt wurde,',
         {"field": A, "equals": "02"}),
        ('Falls im Feld F90000001 "Art" 02 gewählt ist,', {"field": A, "equals": "02"}),
        ('Sofern im Feld F90000001 "Art" 02 ausgewählt ist,', {"field": A, "equals": "02"}),
        ('Wenn im Feld F90000001 "Art" "gewerblich" ausgewählt wurde,',
         {"field": A, "equals": "02"}),
        ('Wenn F90000001 "Art" den Wert 02 hat,', {"field": A, "equals": "02"}),
        ('Wenn in F90000001 "Art" die Auswahl 02 getroffen wurde,', {"field": A, "equals": "02"}),
        ('Wenn im Feld F90000001 "Art" 02 nicht ausgewählt wurde,',
         {"not": {"field": A, "equals": "02"}}),
        ('Wenn F90000002 "Vertreter" angekreuzt ist,', {"field": T, "equals": True}),
        ('Wenn F90000002 "Vertreter" nicht angekreuzt ist,', {"field": T, "equals": False}),
        ('Wenn F90000002 "Vertreter" verneint wurde,', {"field": T, "equals": False}),
        ('Wenn das Feld F90000002 "Vertreter" mit "Ja" beantwortet wurde,',
         {"field": T, "equals": True}),
    ],
)  # fmt: skip
def test_more_wordings_of_a_condition(condition, expected):
    result, definition = import_with_rules(
        [ART, TICK, NUMMER],
        [f'{condition} dann muss das Feld F90000003 "Registernummer" befüllt werden.'],
        leika_keys=LEIKA,
        code_lists=ART_LIST,
    )
    assert applied(result) == ["R90000001"], refused(result)
    assert definition.items[NR].visible_if == expected


def test_a_tick_word_needs_a_yes_no_field():
    result, _definition = import_with_rules(
        [ART, TICK, NUMMER],
        ['Wenn F90000001 "Art" angekreuzt ist, dann muss das Feld F90000003 "Registernummer" '
         "befüllt werden."],
        leika_keys=LEIKA,
        code_lists=ART_LIST,
    )  # fmt: skip
    assert applied(result) == []
    assert "kein Ja/Nein-Feld" in refused(result)[0]


VERTRETUNG = group(
    "G90000020",
    "Vertretung",
    [field("F90000021", "Name", anzahl="0:1"), field("F90000022", "Vorname", anzahl="0:1")],
    anzahl="0:1",
)
V = "g90000020_vertretung"


@pytest.mark.parametrize(
    ("text", "item", "required"),
    [
        ('Die Feldgruppe G90000020 "Vertretung" ist nur auszufüllen, wenn F90000002 '
         '"Vertreter" = "ja" ist.', V, True),
        ('Die Feldgruppe G90000020 "Vertretung" ist nur anzuzeigen, wenn F90000002 '
         '"Vertreter" = "ja".', V, False),
        ('F90000003 "Registernummer" ist nur dann anzugeben, wenn F90000002 "Vertreter" = ja.',
         NR, True),
        ('Das Feld F90000003 "Registernummer" muss befüllt werden, wenn F90000002 "Vertreter" '
         "angekreuzt ist.", NR, True),
        ('F90000003 "Registernummer" wird angezeigt, falls F90000002 "Vertreter" = ja ist.',
         NR, False),
    ],
)  # fmt: skip
def test_the_condition_may_come_last(text, item, required):
    result, definition = import_with_rules(
        [TICK, NUMMER, group("G90000001", "Antrag", [VERTRETUNG])], [text], leika_keys=LEIKA
    )
    assert applied(result) == ["R90000001"], refused(result)
    assert shown(definition, {T: True}, item)
    assert not shown(definition, {T: False}, item)
    errors = validate(definition, {T: True}).errors
    assert bool(errors) is required, errors


def test_a_field_that_is_pflicht_when_a_box_is_ticked_stays_shown():
    result, definition = import_with_rules(
        [TICK, NUMMER],
        ['Das Feld F90000003 "Registernummer" ist Pflicht, wenn F90000002 "Vertreter" '
         "angekreuzt ist."],
        leika_keys=LEIKA,
    )  # fmt: skip
    assert applied(result) == ["R90000001"], refused(result)
    assert definition.field(NR).required_if == {"field": T, "equals": True}
    assert shown(definition, {T: False}, NR)


TEL = field("F90000005", "Telefon", anzahl="0:1")
MAIL = field("F90000006", "E-Mail", anzahl="0:1")


@pytest.mark.parametrize(
    "text",
    [
        'Mindestens eines der Felder F90000005 "Telefon" oder F90000006 "E-Mail" muss '
        "ausgefüllt werden.",
        'Es muss mindestens eines der Felder F90000005 "Telefon", F90000006 "E-Mail" angegeben '
        "werden.",
        'Entweder F90000005 "Telefon" oder F90000006 "E-Mail" muss angegeben werden.',
    ],
)
def test_one_of_two_fields_with_other_verbs(text):
    result, definition = import_with_rules([TEL, MAIL], [text], leika_keys=LEIKA)
    assert applied(result) == ["R90000001"], refused(result)
    assert validate(definition, {}).errors
    assert validate(definition, {"f90000006_e_mail": "a@example.org"}).errors == {}


def test_the_order_of_two_dates_without_the_word_datum():
    start = field("F90000007", "Beginn", datentyp="date", anzahl="0:1")
    end = field("F90000008", "Ende", datentyp="date", anzahl="0:1")
    result, definition = import_with_rules(
        [start, end],
        ['F90000008 "Ende" muss nach F90000007 "Beginn" liegen.'],
        leika_keys=LEIKA,
    )
    assert applied(result) == ["R90000001"], refused(result)
    dates = {"f90000007_beginn": "2026-03-02"}
    assert validate(definition, {**dates, "f90000008_ende": "2026-03-01"}).errors
    assert validate(definition, {**dates, "f90000008_ende": "2026-03-03"}).errors == {}


def test_a_code_restriction_and_a_required_field_named_subject_first():
    register = field(
        "F90000002", "Art der Eintragung", feldart="select", codeliste=("urn:test:reg", "1"),
        anzahl="0:1",
    )  # fmt: skip
    result, definition = run(
        [FORM, register],
        'WENN im Feld F90000001 "Rechtsform" Auswahl = 221100="GmbH", DANN darf in Feld '
        'F90000002 "Art der Eintragung" nur der Code B "Handelsregister B" ausgewählt UND das '
        'Feld F90000002 "Art der Eintragung" muss befüllt sein.',
    )
    assert applied(result) == ["R90000001"], refused(result)
    e = "f90000002_art_der_eintragung"
    assert validate(definition, {R: "221100"}).errors[e]  # required then
    assert validate(definition, {R: "221100", e: "A"}).errors == {
        e: ["Bei „Art der Eintragung“ ist nach Ihren Angaben nur „Handelsregister B“ möglich."]
    }
    assert validate(definition, {R: "221100", e: "B"}).errors == {}
    assert validate(definition, {R: "410000"}).errors == {}
