"""Form definitions as frozen dataclasses, parsed from the JSON documents described in
docs/forms.md. Pure Python: no database access. `openkommune.forms.engine` re-exports the
public names; import them from there."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from dataclasses import field as dc_field
from functools import cache, cached_property
from pathlib import Path

SCHEMA_PATH = Path(__file__).parents[1] / "schema" / "form-definition.schema.json"

# Types whose field holds no value in the data.
NO_VALUE_TYPES = frozenset({"info"})
NUMERIC_TYPES = frozenset({"integer", "decimal", "money"})
CHOICE_TYPES = frozenset({"choice", "multichoice"})
TEXT_TYPES = frozenset({"text", "textarea"})
ADDRESS_PARTS = ("street", "house_number", "postcode", "city")
# A radio group up to this many entries, a select above (docs/forms.md).
RADIO_LIMIT = 6
# Rules over a list of fields (the rest compare `left` with `right`).
FIELD_LIST_RULES = frozenset({"any_filled", "any_true", "valid_date", "only_codes"})


class DefinitionError(Exception):
    """A form definition is not valid. `messages` are German and name the place."""

    def __init__(self, messages: list[str]):
        self.messages = list(messages)
        super().__init__("\n".join(self.messages))


@dataclass(frozen=True)
class CodeEntry:
    code: str
    label: str


@dataclass(frozen=True)
class CodeList:
    key: str
    title: str
    entries: tuple[CodeEntry, ...]
    uri: str = ""
    version: str = ""

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(entry.code for entry in self.entries)

    def label_for(self, code: str) -> str:
        for entry in self.entries:
            if entry.code == code:
                return entry.label
        return code


@dataclass(frozen=True)
class Rule:
    """A comparison `left op right`; or (op "any_filled") at least one of `fields` filled,
    (op "any_true") at least one of the Ja/Nein `fields` yes,
    or (op "valid_date") the `fields` day, month, year make a calendar date; then `left` is
    the first of them and `right` is empty. Op "only_codes": the choice field `left` holds
    one of `codes` while the condition `when` holds; "any_filled" may have a `when` too."""

    left: str
    op: str
    right: str
    message: str
    fields: tuple[str, ...] = ()
    # op "only_codes": the codes allowed in `left` while `when` holds (None: always); op
    # "any_filled": checked only while `when` holds.
    codes: tuple[str, ...] = ()
    when: dict | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return self.fields if self.op in FIELD_LIST_RULES else (self.left, self.right)


@dataclass(frozen=True)
class Repeat:
    min: int
    max: int
    item_label: str


@dataclass(frozen=True)
class Field:
    id: str
    type: str
    label: str
    help: str = ""
    required: bool = False
    # Conditions stay JSON-shaped (see conditions.py); a frozen dataclass only forbids
    # reassigning the attribute, which is what callers need.
    visible_if: dict | None = None
    # Required only while this condition holds (and the field is shown); see docs/forms.md.
    required_if: dict | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    pattern_message: str | None = None
    min: float | int | str | None = None
    max: float | int | str | None = None
    decimal_places: int | None = None
    choices: str | None = None
    widget: str | None = None
    accept: tuple[str, ...] = ()
    max_size: int | None = None
    autocomplete: str | None = None
    fim_id: str | None = None
    # A declaration ("Ich versichere, …"): one checkbox, and only `true` is an answer.
    must_be_true: bool = False
    # A value the form sets (`fixed`) or the platform sets (`system`, e.g. "land"): the
    # applicant is not asked, the page does not show the field, a post does not change it.
    fixed: str | int | float | bool | None = None
    system: str | None = None
    kind: str = "field"

    @property
    def has_value(self) -> bool:
        return self.type not in NO_VALUE_TYPES

    @property
    def not_asked(self) -> bool:
        """Set by the form or the platform, never by the applicant (docs/forms.md)."""
        return self.fixed is not None or self.system is not None


@dataclass(frozen=True)
class Group:
    id: str
    title: str
    items: tuple[Field | Group, ...]
    help: str = ""
    visible_if: dict | None = None
    repeat: Repeat | None = None
    fim_id: str | None = None
    kind: str = "group"


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    items: tuple[Field | Group, ...]
    help: str = ""
    visible_if: dict | None = None

    @property
    def on_check_page(self) -> bool:
        """A step of declarations ("Ich versichere, …") and texts only: it is no screen of
        its own; the check-your-answers page shows it above the submit button."""
        return any(isinstance(item, Field) and item.must_be_true for item in self.items) and all(
            isinstance(item, Field) and (item.must_be_true or item.type == "info" or item.not_asked)
            for item in self.items
        )


@dataclass(frozen=True)
class Location:
    """Where an item sits: its step, its enclosing groups (outermost first) and the
    repeated ones among them."""

    step_id: str
    groups: tuple[str, ...]
    repeats: tuple[str, ...]


@dataclass(frozen=True)
class Definition:
    key: str
    title: str
    leika_keys: tuple[str, ...]
    steps: tuple[Step, ...]
    code_lists: dict[str, CodeList]
    rules: tuple[Rule, ...]
    intro: str = ""
    source: dict = dc_field(default_factory=dict)
    raw: dict = dc_field(default_factory=dict, repr=False, compare=False)
    items: dict[str, Field | Group] = dc_field(default_factory=dict, repr=False, compare=False)
    locations: dict[str, Location] = dc_field(default_factory=dict, repr=False, compare=False)
    format: int = 1
    # Role -> field id of the applicant's name, address and e-mail (see forms/engine/applicant.py).
    applicant: dict[str, str] = dc_field(default_factory=dict)

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def field(self, field_id: str) -> Field:
        item = self.items[field_id]
        if not isinstance(item, Field):
            raise KeyError(field_id)
        return item

    def code_list(self, item: Field) -> CodeList | None:
        return self.code_lists.get(item.choices) if item.choices else None

    def iter_fields(self):
        for item in self.items.values():
            if isinstance(item, Field):
                yield item

    @cached_property
    def system_fields(self) -> tuple[Field, ...]:
        """The fields whose value the platform sets (`system`), found once per definition:
        every draft save and submit asks."""
        return tuple(field for field in self.iter_fields() if field.system is not None)


@cache
def definition_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _build_item(raw: dict) -> Field | Group:
    if raw["kind"] == "group":
        repeat = None
        if "repeat" in raw:
            rep = raw["repeat"]
            repeat = Repeat(
                min=rep["min"], max=rep["max"], item_label=rep.get("item_label") or raw["title"]
            )
        return Group(
            id=raw["id"],
            title=raw["title"],
            help=raw.get("help", ""),
            visible_if=raw.get("visible_if"),
            repeat=repeat,
            fim_id=raw.get("fim_id"),
            items=tuple(_build_item(child) for child in raw["items"]),
        )
    names = (
        "min_length",
        "max_length",
        "pattern",
        "pattern_message",
        "min",
        "max",
        "decimal_places",
        "choices",
        "widget",
        "max_size",
        "autocomplete",
        "fim_id",
        "fixed",
        "system",
    )
    must_be_true = bool(raw.get("must_be_true", False))
    return Field(
        id=raw["id"],
        type=raw["type"],
        label=raw["label"],
        help=raw.get("help", ""),
        # `must_be_true` implies `required`; an explicit `"required": false` next to it is
        # kept so that the semantic checks can report the contradiction.
        required=bool(raw.get("required", must_be_true)),
        must_be_true=must_be_true,
        visible_if=raw.get("visible_if"),
        required_if=raw.get("required_if"),
        accept=tuple(raw.get("accept", ())),
        **{name: raw.get(name) for name in names},
    )


def _build_rule(raw: dict) -> Rule:
    for op in ("any_filled", "any_true", "valid_date"):
        if op in raw:
            names = tuple(raw[op])
            return Rule(names[0], op, "", raw["message"], names, when=raw.get("when"))
    if "only_codes" in raw:
        return Rule(
            raw["field"],
            "only_codes",
            "",
            raw["message"],
            (raw["field"],),
            codes=tuple(raw["only_codes"]),
            when=raw.get("when"),
        )
    return Rule(raw["left"], raw["op"], raw["right"], raw["message"])


def raw_rule_names(raw: dict) -> tuple[str, ...]:
    """The field ids a rule of a raw definition checks (`Rule.names`), whatever its kind."""
    return _build_rule(raw).names


def build_definition(raw: dict) -> Definition:
    """The dataclasses of a definition that passed the JSON Schema check."""
    steps = tuple(
        Step(
            id=step["id"],
            title=step["title"],
            help=step.get("help", ""),
            visible_if=step.get("visible_if"),
            items=tuple(_build_item(item) for item in step["items"]),
        )
        for step in raw["steps"]
    )
    code_lists = {
        key: CodeList(
            key=key,
            title=value["title"],
            uri=value.get("uri", ""),
            version=value.get("version", ""),
            entries=tuple(CodeEntry(e["code"], e["label"]) for e in value["entries"]),
        )
        for key, value in raw.get("code_lists", {}).items()
    }
    items: dict[str, Field | Group] = {}
    locations: dict[str, Location] = {}

    def index(children, step_id, groups, repeats):
        for item in children:
            # First occurrence wins; duplicates are reported by the semantic checks.
            items.setdefault(item.id, item)
            locations.setdefault(item.id, Location(step_id, groups, repeats))
            if isinstance(item, Group):
                inner_repeats = repeats + ((item.id,) if item.repeat else ())
                index(item.items, step_id, (*groups, item.id), inner_repeats)

    for step in steps:
        index(step.items, step.id, (), ())
    return Definition(
        format=raw["format"],
        key=raw["key"],
        title=raw["title"],
        intro=raw.get("intro", ""),
        leika_keys=tuple(raw["leika_keys"]),
        source=dict(raw.get("source", {})),
        applicant=dict(raw.get("applicant", {})),
        code_lists=code_lists,
        steps=steps,
        rules=tuple(_build_rule(rule) for rule in raw.get("rules", ())),
        raw=raw,
        items=items,
        locations=locations,
    )


def resolve_date_bound(bound: str, today: datetime.date) -> datetime.date:
    """A date bound of a definition: `YYYY-MM-DD`, `today`, `today+N` or `today-N`."""
    if bound == "today":
        return today
    if bound.startswith("today"):
        return today + datetime.timedelta(days=int(bound[5:]))
    return datetime.date.fromisoformat(bound)


def rule_scope(definition: Definition, rule: Rule) -> tuple[str, ...]:
    """The repeated groups a rule is checked in, once per entry: those of its left field;
    for `any_filled`, those all its fields share (the others count in any entry)."""
    if rule.op != "any_filled":
        return definition.locations[rule.left].repeats
    scopes = [definition.locations[name].repeats for name in rule.fields]
    common: list[str] = []
    for groups in zip(*scopes, strict=False):
        if len(set(groups)) > 1:
            break
        common.append(groups[0])
    return tuple(common)
