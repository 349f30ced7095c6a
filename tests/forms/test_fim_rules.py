"""FIM rules → conditions (`forms.fim.rules`, docs/forms.md "FIM rules") on small synthetic
schemas (test data, not real FIM content): each understood pattern becomes `visible_if` (and
`required` for "muss"), everything else stays in the report with its text."""

from openkommune.forms.engine import parse_definition, validate
from openkommune.forms.engine.conditions import MISSING, evaluate
from openkommune.forms.engine.state import visibility
from openkommune.forms.fim.importer import import_schema, rules_summary
from tests.forms.fim_samples.builders import field, group, rule, schema

LEIKA = ["99089086000000"]


def run(children, *rules):
    extra = "".join(rule(f"R9000000{n}", f"Regel {n}", text) for n, text in enumerate(rules, 1))
    result = import_schema(schema(children, extra=extra), leika_keys=LEIKA)
    parse_definition(result.definition)  # whatever happens, the result is valid
    return result


def items(result) -> dict:
    found = {}

    def walk(entries):
        for item in entries:
            found[item["id"]] = item
            if item["kind"] == "group":
                walk(item["items"])

    for step in result.definition["steps"]:
        walk(step["items"])
    return found


def report(result, kind):
    return [entry for entry in result.report if entry.kind == kind]


BASE = [
    field("F90000001", "Vorhanden", datentyp="bool"),
    field("F90000002", "Traeger", anzahl="0:1"),
    field("F90000003", "Art", anzahl="0:1"),
    field("F90000004", "Hinweis", anzahl="0:1"),
]
A, B, C, D = (
    "f90000001_vorhanden",
    "f90000002_traeger",
    "f90000003_art",
    "f90000004_hinweis",
)


def test_if_equals_then_must_be_filled_becomes_visible_and_required():
    result = run(
        BASE,
        'Wenn das Feld F90000001 "Vorhanden" = "wahr", dann muss das Feld F90000002 "Traeger" '
        'befüllt sein.\nWenn das Feld F90000001 "Vorhanden" <> "wahr", dann darf das Feld '
        'F90000002 "Traeger" nicht befüllt sein.',
    )
    target = items(result)[B]
    assert target["visible_if"] == {"field": A, "equals": True}
    assert target["required"] is True
    assert [e.fim_id for e in report(result, "rule_applied")] == ["R90000001"]
    assert report(result, "rule") == []
    assert rules_summary(result.counts()) == "1 Regeln übernommen, 0 Regeln nicht übernommen"
    # The condition executes: hidden (and so never required) unless "Vorhanden" is yes.
    assert evaluate(target["visible_if"], {A: True}.get) is True
    assert evaluate(target["visible_if"], lambda _name: MISSING) is False


def test_kann_and_a_code_value_give_visibility_only():
    result = run(
        BASE,
        'Wenn das Feld F90000003 "Art" = 02 "teilweise", dann kann das Feld F90000004 "Hinweis" '
        "befüllt werden.",
    )
    target = items(result)[D]
    assert target["visible_if"] == {"field": C, "equals": "02"}
    assert not target.get("required")


def test_lone_must_not_sentence_is_negated():
    result = run(
        BASE,
        'Wenn das Feld F90000002 "Traeger" befüllt ist, dann darf das Feld F90000004 "Hinweis" '
        "nicht befüllt sein.",
    )
    assert items(result)[D]["visible_if"] == {"not": {"field": B, "filled": True}}


def test_oder_and_und_conditions():
    result = run(
        BASE,
        'Wenn Feld F90000001 "Vorhanden" <> wahr ODER das Feld F90000002 "Traeger" leer ist, '
        'dann muss das Feld F90000003 "Art" befüllt sein.',
        'Wenn das Feld F90000001 "Vorhanden" = "wahr" UND das Feld F90000003 "Art" nicht leer '
        'ist, dann muss das Feld F90000004 "Hinweis" befüllt sein.',
    )
    found = items(result)
    assert found[C]["visible_if"] == {
        "any": [{"not": {"field": A, "equals": True}}, {"not": {"field": B, "filled": True}}]
    }
    assert found[D]["visible_if"] == {
        "all": [{"field": A, "equals": True}, {"field": C, "filled": True}]
    }
    assert len(report(result, "rule_applied")) == 2


def test_only_if_affirmed_names_several_fields():
    result = run(
        BASE,
        '"F90000002 Traeger", "F90000003 Art" und "F90000004 Hinweis" sind nur dann zu '
        'befüllen, wenn "F90000001 Vorhanden" bejaht wurde.',
    )
    found = items(result)
    for target in (B, C, D):
        assert found[target]["visible_if"] == {"field": A, "equals": True}


def test_group_filled_and_group_target():
    children = [
        group("G90000001", "Erste", [field("F90000011", "Eins", anzahl="0:1"),
                                     field("F90000012", "Zwei", anzahl="0:1")]),
        group("G90000002", "Zweite", [field("F90000013", "Drei", anzahl="0:1")]),
    ]  # fmt: skip
    result = run(
        children,
        'Wenn die Feldgruppe G90000001 "Erste" befüllt ist, dann muss die Feldgruppe '
        'G90000002 "Zweite" befüllt sein.',
    )
    condition = {
        "any": [
            {"field": "f90000011_eins", "filled": True},
            {"field": "f90000012_zwei", "filled": True},
        ]
    }
    # A top-level FIM group is a step: the step gets the condition.
    step = next(s for s in result.definition["steps"] if s["id"] == "g90000002_zweite")
    assert step["visible_if"] == condition


def test_either_or_hides_the_second_while_the_first_is_filled():
    children = [
        group("G90000010", "Anschrift", [
            group("G90000011", "Strasse", [field("F90000021", "Strasse", anzahl="0:1")],
                  anzahl="1:1"),
            group("G90000012", "Postfach", [field("F90000022", "Postfach", anzahl="0:1")]),
        ], regel=rule("R90000009", "Entweder", 'Es muss entweder die Feldgruppe G90000011 '
                      '"Strasse" oder die Feldgruppe G90000012 "Postfach" befüllt werden.')),
    ]  # fmt: skip
    result = import_schema(schema(children), leika_keys=LEIKA)
    parse_definition(result.definition)
    second = items(result)["g90000012_postfach"]
    assert second["visible_if"] == {"not": {"field": "f90000021_strasse", "filled": True}}
    assert [e.fim_id for e in report(result, "rule_applied")] == ["R90000009"]
    # And that one of them is filled is checked.
    assert result.definition["rules"] == [
        {
            "any_filled": ["f90000021_strasse", "f90000022_postfach"],
            "message": "Bitte füllen Sie „Strasse“ oder „Postfach“ aus.",
        }
    ]


def test_either_or_across_repeat_levels_checks_one_is_filled_in_any_entry():
    # The second group repeats (0:5), the first does not: that one of them is filled is
    # checked at the level they share, the repeated one counting in any of its entries.
    children = [
        group("G90000010", "Anschrift", [
            group("G90000011", "Strasse", [field("F90000021", "Strasse", anzahl="0:1")],
                  anzahl="0:1"),
            group("G90000012", "Postfach", [field("F90000022", "Postfach", anzahl="0:1")],
                  anzahl="0:5"),
        ], regel=rule("R90000009", "Entweder", 'Es muss entweder die Feldgruppe G90000011 '
                      '"Strasse" oder die Feldgruppe G90000012 "Postfach" befüllt werden.')),
    ]  # fmt: skip
    result = import_schema(schema(children), leika_keys=LEIKA)
    definition = parse_definition(result.definition)
    (entry,) = report(result, "rule_applied")
    assert "als Bedingung und Prüfung übernommen" in entry.message
    assert result.definition["rules"][0]["any_filled"] == [
        "f90000021_strasse",
        "f90000022_postfach",
    ]
    # The outer group became the step; the Postfach entries are a list.
    street = {"g90000011_strasse": {"f90000021_strasse": "Hauptstr. 1"}}
    box = "g90000012_postfach"
    message = "Bitte füllen Sie „Strasse“ oder „Postfach“ aus."
    assert validate(definition, {box: [{}]}).errors == {
        "g90000011_strasse.f90000021_strasse": [message]
    }
    assert validate(definition, street).errors == {}
    assert validate(definition, {box: [{}, {"f90000022_postfach": "PF 12 34"}]}).errors == {}


def test_at_least_one_of_the_fields_becomes_a_check():
    result = run(
        BASE,
        'Es muss mindestens eines der Felder F90000002 "Traeger", F90000003 "Art" oder '
        'F90000004 "Hinweis" befüllt sein.',
    )
    (entry,) = report(result, "rule_applied")
    assert "als Prüfung übernommen" in entry.message
    assert result.definition["rules"] == [
        {
            "any_filled": [B, C, D],
            "message": "Bitte füllen Sie mindestens eines aus: „Traeger“, „Art“ oder „Hinweis“.",
        }
    ]


def test_each_entry_only_once_needs_a_multiple_choice():
    from openkommune.forms.fim.codelists import CodeListIndex
    from openkommune.forms.fim.reader import read_genericode
    from tests.forms.fim_samples.builders import genericode

    rows = [("01", "Eins"), ("02", "Zwei"), ("03", "Drei"), ("04", "Vier")]
    index = CodeListIndex([read_genericode(genericode("urn:test:auswahl", "1", rows))])
    children = [
        field("F90000001", "Auswahl", feldart="select", anzahl="1:4",
              codeliste=("urn:test:auswahl", "1")),
        field("F90000002", "Frei", anzahl="0:3"),
    ]  # fmt: skip
    texts = [
        'Das Feld F90000001 "Auswahl" kann bis zu dreimal ausgefüllt werden, dabei darf aber '
        "jeder Eintrag nur maximal einmal ausgewählt werden.",
        'Das Feld F90000002 "Frei" kann bis zu dreimal ausgefüllt werden. Dabei darf aber '
        "jeder Eintrag maximal einmal ausgewählt werden.",
    ]
    extra = "".join(rule(f"R9000000{n}", f"Regel {n}", t) for n, t in enumerate(texts, 1))
    result = import_schema(schema(children, extra=extra), leika_keys=LEIKA, code_lists=index)
    parse_definition(result.definition)
    auswahl = items(result)["f90000001_auswahl"]
    assert (auswahl["type"], auswahl["max"]) == ("multichoice", 3)
    assert [e.fim_id for e in report(result, "rule_applied")] == ["R90000001"]
    (refused,) = report(result, "rule")
    assert "keine Mehrfachauswahl" in refused.message


def test_rules_not_understood_are_listed_with_their_text_and_change_nothing():
    texts = [
        'Wenn (aktuelles Datum - F90000002 "Traeger") < 7 Tage, dann muss das Feld F90000004 '
        '"Hinweis" befüllt sein.',
        "Es muss mindestens eines der Felder F90000001 und F90000003 befüllt sein.",
        'Wenn das Feld F90000001 = "wahr" UND F90000002 leer ist ODER F90000003 befüllt ist, '
        "dann muss das Feld F90000004 befüllt sein.",
        'Wenn das Feld F90000002 "Traeger" = "wahr", dann muss das Feld F90000004 befüllt sein.',
        'Wenn das Feld F90000099 "Fehlt" = "wahr", dann muss das Feld F90000004 befüllt sein.',
    ]
    result = run(BASE, *texts)
    assert report(result, "rule_applied") == []
    listed = report(result, "rule")
    assert len(listed) == 5
    for entry, text in zip(listed, texts, strict=True):
        assert "nicht übernommen" in entry.message
        assert text.replace("\n", " ")[:40] in entry.message.replace("\n", " ")
    assert "aktuelles Datum" in listed[0].message
    assert "Ja/Nein-Felder ist mehrdeutig" in listed[1].message
    assert "UND und ODER gemischt" in listed[2].message
    assert "kein Ja/Nein-Feld" in listed[3].message
    assert "F90000099 nicht gefunden" in listed[4].message
    assert not any("visible_if" in item for item in items(result).values())
    assert rules_summary(result.counts()) == "0 Regeln übernommen, 5 Regeln nicht übernommen"


def test_a_field_inside_a_repeated_group_is_named_for_any_entry():
    # A field inside a repeated group is named from outside it with any_entry (docs/forms.md).
    children = [
        group("G90000001", "Liste", [field("F90000011", "Eintrag")], anzahl="0:5"),
        field("F90000012", "Danach", anzahl="0:1"),
    ]
    result = run(
        children,
        'Wenn das Feld F90000011 "Eintrag" = 04 "Vier", dann muss das Feld F90000012 "Danach" '
        'befüllt sein. Wenn das Feld F90000011 "Eintrag" <> 04 "Vier", dann darf das Feld '
        'F90000012 "Danach" nicht befüllt sein.',
    )
    target = items(result)["f90000012_danach"]
    name = "f90000011_eintrag"
    assert target["visible_if"] == {"field": name, "equals": "04", "any_entry": True}
    assert target["required"] is True
    assert [e.fim_id for e in report(result, "rule_applied")] == ["R90000001"]
    definition = parse_definition(result.definition)
    # Executed: shown once any entry says 04, hidden otherwise.
    both = {"g90000001_liste": [{name: "01"}, {name: "04"}]}
    assert visibility(definition, both).item_visible("f90000012_danach", {})
    none = {"g90000001_liste": [{name: "01"}]}
    assert not visibility(definition, none).item_visible("f90000012_danach", {})


def test_a_condition_the_engine_refuses_is_reported_and_undone():
    # A field whose visibility depends on itself is refused by the engine.
    result = run(
        BASE,
        'Wenn das Feld F90000002 "Traeger" befüllt ist, dann muss das Feld F90000002 "Traeger" '
        "befüllt sein.",
    )
    target = items(result)[B]
    assert "visible_if" not in target
    assert not target.get("required")
    (entry,) = report(result, "rule")
    assert "nicht angenommen" in entry.message


def test_datenfeld_wording_and_a_comparison_continued_without_the_field():
    # The FIM Baukasten's wording (real schemas since 2021): "das Datenfeld", "die
    # Datenfeldgruppe", and "= 003 … ODER = 005 …" naming the field only once.
    children = [
        field("F90000021", "Vertretung"),
        group("G90000022", "Vertreter", [field("F90000023", "Name")], anzahl="0:1"),
    ]
    result = run(
        children,
        'Wenn das Feld F90000021 "Vertretung" = 003 "Ja, juristisch." ODER = 005 "Ja, '
        'bevollmächtigt (juristisch).", dann muss die Datenfeldgruppe G90000022 "Vertreter" '
        'befüllt sein. Wenn das Feld F90000021 "Vertretung" <> 003 "Ja, juristisch." UND <> 005 '
        '"Ja, bevollmächtigt (juristisch)." dann darf die Datenfeldgruppe G90000022 "Vertreter" '
        "nicht befüllt sein.",
    )
    name = "f90000021_vertretung"
    target = items(result)["g90000022_vertreter"]
    assert target["visible_if"] == {
        "any": [{"field": name, "equals": "003"}, {"field": name, "equals": "005"}]
    }
    assert [e.fim_id for e in report(result, "rule_applied")] == ["R90000001"]
    definition = parse_definition(result.definition)
    assert visibility(definition, {name: "005"}).item_visible("g90000022_vertreter", {})
    assert not visibility(definition, {name: "002"}).item_visible("g90000022_vertreter", {})


def test_must_not_be_empty_becomes_required_if_and_is_checked():
    children = [
        field("F90000031", "Tag", anzahl="0:1"),
        field("F90000032", "Monat", anzahl="0:1"),
    ]
    result = run(
        children, 'Wenn F90000031 "Tag" nicht leer, dann darf F90000032 "Monat" nicht leer sein.'
    )
    target = items(result)["f90000032_monat"]
    assert target["required_if"] == {"field": "f90000031_tag", "filled": True}
    assert "visible_if" not in target  # the month alone stays possible
    assert report(result, "rule_applied")[0].message.startswith(
        "Regel R90000001 „Regel 1“ als Prüfung"
    )
    definition = parse_definition(result.definition)
    step = definition.steps[0].id
    assert "f90000032_monat" in validate(definition, {"f90000031_tag": "3"}, step_id=step).errors
    assert validate(definition, {"f90000032_monat": "5"}, step_id=step).errors == {}


def test_a_reference_resolves_to_the_use_nearest_to_the_rule():
    # The rule's group holds the field itself and, deeper, in a sub-group: the own one wins.
    inner = group("G90000042", "Unterlagen", [field("F90000043", "Nachweis")])
    text = (
        'Wenn das Feld F90000041 "Art" = 003 "Beschäftigung", dann muss das Feld F90000043 '
        '"Nachweis" befüllt werden.'
    )
    outer = group(
        "G90000040",
        "Antrag",
        [field("F90000041", "Art"), inner, field("F90000043", "Nachweis", anzahl="0:1")],
        regel=rule("R90000009", "Nachweis", text),
    )
    result = run([outer])
    conditioned = [i for i in items(result).values() if "visible_if" in i]
    assert len(conditioned) == 1
    assert conditioned[0]["id"].startswith("f90000043_g90000040")
    assert [e.fim_id for e in report(result, "rule_applied")] == ["R90000009"]


def test_value_given_then_required_field_becomes_required_if():
    # "Wenn im Datenfeld X der Wert V angegeben wurde, dann soll Y zum Pflichtfeld werden";
    # der Wert "" means X is empty. Two rules on the same field join with ODER.
    result = run(
        BASE,
        "Wenn im Datenfeld F90000003 der Wert 009 angegeben wurde, dann soll F90000004 zum "
        "Pflichtfeld werden.",
        'Wenn im Datenfeld F90000002 der Wert "" angegeben wurde, dann soll F90000004 zum '
        "Pflichtfeld werden.",
        "Wenn im Datenfeld F90000001 der Wert 1 angegeben wurde, dann soll F90000002 zum "
        "Pflichtfeld werden.",  # a Ja/Nein field has no code 1: not guessed
    )
    target = items(result)[D]
    assert target["required_if"] == {
        "any": [{"field": C, "equals": "009"}, {"not": {"field": B, "filled": True}}]
    }
    assert "visible_if" not in target
    assert [e.fim_id for e in report(result, "rule_applied")] == ["R90000001", "R90000002"]
    assert [e.fim_id for e in report(result, "rule")] == ["R90000003"]
    definition = parse_definition(result.definition)
    step = definition.steps[0].id
    base = {A: True, B: "x"}
    assert D in validate(definition, {**base, C: "009"}, step_id=step).errors
    assert D not in validate(definition, {**base, C: "001"}, step_id=step).errors
    assert D in validate(definition, {A: True, C: "001"}, step_id=step).errors


def test_must_be_given_without_comma_and_dann():
    # "angegeben" like "befüllt"; the comma and "dann" are missing in some real rules.
    result = run(
        BASE,
        'Wenn das Feld F90000001 "Vorhanden" = "wahr" muss das Feld F90000002 "Traeger" '
        "angegeben werden.",
    )
    target = items(result)[B]
    assert target["visible_if"] == {"field": A, "equals": True}
    assert target["required"] is True
    assert [e.fim_id for e in report(result, "rule_applied")] == ["R90000001"]


def test_either_one_field_or_complete_pairs_becomes_required_if_and_is_checked():
    children = [
        field("F90000041", "Ausbildung", anzahl="0:1"),
        field("F90000042", "Abschluss", anzahl="0:1"),
        field("F90000043", "Taetigkeiten", anzahl="0:1"),
        field("F90000044", "Mittel", anzahl="0:1"),
    ]
    # Real schemas sometimes lose a label's closing quote (here "Mittel").
    result = run(
        children,
        'Es muss entweder das Feld F90000041 "Ausbildung" oder (das Feld F90000042 "Abschluss" '
        'und das Feld F90000043 "Taetigkeiten") oder (das Feld F90000043 "Taetigkeiten" und '
        'das Feld F90000044 "Mittel) befüllt sein.',
    )
    first, second, third, fourth = (
        "f90000041_ausbildung",
        "f90000042_abschluss",
        "f90000043_taetigkeiten",
        "f90000044_mittel",
    )
    filled = {name: {"field": name, "filled": True} for name in (second, third, fourth)}
    assert items(result)[first]["required_if"] == {
        "all": [
            {"not": {"all": [filled[second], filled[third]]}},
            {"not": {"all": [filled[third], filled[fourth]]}},
        ]
    }
    assert [e.fim_id for e in report(result, "rule_applied")] == ["R90000001"]
    definition = parse_definition(result.definition)
    step = definition.steps[0].id

    def errors(data):
        return set(validate(definition, data, step_id=step).errors)

    assert first in errors({})  # nothing given: refused
    assert first in errors({second: "x"})  # an incomplete pair: refused
    assert first in errors({second: "x", fourth: "y"})
    assert errors({first: "x"}) == set()
    assert errors({second: "x", third: "y"}) == set()
    assert errors({third: "x", fourth: "y"}) == set()


def test_either_alternatives_not_understood_stay_in_the_report():
    texts = [
        # A bracket inside a label: not guessed.
        'Es muss entweder das Feld F90000002 "Traeger (alt)" oder (das Feld F90000003 und das '
        "Feld F90000004) befüllt sein.",
        # "befüllt" of a Ja/Nein field is ambiguous.
        "Es muss entweder das Feld F90000001 oder (das Feld F90000003 und das Feld F90000004) "
        "befüllt sein.",
    ]
    result = run(BASE, *texts)
    assert report(result, "rule_applied") == []
    listed = report(result, "rule")
    assert "Alternative nicht verstanden" in listed[0].message
    assert "Ja/Nein-Feld ist mehrdeutig" in listed[1].message
    assert not any("required_if" in item for item in items(result).values())


def test_brackets_group_mixed_und_and_oder():
    result = run(
        BASE,
        'Wenn (das Feld F90000001 "Vorhanden (laut Akte)" = "wahr" ODER das Feld F90000002 '
        '"Traeger" befüllt ist) UND das Feld F90000003 "Art" = 02 "teilweise", dann muss das '
        'Feld F90000004 "Hinweis" befüllt sein.',
    )
    target = items(result)[D]
    assert target["visible_if"] == {
        "all": [
            {"any": [{"field": A, "equals": True}, {"field": B, "filled": True}]},
            {"field": C, "equals": "02"},
        ]
    }
    assert target["required"] is True
    assert [e.fim_id for e in report(result, "rule_applied")] == ["R90000001"]
    definition = parse_definition(result.definition)
    assert D in validate(definition, {A: "ja", C: "02"}, step_id=definition.steps[0].id).errors
    assert D not in validate(definition, {A: "ja", C: "01"}, step_id=definition.steps[0].id).errors
    assert D not in validate(definition, {C: "02"}, step_id=definition.steps[0].id).errors


def test_unbalanced_brackets_and_unbracketed_mix_are_refused():
    texts = [
        'Wenn (das Feld F90000001 = "wahr" ODER das Feld F90000002 befüllt ist UND das Feld '
        "F90000003 = 02, dann muss das Feld F90000004 befüllt sein.",
        'Wenn das Feld F90000001 = "wahr" ODER (das Feld F90000002 befüllt ist UND das Feld '
        "F90000003 = 02 ODER das Feld F90000003 = 03), dann muss das Feld F90000004 befüllt sein.",
    ]
    result = run(BASE, *texts)
    listed = report(result, "rule")
    assert "Klammern der Bedingung passen nicht" in listed[0].message
    assert "UND und ODER gemischt" in listed[1].message
    assert report(result, "rule_applied") == []


def test_at_least_one_yes_field_of_a_group():
    children = [
        group("G90000050", "Taetigkeiten", [
            field("F90000051", "Abbruch", datentyp="bool", anzahl="0:1"),
            field("F90000052", "Sanierung", datentyp="bool", anzahl="0:1"),
        ]),
        field("F90000053", "Objekt", anzahl="0:1"),
    ]  # fmt: skip
    result = run(
        children,
        'Wenn mindestens ein Feld der Feldgruppe G90000050 "Taetigkeiten" = "wahr", dann muss '
        'das Feld F90000053 "Objekt" befüllt sein.',
    )
    first, second, target = "f90000051_abbruch", "f90000052_sanierung", "f90000053_objekt"
    assert items(result)[target]["visible_if"] == {
        "any": [{"field": first, "equals": True}, {"field": second, "equals": True}]
    }
    definition = parse_definition(result.definition)

    def errors(data):
        found = set()
        for step in definition.steps:
            found |= set(validate(definition, data, step_id=step.id).errors)
        return found

    assert target in errors({first: "nein", second: "ja"})
    assert target not in errors({first: "nein", second: "nein"})


def test_a_bracket_not_around_a_whole_part_is_not_understood():
    result = run(
        BASE,
        'Wenn (das Feld F90000001 = "wahr") nicht, dann muss das Feld F90000004 befüllt sein.',
    )
    assert "Bedingung nicht verstanden" in report(result, "rule")[0].message


def test_only_field_and_another_field_of_a_group():
    children = [
        group("G90000060", "Klassen", [
            field("F90000061", "Gering", datentyp="bool", anzahl="0:1"),
            field("F90000062", "Mittel", datentyp="bool", anzahl="0:1"),
            field("F90000063", "Hoch", datentyp="bool", anzahl="0:1"),
        ]),
        field("F90000064", "Kurzanzeige", anzahl="0:1"),
        field("F90000065", "Vollanzeige", anzahl="0:1"),
    ]  # fmt: skip
    result = run(
        children,
        'Wenn aus der Feldgruppe G90000060 "Klassen" als einziges Feld das Feld F90000061 '
        '"Gering" = "wahr", dann muss das Feld F90000064 "Kurzanzeige" befüllt sein.',
        'Wenn aus der Feldgruppe G90000060 "Klassen" mindestens ein weiteres Feld als das Feld '
        'F90000061 "Gering" = "wahr", dann muss das Feld F90000065 "Vollanzeige" befüllt sein.',
    )
    assert len(report(result, "rule_applied")) == 2
    low, mid, high = "f90000061_gering", "f90000062_mittel", "f90000063_hoch"
    short, full = "f90000064_kurzanzeige", "f90000065_vollanzeige"
    definition = parse_definition(result.definition)

    def errors(data):
        found = set()
        for step in definition.steps:
            found |= set(validate(definition, data, step_id=step.id).errors)
        return found

    only_low = {low: "ja", mid: "nein", high: "nein"}
    assert short in errors(only_low)
    assert full not in errors(only_low)
    low_and_high = {low: "ja", mid: "nein", high: "ja"}
    assert short not in errors(low_and_high)
    assert full in errors(low_and_high)
    assert full in errors({low: "nein", mid: "ja"})
    assert not {short, full} & errors({low: "nein", mid: "nein", high: "nein"})
