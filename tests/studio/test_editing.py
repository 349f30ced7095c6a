"""The studio's pure parts: edit operations on the JSON, the condition rows, the field form
for choices, and the diff."""

import pytest

from openkommune.forms.engine import parse_definition
from openkommune.forms.engine.state import visibility
from openkommune.studio import editing
from openkommune.studio.diff import definition_diff
from openkommune.studio.editing import changed_conditions, find, replace_item
from openkommune.studio.forms import FieldForm, condition_rows, rows_condition
from tests.forms.helpers import field, group, raw_form


def _form():
    return raw_form(
        field("anlass", "choice", choices="farbe"),
        group("kinder", [field("kind_name")], repeat={"min": 1, "max": 3}),
        field("bemerkung", "textarea"),
    )


def test_ids_from_german_labels():
    assert editing.slug("Straße und Hausnummer") == "strasse_und_hausnummer"
    assert editing.slug("1. Kind") == "feld_1_kind"
    assert editing.unique_id(_form(), "anlass") == "anlass_2"


def test_operations_return_new_definitions_and_leave_the_input():
    original = _form()
    moved = editing.move(original, item_id="bemerkung", up=True)
    assert [i["id"] for i in moved["steps"][0]["items"]] == ["anlass", "bemerkung", "kinder"]
    assert [i["id"] for i in original["steps"][0]["items"]] == ["anlass", "kinder", "bemerkung"]
    added = editing.add_item(original, "kinder", field("geburt", "date"), parent_is_step=False)
    assert [i["id"] for i in added["steps"][0]["items"][1]["items"]] == ["kind_name", "geburt"]
    with pytest.raises(editing.EditError, match="schon vergeben"):
        editing.add_item(original, "eins", field("kind_name"), parent_is_step=True)
    with pytest.raises(editing.EditError, match="nur in Schritte und Gruppen"):
        editing.add_item(original, "anlass", field("x"), parent_is_step=False)
    deleted = editing.delete(original, item_id="kinder")
    assert "kind_name" not in editing.used_ids(deleted)


def test_fields_a_condition_may_name_are_the_earlier_ones():
    definition = _form()
    assert [p.item["id"] for p in editing.fields_before(definition, item_id="bemerkung")] == [
        "anlass", "kind_name",
    ]  # fmt: skip
    assert [p.item["id"] for p in editing.fields_through(definition, group_id="kinder")] == [
        "anlass", "kind_name",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "condition",
    [
        {"field": "a", "equals": "x"},
        {"field": "b", "equals": True},
        {"any": [{"field": "a", "in": ["x", "y"]}, {"not": {"field": "n", "equals": 3}}]},
        {"all": [{"field": "a", "filled": True}, {"field": "b", "filled": False}]},
        {"any": [{"field": "a", "between": [200000, 299999]}, {"field": "a", "equals": "x"}]},
    ],
)
def test_flat_conditions_become_rows_and_back_exactly(condition):
    types = {"a": "choice", "b": "boolean", "n": "integer"}
    combinator, rows = condition_rows(condition, types)
    assert rows_condition(combinator, rows, types) == condition


def test_nested_conditions_are_left_to_json():
    nested = {"any": [{"all": [{"field": "a", "equals": "x"}]}, {"field": "b", "equals": True}]}
    assert condition_rows(nested, {}) is None


def test_a_choice_field_with_new_entries_gets_its_own_code_list():
    definition = _form()
    form = FieldForm(
        {"label": "Größe", "type": "choice", "choice_entries": "s | Klein\nl | Groß"},
        definition=definition,
    )
    assert form.is_valid(), form.errors
    item, code_list = form.field("groesse")
    assert item["choices"] == "groesse"
    assert code_list == (
        "groesse",
        [{"code": "s", "label": "Klein"}, {"code": "l", "label": "Groß"}],
    )
    bad = FieldForm({"label": "X", "type": "choice", "choice_entries": "nur text"},
                    definition=definition)  # fmt: skip
    assert not bad.is_valid()
    assert "Code | Bezeichnung" in str(bad.errors["choice_entries"])


def test_the_diff_names_added_removed_moved_and_changed_parts():
    old = _form()
    new = editing.move(editing.delete(old, item_id="bemerkung"), item_id="kinder", up=True)
    new = editing.add_item(new, "kinder", field("geburt", "date"), parent_is_step=False)
    new = editing.replace_item(
        new, "anlass", {**editing.find(new, "anlass").item, "required": True}
    )
    new["code_lists"]["farbe"]["entries"].append({"code": "gelb", "label": "Gelb"})
    lines = {(c.kind, c.where, c.text) for c in definition_diff(old, new)}
    kinds = {kind for kind, _where, _text in lines}
    assert kinds == {"added", "removed", "moved", "changed"}
    assert ("removed", "„Bemerkung“ (bemerkung)", "entfernt") in lines
    assert any(text == "Pflichtfeld neu: ja" for _k, _w, text in lines)
    assert any("gelb" in text for _k, _w, text in lines)
    assert definition_diff(old, old) == []


# --- a group made (non-)repeatable keeps the conditions naming it meaningful ------------------


def _repeat_form():
    """Step 1: a group repeated at most once (two fields, one inside a repeated sub-group);
    step 2: a field shown when the group is filled, one comparing a field inside it."""
    return {
        "format": 1, "key": "wiederholung", "title": "Wiederholung",
        "leika_keys": ["99089086000000"],
        "steps": [
            {"id": "eins", "title": "Eins", "items": [
                {"kind": "group", "id": "block", "title": "Block", "repeat": {"min": 0, "max": 1},
                 "items": [
                     {"kind": "field", "id": "beginn", "type": "date", "label": "Beginn"},
                     {"kind": "field", "id": "art", "type": "text", "label": "Art"},
                     {"kind": "group", "id": "orte", "title": "Orte",
                      "repeat": {"min": 0, "max": 3},
                      "items": [{"kind": "field", "id": "ort", "type": "text", "label": "Ort"}]},
                 ]},
            ]},
            {"id": "zwei", "title": "Zwei", "items": [
                {"kind": "field", "id": "weiter", "type": "text", "label": "Weiter",
                 "visible_if": {"field": "block", "filled": True}},
                {"kind": "field", "id": "sonst", "type": "text", "label": "Sonst",
                 "visible_if": {"not": {"field": "block", "filled": True}}},
                {"kind": "field", "id": "abriss", "type": "text", "label": "Abriss",
                 "visible_if": {"field": "art", "equals": "Abriss", "any_entry": True}},
            ]},
        ],
    }  # fmt: skip


def test_making_a_group_plain_rewrites_the_conditions_naming_it():
    before = _repeat_form()
    parse_definition(before)
    group = {k: v for k, v in find(before, "block").item.items() if k not in ("id", "items")}
    group.pop("repeat")
    after = replace_item(before, "block", group)
    filled = {
        "any": [
            {"field": "beginn", "filled": True},
            {"field": "art", "filled": True},
            {"field": "orte", "filled": True},
        ]
    }
    assert find(after, "weiter").item["visible_if"] == filled
    assert find(after, "sonst").item["visible_if"] == {"not": filled}
    # Outside a plain group its field is named directly (any_entry would be refused).
    assert find(after, "abriss").item["visible_if"] == {"field": "art", "equals": "Abriss"}
    assert changed_conditions(before, after) == ["weiter", "sonst", "abriss"]
    assert "repeat" in find(before, "block").item  # the input is unchanged
    definition = parse_definition(after)  # the engine accepts the rewritten form
    # The same meaning: filled once any of its fields is, in either shape.
    for data, shown in (
        ({"block": {"art": "Abriss"}}, {"weiter", "abriss"}),
        ({"block": {"orte": [{"ort": "Jena"}]}}, {"weiter"}),
        ({}, {"sonst"}),
    ):
        seen = visibility(definition, data)
        visible = {i for i in ("weiter", "sonst", "abriss") if seen.item_visible(i, {})}
        assert visible == shown, data
    # And back: repeatable again, the comparison from outside needs any_entry once more.
    again = replace_item(after, "block", {**group, "repeat": {"min": 0, "max": 1}})
    assert find(again, "abriss").item["visible_if"] == {
        "field": "art", "equals": "Abriss", "any_entry": True,
    }  # fmt: skip
    parse_definition(again)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("200000–299999", [200000, 299999]),
        ("200000 - 299999", [200000, 299999]),
        ("110000 bis 114000", [110000, 114000]),
        ("5-5", [5, 5]),
        ("300-200", None),
        ("GmbH", None),
        ("200000", None),
    ],
)
def test_a_between_row_takes_two_whole_numbers_in_order(value, expected):
    definition = _form()
    data = {"label": "Register", "type": "text", "bed_art": "all", "bed_1_feld": "anlass",
            "bed_1_op": "zwischen", "bed_1_wert": value}  # fmt: skip
    form = FieldForm(
        data, definition=definition, condition_fields=editing.fields_through(definition)
    )
    if expected is None:
        assert not form.is_valid()
        assert "zwei ganze Zahlen" in str(form.errors["bed_1_wert"])
    else:
        assert form.is_valid(), form.errors
        assert form.cleaned_data["visible_if"] == {"field": "anlass", "between": expected}
