"""Typed values and visibility of form data: the shared first pass of validation, answers
and rendering. Pure Python; `openkommune.forms.engine` is the public entry point."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from openkommune.forms.engine.conditions import INVALID, MISSING, AnyOf, evaluate
from openkommune.forms.engine.definition import Definition, Field, Group, Step
from openkommune.forms.engine.fields import clean_value

NON_FIELD = "__all__"


def path_of(definition: Definition, item_id: str, ctx: dict[str, int]) -> str:
    """The data path of an item, with the entry index of each enclosing repeated group."""
    location = definition.locations[item_id]
    parts = []
    for group_id in location.groups:
        parts.append(group_id)
        if group_id in location.repeats:
            parts.append(str(ctx[group_id]))
    parts.append(item_id)
    return ".".join(parts)


# --- pass 1: typed values ------------------------------------------------------------------


def _shape_message(item: Group, entry: bool = False) -> str:
    if entry or not item.repeat:
        return _("„%(title)s“ muss ein Objekt mit den Feldern der Gruppe sein.") % {
            "title": item.title
        }
    return _("„%(title)s“ muss eine Liste von Einträgen sein.") % {"title": item.title}


class TypedData:
    """The data with every field value cleaned on its own (no visibility yet). Errors of
    single values wait in `pending` until pass 2 knows whether the field is shown."""

    def __init__(self, definition: Definition, raw, today: datetime.date):
        self.definition = definition
        self.today = today
        self.pending: dict[str, list[str]] = {}
        self.unknown: dict[str, list[str]] = {}
        self.counts: dict[str, int] = {}
        top = [item for step in definition.steps for item in step.items]
        if isinstance(raw, dict):
            self.tree = self._items(top, raw, "")
        else:
            self.tree = {}
            self.unknown[NON_FIELD] = [_("Die Daten müssen ein JSON-Objekt sein.")]

    def _items(self, items, raw: dict, prefix: str) -> dict:
        out = {}
        known = {item.id: item for item in items}
        for key in raw:
            item = known.get(key)
            if item is None or (isinstance(item, Field) and not item.has_value):
                self.unknown[f"{prefix}{key}"] = [_("Unbekanntes Feld.")]
        for item in items:
            value = raw.get(item.id)
            path = prefix + item.id
            if isinstance(item, Field):
                if not item.has_value:
                    continue
                if item.fixed is not None:
                    # Set by the form: whatever came in, the data holds this value.
                    value = item.fixed
                typed, errors = clean_value(
                    item,
                    value,
                    code_list=self.definition.code_list(item),
                    today=self.today,
                )
                for sub, messages in errors.items():
                    self.pending[f"{path}.{sub}" if sub else path] = messages
                if errors:
                    out[item.id] = INVALID
                elif typed is not MISSING:
                    out[item.id] = typed
            elif value is None:
                continue
            elif item.repeat is None:
                if isinstance(value, dict):
                    out[item.id] = self._items(item.items, value, path + ".")
                else:
                    self.pending[path] = [_shape_message(item)]
            elif isinstance(value, list):
                entries = []
                self.counts[path] = len(value)
                # Entries beyond the maximum are an error anyway; not cleaning them keeps a
                # hostile list of a million entries cheap.
                for index, entry in enumerate(value[: item.repeat.max]):
                    if isinstance(entry, dict):
                        entries.append(self._items(item.items, entry, f"{path}.{index}."))
                    else:
                        self.pending[f"{path}.{index}"] = [_shape_message(item, entry=True)]
                        entries.append({})
                out[item.id] = entries
            else:
                self.pending[path] = [_shape_message(item)]
        return out


def _holds_value(node) -> bool:
    if isinstance(node, dict):
        return any(_holds_value(value) for value in node.values())
    if isinstance(node, list):
        return any(_holds_value(value) for value in node)
    return node is not MISSING


class Visibility:
    """Which steps and items are shown for some data. A field's condition sees the value of
    another field only while that field is itself shown."""

    def __init__(self, definition: Definition, typed: TypedData):
        self.definition = definition
        self.typed = typed
        self._memo: dict[tuple, bool] = {}

    def value(self, field_id: str, ctx: dict[str, int]):
        """The typed value of a field (MISSING, INVALID or the value), ignoring visibility."""
        location = self.definition.locations[field_id]
        node = self.typed.tree
        for group_id in location.groups:
            node = node.get(group_id) if isinstance(node, dict) else None
            if group_id in location.repeats:
                index = ctx.get(group_id)
                if not isinstance(node, list) or index is None or index >= len(node):
                    return MISSING
                node = node[index]
            if not isinstance(node, dict):
                return MISSING
        value = node.get(field_id, MISSING)
        if isinstance(self.definition.items[field_id], Group):
            # A repeated group in a condition ("filled"): its entries while one holds a value.
            return value if _holds_value(value) else MISSING
        return value

    def effective(self, field_id: str, ctx: dict[str, int]):
        open_repeats = [
            group_id
            for group_id in self.definition.locations[field_id].repeats
            if group_id not in ctx
        ]
        if open_repeats:
            # Named from outside its repeated group (`any_entry`): the value in every entry.
            return AnyOf(self._entry_values(field_id, ctx, open_repeats))
        return self.value(field_id, ctx) if self.item_visible(field_id, ctx) else MISSING

    def _entry_values(self, field_id: str, ctx: dict[str, int], open_repeats: list[str]):
        group_id, rest = open_repeats[0], open_repeats[1:]
        if not self.item_visible(group_id, ctx):
            return []
        location = self.definition.locations[group_id]
        node = self.typed.tree
        for outer in location.groups:
            node = node.get(outer) if isinstance(node, dict) else None
            if outer in location.repeats:
                index = ctx.get(outer)
                node = (
                    node[index]
                    if isinstance(node, list) and index is not None and index < len(node)
                    else None
                )
        entries = node.get(group_id) if isinstance(node, dict) else None
        values = []
        for index in range(len(entries) if isinstance(entries, list) else 0):
            inner = {**ctx, group_id: index}
            if rest:
                values.extend(self._entry_values(field_id, inner, rest))
            else:
                values.append(self.effective(field_id, inner))
        return values

    def step_visible(self, step_id: str) -> bool:
        key = ("step", step_id)
        if key not in self._memo:
            step = self.definition.step(step_id)
            self._memo[key] = evaluate(
                step.visible_if, lambda name: self.effective(name, {}), self.typed.today
            )
        return self._memo[key]

    def item_visible(self, item_id: str, ctx: dict[str, int] | None = None) -> bool:
        ctx = ctx or {}
        location = self.definition.locations[item_id]
        key = (item_id, tuple(ctx.get(group_id) for group_id in location.repeats))
        if key not in self._memo:
            item = self.definition.items[item_id]
            if isinstance(item, Field) and item.system is not None:
                # Set by the platform (at the top of a step, without a condition): it
                # holds whether or not its step is shown.
                self._memo[key] = True
                return True
            if location.groups:
                shown = self.item_visible(location.groups[-1], ctx)
            else:
                shown = self.step_visible(location.step_id)
            item = self.definition.items[item_id]
            self._memo[key] = shown and evaluate(
                item.visible_if, lambda name: self.effective(name, ctx), self.typed.today
            )
        return self._memo[key]


def _today(today: datetime.date | None) -> datetime.date:
    return today or timezone.localdate()


def visibility(definition: Definition, data, *, today=None) -> Visibility:
    """Visibility of steps and items for raw or cleaned data (pages use it to decide what
    to render)."""
    return Visibility(definition, TypedData(definition, data, _today(today)))


def visible_steps(definition: Definition, data, *, today=None) -> list[Step]:
    shown = visibility(definition, data, today=today)
    return [step for step in definition.steps if shown.step_visible(step.id)]
