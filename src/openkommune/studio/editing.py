"""The studio's edit operations: pure functions over a form definition (the engine's JSON,
format 1, ADR 0024). Each returns a new definition and never changes its input; whether the
result is a valid form the engine decides (`forms.services.form_version_edit` parses it).
Items are found by id alone: item ids are unique in the whole form (docs/forms.md)."""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

FIELD_TYPES = (
    "text",
    "textarea",
    "integer",
    "decimal",
    "money",
    "date",
    "boolean",
    "choice",
    "multichoice",
    "email",
    "phone",
    "iban",
    "address",
    "file",
    "info",
)


class EditError(ValueError):
    """An edit that cannot be made (German message)."""


@dataclass(frozen=True)
class Place:
    """Where an item sits: its step, the list holding it and its index, its enclosing
    groups (outermost first)."""

    step: dict
    container: list
    index: int
    item: dict
    groups: tuple


def walk(items: list, step: dict, groups: tuple = ()) -> Iterator[Place]:
    """Every item below `items` in page order (a group before its children)."""
    for index, item in enumerate(items):
        yield Place(step, items, index, item, groups)
        if item.get("kind") == "group":
            yield from walk(item["items"], step, (*groups, item))


def places(definition: dict) -> Iterator[Place]:
    for step in definition["steps"]:
        yield from walk(step["items"], step)


def find(definition: dict, item_id: str) -> Place:
    for place in places(definition):
        if place.item["id"] == item_id:
            return place
    raise EditError(_("Das Element „%(id)s“ gibt es in diesem Formular nicht.") % {"id": item_id})


def find_step(definition: dict, step_id: str) -> tuple[int, dict]:
    for index, step in enumerate(definition["steps"]):
        if step["id"] == step_id:
            return index, step
    raise EditError(_("Den Schritt „%(id)s“ gibt es in diesem Formular nicht.") % {"id": step_id})


def used_ids(definition: dict) -> set[str]:
    return {place.item["id"] for place in places(definition)} | {
        step["id"] for step in definition["steps"]
    }


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def slug(text: str, *, fallback: str = "feld", max_length: int = 40) -> str:
    """An id from a German label: lower case, umlauts spelled out, `_` between words,
    starting with a letter ("Straße und Hausnummer" → "strasse_und_hausnummer")."""
    text = unicodedata.normalize("NFKD", text.lower().translate(_UMLAUTS))
    text = text.encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9]+", "_", text).strip("_")[:max_length].strip("_")
    if not text or not text[0].isalpha():
        text = f"{fallback}_{text}".strip("_")
    return text


def unique_id(definition: dict, wanted: str) -> str:
    taken = used_ids(definition)
    if wanted not in taken:
        return wanted
    number = 2
    while f"{wanted}_{number}" in taken:
        number += 1
    return f"{wanted}_{number}"


def _copy(definition: dict) -> dict:
    return copy.deepcopy(definition)


def _check_new_id(definition: dict, new_id: str) -> None:
    if new_id in used_ids(definition):
        raise EditError(
            _("Die Kennung „%(id)s“ ist in diesem Formular schon vergeben.") % {"id": new_id}
        )


def add_step(definition: dict, step: dict) -> dict:
    _check_new_id(definition, step["id"])
    for place in walk(step["items"], step):
        _check_new_id(definition, place.item["id"])
    result = _copy(definition)
    result["steps"].append(copy.deepcopy(step))
    return result


def replace_step(definition: dict, step_id: str, step: dict) -> dict:
    """Replace a step's own properties (title, help, condition); its items stay."""
    result = _copy(definition)
    index, old = find_step(result, step_id)
    result["steps"][index] = {**copy.deepcopy(step), "id": old["id"], "items": old["items"]}
    return result


def add_item(definition: dict, parent_id: str, item: dict, *, parent_is_step: bool) -> dict:
    """Append `item` to the step or group `parent_id`."""
    _check_new_id(definition, item["id"])
    if item.get("kind") == "group":
        for place in walk(item["items"], {}):
            _check_new_id(definition, place.item["id"])
    result = _copy(definition)
    if parent_is_step:
        items = find_step(result, parent_id)[1]["items"]
    else:
        parent = find(result, parent_id).item
        if parent.get("kind") != "group":
            raise EditError(_("Felder lassen sich nur in Schritte und Gruppen einfügen."))
        items = parent["items"]
    items.append(copy.deepcopy(item))
    return result


def replace_item(definition: dict, item_id: str, item: dict) -> dict:
    """Replace an item's properties; its id and (for a group) its children stay. A group
    made (non-)repeatable keeps the conditions that name it or its fields meaningful
    (`_follow_repeat_change`)."""
    result = _copy(definition)
    place = find(result, item_id)
    new = {**copy.deepcopy(item), "id": place.item["id"], "kind": place.item["kind"]}
    if place.item["kind"] == "group":
        new["items"] = place.item["items"]
    place.container[place.index] = new
    if place.item["kind"] == "group" and ("repeat" in place.item) != ("repeat" in new):
        _follow_repeat_change(result, new)
    return result


def _follow_repeat_change(definition: dict, group: dict) -> None:
    """Rewrites, in place, the conditions (`visible_if`, `required_if` of steps and items)
    after `group` became repeatable or stopped being so, keeping their meaning:

    - "the group is filled" (only nameable while it is repeated: one of its entries holds a
      value) becomes "one of its fields is filled" (its fields with a value, its repeated
      sub-groups as a whole), which is what a filled plain group means;
    - a comparison with a field inside the group gets `any_entry` where it is now made from
      outside a repeated group around that field, and loses it where it no longer is
      (the engine refuses either mismatch)."""
    group_id = group["id"]
    inside = {place.item["id"] for place in walk(group["items"], {})}
    chains: dict[str, tuple] = {}
    kinds: dict[str, str] = {}
    for place in places(definition):
        chains[place.item["id"]] = tuple(g["id"] for g in place.groups if "repeat" in g)
        kinds[place.item["id"]] = place.item.get("kind", "")

    def filled_parts(items: list) -> list[dict]:
        parts = []
        for item in items:
            if item.get("kind") == "field":
                if item.get("type") != "info":
                    parts.append({"field": item["id"], "filled": True})
            elif "repeat" in item:
                parts.append({"field": item["id"], "filled": True})
            else:
                parts.extend(filled_parts(item["items"]))
        return parts

    def scoped(leaf: dict, owner: tuple) -> dict:
        if kinds.get(leaf["field"]) != "field":
            return leaf
        own = chains[leaf["field"]]
        new = {key: value for key, value in leaf.items() if key != "any_entry"}
        if own != owner[: len(own)]:
            new["any_entry"] = True
        return new

    def rewrite(condition, owner: tuple):
        if not isinstance(condition, dict):
            return condition
        if "field" in condition:
            name = condition["field"]
            if name == group_id and "filled" in condition and "repeat" not in group:
                parts = [scoped(part, owner) for part in filled_parts(group["items"])]
                if not parts:
                    return condition  # nothing to name; the engine says so
                any_part = parts[0] if len(parts) == 1 else {"any": parts}
                return any_part if condition["filled"] else {"not": any_part}
            return scoped(condition, owner) if name in inside else condition
        if "not" in condition:
            return {"not": rewrite(condition["not"], owner)}
        key = "all" if "all" in condition else "any"
        if key not in condition:
            return condition
        return {key: [rewrite(part, owner) for part in condition[key]]}

    for step in definition["steps"]:
        if step.get("visible_if"):
            step["visible_if"] = rewrite(step["visible_if"], ())
    for place in places(definition):
        owner = tuple(g["id"] for g in place.groups if "repeat" in g)
        for key in ("visible_if", "required_if"):
            if place.item.get(key):
                place.item[key] = rewrite(place.item[key], owner)


def changed_conditions(before: dict, after: dict) -> list[str]:
    """Ids of the steps and items whose `visible_if` or `required_if` differ (same items)."""
    old = {step["id"]: step.get("visible_if") for step in before["steps"]}
    new = {step["id"]: step.get("visible_if") for step in after["steps"]}
    for source, target in ((before, old), (after, new)):
        for place in places(source):
            target[place.item["id"]] = (
                place.item.get("visible_if"),
                place.item.get("required_if"),
            )
    return [item_id for item_id in new if item_id in old and old[item_id] != new[item_id]]


def move(definition: dict, *, step_id: str = "", item_id: str = "", up: bool) -> dict:
    """Move a step, or an item within its step or group, one place up or down."""
    result = _copy(definition)
    if step_id:
        index, _step = find_step(result, step_id)
        container = result["steps"]
    else:
        place = find(result, item_id)
        index, container = place.index, place.container
    other = index - 1 if up else index + 1
    if not 0 <= other < len(container):
        raise EditError(
            _("Das Element steht schon ganz oben.")
            if up
            else _("Das Element steht schon ganz unten.")
        )
    container[index], container[other] = container[other], container[index]
    return result


def delete(definition: dict, *, step_id: str = "", item_id: str = "") -> dict:
    """Remove a step or an item (with a group's children). Code lists stay (other fields
    may use them); references to removed fields are errors the engine reports."""
    result = _copy(definition)
    if step_id:
        index, _step = find_step(result, step_id)
        if len(result["steps"]) == 1:
            raise EditError(_("Ein Formular braucht mindestens einen Schritt."))
        del result["steps"][index]
    else:
        place = find(result, item_id)
        if len(place.container) == 1:
            raise EditError(
                _(
                    "Das letzte Element eines Schritts oder einer Gruppe lässt sich nicht löschen; "
                    "löschen Sie stattdessen den Schritt oder die Gruppe."
                )
            )
        del place.container[place.index]
    return result


def set_code_list(definition: dict, key: str, title: str, entries: list[dict]) -> dict:
    """Create or update the code list `key` (its other properties, such as the URI, stay;
    changed entries are no longer the library version the list came from, so its `version`
    goes)."""
    result = _copy(definition)
    lists = result.setdefault("code_lists", {})
    old = lists.get(key, {})
    lists[key] = {**old, "title": old.get("title") or title, "entries": entries}
    if old.get("entries") not in (None, entries):
        lists[key].pop("version", None)
    return result


def fields_before(definition: dict, *, step_id: str = "", item_id: str = "") -> list[Place]:
    """The fields a condition of this step or item may name: those on earlier steps and
    those before it on its own step (page order), without texts (`info`)."""
    found = []
    for step in definition["steps"]:
        if step["id"] == step_id:
            return found
        for place in walk(step["items"], step):
            if place.item["id"] == item_id:
                return found
            if place.item.get("kind") == "field" and place.item.get("type") != "info":
                found.append(place)
    return found


def condition_field_ids(condition) -> list[str]:
    if not isinstance(condition, dict):
        return []
    if "field" in condition:
        return [condition["field"]]
    if "not" in condition:
        return condition_field_ids(condition["not"])
    ids = []
    for part in condition.get("all", condition.get("any", [])):
        ids.extend(condition_field_ids(part))
    return ids


def fields_through(definition: dict, *, step_id: str = "", group_id: str = "") -> list[Place]:
    """The fields a condition of a new item appended to this step or group may name: all
    fields up to the end of that step or group."""
    found = []
    inside = False
    for step in definition["steps"]:
        for place in walk(step["items"], step):
            in_parent = step["id"] == step_id or any(g["id"] == group_id for g in place.groups)
            if inside and not in_parent:
                return found
            inside = inside or in_parent
            if place.item.get("kind") == "field" and place.item.get("type") != "info":
                found.append(place)
    return found
