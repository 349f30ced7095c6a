"""The FIM importer on the three real Stammdatenschemata in OPENKOMMUNE_DATA_DIR
(fim-stammdatenschemata/): counts, labels and cardinalities are cross-checked against the
flattened CSVs that come with them; selected fields are checked in detail."""

import csv
import re
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings

from openkommune.forms.engine import parse_definition, validate
from openkommune.forms.fim.importer import import_schema, load_code_lists
from tests.forms.fim_samples.builders import sample_data, write_asbest_code_lists

FIM_DIR = Path(settings.DATA_DIR) / "fim-stammdatenschemata"
WBK = "S00000036_V0.0_Waffenbesitzkarte_gruen.xdf1"
BLAUE_KARTE = "S00000121_V1.0_Antrag_Blaue_Karte_EU.xdf2"
ASBEST = "S00000186_V1.0_Anzeige_Taetigkeiten_mit_Asbest.xdf2"
# Real LeiKa keys from the OZG/LeiKa catalogue (ozg-leika-katalog/).
LEIKA = {WBK: "99089086000000", BLAUE_KARTE: "99010014001001", ASBEST: "99012040000000"}
ALL = [WBK, BLAUE_KARTE, ASBEST]


def run(name, **kwargs):
    data = (FIM_DIR / f"{name}.xml").read_bytes()
    kwargs.setdefault("leika_keys", [LEIKA[name]])
    return import_schema(data, path=f"{name}.xml", **kwargs)


def csv_rows(name):
    with (FIM_DIR / f"{name}.felder.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def walk(items, parents=()):
    for item in items:
        yield item, parents
        if item["kind"] == "group":
            yield from walk(item["items"], (*parents, item))


def all_items(definition):
    for step in definition["steps"]:
        for item, parents in walk(step["items"]):
            yield step, item, parents


def by_fim_id(definition, fim_id):
    return [(step, item, parents) for step, item, parents in all_items(definition)
            if item.get("fim_id") == fim_id]  # fmt: skip


def one(definition, fim_id, kind="field"):
    found = [entry for entry in by_fim_id(definition, fim_id) if entry[1]["kind"] == kind]
    assert len(found) == 1, found
    return found[0]


def report_for(result, fim_id, kind=None):
    return [e for e in result.report if e.fim_id == fim_id and (kind is None or e.kind == kind)]


@pytest.fixture(scope="module")
def results():
    return {name: run(name) for name in ALL}


# --- every field of the CSV arrives, with its label and cardinality ----------------------


@pytest.mark.parametrize("name", ALL)
def test_every_datenfeld_is_imported_once_per_use(results, name):
    expected = Counter(r["element_id"] for r in csv_rows(name) if r["art"] == "Datenfeld")
    fields = Counter(
        item["fim_id"] for _s, item, _p in all_items(results[name].definition)
        if item["kind"] == "field"
    )  # fmt: skip
    assert fields == expected
    overview = {r["datei"]: r for r in csv.DictReader((FIM_DIR / "schemas_uebersicht.csv").open())}
    assert results[name].counts()["fields"] == int(overview[f"{name}.xml"]["anzahl_datenfelder"])


@pytest.mark.parametrize("name", ALL)
def test_every_datenfeldgruppe_becomes_a_group_or_a_step(results, name):
    definition = results[name].definition
    expected = Counter(r["element_id"] for r in csv_rows(name) if r["art"] == "Datenfeldgruppe")
    groups = Counter(
        item["fim_id"] for _s, item, _p in all_items(definition)
        if item["kind"] == "group" and item.get("fim_id", "").startswith("G")
    )  # fmt: skip
    group_ids = {item["id"] for _s, item, _p in all_items(definition) if item["kind"] == "group"}
    # A top-level group that occurs exactly once is a step without a group level.
    plain_steps = Counter(
        step["id"][:9].upper() for step in definition["steps"]
        if step["id"] != "allgemeine_angaben" and step["id"] not in group_ids
    )  # fmt: skip
    assert groups + plain_steps == expected


@pytest.mark.parametrize("name", ALL)
def test_labels_are_bezeichnung_eingabe_or_the_name(results, name):
    expected = Counter(
        (r["element_id"], r["bezeichnung_eingabe"].strip() or r["name"].strip())
        for r in csv_rows(name) if r["art"] == "Datenfeld"
    )  # fmt: skip
    labels = Counter(
        (item["fim_id"], item["label"]) for _s, item, _p in all_items(results[name].definition)
        if item["kind"] == "field"
    )  # fmt: skip
    assert labels == expected


@pytest.mark.parametrize("name", ALL)
def test_cardinality_of_every_field(results, name):
    """1:1 → required; 0:1 → optional; max > 1 → the field sits in a repeated group of one
    (or is a multiple choice) with the FIM minimum and maximum."""
    definition = results[name].definition
    uses = {}
    for _s, item, parents in all_items(definition):
        if item["kind"] == "field" and item["type"] != "info":
            uses.setdefault(item["fim_id"], []).append((item, parents))
    checked = 0
    for row in csv_rows(name):
        if row["art"] != "Datenfeld" or row["feldart"] == "label":
            continue
        low, high = row["anzahl"].split(":")
        candidates = uses[row["element_id"]]
        if high in ("1", "0"):
            # A translated "muss befüllt sein" rule makes a shown 0:1 field required.
            assert any(
                item.get("required", False) == (low == "1")
                or (low == "0" and item.get("required") and "visible_if" in item)
                for item, _p in candidates
            )
        else:
            wrapped = [p[-1]["repeat"] for _i, p in candidates if p and len(p[-1]["items"]) == 1
                       and "repeat" in p[-1]]  # fmt: skip
            expected = {"min": int(low), "max": 100 if high == "*" else int(high)}
            assert any({k: r[k] for k in ("min", "max")} == expected for r in wrapped), row
        checked += 1
    assert checked > 30


# --- concrete mappings --------------------------------------------------------------------


def test_blaue_karte_metadata_steps_and_a_required_field(results):
    result = results[BLAUE_KARTE]
    definition = result.definition
    assert definition["key"] == "antrag_blaue_karte_eu"
    assert definition["title"] == "Antrag auf Blaue Karte EU"
    assert definition["leika_keys"] == ["99010014001001"]
    assert definition["source"] == {
        "kind": "fim",
        "xdatenfelder_version": "2",
        "fim_id": "S00000121",
        "fim_version": "1.0",
        "reference": "§ 19a AufenthG",
    }
    # Top-level loose fields first, then one step per top-level group, in schema order.
    top_groups = [r for r in csv_rows(BLAUE_KARTE) if r["ebene"] == "1"]
    loose = [r for r in top_groups if r["art"] == "Datenfeld"]
    steps = definition["steps"]
    assert steps[0]["id"] == "allgemeine_angaben"
    assert steps[0]["title"] == "Allgemeine Angaben"
    assert len(steps[0]["items"]) == len(loose) == 11
    assert [s["title"] for s in steps[1:]] == [
        r["bezeichnung_eingabe"] or r["name"] for r in top_groups if r["art"] == "Datenfeldgruppe"
    ]
    step, familienname, _p = one(definition, "F00000013")
    assert step["id"] == "g00000630_persoenliche_angaben_antragsteller_inkl_groesse_augen"
    assert familienname["id"] == "f00000013_familienname"
    assert familienname["required"] is True
    assert familienname["help"] == "Geben Sie den Nachnamen, Zunamen bzw. Familiennamen an."
    _s, titel, _p = one(definition, "F00000043")
    assert titel["id"] == "f00000043_titel"
    assert "required" not in titel


def test_blaue_karte_repeatable_group_and_repeated_field(results):
    definition = results[BLAUE_KARTE].definition
    _s, kommunikation, _p = one(definition, "G00000015", kind="group")
    assert kommunikation["repeat"] == {
        "min": 1, "max": 100, "item_label": "Kommunikation (Juristische Person)"
    }  # fmt: skip
    assert [i["id"] for i in kommunikation["items"]][:2] == ["f00000025_kanal", "f00000026_kennung"]
    # ZeileAnschrift 2:5 is used in two address groups: two fields, two wrappers, unique ids.
    uses = by_fim_id(definition, "F00000087")
    assert len(uses) == 2
    for _s, field, parents in uses:
        assert parents[-1]["repeat"] == {"min": 2, "max": 5, "item_label": "ZeileAnschrift"}
        assert parents[-1]["id"] == f"{field['id']}_liste"
        assert field["required"] is True
    assert {f["id"] for _s, f, _p in uses} == {
        "f00000087_g00000587_zeileanschrift", "f00000087_g00000132_zeileanschrift"
    }  # fmt: skip


def test_asbest_praezisierung_patterns_lengths_and_ranges(results):
    result = results[ASBEST]
    definition = result.definition
    _s, name, _p = one(definition, "F00002490")
    assert (name["type"], name["required"], name["max_length"]) == ("text", True, 1000)
    assert "min_length" not in name  # minLength 1 is what "filled in" means anyway
    for _s, plz, _p in by_fim_id(definition, "F00000054"):
        assert plz["pattern"] == "([0]{1}[1-9]{1}|[1-9]{1}[0-9]{1})[0-9]{3}"
        assert (plz["min_length"], plz["max_length"]) == (5, 5)
    _s, count, _p = one(definition, "F00000527")
    assert (count["type"], count["min"]) == ("integer", 1)
    # \p{L} has no Python equivalent: approximated, and the report says so.
    zusatz = by_fim_id(definition, "F00000084")
    assert len(zusatz) == 6
    pattern = zusatz[0][1]["pattern"]
    assert re.fullmatch(pattern, "a")
    assert re.fullmatch(pattern, "Ä.")
    assert not re.fullmatch(pattern, "a!")
    assert any("\\p{L}" in e.message for e in report_for(result, "F00000084", "approximation"))


def test_asbest_heuristic_types_are_reported(results):
    result = results[ASBEST]
    types = {item["type"] for _s, item, _p in by_fim_id(result.definition, "F00000071")}
    assert types == {"email"}
    assert {i["type"] for _s, i, _p in by_fim_id(result.definition, "F00000069")} == {"phone"}
    assert all("E-Mail" in e.message for e in report_for(result, "F00000071", "approximation"))
    assert len(report_for(result, "F00000071", "approximation")) == 3


def test_asbest_obj_preset_and_rules_are_in_the_report(results):
    result = results[ASBEST]
    _s, signature, _p = one(result.definition, "F00000044")
    assert signature["type"] == "file"
    assert "obj" in report_for(result, "F00000044", "approximation")[0].message
    # A preset value ("nein") cannot be expressed: reported, not silently dropped.
    messages = [e.message for e in report_for(result, "F00000519", "approximation")]
    assert any("Vorbelegung „nein“" in m for m in messages)
    rules = [e for e in result.report if e.kind == "rule"]
    applied = [e for e in result.report if e.kind == "rule_applied"]
    assert (len(applied), len(rules)) == (30, 8)  # docs/forms.md "FIM rules"
    # Rules taken over only in part are flagged, so measures can leave them out (bench/fim_rules).
    # "entweder A oder B" with A and B at different repeat levels is taken over in full
    # (one of them filled, the repeated one in any entry).
    either = [e for e in applied if "Es muss entweder" in e.message]
    assert either
    assert all("als Bedingung und Prüfung übernommen" in e.message for e in either)
    mindest = [e for e in applied if e.fim_id == "R00000940"]
    assert len(mindest) == 3  # the Kommunikation group is used three times
    assert mindest[0].item == "g00000277_g00001394_kommunikation_wenig_eine_pflichtangabe"
    assert "F00000069" in mindest[0].message
    assert "als Prüfung übernommen" in mindest[0].message
    # Each of the three uses checks its own phone, fax and e-mail fields.
    checks = [rule["any_filled"] for rule in result.definition["rules"] if "any_filled" in rule]
    kommunikation = [names for names in checks if any("f00000069" in n for n in names)]
    assert len(kommunikation) == 3
    assert len({tuple(names) for names in kommunikation}) == 3
    # Date arithmetic is executed since the fourth pass (a `since` condition); a rule whose
    # wording is not understood otherwise stays listed with its text.
    assert "R00001340" in {e.fim_id for e in applied}
    assert "aktuelles Datum" in next(e for e in rules if e.fim_id == "R00001190").message


def test_every_rule_taken_over_is_in_the_definition(results):
    # The report never claims a rule whose conditions or checks the form does not carry:
    # every item a taken-over rule names has a condition, or the form has a check naming it.
    for result in results.values():
        definition = result.definition
        conditioned = {item["id"] for _s, item, _p in all_items(definition) if "visible_if" in item}
        conditioned |= {step["id"] for step in definition["steps"] if "visible_if" in step}
        checked = {
            name
            for rule in definition.get("rules", [])
            for name in rule.get("any_filled", [rule.get("left")])
        }
        checked |= {item["id"] for _s, item, _p in all_items(definition) if "max" in item}
        checked |= {i["id"] for _s, i, _p in all_items(definition) if "required_if" in i}
        for entry in result.report:
            if entry.kind != "rule_applied":
                continue
            named = re.findall(r"„([a-z0-9_]+)“", entry.message.split("):", 1)[0])
            assert named, entry.message
            assert all(name in conditioned | checked for name in named), entry.message


def test_with_the_two_real_code_lists_more_rules_are_taken_over(tmp_path):
    write_asbest_code_lists(tmp_path)
    result = run(ASBEST, code_lists=load_code_lists([tmp_path]))
    counts = result.counts()
    assert (counts["rule_applied"], counts["rule"]) == (31, 7)  # 82 %
    missing = [e for e in result.report if e.kind == "code_list"]
    assert len(missing) == 12  # the lists not supplied, each with what to do
    assert all("fehlt" in e.message for e in missing)


def test_external_code_list_without_file_becomes_text_with_a_note(results):
    result = results[ASBEST]
    _s, field, parents = one(result.definition, "F00002529")
    assert field["type"] == "text"
    assert parents[-1]["repeat"]["max"] == 8
    notes = [e.message for e in report_for(result, "F00002529", "approximation")]
    assert any("urn:de:fim:codeliste:sicherheitstechnischeeinrichtungen" in m
               and "liegt nicht vor" in m for m in notes)  # fmt: skip
    assert "code_lists" not in result.definition


def test_genericode_files_next_to_the_schema_give_choices(tmp_path):
    write_asbest_code_lists(tmp_path)
    result = run(ASBEST, code_lists=load_code_lists([tmp_path]))
    definition = result.definition
    lists = definition["code_lists"]
    assert set(lists) == {"sicherheitstechnischeeinrichtungen", "erfuellungteilweise"}
    einrichtungen = lists["sicherheitstechnischeeinrichtungen"]
    assert einrichtungen["uri"] == "urn:de:fim:codeliste:sicherheitstechnischeeinrichtungen"
    assert einrichtungen["version"] == "2020-10-05"
    assert einrichtungen["title"] == "Sicherheitstechnische Einrichtungen"
    assert [e["code"] for e in einrichtungen["entries"]] == [
        "01", "02", "03", "04", "05", "06", "07", "99"
    ]  # fmt: skip
    assert einrichtungen["entries"][3]["label"] == "Hochleistungsvakuumsauggerät"
    # 1:8 select with 8 codes: a multiple choice instead of a repeated group.
    _s, field, _p = one(definition, "F00002529")
    assert (field["type"], field["choices"], field["required"]) == (
        "multichoice", "sicherheitstechnischeeinrichtungen", True
    )  # fmt: skip
    _s, erfuellung, _p = one(definition, "F00002509")
    assert (erfuellung["type"], erfuellung["choices"]) == ("choice", "erfuellungteilweise")
    parse_definition(definition)


def test_v1_label_fields_become_info_and_named_code_lists_are_reported(results):
    result = results[WBK]
    definition = result.definition
    labels = [r for r in csv_rows(WBK) if r["art"] == "Datenfeld" and r["feldart"] == "label"]
    infos = [i for _s, i, _p in all_items(definition) if i.get("type") == "info"]
    assert len(infos) == len(labels) == 13
    assert all("required" not in i for i in infos)
    _s, anrede, _p = one(definition, "F00000073")
    assert anrede["type"] == "text"
    assert any("„Anrede“" in e.message for e in report_for(result, "F00000073"))
    # Vorname 1:* inside the optional group "Vorname natürliche Person" (0:1).
    _s, vorname_group, _p = one(definition, "G00000039", kind="group")
    assert vorname_group["repeat"] == {
        "min": 0, "max": 1, "item_label": "Vorname natürliche Person"
    }  # fmt: skip
    assert vorname_group["items"][0]["repeat"]["min"] == 1
    _s, eintragungen, _p = one(definition, "G00000066", kind="group")
    assert (eintragungen["repeat"]["min"], eintragungen["repeat"]["max"]) == (0, 100)
    assert report_for(result, "G00000066", "approximation")  # unbounded → 100, reported


def test_references_are_kept_in_the_report(results):
    result = results[BLAUE_KARTE]
    titel = report_for(result, "F00000043", "reference")
    assert {e.message for e in titel} == {
        "Bezug: XÖV-Kernkoponente.NameNatuerlichePerson.titel",
        "Bezug: § 3 AufenthG\n§ 78 Abs.1 AufenthG",
    }


# --- the result is a valid definition that validates real data --------------------------


@pytest.mark.parametrize("name", ALL)
def test_definition_parses_and_sample_data_validates(results, name):
    definition = parse_definition(results[name].definition)
    data = sample_data(results[name].definition)
    validation = validate(definition, data)
    assert validation.errors == {}
    assert validation.is_valid


def test_invalid_data_fails(results):
    raw = results[ASBEST].definition
    definition = parse_definition(raw)
    data = sample_data(raw)
    step_items = {s["id"]: s for s in raw["steps"]}["g00001394_angaben_zum_arbeitgeber_asbest"]
    assert "f00002490_name_des_unternehmens" in {i["id"] for i in step_items["items"]}
    del data["f00002490_name_des_unternehmens"]
    data["f00000527_anzahl_der_mit_asbest_beschaeftigten"] = 0  # minValue 1
    errors = validate(definition, data).errors
    assert "f00002490_name_des_unternehmens" in errors
    assert any(path.endswith("f00000527_anzahl_der_mit_asbest_beschaeftigten") for path in errors)


def test_invalid_postcode_fails_the_fim_pattern(results):
    raw = results[ASBEST].definition
    definition = parse_definition(raw)
    data = sample_data(raw)
    # The postcode sits in the optional (0..1) street address group of the employer.
    path = None
    for _s, item, parents in all_items(raw):
        if item.get("id") == "f00000054_g00000237_postleitzahl":
            path = [p["id"] for p in parents]
    assert path is not None
    node = data
    for group_id in path:
        node = node[group_id]
        node = node[0] if isinstance(node, list) else node
    node["f00000054_g00000237_postleitzahl"] = "00123"  # no German postcode starts with 00
    errors = validate(definition, data).errors
    assert any(key.endswith("f00000054_g00000237_postleitzahl") for key in errors), errors


def test_import_is_deterministic(results):
    again = run(BLAUE_KARTE)
    assert again.definition == results[BLAUE_KARTE].definition
    assert again.report_dicts() == results[BLAUE_KARTE].report_dicts()


@pytest.mark.parametrize(
    ("name", "roles"),
    [
        (BLAUE_KARTE, {"family_name", "given_name"}),
        # The first name (F00000045) may be given several times here: not one value to mark.
        (WBK, {"family_name"}),
        # Three family names, two of them in repeated groups: the employer's is marked.
        (ASBEST, {"family_name"}),
    ],
)
def test_the_applicant_is_marked_where_the_fim_name_fields_are_unambiguous(name, roles):
    result = run(name)
    marker = result.definition["applicant"]
    assert set(marker) == roles
    definition = parse_definition(result.definition)  # the marker passes the checks
    assert definition.field(marker["family_name"]).fim_id == "F00000013"
    assert definition.locations[marker["family_name"]].repeats == ()
    notes = [entry.message for entry in result.report if entry.kind == "applicant"]
    assert len(notes) == 1
    assert "Anschrift und E-Mail-Adresse bitte" in notes[0]
