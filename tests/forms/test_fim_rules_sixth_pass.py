"""Sixth pass of the FIM rule translation (docs/forms.md "FIM rules", "Sixth pass") on small
synthetic schemas (test data, not real FIM content): labels in single quotes, lists and
spans of codes, a range of codes, several actions joined with UND (verb after the subject),
"Pflichtfeldgruppe", a code restriction written as an action, prefill-and-hide and Länder
wordings of one sentence. Each translation is executed with the engine."""

import pytest

from openkommune.forms.engine import LAENDER, validate
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
FORMS = [
    ("110000", "Personenhandelsgesellschaft"),
    ("111000", "Offene Handelsgesellschaft"),
    ("114000", "Partenreederei"),
    ("120000", "Gesellschaft bürgerlichen Rechts"),
    ("221100", "Gesellschaft mit beschränkter Haftung"),
    ("250000", "Genossenschaft"),
    ("410000", "Einzelunternehmen"),
]
REGISTERS = [("A", "Handelsregister A"), ("B", "Handelsregister B"), ("G", "Genossenschaften")]
INDEX = CodeListIndex(
    [
        read_genericode(genericode("urn:test:rechtsform", "1", FORMS)),
        read_genericode(genericode("urn:test:register", "1", REGISTERS)),
    ]
)
FORM = field("F90000001", "Rechtsform", feldart="select", codeliste=("urn:test:rechtsform", "1"))
REGISTER = field(
    "F90000002",
    "Art der Eintragung",
    feldart="select",
    anzahl="0:1",
    codeliste=("urn:test:register", "1"),
)
NUMMER = field("F90000003", "Registernummer", anzahl="0:1")
PERSON = group(
    "G90000010",
    "Natürliche Person",
    [field("F90000011", "Name"), field("F90000012", "Vorname", anzahl="0:1")],
    anzahl="0:1",
)
FIRMA = group(
    "G90000020",
    "Nicht natürliche Person",
    [
        field("F90000021", "Firma"),
        group("G90000022", "Gesellschafter", [field("F90000023", "Gesellschafter")], anzahl="0:1"),
    ],
    anzahl="0:1",
)
R, E, NR = "f90000001_rechtsform", "f90000002_art_der_eintragung", "f90000003_registernummer"
P, U, GS = "g90000010_natuerliche_person", "g90000020_nicht_natuerliche_person", None


def run(children, *texts):
    return import_with_rules(children, texts, leika_keys=LEIKA, code_lists=INDEX)


def shown(definition, data, item_id):
    return visibility(definition, data).item_visible(item_id, {})


def showing(definition, item_id) -> set[str]:
    """The Rechtsform codes for which `item_id` is shown."""
    return {code for code, _label in FORMS if shown(definition, {R: code}, item_id)}


def test_labels_in_single_or_mixed_quotes_and_a_list_of_codes_with_commas():
    result, definition = run(
        [FORM, REGISTER, NUMMER],
        "WENN im Feld F90000001 'Rechtsform' Auswahl = 110000=\"Personenhandelsgesellschaft\", "
        '250000="Genossenschaft" oder 410000="Einzelunternehmen", DANN muss das Feld '
        "F90000003 \"Registernummer' befüllt werden.",
    )
    assert applied(result) == ["R90000001"], refused(result)
    assert showing(definition, NR) == {"110000", "250000", "410000"}
    # Every code of the list counts, not only the first and the last.
    assert validate(definition, {R: "250000"}).errors == {
        NR: ["Bitte geben Sie „Registernummer“ an."]
    }


def test_a_span_of_codes_takes_every_code_of_the_list_between_and_drops_the_remark():
    result, definition = run(
        [FORM, REGISTER, NUMMER],
        'WENN im Feld F90000001 "Rechtsform" Auswahl = 110000="Personenhandelsgesellschaft" '
        'bis 114000="Partenreederei" (also alle Einträge des Musters 11XXXX) oder '
        '250000="Genossenschaft", DANN muss das Feld F90000003 "Registernummer" befüllt werden.',
    )
    assert applied(result) == ["R90000001"], refused(result)
    assert showing(definition, NR) == {"110000", "111000", "114000", "250000"}


def test_a_range_of_codes_and_a_required_group_with_a_hidden_group_inside():
    result, definition = run(
        [group("G90000030", "Unternehmen", [FORM]), PERSON, FIRMA],
        "WENN Feldgruppe G90000030 \"Unternehmen\" im Datenfeld F90000001 'Rechtsform' eine "
        "Rechtsform ausgewählt wird, deren Code im Bereich >= 200000 bis <300000 liegt, DANN "
        "ist die Feldgruppe G90000020 'Nicht natürliche Person' eine Pflichtfeldgruppe UND die "
        "darin enthaltene Feldgruppe G90000022 \"Gesellschafter' ist auszublenden.",
    )
    assert applied(result) == ["R90000001"], refused(result)
    gesellschafter = "g90000022_gesellschafter"
    assert shown(definition, {R: "221100"}, U)
    assert not shown(definition, {R: "110000"}, U)
    assert not shown(definition, {R: "221100"}, gesellschafter)
    # The optional group (0 to 1 entries) must now have its entry.
    assert validate(definition, {R: "250000"}).errors == {
        U: ["Bitte geben Sie mindestens 1 Eintrag bei „Nicht natürliche Person“ an."]
    }


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            # "< 400000 und >= 500000" holds for no number: not read as the author's "oder".
            'WENN das Feld F90000001 "Rechtsform" eine Rechtsform ausgewählt wird, deren Code '
            "im Bereich < 400000 und >= 500000 liegt, DANN ist die Feldgruppe G90000020 "
            '"Nicht natürliche Person" eine Pflichtfeldgruppe.',
            "Bedingung nicht verstanden",
        ),
        (
            'WENN das Feld F90000001 "Rechtsform" = 110000="P" bis 116000="X", DANN muss das '
            'Feld F90000003 "Registernummer" befüllt werden.',
            "Code 116000 ist nicht in der Liste",
        ),
    ],
)
def test_an_empty_range_or_a_span_ending_outside_the_list_is_not_taken_over(text, reason):
    result, definition = run([FORM, NUMMER, PERSON, FIRMA], text)
    assert applied(result) == []
    assert reason in refused(result)[0]
    assert shown(definition, {R: "221100"}, U)


def test_a_span_without_its_code_list_compares_the_typed_code_as_a_number():
    without = field("F90000001", "Rechtsform", feldart="select", codeliste=("urn:test:x", "1"))
    result, definition = run(
        [without, NUMMER],
        'WENN das Feld F90000001 "Rechtsform" = 110000="P" bis 114000="X", DANN muss das Feld '
        'F90000003 "Registernummer" befüllt werden.',
    )
    assert applied(result) == ["R90000001"], refused(result)
    assert definition.field(R).type == "text"
    assert definition.field(NR).visible_if == {"field": R, "between": [110000, 114000]}
    for code, required in [("110000", True), ("114000", True), ("113999", True),
                           ("114001", False), ("109999", False), ("11000A", False)]:  # fmt: skip
        assert (NR in validate(definition, {R: code}).errors) is required, code
    # The report's line about the missing list says how such rules behave until it is added.
    (line,) = [entry.message for entry in result.report if entry.kind == "code_list"]
    assert line.startswith("Codeliste „urn:test:x“ Version 1 fehlt; Freitext statt Auswahl bei")
    assert "vergleichen den eingegebenen Code" in line


@pytest.mark.parametrize(
    ("bounds", "expected"),
    [(">= 200000 bis <300000", [200000, 299999]), ("> 199999 bis <= 299999", [200000, 299999])],
)
def test_a_range_of_codes_without_its_code_list_becomes_a_between_comparison(bounds, expected):
    without = field("F90000001", "Rechtsform", feldart="select", codeliste=("urn:test:x", "1"))
    result, definition = run(
        [without, NUMMER, PERSON, FIRMA],
        'WENN im Datenfeld F90000001 "Rechtsform" eine Rechtsform ausgewählt wird, deren Code '
        f'im Bereich {bounds} liegt, DANN ist die Feldgruppe G90000020 "Nicht natürliche '
        'Person" eine Pflichtfeldgruppe.',
    )
    assert applied(result) == ["R90000001"], refused(result)
    assert definition.items[U].visible_if == {"field": R, "between": expected}
    assert shown(definition, {R: "221100"}, U)
    assert not shown(definition, {R: "410000"}, U)
    assert not shown(definition, {R: "GmbH"}, U)  # typed text that is no code


@pytest.mark.parametrize(
    ("feldart", "bounds", "reason"),
    [
        # A real text input, not a select: its answer is no code.
        ("input", ">= 200000 bis <300000", "kein Auswahlfeld"),
        # Without the list the range must be closed: no upper bound is not guessed.
        ("select", ">= 200000 bis > 100000", "ohne Obergrenze"),
    ],
)
def test_a_range_on_a_text_input_or_without_an_upper_bound_is_refused(feldart, bounds, reason):
    kwargs = {"codeliste": ("urn:test:x", "1")} if feldart == "select" else {}
    subject = field("F90000001", "Rechtsform", feldart=feldart, **kwargs)
    result, _definition = run(
        [subject, NUMMER, PERSON, FIRMA],
        'WENN im Datenfeld F90000001 "Rechtsform" eine Rechtsform ausgewählt wird, deren Code '
        f'im Bereich {bounds} liegt, DANN ist die Feldgruppe G90000020 "Nicht natürliche '
        'Person" eine Pflichtfeldgruppe.',
    )
    assert applied(result) == []
    assert reason in refused(result)[0]


def test_a_code_restriction_written_as_an_action_with_a_required_field():
    result, definition = run(
        [FORM, REGISTER],
        'WENN im Feld F90000001 "Rechtsform" Auswahl = 250000="Genossenschaft", dann darf in '
        'Feld F90000002 "Art der Eintragung" nur einer der Codes G "Genossenschaften", B '
        '"Handelsregister B" ausgewählt UND muss das Feld F90000002 "Art der Eintragung" '
        "befüllt sein.",
    )
    assert applied(result) == ["R90000001"], refused(result)
    assert validate(definition, {R: "250000"}).errors == {
        E: ["Bitte wählen Sie bei „Art der Eintragung“ eine Antwort."]
    }
    assert validate(definition, {R: "250000", E: "G"}).errors == {}
    errors = validate(definition, {R: "250000", E: "A"}).errors
    assert errors == {E: ["Bei „Art der Eintragung“ ist nach Ihren Angaben nur „Genossenschaften“ "
                          "oder „Handelsregister B“ möglich."]}  # fmt: skip
    assert validate(definition, {R: "110000", E: "A"}).errors == {}


def test_only_the_code_written_as_an_action_alone():
    result, definition = run(
        [FORM, REGISTER],
        'WENN im Feld F90000001 "Rechtsform" Auswahl = 221100="GmbH", DANN darf in Feld '
        'F90000002 "Art der Eintragung" nur der Code B "Handelsregister B" ausgewählt sein.',
    )
    assert applied(result) == ["R90000001"], refused(result)
    assert validate(definition, {R: "221100"}).errors == {}  # not required by this rule
    assert E in validate(definition, {R: "221100", E: "A"}).errors


@pytest.mark.parametrize(
    "action",
    [
        'muss Feldgruppe G90000010 "Natürliche Person" als Pflichtfeldgruppe angezeigt UND '
        'Feldgruppe G90000020 "Nicht natürliche Person" ausgeblendet werden',
        'ist die Feldgruppe G90000010 "Natürliche Person" eine Pflichtfeldgruppe UND die '
        'Feldgruppe G90000020 "Nicht natürliche Person" muss ausgeblendet werden',
        'ist Feldgruppe G90000010 "Natürliche Person" als Pflichtfeldgruppe anzuzeigen und zu '
        'befüllen UND Feldgruppe G90000020 "Nicht natürliche Person" ist auszublenden UND '
        'weiter mit G90000010 "Natürliche Person"',
        'muss die Feldgruppe G90000010 "Natürliche Person" befüllt werden UND die Feldgruppe '
        'G90000020 "Nicht natürliche Person" darf nicht angezeigt werden',
    ],
)
def test_two_actions_with_different_roles_joined_with_und(action):
    result, definition = run(
        [FORM, PERSON, FIRMA],
        f'WENN im Feld F90000001 "Rechtsform" Auswahl= 410000="Einzelunternehmen", DANN {action}.',
    )
    assert applied(result) == ["R90000001"], refused(result)
    assert shown(definition, {R: "410000"}, P)
    assert not shown(definition, {R: "410000"}, U)
    assert not shown(definition, {R: "221100"}, P)
    assert validate(definition, {R: "410000"}).errors == {
        P: ["Bitte geben Sie mindestens 1 Eintrag bei „Natürliche Person“ an."]
    }
    # Hidden, the group is not checked.
    assert P not in validate(definition, {R: "221100"}).errors


def test_fields_that_become_mandatory_and_a_field_that_may_be_hidden():
    children = [
        FORM,
        REGISTER,
        NUMMER,
        field("F90000004", "Ort", anzahl="0:1"),
        field("F90000005", "Sitz", anzahl="0:1"),
    ]
    result, definition = run(
        children,
        'WENN Datenfeld F90000002 "Art der Eintragung" nicht ausgefüllt ist, DANN werden '
        'F90000003 "Registernummer" und F90000004 "Ort" zu Pflichtfeldern.',
        'Wenn das Feld F90000001 "Rechtsform" = 250000 "Genossenschaft", dann muss das Feld '
        'F90000005 "Sitz" befüllt sein. Wenn das Feld F90000001 "Rechtsform" <> 250000 '
        '"Genossenschaft", dann darf das Feld F90000005 "Sitz" ausgeblendet sein.',
    )
    assert applied(result) == ["R90000001", "R90000002"], refused(result)
    ort, sitz = "f90000004_ort", "f90000005_sitz"
    assert not shown(definition, {R: "110000"}, sitz)
    assert validate(definition, {R: "250000"}).errors == {
        NR: ["Bitte geben Sie „Registernummer“ an."],
        ort: ["Bitte geben Sie „Ort“ an."],
        sitz: ["Bitte geben Sie „Sitz“ an."],
    }
    assert validate(definition, {R: "250000", E: "G", sitz: "Halle"}).errors == {}


@pytest.mark.parametrize(
    "text",
    [
        'Das Datenfeld F90000002 "Art der Eintragung" muss mit B=Handelsregister B vorbefüllt '
        "und ausgeblendet werden.",
        'Das Feld F90000002 "Art der Eintragung" wird mit B "Handelsregister B" vorbefüllt und '
        "in der Antragsstrecke ausgeblendet.",
        'Das Feld F90000002 "Art der Eintragung" muss mit B = "Handelsregister B" vorbefüllt '
        "und ausgeblendet werden.",
        'Das Datenfeld F90000002 "Art der Eintragung" mit der Auswahl = B "Handelsregister B" '
        "vor befüllen und ausblenden.",
    ],
)
def test_prefill_and_hide_in_one_sentence(text):
    result, definition = run([FORM, REGISTER], text)
    assert applied(result) == ["R90000001"], refused(result)
    assert definition.field(E).fixed == "B"
    assert validate(definition, {R: "110000", E: "A"}).data == {R: "110000", E: "B"}


def test_a_field_required_in_some_laender_in_one_sentence():
    result, definition = run(
        [FORM, NUMMER],
        'Das Feld F90000003 "Registernummer" muss in TH, NRW befüllt werden.',
    )
    assert applied(result) == ["R90000001"], refused(result)
    missing = {NR: ["Bitte geben Sie „Registernummer“ an."]}
    assert validate(definition, {R: "110000", "land": "NW"}).errors == missing
    assert validate(definition, {R: "110000", "land": "TH"}).errors == missing
    assert validate(definition, {R: "110000", "land": "BY"}).errors == {}
    assert shown(definition, {R: "110000", "land": "BY"}, NR)


@pytest.mark.parametrize(
    "text",
    [
        'Das Feld F90000003 "Registernummer" muss für die Länder Bremen und Niedersachsen '
        "angezeigt werden.",
    ],
)
def test_a_laender_sentence_that_changes_nothing_executable_is_not_taken_over(text):
    result, _definition = run([FORM, NUMMER, PERSON], text)
    assert applied(result) == []
    assert "nichts Ausführbares" in refused(result)[0]


NACHWEIS = group(
    "G90000040",
    "Nachweis",
    [field("F90000041", "Aussteller"), field("F90000042", "Datum", anzahl="0:1")],
)
UNTERLAGEN = group("G90000050", "Unterlagen", [NACHWEIS, field("F90000051", "Hinweis")])
N = "g90000040_nachweis"
EVERY_LAND = {code for _key, code, _name in LAENDER}


@pytest.mark.parametrize(
    ("text", "shown_in"),
    [
        (
            'Die Gruppe G90000040 "Nachweis" ist nur für die Länder NW, SL und TH zu befüllen. '
            "Für alle anderen Länder wird die Gruppe nicht angezeigt.",
            {"NW", "SL", "TH"},
        ),
        (
            'Die Gruppe G90000040 "Nachweis" muss für Bremen befüllt werden. Für alle anderen '
            "Bundesländer wird sie nicht angezeigt.",
            {"HB"},
        ),
        (
            'Für alle Bundesländer außer BW und BY ist die Gruppe G90000040 "Nachweis" zu '
            'befüllen. Für die Länder BW und BY wird die Gruppe G90000040 "Nachweis" nicht '
            "angezeigt.",
            EVERY_LAND - {"BW", "BY"},
        ),
    ],
)
def test_laender_sentences_become_sections(text, shown_in):
    result, definition = run([FORM, UNTERLAGEN], text)
    assert applied(result) == ["R90000001"], refused(result)
    for code in EVERY_LAND:
        assert shown(definition, {R: "110000", "land": code}, N) is (code in shown_in), code
    # Where it is shown, its own required field applies.
    some = sorted(shown_in)[0]
    hinweis = "f90000051_hinweis"
    assert validate(definition, {R: "110000", hinweis: "x", "land": some}).errors == {
        "g90000040_nachweis.f90000041_aussteller": ["Bitte geben Sie „Aussteller“ an."]
    }


def test_laender_sentences_with_an_unknown_land_or_nothing_executable_are_refused():
    result, _definition = run(
        [FORM, UNTERLAGEN],
        'Die Gruppe G90000040 "Nachweis" muss für Atlantis befüllt werden. Für alle anderen '
        "Länder wird sie nicht angezeigt.",
        # Shown in BW and required elsewhere: a group has no requirement per Land.
        'Für das Bundesland BW ist die Gruppe G90000040 "Nachweis" anzuzeigen. Für alle '
        'anderen Länder ist die Gruppe G90000040 "Nachweis" zu befüllen.',
    )
    assert applied(result) == []
    reasons = refused(result)
    assert "„Atlantis“ ist kein Land" in reasons[0]
    assert "nichts Ausführbares" in reasons[1]


def test_two_items_joined_with_und_share_the_state_of_the_second():
    result, definition = run(
        [FORM, NUMMER, field("F90000004", "Ort", anzahl="0:1")],
        'WENN im Feld F90000001 "Rechtsform" Auswahl = 250000="Genossenschaft", DANN muss das '
        'Feld F90000003 "Registernummer" UND das Feld F90000004 "Ort" befüllt werden.',
    )
    assert applied(result) == ["R90000001"], refused(result)
    assert validate(definition, {R: "250000"}).errors == {
        NR: ["Bitte geben Sie „Registernummer“ an."],
        "f90000004_ort": ["Bitte geben Sie „Ort“ an."],
    }
    assert not shown(definition, {R: "110000"}, "f90000004_ort")
