"""A newer version of an imported FIM schema: the field-level differences between two
imports, and a three-way merge that keeps the studio's edits (docs/fim-import.md
"Importing a newer version").

The three definitions are: `base` (the last import exactly as the importer produced it,
`FormVersion.fim_import_base`), `current` (the form's newest version: base plus the studio's
edits) and `new` (the newer schema as the importer produces it now). What the studio changed
between base and current is applied to new, item by item (items are matched by id; the
importer's ids are stable, docs/fim-import.md "Ids"). Pure Python, no database access.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

from openkommune.forms.engine.conditions import condition_fields
from openkommune.forms.engine.definition import raw_rule_names

# Properties of the form itself the studio edits.
FORM_PROPERTIES = ("title", "intro", "leika_keys", "applicant", "rules")
_SKIP = ("kind", "id", "items")
_SHOWN_MAX = 80


def is_newer(new: str, old: str) -> bool:
    """Whether FIM version `new` is higher than `old` ("1.0" < "1.1" < "1.10" < "2.0.1");
    versions that are not dotted numbers compare as text."""
    if not old:
        return bool(new)

    def parts(text: str):
        return [int(part) for part in text.split(".")]

    if re.fullmatch(r"[0-9]+(\.[0-9]+)*", new) and re.fullmatch(r"[0-9]+(\.[0-9]+)*", old):
        a, b = parts(new), parts(old)
        width = max(len(a), len(b))
        return a + [0] * (width - len(a)) > b + [0] * (width - len(b))
    return new > old


@dataclass
class Node:
    item: dict
    parent: str  # the id of the step or group holding it
    before: str  # the id of the item before it in the same parent ("" if first)
    is_step: bool = False


def _index(definition: dict) -> dict[str, Node]:
    """Every step and item by id, in page order (steps first in their order, then items)."""
    nodes: dict[str, Node] = {}

    def walk(items, parent):
        previous = ""
        for item in items:
            nodes.setdefault(item["id"], Node(item, parent, previous))
            previous = item["id"]
            if item.get("kind") == "group":
                walk(item["items"], item["id"])

    previous = ""
    for step in definition.get("steps", []):
        nodes.setdefault(step["id"], Node(step, "", previous, is_step=True))
        previous = step["id"]
    for step in definition.get("steps", []):
        walk(step["items"], step["id"])
    return nodes


def _name(item: dict) -> str:
    return item.get("label") or item.get("title") or item.get("id", "")


def _shown(value) -> str:
    if value is None:
        return "–"
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= _SHOWN_MAX else text[: _SHOWN_MAX - 1] + "…"


def _properties(item: dict) -> set[str]:
    return {key for key in item if key not in _SKIP}


def item_changes(old: dict, new: dict) -> list[dict]:
    """Field-level differences between two definitions: each added, removed or changed step,
    group and field (`{"change": "added"|"removed"|"changed", "id", "name", "kind",
    "details": [German text]}`), in page order of `new` (removed ones last)."""
    before, after = _index(old), _index(new)
    changes = []
    for item_id, node in after.items():
        kind = "step" if node.is_step else node.item.get("kind", "field")
        if item_id not in before:
            changes.append(
                {"change": "added", "id": item_id, "name": _name(node.item), "kind": kind,
                 "details": [node.item.get("type", "")] if kind == "field" else []}
            )  # fmt: skip
            continue
        old_item = before[item_id].item
        details = [
            f"{key}: {_shown(old_item.get(key))} → {_shown(node.item.get(key))}"
            for key in sorted(_properties(old_item) | _properties(node.item))
            if old_item.get(key) != node.item.get(key)
        ]
        if details:
            changes.append(
                {"change": "changed", "id": item_id, "name": _name(node.item), "kind": kind,
                 "details": details}
            )  # fmt: skip
    for item_id, node in before.items():
        if item_id not in after:
            kind = "step" if node.is_step else node.item.get("kind", "field")
            changes.append(
                {"change": "removed", "id": item_id, "name": _name(node.item), "kind": kind,
                 "details": []}
            )  # fmt: skip
    return changes


def rule_changes(old: dict[str, str], new: dict[str, str]) -> list[dict]:
    """FIM rules added, removed, or now (no longer) taken over; `old`/`new` map rule ids to
    the report kind ("rule_applied" or "rule")."""
    changes = []
    for rule_id, kind in new.items():
        if rule_id not in old:
            changes.append({"id": rule_id, "change": "added", "applied": kind == "rule_applied"})
        elif old[rule_id] != kind:
            changes.append({"id": rule_id, "change": "changed", "applied": kind == "rule_applied"})
    for rule_id, kind in old.items():
        if rule_id not in new:
            changes.append({"id": rule_id, "change": "removed", "applied": kind == "rule_applied"})
    return changes


@dataclass
class Merged:
    definition: dict
    # German lines: studio edits carried over, edits where FIM changed the same property too
    # (the studio's value wins), and edits that could not be carried over (and why).
    kept: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    not_kept: list[str] = field(default_factory=list)


def merge(*, base: dict | None, current: dict, new: dict) -> Merged:
    """`new` with the studio's edits (base → current) applied. Without a base (a form
    imported before bases were kept) no edit can be told from a FIM change: the result is
    `new` and `not_kept` says so."""
    result = Merged(copy.deepcopy(new))
    if base is None:
        result.not_kept.append(
            "Für dieses Formular ist die Fassung des letzten Imports nicht gespeichert; "
            "Änderungen im Studio lassen sich nicht erkennen und werden nicht übernommen."
        )
        return result
    merged = result.definition
    _merge_form(base, current, new, result)
    base_nodes, current_nodes = _index(base), _index(current)
    merged_nodes = _index(merged)
    # Edited and deleted steps and items.
    for item_id, base_node in base_nodes.items():
        name = _name(base_node.item)
        if item_id not in current_nodes:
            if item_id in merged_nodes:
                _remove(merged, item_id)
                result.kept.append(f"„{name}“ ({item_id}) bleibt gelöscht.")
                merged_nodes = _index(merged)
            continue
        current_item = current_nodes[item_id].item
        edited = [
            key
            for key in sorted(_properties(base_node.item) | _properties(current_item))
            if base_node.item.get(key) != current_item.get(key)
        ]
        if not edited:
            continue
        if item_id not in merged_nodes:
            result.not_kept.append(
                f"„{name}“ ({item_id}): das neue Schema enthält es nicht mehr; Ihre Änderung "
                f"({', '.join(edited)}) entfällt."
            )
            continue
        target = merged_nodes[item_id].item
        new_item = copy.deepcopy(target)
        for key in edited:
            if new_item.get(key) not in (base_node.item.get(key), current_item.get(key)):
                result.conflicts.append(
                    f"„{name}“ ({item_id}), {key}: auch im Schema geändert "
                    f"({_shown(new_item.get(key))}); Ihre Fassung bleibt "
                    f"({_shown(current_item.get(key))})."
                )
            if key in current_item:
                target[key] = copy.deepcopy(current_item[key])
            else:
                target.pop(key, None)
        result.kept.append(f"„{_name(current_item)}“ ({item_id}): {', '.join(edited)} geändert.")
    # Steps and items the studio added.
    for item_id, node in current_nodes.items():
        if item_id in base_nodes:
            continue
        if node.parent and node.parent not in base_nodes:
            continue  # inside a step or group the studio added: it came with it
        merged_nodes = _index(merged)
        if item_id in merged_nodes:
            result.not_kept.append(
                f"„{_name(node.item)}“ ({item_id}): das neue Schema hat ein Element mit "
                "derselben Kennung; Ihr Element wurde nicht übernommen."
            )
            continue
        if _insert(merged, merged_nodes, node):
            result.kept.append(f"„{_name(node.item)}“ ({item_id}) hinzugefügt.")
        else:
            result.not_kept.append(
                f"„{_name(node.item)}“ ({item_id}): der Schritt oder die Gruppe „{node.parent}“ "
                "fehlt im neuen Schema; nicht übernommen."
            )
    _drop_dangling(merged, new, result)
    return result


def _merge_form(base: dict, current: dict, new: dict, result: Merged):
    merged = result.definition
    for key in FORM_PROPERTIES:
        if base.get(key) == current.get(key):
            continue
        if new.get(key) not in (base.get(key), current.get(key)):
            result.conflicts.append(
                f"Formular, {key}: auch im Schema geändert; Ihre Fassung bleibt."
            )
        if key in current:
            merged[key] = copy.deepcopy(current[key])
        else:
            merged.pop(key, None)
        result.kept.append(f"Formular: {key} geändert.")
    base_ref = base.get("source", {}).get("reference")
    current_ref = current.get("source", {}).get("reference")
    if base_ref != current_ref:
        source = merged.setdefault("source", {"kind": "fim"})
        if current_ref:
            source["reference"] = current_ref
        else:
            source.pop("reference", None)
        result.kept.append("Formular: Rechtsgrundlage geändert.")
    base_lists, current_lists = base.get("code_lists", {}), current.get("code_lists", {})
    for key, code_list in current_lists.items():
        if base_lists.get(key) == code_list:
            continue
        merged.setdefault("code_lists", {})[key] = copy.deepcopy(code_list)
        result.kept.append(f"Codeliste „{key}“ übernommen.")


def _remove(definition: dict, item_id: str):
    steps = definition["steps"]
    if any(step["id"] == item_id for step in steps):
        definition["steps"] = [step for step in steps if step["id"] != item_id]
        return

    def walk(items):
        items[:] = [item for item in items if item["id"] != item_id]
        for item in items:
            if item.get("kind") == "group":
                walk(item["items"])
        # A group left without items is not valid: it goes too.
        items[:] = [item for item in items if item.get("kind") != "group" or item["items"]]

    for step in steps:
        walk(step["items"])
    # A step or group left without items is not valid: it goes too.
    definition["steps"] = [step for step in steps if step["items"]]


def _insert(definition: dict, nodes: dict[str, Node], node: Node) -> bool:
    item = copy.deepcopy(node.item)
    if node.is_step:
        container = definition["steps"]
    else:
        parent = nodes.get(node.parent)
        if parent is None:
            return False
        container = parent.item["items"]
    position = 0
    if node.before:
        ids = [entry["id"] for entry in container]
        position = ids.index(node.before) + 1 if node.before in ids else len(container)
    container.insert(position, item)
    return True


def _drop_dangling(definition: dict, new: dict, result: Merged):
    """Conditions, rules and applicant roles that name an item the merge no longer has:
    the new schema's own value is used (or none), and `not_kept` says so."""
    nodes = _index(definition)
    new_nodes = _index(new)
    for item_id, node in nodes.items():
        condition = node.item.get("visible_if")
        missing = [name for name in condition_fields(condition) if name not in nodes]
        if not missing:
            continue
        fallback = new_nodes[item_id].item.get("visible_if") if item_id in new_nodes else None
        if fallback and all(name in nodes for name in condition_fields(fallback)):
            node.item["visible_if"] = copy.deepcopy(fallback)
        else:
            node.item.pop("visible_if", None)
        result.not_kept.append(
            f"„{_name(node.item)}“ ({item_id}): Bedingung nennt {', '.join(missing)}, das es "
            "nicht mehr gibt; Bedingung des neuen Schemas verwendet."
        )
    rules = definition.get("rules")
    if rules:
        kept = [
            rule
            for rule in rules
            if all(
                name in nodes
                for name in (*raw_rule_names(rule), *condition_fields(rule.get("when")))
            )
        ]
        if len(kept) != len(rules):
            result.not_kept.append(
                f"{len(rules) - len(kept)} Vergleichsregel(n) nennen Felder, die es nicht mehr "
                "gibt; entfernt."
            )
            if kept:
                definition["rules"] = kept
            else:
                definition.pop("rules")
    applicant = definition.get("applicant")
    if applicant:
        kept_roles = {role: item_id for role, item_id in applicant.items() if item_id in nodes}
        for role in applicant.keys() - kept_roles.keys():
            result.not_kept.append(
                f"Antragsteller-Rolle „{role}“: das Feld „{applicant[role]}“ gibt es nicht mehr."
            )
        if kept_roles:
            definition["applicant"] = kept_roles
        else:
            definition.pop("applicant")
