"""The FIM importer on small synthetic schemas (test data, not real FIM content): every
Feldart x Datentyp, odd cardinalities and Präzisierungen, code lists, LeiKa keys. What
cannot be mapped must show up in the report, never vanish silently."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openkommune.forms.engine import parse_definition
from openkommune.forms.fim.codelists import CodeListIndex
from openkommune.forms.fim.importer import (
    FimFileError,
    FimImportError,
    import_schema,
    load_code_lists,
)
from openkommune.forms.fim.reader import read_genericode
from tests.forms.fim_samples.builders import field, genericode, group, rule, schema

LEIKA = ["99089086000000"]


def run(children, *, leika=LEIKA, code_lists=None, **kwargs):
    result = import_schema(schema(children, **kwargs), leika_keys=leika, code_lists=code_lists)
    parse_definition(result.definition)  # whatever happens, the result is valid
    return result


def items(result):
    out = {}

    def walk(entries):
        for item in entries:
            out[item["id"]] = item
            if item["kind"] == "group":
                walk(item["items"])

    for step in result.definition["steps"]:
        walk(step["items"])
    return out


def messages(result, fim_id, kind=None):
    return [e.message for e in result.report
            if e.fim_id == fim_id and (kind is None or e.kind == kind)]  # fmt: skip


@pytest.mark.parametrize(
    ("datentyp", "expected"),
    [("text", "text"), ("date", "date"), ("bool", "boolean"), ("num", "decimal"),
     ("num_int", "integer"), ("num_currency", "money"), ("file", "file")],
)  # fmt: skip
def test_input_datentyp_mapping_without_report(datentyp, expected):
    result = run([field("F90000001", "Wert", datentyp=datentyp)])
    item = items(result)["f90000001_wert"]
    assert (item["type"], item["required"], item["fim_id"]) == (expected, True, "F90000001")
    assert messages(result, "F90000001") == []


def test_obj_and_unknown_datentyp_and_feldart_are_reported():
    result = run([
        field("F90000001", "Signatur", datentyp="obj"),
        field("F90000002", "Zeitpunkt", datentyp="datetime"),
        field("F90000003", "Sonderfeld", feldart="slider"),
    ])  # fmt: skip
    found = items(result)
    assert found["f90000001_signatur"]["type"] == "file"
    assert "obj" in messages(result, "F90000001")[0]
    assert found["f90000002_zeitpunkt"]["type"] == "text"
    # XDatenfelder 3's datetime: a text with a pattern, reported.
    assert "Datentyp datetime" in messages(result, "F90000002")[0]
    assert found["f90000002_zeitpunkt"]["pattern"].startswith("[0-9]{4}-")
    assert found["f90000003_sonderfeld"]["type"] == "text"
    assert "„slider“ ist unbekannt" in messages(result, "F90000003")[0]


def test_hidden_is_dropped_locked_and_label_become_info():
    result = run([
        field("F90000001", "Interne Kennung", feldart="hidden", inhalt="X1"),
        field("F90000002", "Aktenzeichen", feldart="locked", inhalt="AZ 4711"),
        field("F90000003", "Hinweis", feldart="label", inhalt="Bitte vollständig ausfüllen.",
              help="Mehr dazu im Merkblatt."),
        field("F90000004", "Name"),
    ])  # fmt: skip
    found = items(result)
    assert "f90000001_interne_kennung" not in found
    assert "hidden" in messages(result, "F90000001", "dropped")[0]
    assert "„X1“" in messages(result, "F90000001", "dropped")[0]
    locked = found["f90000002_aktenzeichen"]
    assert (locked["type"], locked["help"]) == ("info", "Vorbelegter Wert: AZ 4711")
    assert "locked" in messages(result, "F90000002", "approximation")[0]
    label = found["f90000003_hinweis"]
    assert label["type"] == "info"
    assert "required" not in label
    assert label["help"] == "Bitte vollständig ausfüllen.\n\nMehr dazu im Merkblatt."
    assert messages(result, "F90000003") == []
    assert result.counts()["dropped"] == 1


def test_only_hidden_fields_is_an_error():
    with pytest.raises(FimImportError, match="keine übernehmbaren Datenfelder"):
        import_schema(schema([field("F90000001", "Intern", feldart="hidden")]), leika_keys=LEIKA)


def test_cardinalities():
    result = run([
        group("G90000001", "Person", [
            field("F90000001", "Vorname", anzahl="1:*"),
            field("F90000002", "Titel", anzahl="0:1"),
            field("F90000003", "Gestrichen", anzahl="0:0"),
            field("F90000004", "Kaputt", anzahl="eins"),
            field("F90000005", "Viele", anzahl="0:500"),
        ]),
        group("G90000002", "Kinder", [field("F90000006", "Name")], anzahl="0:5"),
        group("G90000003", "Optional", [field("F90000007", "Pflicht")], anzahl="0:1"),
        group("G90000004", "Optional ohne Pflicht", [field("F90000008", "Frei", anzahl="0:1")],
              anzahl="0:1"),
    ])  # fmt: skip
    found = items(result)
    wrapper = found["f90000001_vorname_liste"]
    assert wrapper["repeat"] == {"min": 1, "max": 100, "item_label": "Vorname"}
    assert wrapper["items"][0]["required"] is True
    assert "required" not in found["f90000002_titel"]
    assert "f90000003_gestrichen" not in found
    assert "0:0" in messages(result, "F90000003", "dropped")[0]
    assert "required" not in found["f90000004_kaputt"]  # unreadable → optional, reported
    assert "„eins“" in messages(result, "F90000004")[0]
    assert found["f90000005_viele_liste"]["repeat"]["max"] == 100
    assert "begrenzt auf 100" in " ".join(messages(result, "F90000005"))
    # A top-level repeated group stays a group inside its step.
    steps = {s["id"]: s for s in result.definition["steps"]}
    assert steps["g90000002_kinder"]["items"][0]["repeat"] == {
        "min": 0, "max": 5, "item_label": "Kinder"
    }  # fmt: skip
    # Optional group with a required field: 0 to 1 entries; without one: plain.
    assert steps["g90000003_optional"]["items"][0]["repeat"]["max"] == 1
    assert "0 bis 1 Eintrag" in messages(result, "G90000003")[0]
    assert steps["g90000004_optional_ohne_pflicht"]["items"][0]["id"] == "f90000008_frei"


def test_praezisierung_for_each_type():
    result = run([
        field("F90000001", "Kennzeichen", praezisierung='{"minLength":"2","maxLength":"8",'
              '"pattern":"[A-Z]{1,3}-[0-9]{1,4}"}'),
        field("F90000002", "Anzahl", datentyp="num_int",
              praezisierung='{"minValue":"1","maxValue":"12","maxLength":"2"}'),
        field("F90000003", "Betrag", datentyp="num_currency", praezisierung='{"minValue":"0.5"}'),
        field("F90000004", "Beginn", datentyp="date",
              praezisierung='{"minValue":"2024-01-01","maxValue":"morgen"}'),
        field("F90000005", "Ja", datentyp="bool", praezisierung='{"maxLength":"5"}'),
        field("F90000006", "Falsch", praezisierung='{"minLength":"9","maxLength":"3"}'),
        field("F90000007", "Kaputt", praezisierung='{"minLength":'),
        field("F90000008", "XML-Name", praezisierung='{"pattern":"\\\\i\\\\c*"}'),
        field("F90000009", "Spanne", datentyp="num",
              praezisierung='{"minValue":"5","maxValue":"1"}'),
        field("F90000010", "Lang", praezisierung='{"maxLength":"4000"}'),
    ])  # fmt: skip
    found = items(result)
    text = found["f90000001_kennzeichen"]
    assert (text["min_length"], text["max_length"], text["pattern"]) == (
        2,
        8,
        "[A-Z]{1,3}-[0-9]{1,4}",
    )
    assert messages(result, "F90000001") == []
    number = found["f90000002_anzahl"]
    assert (number["min"], number["max"]) == (1, 12)
    assert "maxLength 2" in messages(result, "F90000002")[0]
    assert found["f90000003_betrag"]["min"] == 0.5
    date = found["f90000004_beginn"]
    assert date["min"] == "2024-01-01"
    assert "max" not in date
    assert "maxValue morgen" in messages(result, "F90000004")[0]
    assert "maxLength 5" in messages(result, "F90000005")[0]
    wrong = found["f90000006_falsch"]
    assert "min_length" not in wrong
    assert "max_length" not in wrong
    assert "minLength 9 > maxLength 3" in messages(result, "F90000006")[0]
    assert "kein gültiges JSON" in messages(result, "F90000007")[0]
    assert "pattern" not in found["f90000008_xml_name"]
    assert "XML-Namenszeichen" in messages(result, "F90000008", "dropped")[0]
    assert "min" not in found["f90000009_spanne"]
    assert "minValue 5 > maxValue 1" in messages(result, "F90000009")[0]
    assert found["f90000010_lang"]["type"] == "textarea"


def test_named_types_only_for_text_and_reported():
    result = run([
        field("F90000001", "E-Mail"),
        field("F90000002", "IBAN"),
        field("F90000003", "Telefonnummer"),
        field("F90000004", "Telefonische Erreichbarkeit", datentyp="bool"),
        field("F90000005", "Telefonisch erreichbar"),
        field("F90000006", "Begründung"),
    ])  # fmt: skip
    found = items(result)
    assert found["f90000001_e_mail"]["type"] == "email"
    assert found["f90000002_iban"]["type"] == "iban"
    assert found["f90000003_telefonnummer"]["type"] == "phone"
    assert found["f90000004_telefonische_erreichbarkeit"]["type"] == "boolean"
    assert found["f90000005_telefonisch_erreichbar"]["type"] == "text"
    assert found["f90000006_begruendung"]["type"] == "textarea"
    for fim_id in ("F90000001", "F90000002", "F90000003"):
        assert "erkannt" in messages(result, fim_id, "approximation")[0]
    assert messages(result, "F90000005") == []


def _codes(tmp_path, rows, version="1", uri="urn:test:codeliste:farbe"):
    path = tmp_path / f"farbe_{version}.xml"
    path.write_bytes(genericode(uri, version, rows, short_name="Farbe"))
    return path


def test_select_with_code_list_choice_and_multichoice(tmp_path):
    _codes(tmp_path, [("r", "Rot"), ("g", "Grün"), ("r", "Rot doppelt"), ("x" * 101, "Zu lang")])
    index = load_code_lists([tmp_path])
    result = run([
        field("F90000001", "Farbe", feldart="select", codeliste=("urn:test:codeliste:farbe", "1")),
        field("F90000002", "Farben", feldart="select", anzahl="2:3",
              codeliste=("urn:test:codeliste:farbe", "1")),
        field("F90000003", "Andere", feldart="select",
              codeliste=("urn:test:codeliste:farbe", "2")),
    ], code_lists=index)  # fmt: skip
    found = items(result)
    assert result.definition["code_lists"] == {
        "farbe": {
            "title": "Farbe",
            "uri": "urn:test:codeliste:farbe",
            "version": "1",
            "entries": [{"code": "r", "label": "Rot"}, {"code": "g", "label": "Grün"}],
        }
    }
    assert found["f90000001_farbe"]["choices"] == "farbe"
    assert found["f90000001_farbe"]["type"] == "choice"
    dropped = messages(result, "F90000001", "dropped")
    assert any("„r“ ist doppelt" in m for m in dropped)
    assert any("länger als 100" in m for m in dropped)
    multi = found["f90000002_farben"]
    assert multi["type"] == "multichoice"
    # The cardinality 2:3 becomes the number of answers (only two codes: at most 3 is moot).
    assert (multi["min"], "max" in multi) == (2, False)
    assert "mindestens 2 Antworten" in messages(result, "F90000002", "approximation")[0]
    # Only version 1 is there: used, and the report says so.
    assert found["f90000003_andere"]["type"] == "choice"
    assert "nur in Version 1" in messages(result, "F90000003")[0]


def test_select_without_code_list_file_is_text_with_note():
    result = run([
        field("F90000001", "Staat", feldart="select",
              codeliste=("urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:staat",
                         "2020-05-11")),
    ])  # fmt: skip
    item = items(result)["f90000001_staat"]
    assert item["type"] == "text"
    assert "choices" not in item
    note = messages(result, "F90000001")[0]
    assert "schluessel:staat" in note
    assert "--codelists" in note


def test_unreadable_code_list_in_folder_is_reported_and_named_file_fails(tmp_path):
    broken = tmp_path / "kaputt.xml"
    broken.write_bytes(b'<gc:CodeList xmlns:gc="http://docs.oasis-open.org/codelist/ns/'
                       b'genericode/1.0/"><gc:Identification>')  # fmt: skip
    index = load_code_lists([tmp_path])
    assert len(index) == 0
    assert len(index.problems) == 1
    result = run([field("F90000001", "Name")], code_lists=index)
    assert any("kaputt.xml" in e.message for e in result.report if e.kind == "dropped")
    with pytest.raises(FimFileError, match="kein wohlgeformtes XML"):
        load_code_lists([broken])
    with pytest.raises(FimFileError, match="nicht gefunden"):
        load_code_lists([tmp_path / "fehlt.xml"])


def test_genericode_label_column_heuristic():
    data = (
        b'<gc:CodeList xmlns:gc="http://docs.oasis-open.org/codelist/ns/genericode/1.0/">'
        b"<gc:Identification><gc:ShortName>Staaten</gc:ShortName><gc:Version>1</gc:Version>"
        b"<gc:CanonicalUri>urn:test:staat</gc:CanonicalUri></gc:Identification><gc:ColumnSet>"
        b'<gc:Column Id="schluessel"/><gc:Column Id="iso"/><gc:Column Id="beschreibung"/>'
        b'<gc:Key Id="k"><gc:ColumnRef Ref="schluessel"/></gc:Key></gc:ColumnSet>'
        b'<gc:SimpleCodeList><gc:Row><gc:Value ColumnRef="schluessel"><gc:SimpleValue>000'
        b'</gc:SimpleValue></gc:Value><gc:Value ColumnRef="iso"><gc:SimpleValue>DE'
        b'</gc:SimpleValue></gc:Value><gc:Value ColumnRef="beschreibung"><gc:SimpleValue>'
        b"Deutschland</gc:SimpleValue></gc:Value></gc:Row></gc:SimpleCodeList></gc:CodeList>"
    )
    code_list = read_genericode(data)
    assert code_list.entries == [("000", "Deutschland")]
    assert (code_list.uri, code_list.name) == ("urn:test:staat", "Staaten")
    assert len(CodeListIndex([code_list])) == 1


def test_leika_key_from_schema_or_option():
    children = [field("F90000001", "Name")]
    found = import_schema(
        schema(children, bezug="Leistung urn:de:fim:leika:leistung:99089086000000"),
        leika_keys=[],
    )
    assert found.definition["leika_keys"] == ["99089086000000"]
    assert found.leika_from_schema == ["99089086000000"]
    override = import_schema(
        schema(children, bezug="LeiKa 99089086000000"), leika_keys=["99089086060000"]
    )
    assert override.definition["leika_keys"] == ["99089086060000"]
    assert any("99089086000000" in e.message for e in override.report)
    with pytest.raises(FimImportError) as exc:
        import_schema(schema(children, bezug="§ 10 WaffG"), leika_keys=[])
    assert str(exc.value) == "Kein LeiKa-Schlüssel im Schema; bitte mit --leika angeben."


def test_schema_metadata_key_and_clipping():
    long_label = "Sehr langer Feldname " * 30
    data = schema(
        [field("F90000001", "Name", label=long_label, help="H" * 5000)],
        name="Testschema für Größen",
        fim_id="T1234",
        bezug="§ 1 Testgesetz",
    )
    result = import_schema(data, leika_keys=LEIKA)
    definition = result.definition
    parse_definition(definition)
    assert definition["key"] == "testschema_fuer_groessen"
    assert definition["source"] == {
        "kind": "fim", "xdatenfelder_version": "2", "fim_version": "1.0",
        "reference": "§ 1 Testgesetz",
    }  # fmt: skip
    assert any("T1234" in e.message for e in result.report)
    item = items(result)["f90000001_name"]
    assert len(item["label"]) == 500
    assert item["label"].endswith("…")
    assert len(item["help"]) == 4000
    assert len(messages(result, "F90000001", "approximation")) == 2
    keyed = import_schema(data, leika_keys=LEIKA, key="mein_formular")
    assert keyed.definition["key"] == "mein_formular"


def test_rules_are_listed_with_their_owner():
    result = run(
        [group("G90000001", "Angaben", [field("F90000001", "A"), field("F90000002", "B")],
               regel=rule("R90000001", "A vor B", 'Wenn "F90000001" befüllt, dann "F90000002".',
                          script="function script() {\n  return a < b;\n}"))],
        extra=rule("R90000002", "Leer", "Immer.", script="function script() {\n\n}"),
    )  # fmt: skip
    rules = {e.fim_id: e for e in result.report if e.kind == "rule"}
    assert set(rules) == {"R90000001", "R90000002"}
    assert rules["R90000001"].item == "g90000001_angaben"
    assert rules["R90000001"].path == "G90000001"
    assert "enthält ein Skript" in rules["R90000001"].message
    assert "enthält ein Skript" not in rules["R90000002"].message  # an empty body is none
    assert "rules" not in result.definition


def test_same_element_in_two_groups_gets_stable_distinct_ids():
    plz = field("F90000054", "Postleitzahl")
    address = group("G90000010", "Anschrift", [plz])
    result = run([group("G90000001", "Antragsteller", [address]),
                  group("G90000002", "Vertreter", [address])])  # fmt: skip
    found = items(result)
    assert "f90000054_g90000001_postleitzahl" in found
    assert "f90000054_g90000002_postleitzahl" in found
    assert "g90000010_g90000001_anschrift" in found


# --- any combination gives a valid definition or a clear error ------------------------------

# Text that XML can carry (no control characters, no surrogates).
_xml_text = st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=40)
_feldarten = st.sampled_from(["input", "select", "label", "hidden", "locked", "", "slider"])
_datentypen = st.sampled_from(
    ["text", "date", "bool", "num", "num_int", "num_currency", "file", "obj", "", "time"]
)
_anzahl = st.one_of(
    st.sampled_from(["0:1", "1:1", "0:*", "1:n", "2:5", "0:0", "3:2", "eins", "", "1:200"]),
    _xml_text.map(lambda text: text[:6]),
)
_praezisierung = st.one_of(
    st.just(""),
    _xml_text,
    st.dictionaries(
        st.sampled_from(["minLength", "maxLength", "minValue", "maxValue", "pattern", "x"]),
        st.one_of(st.integers(-5, 3000).map(str), st.sampled_from(["[a-z]+", r"\p{L}*", "(",
                  "2024-01-01", "abc", r"\i"])),
        max_size=4,
    ).map(json.dumps),
)  # fmt: skip
_fields = st.tuples(_feldarten, _datentypen, _anzahl, _praezisierung, _xml_text)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(_fields, min_size=1, max_size=5), min_size=1, max_size=4))
def test_any_combination_imports_to_a_valid_definition_or_a_clear_error(groups):
    children = []
    number = 0
    for index, members in enumerate(groups):
        fields = []
        for feldart, datentyp, anzahl, praezisierung, name in members:
            number += 1
            fields.append(field(f"F9{number:07d}", name or "Feld", feldart=feldart,
                                datentyp=datentyp, anzahl=anzahl,
                                praezisierung=praezisierung))  # fmt: skip
        children.append(group(f"G9{index:07d}", f"Gruppe {index}", fields,
                              anzahl=["1:1", "0:1", "0:*"][index % 3]))  # fmt: skip
    try:
        result = import_schema(schema(children), leika_keys=LEIKA)
    except FimImportError as exc:
        message = str(exc)
    else:
        message = ""
    if message:
        assert "keine übernehmbaren Datenfelder" in message
        return
    parse_definition(result.definition)
    fim_ids = {e.fim_id for e in result.report}
    mapped = set()
    for step in result.definition["steps"]:
        stack = list(step["items"])
        while stack:
            item = stack.pop()
            mapped.add(item.get("fim_id"))
            stack.extend(item.get("items", []))
    # Every field that is not in the definition is explained in the report.
    for n in range(1, number + 1):
        fim_id = f"F9{n:07d}"
        assert fim_id in mapped or fim_id in fim_ids


def test_without_a_recognisable_name_the_applicant_is_left_empty_and_reported():
    # Two family names outside repeats: which one is the applicant's is not for us to guess.
    result = run(
        [
            group("G90000001", "Antragsteller", [field("F00000013", "Familienname")]),
            group("G90000002", "Bevollmächtigte", [field("F00000013", "Familienname")]),
        ]
    )
    assert "applicant" not in result.definition
    notes = [entry.message for entry in result.report if entry.kind == "applicant"]
    assert notes == [
        "Der Name der antragstellenden Person war nicht eindeutig zu erkennen; bitte "
        "„applicant“ in der Definition ergänzen, sonst zeigt der Posteingang keinen Namen."
    ]
