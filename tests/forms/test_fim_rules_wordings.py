"""More wordings of FIM rules (`forms.fim.rules`, docs/forms.md "FIM rules") on small
synthetic schemas (test data, not real FIM content): upper-case WENN/DANN, the verbs
"aktiviere", "zeige … an", "blende … aus", "ist … zu befüllen", "darf … nicht angezeigt
werden", operators `==`/`===`/`!=`, sets of codes, "Y ist ein Pflichtfeld, wenn …", date order
and the eleven-digit ids of XDatenfelder 3. Each translation is executed with the engine."""

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
    rule,
)

LEIKA = ["99089086000000"]
ROWS = [("001", "ist beantragt"), ("002", "ist noch nicht beantragt"), ("003", "liegt vor")]
INDEX = CodeListIndex([read_genericode(genericode("urn:test:stand", "1", ROWS))])


def run(children, *texts):
    return import_with_rules(children, texts, leika_keys=LEIKA, code_lists=INDEX)


def shown(definition, data, item_id) -> bool:
    return visibility(definition, data).item_visible(item_id, {})


def errors(definition, data) -> dict:
    return validate(definition, data, step_id=definition.steps[0].id).errors


STAND = field("F90000001", "Stand", feldart="select", codeliste=("urn:test:stand", "1"))
FRAGE = field("F90000002", "Frage", datentyp="bool")
DATUM = field("F90000003", "Datum", datentyp="date", anzahl="0:1")
TEXT = field("F90000004", "Text", anzahl="0:1")
S, Q, D, T = "f90000001_stand", "f90000002_frage", "f90000003_datum", "f90000004_text"


def test_upper_case_wenn_dann_with_aktiviere_and_pflichtangabe():
    result, definition = run(
        [STAND, DATUM, TEXT],
        "WENN F90000001 'Stand' = 001 'ist beantragt', DANN aktiviere F90000003 'Datum' "
        "UND mache es zu einer Pflichtangabe UND deaktiviere F90000004 'Text'.\n\n"
        "WENN F90000001 'Stand' = 002 'ist noch nicht beantragt', DANN deaktiviere F90000003 "
        "'Datum' UND aktiviere F90000004 'Text'.",
    )
    assert applied(result) == ["R90000001"], refused(result)
    assert shown(definition, {S: "001"}, D)
    assert not shown(definition, {S: "002"}, D)
    assert shown(definition, {S: "002"}, T)
    assert not shown(definition, {S: "001"}, T)
    assert D in errors(definition, {S: "001"})  # required while shown
    assert D not in errors(definition, {S: "002"})


def test_zeige_an_otherwise_not_with_programming_operators_and_unquoted_labels():
    result, definition = run(
        [FRAGE, TEXT, DATUM],
        'Wenn Feld F90000002 Frage === "Ja", dann zeige Feld F90000004 Text an, wenn Feld '
        'F90000002 Frage <> "Ja", dann zeige Feld F90000004 Text nicht an.',
        "Wenn F90000002 == Ja, dann zeige F90000003 als Pflichtfeld an, sonst zeige die Felder "
        "nicht an.",
    )
    assert applied(result) == ["R90000001", "R90000002"], refused(result)
    assert shown(definition, {Q: "ja"}, T)
    assert not shown(definition, {Q: "nein"}, T)
    assert D in errors(definition, {Q: "ja"})
    assert D not in errors(definition, {Q: "nein"})


def test_blende_aus_with_a_clause_that_continues_the_previous_field():
    children = [FRAGE, group("G90000010", "Details", [field("F90000011", "Name")], anzahl="0:1")]
    result, definition = run(
        children,
        'Wenn das Feld F90000002 Frage === "Ja" ist, dann zeige die Datenfeldgruppe G90000010 '
        'Details, wenn <> "Ja", dann blende die Datenfeldgruppe G90000010 Details aus.',
    )
    assert applied(result) == ["R90000001"], refused(result)
    assert shown(definition, {Q: "ja"}, "g90000010_details")
    assert not shown(definition, {Q: "nein"}, "g90000010_details")


def test_ist_zu_befuellen_and_auszublenden_and_darf_nicht_angezeigt_werden():
    result, definition = run(
        [STAND, DATUM, TEXT],
        'WENN das Datenfeld F90000001 "Stand" = 003 "liegt vor", DANN ist das Datenfeld '
        'F90000003 "Datum" zu befüllen.\nWENN das Datenfeld F90000001 "Stand" <> 003 "liegt '
        'vor", DANN ist das Datenfeld F90000003 "Datum" auszublenden.',
        'WENN das Datenfeld F90000001 "Stand" = 1 "ist beantragt", DANN muss das Datenfeld '
        'F90000004 "Text" befüllt werden.\nWENN das Datenfeld F90000001 "Stand" <> 1 "ist '
        'beantragt", DANN darf das Datenfeld F90000004 "Text" nicht angezeigt werden.',
    )
    assert applied(result) == ["R90000001", "R90000002"], refused(result)
    assert shown(definition, {S: "003"}, D)
    assert not shown(definition, {S: "001"}, D)
    assert D in errors(definition, {S: "003"})
    # "1" is the code list's "001".
    assert shown(definition, {S: "001"}, T)
    assert not shown(definition, {S: "002"}, T)
    assert T in errors(definition, {S: "001"})


def test_a_set_of_codes_and_a_label_instead_of_a_code():
    name = field("F90000005", "Name", anzahl="0:1")
    result, definition = run(
        [STAND, DATUM, TEXT, name],
        'Wenn das Feld F90000001 "Stand" = (001 "ist beantragt" ODER 003 "liegt vor"), dann '
        'muss das Feld F90000003 "Datum" befüllt sein.',
        'Wenn das Feld F90000001 "Stand" <> (001 "ist beantragt" UND 003 "liegt vor"), dann '
        'kann das Feld F90000004 "Text" befüllt werden.',
        'Wenn F90000001 Stand == "ist noch nicht beantragt", dann zeige F90000005 an, '
        "ansonsten nicht.",
    )
    assert applied(result) == ["R90000001", "R90000002", "R90000003"], refused(result)
    found = {i["id"]: i for s in result.definition["steps"] for i in s["items"]}
    assert found[D]["visible_if"] == {"field": S, "in": ["001", "003"]}
    assert found[T]["visible_if"] == {"not": {"field": S, "in": ["001", "003"]}}
    assert found["f90000005_name"]["visible_if"] == {"field": S, "equals": "002"}
    assert shown(definition, {S: "003"}, D)
    assert not shown(definition, {S: "002"}, D)
    assert shown(definition, {S: "002"}, T)
    assert not shown(definition, {S: "001"}, T)
    assert shown(definition, {S: "002"}, "f90000005_name")


def test_required_if_one_of_the_following_fields_is_yes():
    children = [
        field("F90000021", "Strafe", datentyp="bool"),
        field("F90000022", "Bussgeld", datentyp="bool"),
        field("F90000023", "Behoerde", anzahl="0:1"),
    ]
    result, definition = run(
        children,
        "Das Feld F90000023 ist ein Pflichtfeld, wenn eines der folgenden Felder F90000021, "
        'F90000022 mit "Ja" belegt ist.',
    )
    assert applied(result) == ["R90000001"], refused(result)
    target = "f90000023_behoerde"
    no = {"f90000021_strafe": "nein", "f90000022_bussgeld": "nein"}
    assert target in errors(definition, {**no, "f90000022_bussgeld": "ja"})
    assert target not in errors(definition, no)
    assert shown(definition, no, target)  # required-if: always shown


def test_kein_eintrag_then_ein_pflichtfeld_is_required_if():
    result, definition = run(
        [TEXT, field("F90000005", "Name", anzahl="0:1")],
        'WENN in F90000004 "Text" kein Eintrag vorgenommen wurde, DANN ist F90000005 "Name" '
        "ein Pflichtfeld.",
    )
    assert applied(result) == ["R90000001"], refused(result)
    assert "f90000005_name" in errors(definition, {})
    assert "f90000005_name" not in errors(definition, {T: "etwas"})


def test_entweder_muss_group_a_oder_group_b_befuellt_sein():
    ort, land = field("F90000031", "Ort", anzahl="0:1"), field("F90000033", "Land", anzahl="0:1")
    inland = group("G90000030", "Inland", [ort], anzahl="0:1")
    ausland = group("G90000032", "Ausland", [land], anzahl="0:1")
    children = [group("G90000029", "Anschrift", [inland, ausland])]
    result, definition = run(
        children,
        'Entweder muss die Feldgruppe G90000030 "Inland" oder die Feldgruppe G90000032 '
        '"Ausland" befüllt sein.',
    )
    assert applied(result) == ["R90000001"], refused(result)
    assert shown(definition, {}, "g90000032_ausland")
    filled = {"g90000030_inland": {"f90000031_ort": "Halle"}}
    assert not shown(definition, filled, "g90000032_ausland")
    assert errors(definition, filled) == {}
    assert errors(definition, {}) != {}


def test_date_order_becomes_a_rule():
    children = [
        field("F90000041", "Von", datentyp="date", anzahl="0:1"),
        field("F90000042", "Bis", datentyp="date", anzahl="0:1"),
    ]
    result, definition = run(
        children,
        'Das Datum im Feld F90000041 "Von" muss zeitlich vor dem Datum in Feld F90000042 '
        '"Bis" liegen.',
    )
    assert applied(result) == ["R90000001"], refused(result)
    wrong = errors(definition, {"f90000041_von": "2026-05-02", "f90000042_bis": "2026-05-01"})
    assert "f90000041_von" in wrong
    right = {"f90000041_von": "2026-05-01", "f90000042_bis": "2026-05-02"}
    assert errors(definition, right) == {}


def test_eleven_digit_ids_of_xdatenfelder_3():
    children = [
        field("F60000000002", "Frage", datentyp="bool"),
        field("F60000000004", "Text", anzahl="0:1"),
    ]
    result, definition = run(
        children,
        'WENN das Datenfeld F60000000002 "Frage" = "wahr", DANN muss das Datenfeld '
        'F60000000004 "Text" befüllt werden.\nWENN das Datenfeld F60000000002 "Frage" <> '
        '"wahr", DANN darf das Datenfeld F60000000004 "Text" nicht angezeigt werden.',
    )
    assert applied(result) == ["R90000001"], refused(result)
    assert shown(definition, {"f60000000002_frage": "ja"}, "f60000000004_text")
    assert not shown(definition, {"f60000000002_frage": "nein"}, "f60000000004_text")


def test_another_item_otherwise_is_not_guessed():
    # (Two actions with different roles joined with UND are read since the sixth pass:
    # tests/forms/test_fim_rules_sixth_pass.py.)
    result, _definition = run(
        [STAND, DATUM, TEXT],
        'Wenn F90000001 Stand == "001", dann zeige F90000003 an, sonst zeige F90000004 an.',
        'Wenn F90000001 Stand == "001", dann zeige F90000003 an, sonst ist es ein Pflichtfeld.',
    )
    assert applied(result) == []
    assert len(refused(result)) == 2
    assert not any("visible_if" in i for s in result.definition["steps"] for i in s["items"])


def test_day_month_year_validity_becomes_a_valid_date_rule():
    children = [
        field("F90000051", "Tag (ohne Monat und Jahr)", datentyp="num_int", anzahl="0:1"),
        field("F90000052", "Monat", datentyp="num_int", anzahl="0:1"),
        field("F90000053", "Jahr", datentyp="num_int", anzahl="0:1"),
    ]
    result, definition = run(
        children,
        'Wenn alle drei Felder F90000051 "Tag (ohne Monat und Jahr)", F90000052 "Monat" und '
        'F90000053 "Jahr" befüllt sind, muss die Validität des sich ergebenden Kalenderdatums '
        "sichergestellt werden. D.h. es muss z.B. 30.02.2019 verhindert werden.",
    )
    assert applied(result) == ["R90000001"], refused(result)
    names = ["f90000051_tag_ohne_monat_und_jahr", "f90000052_monat", "f90000053_jahr"]
    wrong = errors(definition, dict(zip(names, ["30", "2", "2019"], strict=True)))
    assert names[0] in wrong
    right = errors(definition, dict(zip(names, ["28", "2", "2019"], strict=True)))
    assert right == {}


def test_date_not_in_the_future_becomes_max_today():
    result, definition = run(
        [DATUM], 'Das Datum im Feld F90000003 "Datum" darf nicht in der Zukunft liegen.'
    )
    assert applied(result) == ["R90000001"], refused(result)
    assert D in errors(definition, {D: "2999-01-01"})
    assert errors(definition, {D: "2000-01-01"}) == {}


def test_wird_ausgeblendet_and_optional_otherwise_required_inside_a_named_group():
    inner = group("G90000060", "Angaben", [FRAGE, TEXT, field("F90000005", "Name", anzahl="0:1")])
    result, definition = run(
        [group("G90000059", "Antrag", [inner])],
        'Wenn das Feld F90000002 "Frage" = "wahr", dann wird das Feld F90000004 "Text" '
        'angezeigt. Wenn das Feld F90000002 "Frage" <> "wahr", dann wird das Feld F90000004 '
        '"Text" ausgeblendet.',
        'Wenn F90000002 mit "Ja" belegt ist, dann ist in der Gruppe G90000060 das Feld F90000005 '
        "ein optionales Feld, sonst ist es ein Pflichtfeld.",
        'WENN in F90000004 "Text" ein Eintrag vorgenommen wurde, DANN ist F90000005 "Name" ein '
        "optionales Feld.",
    )
    assert applied(result) == ["R90000001", "R90000002"], refused(result)
    assert "freiwillig" in refused(result)[0]
    text, name = "f90000004_text", "f90000005_name"
    answers = {"g90000060_angaben": {Q: "ja"}}
    assert shown(definition, answers, text)
    assert not shown(definition, {"g90000060_angaben": {Q: "nein"}}, text)
    assert name not in str(errors(definition, answers))
    assert name in str(errors(definition, {"g90000060_angaben": {Q: "nein"}}))


def test_at_least_one_must_be_wahr_becomes_any_true():
    kinds = [field(f"F9000007{n}", name, datentyp="bool") for n, name in enumerate("ABC", 1)]
    result, definition = run(
        [group("G90000070", "Arten", kinds, regel=rule("R90000070", "Eine", (
            'Mindestens ein Datenfeld der Datenfeldgruppe muss den Wert "wahr" haben.'
        )))],
        'Mindestens eines der Datenfelder F90000071 "A", F90000072 "B" oder F90000073 "C" muss '
        'den Wert "wahr" haben.',
    )  # fmt: skip
    assert sorted(applied(result)) == ["R90000001", "R90000070"], refused(result)
    names = ["f90000071_a", "f90000072_b", "f90000073_c"]
    assert result.definition["rules"][0]["any_true"] == names
    no = dict.fromkeys(names, "nein")
    assert names[0] in errors(definition, no)
    assert errors(definition, {**no, names[2]: "ja"}) == {}


def test_erscheint_and_muss_befuellt_werden():
    result, definition = run(
        [STAND, DATUM],
        'Wenn in F90000001 Auswahl = 01 "ist beantragt", dann erscheint F90000003 "Datum" und '
        "muss befüllt werden",
    )
    assert applied(result) == ["R90000001"], refused(result)
    assert shown(definition, {S: "001"}, D)
    assert not shown(definition, {S: "002"}, D)
    assert D in errors(definition, {S: "001"})


def test_several_rules_showing_one_item_join_with_oder_and_hiding_rules_with_und():
    children = [
        field("F90000081", "Strafe", datentyp="bool"),
        field("F90000082", "Bussgeld", datentyp="bool"),
        field("F90000083", "Behoerde", anzahl="0:1"),
        STAND,
    ]
    result, definition = run(
        children,
        'Wenn Feld F90000081 === "Ja", dann zeige Feld F90000083 an, wenn Feld F90000081 <> '
        '"Ja", dann zeige Feld F90000083 nicht an.',
        'Wenn Feld F90000082 === "Ja", dann zeige Feld F90000083 an, ansonsten nicht.',
        "WENN F90000001 = 003, DANN deaktiviere F90000083.",
    )
    assert applied(result) == ["R90000001", "R90000002", "R90000003"], refused(result)
    target, strafe, bussgeld = "f90000083_behoerde", "f90000081_strafe", "f90000082_bussgeld"
    assert shown(definition, {strafe: "ja", bussgeld: "nein", S: "001"}, target)
    assert shown(definition, {strafe: "nein", bussgeld: "ja", S: "001"}, target)
    assert not shown(definition, {strafe: "nein", bussgeld: "nein", S: "001"}, target)
    assert not shown(definition, {strafe: "ja", bussgeld: "ja", S: "003"}, target)
