"""Import of FIM XDatenfelder 1.0/2.0/3.0 Stammdatenschemata as form definitions (docs/forms.md).

`import_schema(data, ...)` reads the XML (`fim.reader`), maps groups and fields to our format
(`fim.parsers` for cardinality, Präzisierung and patterns) and returns the definition with
an import report: every place where the mapping had to approximate, leave something out or
could not execute something (FIM rules) gets a German line. Nothing is dropped silently.
The mapping table is in docs/fim-import.md. Pure Python: no database access.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from openkommune.forms.engine import LAENDER, DefinitionError, not_asked, parse_definition
from openkommune.forms.engine.conditions import condition_fields
from openkommune.forms.fim.codelists import CodeListIndex, load_code_lists
from openkommune.forms.fim.fields import MISSING_HINT_COMMAND, FieldMapper
from openkommune.forms.fim.parsers import (
    MAX_REPEAT,
    SLUG_MAX,
    CardinalityError,
    element_slug,
    parse_cardinality,
    slugify,
)
from openkommune.forms.fim.reader import FimElement, FimFileError, FimSchema, read_schema
from openkommune.forms.fim.rules import Effect, RuleNotUnderstood, RuleTranslator

__all__ = [
    "FimFileError",
    "FimImportError",
    "FimImportResult",
    "ReportEntry",
    "import_schema",
    "leika_keys_in_schema",
    "load_code_lists",
]

LEIKA_KEY = re.compile(r"(?<![0-9])99[0-9]{12}(?![0-9])")
FIM_SCHEMA_ID = re.compile(r"S[0-9]{8}")
GENERAL_STEP_ID = "allgemeine_angaben"
# The field a rule for some Länder compares (`"system": "land"`).
LAND_FIELD_ID = "land"
GENERAL_STEP_TITLE = "Allgemeine Angaben"
TITLE_MAX = 500
HELP_MAX = 4000
REFERENCE_MAX = 2000


class FimImportError(Exception):
    """The schema was read but cannot become a form (no LeiKa key, nothing to map)."""


@dataclass
class ReportEntry:
    """One line of the import report. `kind`: approximation (mapped, but not exactly),
    dropped (left out), rule (FIM rule listed, not executed), reference (legal reference
    of an element, kept here because the definition has no place for it)."""

    kind: str  # also "rule_applied": a FIM rule translated into conditions (fim.rules)
    message: str
    path: str = ""
    fim_id: str = ""
    item: str = ""

    def as_dict(self) -> dict:
        return {key: value for key, value in asdict(self).items() if value}


class Report:
    def __init__(self):
        self.entries: list[ReportEntry] = []

    def add(self, kind: str, message: str, element: FimElement | None = None, item: str = ""):
        self.entries.append(
            ReportEntry(
                kind=kind,
                message=message,
                path=element.path if element else "",
                fim_id=element.fim_id if element else "",
                item=item,
            )
        )


@dataclass
class FimImportResult:
    definition: dict
    report: list[ReportEntry]
    schema: FimSchema
    leika_from_schema: list[str] = field(default_factory=list)

    def report_dicts(self) -> list[dict]:
        return [entry.as_dict() for entry in self.report]

    def counts(self) -> dict[str, int]:
        counts = Counter()
        counts["steps"] = len(self.definition["steps"])
        counts["code_lists"] = len(self.definition.get("code_lists", {}))

        def walk(items):
            for item in items:
                if item["kind"] == "group":
                    counts["groups"] += 1
                    counts["repeated_groups"] += "repeat" in item
                    walk(item["items"])
                else:
                    counts["fields"] += 1
                    counts["info_fields"] += item["type"] == "info"

        for step in self.definition["steps"]:
            walk(step["items"])
        for entry in self.report:
            counts[entry.kind] += 1
        return dict(counts)


def rules_summary(counts: dict[str, int]) -> str:
    """The report's summary line for the FIM rules."""
    return (
        f"{counts.get('rule_applied', 0)} Regeln übernommen, "
        f"{counts.get('rule', 0)} Regeln nicht übernommen"
    )


def leika_keys_in_schema(schema: FimSchema) -> list[str]:
    """LeiKa keys named in the schema's own descriptive elements (bezug, stichwort, …)."""
    return list(dict.fromkeys(LEIKA_KEY.findall(schema.metadata_text)))


def _clip(text: str, limit: int, report: Report, what: str, element=None, item="") -> str:
    if len(text) <= limit:
        return text
    report.add(
        "approximation",
        f"{what} war länger als {limit} Zeichen und wurde gekürzt.",
        element,
        item,
    )
    return text[: limit - 1].rstrip() + "…"


class _SchemaMapper:
    def __init__(self, schema: FimSchema, code_lists: CodeListIndex, missing_hint: str = ""):
        self.schema = schema
        self.report = Report()
        self.used_ids: set[str] = {GENERAL_STEP_ID}
        # FIM id → the ancestor ids (nearest last) of each place the element is used.
        self.uses: dict[str, list[tuple[str, ...]]] = {}
        self._collect_uses(schema.children, ())
        self.ids_by_path: dict[str, str] = {}
        # A repeated FIM field becomes a repeated group of one field: field id -> group id.
        self.wrappers: dict[str, str] = {}
        self.fields = FieldMapper(
            self.report, code_lists, clip=self.clip, missing_hint=missing_hint
        )

    def clip(self, text, limit, what, element=None, item=""):
        return _clip(text, limit, self.report, what, element, item)

    def _collect_uses(self, elements, ancestors: tuple[str, ...]):
        for element in elements:
            self.uses.setdefault(element.fim_id, []).append(ancestors)
            self._collect_uses(element.children, (*ancestors, element.fim_id))

    def _qualifier(self, element: FimElement, parent_fim_id: str) -> str:
        """For an element used in several places: the nearest ancestor that no other use
        has, so the id stays the same when the schema changes elsewhere."""
        uses = self.uses.get(element.fim_id, [])
        if len(uses) <= 1:
            return ""
        ancestors = tuple(element.path.split(".")[:-1])
        others = [use for use in uses if use != ancestors]
        for ancestor in reversed(ancestors):
            if not any(ancestor in use for use in others):
                return ancestor
        # Every ancestor also appears elsewhere: the parent plus the nearest ancestor that
        # no other use under the same parent has.
        parent = parent_fim_id or "s"
        siblings = [use for use in others if use[-1:] == ancestors[-1:]]
        for ancestor in reversed(ancestors[:-1]):
            if not any(ancestor in use for use in siblings):
                return f"{parent}_{ancestor}"
        return parent

    # --- ids and labels

    def make_id(self, element: FimElement, parent_fim_id: str) -> str:
        qualifier = self._qualifier(element, parent_fim_id)
        base = element_slug(element.fim_id, element.name or element.label, qualifier=qualifier)
        candidate, number = base, 1
        while candidate in self.used_ids:
            number += 1
            suffix = f"_{number}"
            candidate = base[: SLUG_MAX - len(suffix)] + suffix
        self.used_ids.add(candidate)
        self.ids_by_path[element.path] = candidate
        return candidate

    def title(self, element: FimElement, item_id: str) -> str:
        text = element.label or element.name or element.fim_id or item_id
        return self.clip(text, TITLE_MAX, "Die Bezeichnung", element, item_id)

    def cardinality(self, element: FimElement, item_id: str):
        try:
            return parse_cardinality(element.anzahl)
        except CardinalityError as exc:
            self.report.add(
                "approximation", f"{exc} Übernommen als optional (0:1).", element, item_id
            )
            return parse_cardinality("0:1")

    def repeat(self, element: FimElement, item_id: str, card, label: str) -> dict:
        low, high = card.min, card.max
        if high is None:
            self.report.add(
                "approximation",
                f"Anzahl {card}: unbegrenzt; übernommen mit höchstens {MAX_REPEAT} Einträgen.",
                element,
                item_id,
            )
            high = MAX_REPEAT
        elif high > MAX_REPEAT:
            self.report.add(
                "approximation",
                f"Anzahl {card}: mehr als {MAX_REPEAT} Einträge; begrenzt auf {MAX_REPEAT}.",
                element,
                item_id,
            )
            high = MAX_REPEAT
        low = min(low, high)
        return {"min": low, "max": high, "item_label": label}

    def references(self, element: FimElement, item_id: str):
        for text in dict.fromkeys(t for t in (element.bezug, element.struktur_bezug) if t):
            self.report.add("reference", f"Bezug: {text}", element, item_id)

    # --- elements

    def element(self, element: FimElement, parent_fim_id: str) -> dict | None:
        if element.kind == "group":
            return self.group(element, parent_fim_id)
        return self.field(element, parent_fim_id)

    def children(self, element: FimElement) -> list[dict]:
        items = []
        for child in element.children:
            item = self.element(child, element.fim_id)
            if item is not None:
                items.append(item)
        return items

    def occurring(self, element: FimElement, parent_fim_id: str, what: str):
        """(id, cardinality) of an element that may occur, its references noted; None (and
        reported as dropped) for one that never does. `what`: "Das Feld", "Die Gruppe"."""
        item_id = self.make_id(element, parent_fim_id)
        card = self.cardinality(element, item_id)
        if card.absent:
            self.report.add(
                "dropped", f"Anzahl {card}: {what} kommt nicht vor; nicht übernommen.", element
            )
            return None
        self.references(element, item_id)
        return item_id, card

    def field(self, element: FimElement, parent_fim_id: str) -> dict | None:
        occurring = self.occurring(element, parent_fim_id, "Das Feld")
        if occurring is None:
            return None
        item_id, card = occurring
        label = self.title(element, item_id)
        item = self.fields.map(element, item_id, label, card)
        if item is None or item["type"] == "info" or not card.repeated:
            return item
        if item["type"] == "multichoice":
            return item
        # Our fields hold one value; a repeated FIM field becomes a repeated group of one.
        item["required"] = True
        group_id = self._wrapper_id(item_id)
        self.wrappers[item_id] = group_id
        self.report.add(
            "approximation",
            f"Feld mit Anzahl {card}: als wiederholbare Gruppe „{group_id}“ mit einem Feld "
            "übernommen.",
            element,
            item_id,
        )
        return {
            "kind": "group",
            "id": group_id,
            "title": label,
            "repeat": self.repeat(element, item_id, card, label),
            "items": [item],
        }

    def _wrapper_id(self, item_id: str) -> str:
        base = f"{item_id[:56]}_liste"
        candidate, number = base, 1
        while candidate in self.used_ids:
            number += 1
            candidate = f"{base[:60]}_{number}"
        self.used_ids.add(candidate)
        return candidate

    def group(self, element: FimElement, parent_fim_id: str) -> dict | None:
        occurring = self.occurring(element, parent_fim_id, "Die Gruppe")
        if occurring is None:
            return None
        item_id, card = occurring
        items = self.children(element)
        if not items:
            self.report.add(
                "dropped",
                "Die Gruppe enthält keine übernehmbaren Elemente; nicht übernommen.",
                element,
                item_id,
            )
            return None
        title = self.title(element, item_id)
        group = {"kind": "group", "id": item_id, "title": title}
        if element.fim_id:
            group["fim_id"] = element.fim_id[:30]
        if element.help:
            group["help"] = self.clip(element.help, HELP_MAX, "Der Hilfetext", element, item_id)
        if card.repeated:
            group["repeat"] = self.repeat(element, item_id, card, title)
        elif not card.required and _has_required(items):
            # An optional group whose fields are required once it is filled in: a group
            # without `repeat` would force those fields, so it becomes 0 to 1 entries.
            group["repeat"] = {"min": 0, "max": 1, "item_label": title}
            self.report.add(
                "approximation",
                f"Optionale Gruppe (Anzahl {card}) mit Pflichtfeldern: als wiederholbare "
                "Gruppe mit 0 bis 1 Eintrag übernommen.",
                element,
                item_id,
            )
        group["items"] = items
        return group

    # --- the form

    def steps(self) -> list[dict]:
        general: list[dict] = []
        steps: list[dict] = []
        for element in self.schema.children:
            if element.kind == "field":
                item = self.field(element, "")
                if item is not None:
                    general.append(item)
                continue
            group = self.group(element, "")
            if group is None:
                continue
            step = {"id": group["id"], "title": group["title"]}
            if "help" in group:
                step["help"] = group["help"]
            # A step adds no level to the data; a repeated group must stay a group.
            step["items"] = [group] if "repeat" in group else group["items"]
            steps.append(step)
        if general:
            steps.insert(0, {"id": GENERAL_STEP_ID, "title": GENERAL_STEP_TITLE, "items": general})
        return steps

    def rules(self, definition: dict):
        """Translates the schema's rules into conditions of `definition` (`fim.rules`); each
        rule is reported as taken over ("rule_applied") or not ("rule") with its text."""

        def walk(elements):
            for element in elements:
                yield from element.rules
                yield from walk(element.children)

        items = _items_by_id(definition["steps"])
        chains = _repeat_chains(definition["steps"])
        listless = {item_id for ids in self.fields.missing.values() for item_id in ids}
        translator = RuleTranslator(
            self._resolve,
            lambda item_id: items[item_id],
            wrapper=self.wrappers.get,
            repeats=lambda item_id: chains.get(item_id, ()),
            codes=lambda item_id: _codes(definition, items[item_id]),
            land_field=lambda: _land_field(definition, items),
            listless=listless.__contains__,
        )
        applied = []
        # Per item: the conditions of the rules showing it and of those hiding it.
        conditions: dict[str, tuple[list, list]] = {}
        for rule in [*self.schema.rules, *walk(self.schema.children)]:
            text = rule.definition or rule.name or "(ohne Beschreibung)"
            label = f"Regel {rule.fim_id} „{rule.name}“"
            entry = ReportEntry(
                kind="rule",
                message="",
                path=rule.owner,
                fim_id=rule.fim_id,
                item=self.ids_by_path.get(rule.owner, ""),
            )
            try:
                effects = translator.translate(rule.definition, rule.owner)
                _apply_checked(definition, items, effects, conditions)
            except RuleNotUnderstood as exc:
                entry.message = f"{label} nicht übernommen ({exc}): {text}"
                if _has_script(rule.script):
                    entry.message += " Die Regel enthält ein Skript."
            else:
                entry.kind = "rule_applied"
                targets = ", ".join(dict.fromkeys(f"„{effect.item_id}“" for effect in effects))
                what = _effects_kind(effects)
                entry.message = f"{label} als {what} übernommen (bei {targets}): {text}"
                applied.append((entry, effects, label, text))
            self.report.entries.append(entry)
        _drop_unused_land_field(definition, items)
        _merge_unasked_steps(definition)
        # Never report a rule as taken over that the final definition does not execute.
        final = _items_by_id(definition["steps"])
        for entry, effects, label, text in applied:
            if not all(_effect_present(definition, final, effect) for effect in effects):
                entry.kind = "rule"
                entry.message = f"{label} nicht übernommen (Wirkung ging verloren): {text}"

    def _resolve(self, ref: str, owner: str) -> str:
        """The item id for a FIM reference (`F…` or dotted `G….F…`) seen from the rule's
        owner path: a use under the owner wins; otherwise it must be unique in the schema."""
        matches = [p for p in self.ids_by_path if p == ref or p.endswith("." + ref)]
        if not matches and "." in ref:
            # "G.F" with levels left out between them: G an enclosing group of F; of several
            # such uses, those with the fewest levels (the nearest to G), like for the owner.
            matches = [p for p in self.ids_by_path if _names_in_order(ref, p)]
            if matches:
                depth = min(p.count(".") for p in matches)
                matches = [p for p in matches if p.count(".") == depth]
        if owner:
            inside = [p for p in matches if p.startswith(owner + ".")]
            if inside:
                # The use nearest to the owner (fewest levels below it) wins when it is the
                # only one at that depth, e.g. the owner's own field over the same field
                # inside one of its sub-groups.
                depth = min(p.count(".") for p in inside)
                matches = [p for p in inside if p.count(".") == depth]
        if len(matches) != 1:
            problem = "nicht gefunden" if not matches else "mehrdeutig"
            raise RuleNotUnderstood(f"Bezug {ref} {problem}")
        return self.ids_by_path[matches[0]]


def _names_in_order(ref: str, path: str) -> bool:
    """Whether the dotted `ref` names the element at `path` with levels left out: its last
    id is the path's last, its others enclose it in that order."""
    *outer, last = ref.split(".")
    *around, own = path.split(".")
    if own != last:
        return False
    remaining = iter(around)
    return all(name in remaining for name in outer)


def _codes(definition: dict, item: dict) -> list[tuple[str, str]] | None:
    """The (code, label) entries of a choice field's code list; None for other items."""
    code_list = definition.get("code_lists", {}).get(item.get("choices") or "")
    if code_list is None:
        return None
    return [(entry["code"], entry["label"]) for entry in code_list["entries"]]


def _land_field(definition: dict, items: dict[str, dict]) -> str:
    """The id of the field holding the applicant's Land (set by the platform, not asked;
    docs/forms.md "FIM rules", fourth pass), added to the first step on first use."""
    if LAND_FIELD_ID in items and items[LAND_FIELD_ID].get("system") == "land":
        return LAND_FIELD_ID
    code_lists = definition.setdefault("code_lists", {})
    if LAND_FIELD_ID in items or LAND_FIELD_ID in code_lists:
        raise RuleNotUnderstood("Die Kennung „land“ ist im Formular schon vergeben.")
    field = {
        "kind": "field",
        "id": LAND_FIELD_ID,
        "type": "choice",
        "choices": LAND_FIELD_ID,
        "label": "Land der zuständigen Stelle",
        "system": "land",
    }
    code_lists[LAND_FIELD_ID] = {
        "title": "Länder",
        "entries": [{"code": code, "label": name} for _key, code, name in LAENDER],
    }
    definition["steps"][0]["items"].insert(0, field)
    items[LAND_FIELD_ID] = field
    return LAND_FIELD_ID


def _merge_unasked_steps(definition: dict) -> None:
    """A step left holding only fields the applicant is never asked (a group of one field
    that FIM prefills and hides) would be a page that asks nothing: its fields join the
    step before it (the first step's, the step after), where they keep their data paths and
    stay earlier than every step that may name them. Only between steps without a condition
    (a fixed value in a hidden step is not there); the publish gate names what is left."""
    steps = definition["steps"]
    index = 0
    while len(steps) > 1 and index < len(steps):
        step = steps[index]
        items = step.get("items", [])
        target = steps[index - 1] if index else steps[1]
        if (
            step.get("visible_if") is None
            and target.get("visible_if") is None
            and items
            and all(not_asked(item) for item in items)
        ):
            if index:
                target["items"].extend(items)
            else:
                target["items"][:0] = items
            del steps[index]
            continue
        index += 1


def _drop_unused_land_field(definition: dict, items: dict[str, dict]) -> None:
    """Removes the Land field again when no condition of the final definition names it."""
    field = items.get(LAND_FIELD_ID)
    if field is None or field.get("system") != "land":
        return
    conditions = [
        *(step.get("visible_if") for step in definition["steps"]),
        *(item.get(key) for item in items.values() for key in ("visible_if", "required_if")),
        # An `only_codes` rule's condition may name the Land too.
        *(rule.get("when") for rule in definition.get("rules", ())),
    ]
    if any(LAND_FIELD_ID in condition_fields(condition) for condition in conditions):
        return
    definition["steps"][0]["items"].remove(field)
    del items[LAND_FIELD_ID]
    del definition["code_lists"][LAND_FIELD_ID]
    if not definition["code_lists"]:
        del definition["code_lists"]


def _items_by_id(steps: list[dict]) -> dict[str, dict]:
    found: dict[str, dict] = {}

    def walk(items):
        for item in items:
            found[item["id"]] = item
            if item["kind"] == "group":
                walk(item["items"])

    for step in steps:
        # A top-level FIM group is a step (docs/fim-import.md); a repeated one is also a
        # group of the same id inside it, which wins.
        found[step["id"]] = step
        walk(step["items"])
    return found


def _repeat_chains(steps: list[dict]) -> dict[str, tuple[str, ...]]:
    """For every item id: the repeated groups around it, outermost first (not the item)."""
    found: dict[str, tuple[str, ...]] = {}

    def walk(items, chain):
        for item in items:
            found.setdefault(item["id"], chain)
            if item["kind"] == "group":
                walk(item["items"], (*chain, item["id"]) if "repeat" in item else chain)

    for step in steps:
        found.setdefault(step["id"], ())
        walk(step["items"], ())
    return found


def _has_condition(condition, wanted: dict) -> bool:
    """Whether `wanted` is `condition` or one of the parts `_apply_checked` joined with it."""
    if condition == wanted:
        return True
    if isinstance(condition, dict) and ("all" in condition or "any" in condition):
        parts = condition.get("all", condition.get("any"))
        return any(_has_condition(part, wanted) for part in parts)
    return False


def _effect_present(definition: dict, items: dict[str, dict], effect: Effect) -> bool:
    item = items.get(effect.item_id)
    if item is None:
        return False
    if effect.condition is not None and not _has_condition(
        item.get("visible_if"), effect.condition
    ):
        return False
    if effect.required and not item.get("required"):
        return False
    for key, value in (effect.props or {}).items():
        present = item.get(key)
        if key == "required_if":
            if present != value and value not in (present or {}).get("any", ()):
                return False
        elif present != value:
            return False
    return effect.rule is None or effect.rule in definition.get("rules", [])


def _effects_kind(effects: list[Effect]) -> str:
    kinds = []
    if any(effect.condition is not None for effect in effects):
        kinds.append("Bedingung")
    if any(effect.rule is not None or effect.props for effect in effects):
        kinds.append("Prüfung")
    return " und ".join(kinds) or "Bedingung"


def _visible_if(shows: list[dict], hides: list[dict]) -> dict:
    """An item's condition from the rules' conditions: shown when one of the rules showing
    it holds ("zeige Y, wenn A" and "zeige Y, wenn B": A or B), and never while a rule hiding
    it holds (its condition, `{"not": …}`, must hold)."""
    parts = ([shows[0] if len(shows) == 1 else {"any": shows}] if shows else []) + hides
    return parts[0] if len(parts) == 1 else {"all": parts}


def _apply_checked(
    definition: dict,
    items: dict[str, dict],
    effects: list[Effect],
    conditions: dict[str, tuple[list, list]] | None = None,
):
    """Applies the effects, then checks the definition with the engine; on an error the
    items and rules are restored and RuleNotUnderstood says why. `conditions` holds, per
    item, the conditions of the rules applied so far that show it and that hide it."""
    conditions = {} if conditions is None else conditions
    saved_conditions = copy.deepcopy(conditions)
    # The item's own properties; a group's `items` list stays the same object, so that the
    # index (`items`) keeps pointing at the dicts inside the definition.
    saved = {
        effect.item_id: {
            key: copy.deepcopy(value)
            for key, value in items[effect.item_id].items()
            if key != "items"
        }
        for effect in effects
    }
    saved_rules = copy.deepcopy(definition.get("rules"))
    for effect in effects:
        item = items[effect.item_id]
        if effect.condition is not None:
            shows, hides = conditions.setdefault(effect.item_id, ([], []))
            (shows if effect.shows else hides).append(effect.condition)
            item["visible_if"] = _visible_if(shows, hides)
        if effect.required:
            item["required"] = True
        for key, value in (effect.props or {}).items():
            if key == "required_if" and item.get(key):
                # Two rules making the field required: either condition suffices.
                parts = item[key]["any"] if "any" in item[key] else [item[key]]
                item[key] = {"any": [*parts, value]}
            else:
                item[key] = value
        if effect.rule is not None:
            definition.setdefault("rules", []).append(effect.rule)
    try:
        parse_definition(definition)
    except DefinitionError as exc:
        for item_id, old in saved.items():
            children = items[item_id].get("items")
            items[item_id].clear()
            items[item_id].update(old)
            if children is not None:
                items[item_id]["items"] = children
        if saved_rules is None:
            definition.pop("rules", None)
        else:
            definition["rules"] = saved_rules
        conditions.clear()
        conditions.update(saved_conditions)
        raise RuleNotUnderstood(f"Vom Formular nicht angenommen: {exc}") from exc


def _has_script(script: str) -> bool:
    body = re.sub(r"function\s+script\s*\(\s*\)\s*\{|\}|\s", "", script or "")
    return bool(body)


def _has_required(items: list[dict]) -> bool:
    for item in items:
        if item["kind"] == "field" and item.get("required"):
            return True
        if item["kind"] == "group":
            if "repeat" in item:
                if item["repeat"]["min"] >= 1:
                    return True
            elif _has_required(item["items"]):
                return True
    return False


# FIM Baukasten fields of a natural person's name (XÖV-Kernkomponente NameNatuerlichePerson).
APPLICANT_FIM_FIELDS = {"family_name": "F00000013", "given_name": "F00000045"}


def _applicant_marker(steps: list[dict], report: Report) -> dict:
    """The applicant marker where the schema makes it unambiguous: the FIM name fields when
    each occurs once outside repeated groups. Everything else is left to the editor and said
    in the report (kind "applicant")."""
    found: dict[str, list[str]] = {role: [] for role in APPLICANT_FIM_FIELDS}

    def walk(items, repeated: bool):
        for item in items:
            if item["kind"] == "group":
                walk(item["items"], repeated or "repeat" in item)
                continue
            for role, fim_id in APPLICANT_FIM_FIELDS.items():
                if item.get("fim_id") == fim_id and item["type"] == "text" and not repeated:
                    found[role].append(item["id"])

    for step in steps:
        walk(step["items"], False)
    marker = {role: ids[0] for role, ids in found.items() if len(ids) == 1}
    if "family_name" not in marker:
        marker = {}
        report.add(
            "applicant",
            "Der Name der antragstellenden Person war nicht eindeutig zu erkennen; bitte "
            "„applicant“ in der Definition ergänzen, sonst zeigt der Posteingang keinen Namen.",
        )
    else:
        report.add(
            "applicant",
            "Als Name der antragstellenden Person gekennzeichnet: "
            + ", ".join(f"„{field_id}“" for field_id in marker.values())
            + ". Anschrift und E-Mail-Adresse bitte in „applicant“ ergänzen.",
        )
    return marker


RELATIONS = {
    "ERS": "Ersetzt das Stammdatenschema",
    "ABL": "Abgeleitet von",
    "EQU": "Gleichwertig mit",
}


def _report_missing_code_lists(missing: dict, report: Report, hint: str):
    """One line per code list the schema references but no file or library entry supplied
    (kind "code_list"), naming the fields that became free text and what to do."""
    for (name, version), item_ids in missing.items():
        label = f"„{name}“" if name else "ohne Kennung"
        if version:
            label += f" Version {version}"
        fields = ", ".join(f"„{item_id}“" for item_id in item_ids)
        report.add(
            "code_list",
            f"Codeliste {label} fehlt; Freitext statt Auswahl bei {fields}. Übernommene Regeln "
            "mit Codes dieser Liste vergleichen den eingegebenen Code; ob es die Codes gibt, "
            "prüft die Veröffentlichungsprüfung, sobald das Feld die Liste hat. "
            + (hint or MISSING_HINT_COMMAND),
        )


def import_schema(
    data: bytes,
    *,
    path: str | Path | None = None,
    key: str | None = None,
    leika_keys: list[str] | tuple[str, ...] = (),
    code_lists: CodeListIndex | None = None,
    missing_hint: str = "",
) -> FimImportResult:
    """The form definition (a dict following form-definition.schema.json) and import
    report for the Stammdatenschema in `data`. Raises FimFileError (unreadable file) or
    FimImportError (no LeiKa key, nothing to map). Does not validate the result: callers
    pass it to `engine.parse_definition`."""
    schema = read_schema(data, path=path)
    index = code_lists if code_lists is not None else CodeListIndex([])
    mapper = _SchemaMapper(schema, index, missing_hint)
    report = mapper.report
    found = leika_keys_in_schema(schema)
    keys = list(dict.fromkeys(leika_keys)) or found
    if not keys:
        raise FimImportError("Kein LeiKa-Schlüssel im Schema; bitte mit --leika angeben.")
    for other in found:
        if other not in keys:
            message = f"Das Schema nennt den LeiKa-Schlüssel {other}; übernommen wurden nur "
            report.add("approximation", message + "die mit --leika angegebenen.")
    steps = mapper.steps()
    if not steps:
        raise FimImportError("Das Stammdatenschema enthält keine übernehmbaren Datenfelder.")
    title = _clip(schema.label or schema.name or "FIM-Formular", TITLE_MAX, report, "Der Titel")
    source = {"kind": "fim", "xdatenfelder_version": schema.xdf_version}
    if FIM_SCHEMA_ID.fullmatch(schema.fim_id):
        source["fim_id"] = schema.fim_id
    else:
        message = f"Die Schema-ID „{schema.fim_id}“ ist keine FIM-ID (S und 8 Ziffern); "
        report.add("approximation", message + "nicht in die Quelle übernommen.")
    if schema.version:
        source["fim_version"] = schema.version[:20]
    if schema.bezug:
        source["reference"] = _clip(schema.bezug, REFERENCE_MAX, report, "Der Bezug des Schemas")
    definition = {
        "format": 1,
        "key": key or slugify(schema.name or schema.label or schema.fim_id, fallback="fim"),
        "title": title,
    }
    if schema.help:
        definition["intro"] = _clip(schema.help, HELP_MAX, report, "Der Hilfetext des Schemas")
    definition["leika_keys"] = keys
    definition["source"] = source
    if mapper.fields.code_lists:
        definition["code_lists"] = mapper.fields.code_lists
    applicant = _applicant_marker(steps, report)
    if applicant:
        definition["applicant"] = applicant
    definition["steps"] = steps
    mapper.rules(definition)
    _report_missing_code_lists(mapper.fields.missing, report, missing_hint)
    for predicate, other_id, other_version in schema.relations:
        what = RELATIONS.get(predicate, f"Relation {predicate}")
        report.add("reference", f"{what}: {other_id} Version {other_version or '?'}")
    return FimImportResult(
        definition=definition,
        report=report.entries,
        schema=schema,
        leika_from_schema=found,
    )
