"""A newer version of an imported FIM schema (docs/fim-import.md "A newer version"): the
field-level differences, and the three-way merge that keeps the studio's edits."""

import copy

import pytest

from openkommune.forms.engine import parse_definition
from openkommune.forms.fim.importer import import_schema
from openkommune.forms.fim.reimport import is_newer, item_changes, merge, rule_changes
from tests.forms.fim_samples.builders import field, group, rule, schema

LEIKA = ["99089086000000"]


def imported(children, version):
    return import_schema(schema(children, version=version), leika_keys=LEIKA).definition


def find(definition, item_id):
    def walk(items):
        for item in items:
            if item["id"] == item_id:
                return item
            if item["kind"] == "group":
                found = walk(item["items"])
                if found:
                    return found
        return None

    for step in definition["steps"]:
        if step["id"] == item_id:
            return step
        found = walk(step["items"])
        if found:
            return found
    return None


V1 = [
    group("G90000001", "Person", [
        field("F90000001", "Name"),
        field("F90000002", "Hinweis zur Person", anzahl="0:1"),
        field("F90000003", "Alt", anzahl="0:1"),
    ]),
]  # fmt: skip
V2 = [
    group("G90000001", "Person", [
        field("F90000001", "Name", help="Neuer Hilfetext aus FIM"),
        field("F90000002", "Hinweis zur Person", anzahl="0:1"),
        field("F90000004", "Neu", anzahl="0:1"),
    ]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("new", "old", "expected"),
    [("1.1", "1.0", True), ("1.10", "1.9", True), ("1.0", "1.0", False), ("1.0.1", "1.0", True),
     ("0.9", "1.0", False), ("2.0", "", True), ("b", "a", True)],
)  # fmt: skip
def test_versions_compare_numerically(new, old, expected):
    assert is_newer(new, old) is expected


def test_field_level_changes():
    old, new = imported(V1, "1.0"), imported(V2, "1.1")
    changes = {(c["change"], c["id"]): c for c in item_changes(old, new)}
    assert ("added", "f90000004_neu") in changes
    assert ("removed", "f90000003_alt") in changes
    changed = changes[("changed", "f90000001_name")]
    assert changed["details"] == ["help: – → Neuer Hilfetext aus FIM"]


def test_rule_changes():
    changes = rule_changes({"R1": "rule", "R2": "rule_applied"},
                           {"R1": "rule_applied", "R3": "rule"})  # fmt: skip
    assert {(c["id"], c["change"], c["applied"]) for c in changes} == {
        ("R1", "changed", True), ("R3", "added", False), ("R2", "removed", True)
    }  # fmt: skip


def test_studio_edits_are_kept_in_the_new_import():
    base, new = imported(V1, "1.0"), imported(V2, "1.1")
    current = copy.deepcopy(base)
    find(current, "f90000002_hinweis_zur_person")["label"] = "Hinweis (im Studio geändert)"
    find(current, "f90000001_name")["help"] = "Hilfe aus dem Studio"
    find(current, "f90000002_hinweis_zur_person")["visible_if"] = {
        "field": "f90000001_name", "filled": True
    }  # fmt: skip
    step = current["steps"][0]
    step["items"].append({"kind": "field", "id": "studio_feld", "type": "text",
                          "label": "Im Studio ergänzt"})  # fmt: skip
    result = merge(base=base, current=current, new=new)
    merged = result.definition
    parse_definition(merged)
    hinweis = find(merged, "f90000002_hinweis_zur_person")
    assert hinweis["label"] == "Hinweis (im Studio geändert)"
    assert hinweis["visible_if"] == {"field": "f90000001_name", "filled": True}
    # FIM changed the help text too: the studio's wins, and the page says so.
    assert find(merged, "f90000001_name")["help"] == "Hilfe aus dem Studio"
    assert any("f90000001_name" in line and "help" in line for line in result.conflicts)
    assert find(merged, "studio_feld")["label"] == "Im Studio ergänzt"
    assert find(merged, "f90000004_neu") is not None  # FIM's new field
    assert find(merged, "f90000003_alt") is None  # FIM removed it
    assert merged["source"]["fim_version"] == "1.1"
    assert any("studio_feld" in line for line in result.kept)


def test_a_studio_deletion_stays_and_an_edit_of_a_removed_field_is_reported():
    base, new = imported(V1, "1.0"), imported(V2, "1.1")
    current = copy.deepcopy(base)
    items = current["steps"][0]["items"]
    current["steps"][0]["items"] = [i for i in items if i["id"] != "f90000002_hinweis_zur_person"]
    find(current, "f90000003_alt")["label"] = "Alt, geändert"
    result = merge(base=base, current=current, new=new)
    assert find(result.definition, "f90000002_hinweis_zur_person") is None
    assert any("bleibt gelöscht" in line for line in result.kept)
    assert any("f90000003_alt" in line and "enthält es nicht mehr" in line
               for line in result.not_kept)  # fmt: skip


def test_a_condition_naming_a_removed_field_falls_back():
    base, new = imported(V1, "1.0"), imported(V2, "1.1")
    current = copy.deepcopy(base)
    find(current, "f90000002_hinweis_zur_person")["visible_if"] = {
        "field": "f90000003_alt", "filled": True
    }  # fmt: skip
    result = merge(base=base, current=current, new=new)
    parse_definition(result.definition)
    assert "visible_if" not in find(result.definition, "f90000002_hinweis_zur_person")
    assert any("f90000003_alt" in line for line in result.not_kept)


def test_rules_are_kept_while_the_fields_they_name_exist():
    base, new = imported(V1, "1.0"), imported(V2, "1.1")
    current = copy.deepcopy(base)
    name, alt = "f90000001_name", "f90000003_alt"
    current["rules"] = [
        {"only_codes": ["a"], "field": name, "message": "m"},
        {"only_codes": ["a"], "field": name, "when": {"field": alt, "filled": True},
         "message": "m"},
        {"left": name, "op": "!=", "right": alt, "message": "m"},
    ]  # fmt: skip
    result = merge(base=base, current=current, new=new)
    # "Alt" is gone in the new version: the rules naming it (also in `when`) go with it.
    assert result.definition["rules"] == [current["rules"][0]]
    assert any("2 Vergleichsregel(n)" in line for line in result.not_kept)


def test_without_a_base_nothing_is_merged():
    new = imported(V2, "1.1")
    result = merge(base=None, current=imported(V1, "1.0"), new=new)
    assert result.definition == new
    assert result.not_kept
    assert not result.kept


def test_rules_of_the_new_version_are_compared(tmp_path):
    with_rule = [
        group("G90000001", "Person", [
            field("F90000001", "Name"),
            field("F90000005", "Telefon", anzahl="0:1"),
            field("F90000006", "E-Mail", anzahl="0:1"),
        ], regel=rule("R90000001", "Kontakt", 'Es muss mindestens eines der Felder '
                      'F90000005 "Telefon" oder F90000006 "E-Mail" befüllt sein.')),
    ]  # fmt: skip
    result = import_schema(schema(with_rule, version="1.2"), leika_keys=LEIKA)
    applied = [e for e in result.report if e.kind == "rule_applied"]
    assert [e.fim_id for e in applied] == ["R90000001"]
    assert result.definition["rules"][0]["any_filled"] == [
        "f90000005_telefon", "f90000006_e_mail"
    ]  # fmt: skip
