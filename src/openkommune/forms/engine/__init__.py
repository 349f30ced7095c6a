"""The form engine: parse definitions, turn posted steps into data, validate data, decide
what is visible. Pure Python, no database access. The contract is docs/forms.md; other apps
use only the names in `__all__`."""

from __future__ import annotations

import copy
import datetime
import re
from dataclasses import dataclass
from dataclasses import field as dc_field
from decimal import Decimal

from django.utils.translation import ngettext

from openkommune.forms.engine.applicant import APPLICANT_ROLES, applicant_values
from openkommune.forms.engine.checks import schema_messages, semantic_messages
from openkommune.forms.engine.conditions import INVALID, MISSING, evaluate
from openkommune.forms.engine.definition import (
    ADDRESS_PARTS,
    FIELD_LIST_RULES,
    CodeList,
    Definition,
    DefinitionError,
    Field,
    Group,
    Rule,
    Step,
    build_definition,
    rule_scope,
)
from openkommune.forms.engine.fields import required_errors, to_json
from openkommune.forms.engine.land import LAENDER, land_of_ars, not_asked, with_system_values
from openkommune.forms.engine.output import AnswerRow, AnswerSection, answers, data_json_schema
from openkommune.forms.engine.pages import (
    PAGE_INPUTS,
    Page,
    find_page,
    page_errors,
    page_id,
    page_length_problems,
    page_of_path,
    parse_page_post,
    split_page_id,
    step_pages,
    visible_pages,
)
from openkommune.forms.engine.paths import entry_index, get_path, set_path
from openkommune.forms.engine.prefill import Origin, Prefill, apply_prefill, keep_locked
from openkommune.forms.engine.state import (
    Visibility,
    path_of,
    visibility,
    visible_steps,
)

__all__ = [
    "APPLICANT_ROLES",
    "LAENDER",
    "PAGE_INPUTS",
    "AnswerRow",
    "AnswerSection",
    "CodeList",
    "Definition",
    "DefinitionError",
    "Field",
    "Group",
    "Origin",
    "Page",
    "Prefill",
    "Rule",
    "Step",
    "Validation",
    "Visibility",
    "answers",
    "applicant_values",
    "apply_prefill",
    "apply_repeat_action",
    "data_json_schema",
    "entry_index",
    "field_dom_id",
    "find_page",
    "get_path",
    "keep_locked",
    "land_of_ars",
    "not_asked",
    "page_errors",
    "page_id",
    "page_length_problems",
    "page_of_path",
    "parse_definition",
    "parse_page_post",
    "parse_step_post",
    "path_of",
    "post_items",
    "set_path",
    "split_page_id",
    "step_pages",
    "validate",
    "visibility",
    "visible_pages",
    "visible_steps",
    "with_system_values",
]

COUNT_SUFFIX = "._count"


# An entry index in a posted name or path: ASCII digits only. `str.isdigit()` also accepts
# "²" or "٣", which `int()` then refuses or reads as another number.
def parse_definition(raw) -> Definition:
    """Check `raw` against the JSON Schema and the references between its parts; return the
    parsed definition or raise DefinitionError listing every problem found."""
    messages = schema_messages(raw)
    if messages:
        raise DefinitionError(messages)
    definition = build_definition(raw)
    messages = semantic_messages(definition)
    if messages:
        raise DefinitionError(messages)
    return definition


def field_dom_id(path: str) -> str:
    """The HTML id of the input for a path: `hunde.0.name` → `f-hunde-0-name`."""
    return "f-" + path.replace(".", "-")


@dataclass(frozen=True)
class Validation:
    data: dict
    errors: dict[str, list[str]] = dc_field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return not self.errors


# --- pass 2: visibility, required, repeats, rules ---------------------------------------------

_COMPARE = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "!=": lambda a, b: a != b,
}


class _Validator:
    def __init__(self, definition: Definition, shown: Visibility):
        self.definition = definition
        self.shown = shown
        self.pending = shown.typed.pending
        self.errors: dict[str, list[str]] = {}
        self.rules_by_scope: dict[tuple[str, ...], list[Rule]] = {}
        for rule in definition.rules:
            self.rules_by_scope.setdefault(rule_scope(definition, rule), []).append(rule)

    def add(self, path: str, messages: list[str]) -> None:
        self.errors.setdefault(path, []).extend(messages)

    def take_pending(self, path: str, *, nested: bool) -> None:
        for key, messages in self.pending.items():
            if key == path or (nested and key.startswith(path + ".")):
                self.add(key, messages)

    def items(self, items, typed: dict, prefix: str, ctx: dict[str, int]) -> dict:
        out = {}
        for item in items:
            if not self.shown.item_visible(item.id, ctx):
                continue
            path = prefix + item.id
            if isinstance(item, Field):
                if not item.has_value:
                    continue
                value = typed.get(item.id, MISSING)
                if value is INVALID:
                    self.take_pending(path, nested=True)
                elif value is MISSING:
                    if item.required or self.required_now(item, ctx):
                        for sub, messages in required_errors(item).items():
                            self.add(f"{path}.{sub}" if sub else path, messages)
                else:
                    out[item.id] = to_json(item, value)
            elif item.repeat is None:
                self.take_pending(path, nested=False)
                inner = typed.get(item.id)
                result = self.items(
                    item.items, inner if isinstance(inner, dict) else {}, path + ".", ctx
                )
                if result:
                    out[item.id] = result
            else:
                out.update(self.repeated(item, typed, path, ctx))
        return out

    def required_now(self, item: Field, ctx: dict[str, int]) -> bool:
        """Whether a field with `required_if` must be answered for this data (and entry)."""
        if not item.required_if:
            return False
        return evaluate(
            item.required_if, lambda name: self.shown.effective(name, ctx), self.shown.typed.today
        )

    def repeated(self, group: Group, typed: dict, path: str, ctx: dict[str, int]) -> dict:
        self.take_pending(path, nested=False)
        entries = typed.get(group.id)
        entries = entries if isinstance(entries, list) else []
        scope = (*self.definition.locations[group.id].repeats, group.id)
        results = []
        for index, entry in enumerate(entries):
            self.take_pending(f"{path}.{index}", nested=False)
            inner_ctx = {**ctx, group.id: index}
            results.append(self.items(group.items, entry, f"{path}.{index}.", inner_ctx))
            self.rules(scope, inner_ctx)
        count, repeat = self.shown.typed.counts.get(path, len(entries)), group.repeat
        if count < repeat.min:
            self.add(
                path,
                [
                    ngettext(
                        "Bitte geben Sie mindestens %(n)d Eintrag bei „%(title)s“ an.",
                        "Bitte geben Sie mindestens %(n)d Einträge bei „%(title)s“ an.",
                        repeat.min,
                    )
                    % {"n": repeat.min, "title": group.title}
                ],
            )
        elif count > repeat.max:
            self.add(
                path,
                [
                    ngettext(
                        "Bei „%(title)s“ ist höchstens %(n)d Eintrag möglich.",
                        "Bei „%(title)s“ sind höchstens %(n)d Einträge möglich.",
                        repeat.max,
                    )
                    % {"n": repeat.max, "title": group.title}
                ],
            )
        return {group.id: results} if results else {}

    def rules(self, scope: tuple[str, ...], ctx: dict[str, int]) -> None:
        for rule in self.rules_by_scope.get(scope, ()):
            if rule.op in FIELD_LIST_RULES:
                # Rules over a list of fields or a set of codes: a method of the same name.
                getattr(self, rule.op)(rule, ctx)
                continue
            left = self.shown.effective(rule.left, ctx)
            right = self.shown.effective(rule.right, ctx)
            if left in (MISSING, INVALID) or right in (MISSING, INVALID):
                continue
            if not _COMPARE[rule.op](_comparable(left), _comparable(right)):
                self.add(path_of(self.definition, rule.left, ctx), [rule.message])

    def any_filled(self, rule: Rule, ctx: dict[str, int]) -> None:
        """At least one of the rule's fields filled (a value that failed its checks counts
        as filled: it has its own error); skipped while none of them is shown. A field in a
        repeated group below the rule's scope counts as filled when it is filled in any
        entry; the error then goes to that group when no field of the scope is shown. With
        `when`, checked only while that condition holds (e.g. in some Länder)."""
        if rule.when is not None and not evaluate(
            rule.when, lambda name: self.shown.effective(name, ctx), self.shown.typed.today
        ):
            return
        shown, filled = [], False
        for name in rule.fields:
            open_repeats = [
                group for group in self.definition.locations[name].repeats if group not in ctx
            ]
            if open_repeats:
                if not self.shown.item_visible(open_repeats[0], ctx):
                    continue
                shown.append(open_repeats[0])
                entries = self.shown.effective(name, ctx).values
                filled = filled or any(value is not MISSING for value in entries)
            elif self.shown.item_visible(name, ctx):
                shown.append(name)
                filled = filled or self.shown.effective(name, ctx) is not MISSING
        if not shown or filled:
            return
        in_scope = [name for name in shown if name in rule.fields]
        self.add(path_of(self.definition, (in_scope or shown)[0], ctx), [rule.message])

    def any_true(self, rule: Rule, ctx: dict[str, int]) -> None:
        """At least one of the rule's Ja/Nein fields answered yes; skipped while none of
        them is shown."""
        shown = [name for name in rule.fields if self.shown.item_visible(name, ctx)]
        if not shown or any(self.shown.effective(name, ctx) is True for name in shown):
            return
        self.add(path_of(self.definition, shown[0], ctx), [rule.message])

    def only_codes(self, rule: Rule, ctx: dict[str, int]) -> None:
        """While `when` holds, the shown and answered choice holds one of the codes (each
        answer of a multiple choice); an invalid answer has its own error."""
        if not self.shown.item_visible(rule.left, ctx):
            return
        value = self.shown.effective(rule.left, ctx)
        if value in (MISSING, INVALID):
            return
        if not evaluate(
            rule.when, lambda name: self.shown.effective(name, ctx), self.shown.typed.today
        ):
            return
        chosen = value if isinstance(value, list) else [value]
        if any(code not in rule.codes for code in chosen):
            self.add(path_of(self.definition, rule.left, ctx), [rule.message])

    def valid_date(self, rule: Rule, ctx: dict[str, int]) -> None:
        """Day, month and year make a calendar date; skipped unless all three are shown and
        hold whole numbers (a missing or invalid part has its own error, or none is asked)."""
        parts = []
        for name in rule.fields:
            shown = self.shown.item_visible(name, ctx)
            value = self.shown.effective(name, ctx) if shown else MISSING
            if value in (MISSING, INVALID) or isinstance(value, bool):
                return
            try:
                parts.append(int(str(value).strip()))
            except ValueError:
                return
        day, month, year = parts
        try:
            datetime.date(year, month, day)
        except ValueError:
            self.add(path_of(self.definition, rule.fields[0], ctx), [rule.message])


def _comparable(value):
    return Decimal(value) if isinstance(value, int) and not isinstance(value, bool) else value


def validate(definition: Definition, data, *, step_id: str | None = None, today=None) -> Validation:
    """Clean and check `data` (raw strings from pages or typed JSON from the API).

    `Validation.data` holds the visible, valid values in the data format; `errors` maps paths
    to German messages. With `step_id` only errors of that step are reported."""
    shown = visibility(definition, data, today=today)
    if not isinstance(data, dict):
        return Validation(data={}, errors=dict(shown.typed.unknown))
    checker = _Validator(definition, shown)
    top = [item for step in definition.steps for item in step.items]
    cleaned = checker.items(top, shown.typed.tree, "", {})
    checker.rules((), {})
    errors = {**shown.typed.unknown, **checker.errors}
    if step_id is not None:
        own = {item.id for item in definition.step(step_id).items}
        errors = {
            path: messages for path, messages in errors.items() if path.split(".", 1)[0] in own
        }
    return Validation(data=cleaned, errors=errors)


# --- posted pages -------------------------------------------------------------------------


def _getter(post):
    if hasattr(post, "getlist"):
        return post.getlist, list(post.keys())

    def get_list(key):
        value = post.get(key)
        if value is None:
            return []
        return list(value) if isinstance(value, list | tuple) else [value]

    return get_list, list(post.keys())


def _first(values: list) -> str:
    return values[0] if values else ""


def _entry_count(group: Group, path: str, get_list, keys) -> int:
    count = 0
    declared = entry_index(_first(get_list(path + COUNT_SUFFIX)))
    if declared is not None:
        count = declared
    pattern = re.compile(re.escape(path) + r"\.([0-9]{1,4})(?:\.|$)")
    for key in keys:
        if match := pattern.match(key):
            count = max(count, int(match.group(1)) + 1)
    # Entries beyond the maximum can only come from a tampered form.
    return min(count, group.repeat.max)


def _post_items(items, prefix: str, get_list, keys) -> dict:
    out = {}
    for item in items:
        path = prefix + item.id
        if isinstance(item, Group):
            if item.repeat is None:
                out[item.id] = _post_items(item.items, path + ".", get_list, keys)
            else:
                count = _entry_count(item, path, get_list, keys)
                out[item.id] = [
                    _post_items(item.items, f"{path}.{index}.", get_list, keys)
                    for index in range(count)
                ]
        elif item.type == "info" or item.not_asked:
            # Not asked: a post carries no value for it (the data keeps what is set).
            continue
        elif item.type == "address":
            out[item.id] = {part: _first(get_list(f"{path}.{part}")) for part in ADDRESS_PARTS}
        elif item.type == "multichoice":
            out[item.id] = [value for value in get_list(path) if value != ""]
        elif item.type == "boolean":
            value = _first(get_list(path))
            if item.must_be_true and value == "":
                # An unchecked checkbox posts nothing: that is "not confirmed" and must
                # replace an earlier confirmation, like an emptied checkbox group.
                value = "nein"
            out[item.id] = {"ja": True, "nein": False}.get(value, value)
        else:
            out[item.id] = _first(get_list(path))
    return out


def parse_step_post(definition: Definition, step_id: str, post) -> dict:
    """The raw data fragment of one step from its posted HTML fields (a QueryDict or a dict
    of lists). Every item of the step is present; texts stay exactly as typed."""
    return post_items(definition.step(step_id).items, post)


def post_items(items, post) -> dict:
    """The raw data of these (top-level) items from posted HTML fields."""
    get_list, keys = _getter(post)
    return _post_items(items, "", get_list, keys)


def _locate(definition: Definition, data: dict, path: str):
    """(container, item, index) for a path in raw data: the dict holding the item, or for an
    entry path (`hunde.1`) the list and the index. None when the path does not fit."""
    segments = path.split(".")
    items = {item.id: item for step in definition.steps for item in step.items}
    node = data
    position = 0
    while position < len(segments):
        item = items.get(segments[position])
        if item is None or not isinstance(node, dict):
            return None
        if position == len(segments) - 1:
            return node, item, None
        if not isinstance(item, Group):
            return None
        if item.repeat is None:
            node = node.setdefault(item.id, {})
            position += 1
        else:
            entries = node.setdefault(item.id, [])
            index = entry_index(segments[position + 1])
            if not isinstance(entries, list) or index is None:
                return None
            if position + 2 == len(segments):
                return entries, item, index
            node = entries[index] if index < len(entries) else None
            position += 2
        items = {child.id: child for child in item.items}
    return None


def apply_repeat_action(definition: Definition, data: dict, post) -> tuple[dict, bool]:
    """Apply the `_add` (value: a repeated group's path) or `_remove` button (value: an entry
    path `hunde.1`, or a file field's path to clear it) of a posted step.

    Returns (new data, handled): `handled` is True when the post was such a button, so the
    page is shown again without validating; the data changes only when the action is
    allowed (no entry beyond `max`, none removed below `min`)."""
    get_list, _keys = _getter(post)
    add, remove = _first(get_list("_add")), _first(get_list("_remove"))
    if not add and not remove:
        return data, False
    original = data
    # _locate creates missing containers on the way: work on a copy, keep it only if used.
    data = copy.deepcopy(data) if isinstance(data, dict) else {}
    found = _locate(definition, data, add or remove)
    if found is None:
        return original, True
    container, item, index = found
    if add and isinstance(item, Group) and item.repeat and index is None:
        entries = container.get(item.id)
        if not isinstance(entries, list):
            entries = container[item.id] = []
        while len(entries) < item.repeat.min:
            entries.append({})
        if len(entries) < item.repeat.max:
            entries.append({})
            return data, True
    elif remove and isinstance(item, Group) and item.repeat and index is not None:
        if index < len(container) and len(container) > item.repeat.min:
            del container[index]
            return data, True
    elif remove and isinstance(item, Field) and item.type == "file" and index is None:
        container[item.id] = ""
        return data, True
    return original, True
