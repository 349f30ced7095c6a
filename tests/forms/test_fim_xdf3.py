"""XDatenfelder 3.0.0 where it differs from 2.0, on a constructed test file
(tests/forms/fim_samples/testschema_xdf3.xml, not FIM content): namespace and element
names, `freitextRegel`, `relation`, Präzisierung attributes, own values (`werte`), code list
references, new data types and file limits."""

from pathlib import Path

import pytest

from openkommune.forms.engine import data_json_schema, parse_definition, validate
from openkommune.forms.fim.codelists import CodeListIndex
from openkommune.forms.fim.importer import FimFileError, import_schema
from openkommune.forms.fim.reader import read_genericode, read_schema

SAMPLES = Path(__file__).parent / "fim_samples"
XDF3 = (SAMPLES / "testschema_xdf3.xml").read_bytes()
FARBE = (SAMPLES / "testdaten_codeliste_farbe.gc.xml").read_bytes()
LEIKA = ["99089086000000"]


def elements(schema):
    found = {}

    def walk(items):
        for item in items:
            found[item.fim_id] = item
            walk(item.children)

    walk(schema.children)
    return found


def items(definition):
    found = {}

    def walk(entries):
        for item in entries:
            found[item["id"]] = item
            if item["kind"] == "group":
                walk(item["items"])

    for step in definition["steps"]:
        walk(step["items"])
    return found


def by_fim(definition, fim_id):
    return next(item for item in items(definition).values() if item.get("fim_id") == fim_id)


@pytest.fixture(scope="module")
def imported():
    index = CodeListIndex([read_genericode(FARBE)])
    result = import_schema(XDF3, leika_keys=LEIKA, code_lists=index)
    parse_definition(result.definition)
    return result


def test_the_reader_knows_the_xdf3_element_names():
    schema = read_schema(XDF3)
    assert (schema.xdf_version, schema.fim_id, schema.version) == ("3", "S99999998", "1.1.0")
    assert schema.label == "Testantrag (XDatenfelder 3)"  # `bezeichnung`, not bezeichnungEingabe
    assert schema.help == "Nur ein Test."
    assert schema.relations == [("ERS", "S99999998", "1.0.0")]
    assert [(r.fim_id, r.kind) for r in schema.rules] == [("R99999003", "V")]
    assert schema.rules[0].definition.startswith("Wenn (aktuelles Datum")  # freitextRegel
    found = elements(schema)
    assert found["G99999001"].rules[0].definition.startswith('Wenn das Feld F99999008 "Haustier')
    assert '"maxLength": "60"' in found["F99999001"].praezisierung  # attributes as 2.0 JSON
    assert found["F99999004"].code_list.uri == "urn:openkommune:testdaten:codeliste:farbe"
    assert found["F99999004"].code_list.version == "1"
    assert found["F99999005"].values == [("frau", "Frau"), ("herr", "Herr"),
                                         ("divers", "Ohne Anrede")]  # fmt: skip
    assert found["F99999007"].max_size == 1048576
    assert found["F99999007"].media_types == ["application/pdf", "application/zip"]


def test_import_maps_xdf3_fields(imported):
    definition = imported.definition
    assert definition["source"]["xdatenfelder_version"] == "3"
    assert definition["source"]["fim_version"] == "1.1.0"
    assert definition["title"] == "Testantrag (XDatenfelder 3)"
    farbe = by_fim(definition, "F99999004")
    assert farbe["type"] == "choice"
    code_list = definition["code_lists"][farbe["choices"]]
    assert (code_list["uri"], code_list["version"]) == (
        "urn:openkommune:testdaten:codeliste:farbe",
        "1",
    )
    assert [e["label"] for e in code_list["entries"]] == ["Rot", "Grün", "Blau"]
    anrede = by_fim(definition, "F99999005")
    assert anrede["type"] == "choice"
    assert [e["code"] for e in definition["code_lists"][anrede["choices"]]["entries"]] == [
        "frau", "herr", "divers"
    ]  # fmt: skip
    assert by_fim(definition, "F99999001")["max_length"] == 60
    assert by_fim(definition, "F99999003")["min"] == "1900-01-01"
    uhrzeit = by_fim(definition, "F99999006")
    assert uhrzeit["type"] == "text"
    assert uhrzeit["pattern"].startswith("([01][0-9]")
    nachweis = by_fim(definition, "F99999007")
    assert (nachweis["max_size"], nachweis["accept"]) == (1048576, ["application/pdf"])
    messages = [entry.message for entry in imported.report]
    assert any("application/zip" in message for message in messages)
    assert any("Datentyp time" in message for message in messages)
    assert any(
        entry.kind == "reference" and "Ersetzt das Stammdatenschema: S99999998 Version 1.0.0"
        in entry.message for entry in imported.report
    )  # fmt: skip


def test_xdf3_rules_are_executed_or_listed(imported):
    kinds = {entry.fim_id: entry.kind for entry in imported.report if entry.fim_id.startswith("R")}
    assert kinds == {"R99999001": "rule_applied", "R99999002": "rule_applied",
                     "R99999003": "rule_applied"}  # fmt: skip
    # "(aktuelles Datum - Geburtsdatum) < 18 Jahre" (fourth pass): a `since` condition.
    vorname = by_fim(imported.definition, "F99999002")
    assert vorname["visible_if"] == {"field": by_fim(imported.definition, "F99999003")["id"],
                                     "since": {"op": "<", "years": 18}}  # fmt: skip
    definition = imported.definition
    haustier = by_fim(definition, "F99999009")
    assert haustier["required"] is True
    assert haustier["visible_if"] == {"field": by_fim(definition, "F99999008")["id"],
                                      "equals": True}  # fmt: skip
    telefon, email = by_fim(definition, "F99999010")["id"], by_fim(definition, "F99999011")["id"]
    assert definition["rules"] == [
        {"any_filled": [telefon, email],
         "message": "Bitte füllen Sie mindestens eines aus: „Telefon“ oder „E-Mail“."}
    ]  # fmt: skip
    # Executed by the engine: neither phone nor e-mail is an error, one of them is enough.
    parsed = parse_definition(definition)
    base = {
        by_fim(definition, "F99999001")["id"]: "Muster",
        by_fim(definition, "F99999003")["id"]: "1990-05-01",
        by_fim(definition, "F99999004")["id"]: "02",
        by_fim(definition, "F99999008")["id"]: False,
    }
    errors = validate(parsed, base).errors
    assert errors[telefon] == ["Bitte füllen Sie mindestens eines aus: „Telefon“ oder „E-Mail“."]
    assert validate(parsed, {**base, email: "a@example.de"}).is_valid
    assert data_json_schema(parsed)["properties"][by_fim(definition, "F99999004")["id"]][
        "enum"
    ] == ["01", "02", "03"]


def test_a_missing_code_list_is_listed_with_what_to_do():
    result = import_schema(XDF3, leika_keys=LEIKA)
    farbe = by_fim(result.definition, "F99999004")
    assert farbe["type"] == "text"
    missing = [entry for entry in result.report if entry.kind == "code_list"]
    assert len(missing) == 1
    assert "„urn:openkommune:testdaten:codeliste:farbe“ Version 1 fehlt" in missing[0].message
    assert farbe["id"] in missing[0].message
    assert "genericode" in missing[0].message


def test_another_xdf3_namespace_is_refused():
    data = XDF3.replace(b"xdatenfelder_3.0.0", b"xdatenfelder_3.1.0")
    with pytest.raises(FimFileError, match=r"3\.0\.0"):
        read_schema(data)


def test_the_xdf3_message_must_be_a_schema():
    data = b'<x xmlns="urn:xoev-de:fim:standard:xdatenfelder_3.0.0"/>'
    with pytest.raises(FimFileError, match="kein Stammdatenschema"):
        read_schema(data)
