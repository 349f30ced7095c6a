"""What a page shows for one step of a form: a tree of widgets (plain data) that
`templates/forms/step_fields.html` renders in KERN markup, and the entries of the error
summary in page order. Pure Python (no database); pages use it through the
`form_fields` template tags or directly.

Ids follow docs/forms.md: `f-` + path with `.` → `-`. Radio buttons and checkboxes: the
first option has the field's id (so the error summary can link to it), the others `-2`,
`-3`, …; the single checkbox of a declaration (`must_be_true`) has the field's id; address
parts have the part's path (`f-halter-anschrift-postcode`). Hints and errors get
`--hint`/`--error` (a double dash no path can produce)."""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass
from dataclasses import field as dc_field
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from openkommune.core.formatting import format_date, format_number
from openkommune.forms.engine.address import ADDRESS_LIMITS, address_part_label
from openkommune.forms.engine.conditions import (
    describe,
    describe_required,
    possible,
)
from openkommune.forms.engine.definition import (
    ADDRESS_PARTS,
    RADIO_LIMIT,
    Definition,
    Field,
    Group,
    Step,
)
from openkommune.forms.engine.pages import PAGE_INPUTS, Page, item_ids, shown_items
from openkommune.forms.engine.prefill import origin_of
from openkommune.forms.engine.state import NON_FIELD, Visibility, path_of, visibility

FILE_TYPE_NAMES = {
    "application/pdf": gettext_lazy("PDF"),
    "image/jpeg": gettext_lazy("JPEG"),
    "image/png": gettext_lazy("PNG"),
    "image/tiff": gettext_lazy("TIFF"),
    "text/plain": gettext_lazy("Text (TXT)"),
}
INPUT_TYPES = {"email": "email", "phone": "tel"}
INPUT_MODES = {"integer": "numeric", "decimal": "decimal", "money": "decimal"}
DEFAULT_AUTOCOMPLETE = {"email": "email", "phone": "tel"}
ADDRESS_AUTOCOMPLETE = {
    "street": "address-line1",
    "house_number": "",
    "postcode": "postal-code",
    "city": "address-level2",
}
_CANONICAL_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def dom_id(path: str) -> str:
    return "f-" + path.replace(".", "-")


@dataclass
class Option:
    id: str
    value: str
    label: str
    checked: bool


@dataclass
class Widget:
    kind: str  # input textarea select radios checkboxes confirm address file info group repeat
    path: str
    id: str
    label: str
    hint: str = ""
    optional: bool = False
    errors: list[str] = dc_field(default_factory=list)
    value: str = ""
    input_type: str = "text"
    inputmode: str = ""
    autocomplete: str = ""
    spellcheck: bool = True
    maxlength: int | None = None
    options: list[Option] = dc_field(default_factory=list)
    inline: bool = False
    # A confirmation (`must_be_true`): one checkbox posting `value` when ticked.
    checked: bool = False
    parts: list[Widget] = dc_field(default_factory=list)
    accept: str = ""
    current_file: str = ""
    current_file_name: str = ""
    children: list[Widget] = dc_field(default_factory=list)
    entries: list[Widget] = dc_field(default_factory=list)
    count: int = 0
    can_add: bool = False
    can_remove: bool = False
    add_label: str = ""
    # Prefix of error-summary entries, e.g. "Hund 2: ".
    context: str = ""
    # Prefilled from a verified source (prefill.Origin.locked): shown read-only.
    readonly: bool = False
    # For a field depending on an answer on this page: its condition with the posted names
    # (JSON), for static/openkommune/conditions.js to show it only when it applies.
    show_if: str = ""

    @property
    def hint_id(self) -> str:
        return f"{self.id}--hint" if self.hint else ""

    @property
    def error_id(self) -> str:
        return f"{self.id}--error" if self.errors else ""

    @property
    def described_by(self) -> str:
        return " ".join(ref for ref in (self.hint_id, self.error_id) if ref)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(part.errors for part in self.parts)


def format_size(size: int) -> str:
    if size >= 1024 * 1024:
        text = format_number(size / (1024 * 1024), 1).removesuffix(",0").removesuffix(".0")
        return f"{text} MB"
    return f"{max(1, round(size / 1024))} KB"


def _display_text(field: Field, value) -> str:
    """The value as the input shows it: in the notation the engine reads back and the hint
    asks for (TT.MM.JJJJ, 12,50) whatever the interface language, so that a page shown again
    in English posts what it shows."""
    with translation.override("de"):
        return _input_text(field, value)


def _input_text(field: Field, value) -> str:
    if value is None:
        return ""
    if field.type == "date":
        if isinstance(value, datetime.date):
            return format_date(value)
        if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
            try:
                return format_date(datetime.date.fromisoformat(value.strip()))
            except ValueError:
                return value
    if field.type in ("decimal", "money") and not isinstance(value, bool):
        text = str(value)
        # The data format has a point; German notation shows a comma.
        if _CANONICAL_NUMBER.fullmatch(text):
            return format_number(Decimal(text), grouping=False)
        return text
    if isinstance(value, bool):
        return ""
    return value if isinstance(value, str) else str(value)


def _boolean_choice(value) -> str:
    if value is True or (isinstance(value, str) and value.lower() in ("ja", "true")):
        return "ja"
    if value is False or (isinstance(value, str) and value.lower() in ("nein", "false")):
        return "nein"
    return ""


def _options(base_id: str, choices, selected: set[str]) -> list[Option]:
    return [
        Option(
            id=base_id if index == 0 else f"{base_id}-{index + 1}",
            value=code,
            label=label,
            checked=code in selected,
        )
        for index, (code, label) in enumerate(choices)
    ]


def origin_hint(entry: dict | None) -> str:
    """The sentence naming where a prefilled value comes from (prefill.origin_of)."""
    if entry is None:
        return ""
    if entry.get("locked"):
        return _("Vorausgefüllt %(origin)s (bestätigt, nicht änderbar).") % {
            "origin": entry["label"]
        }
    return _("Vorausgefüllt %(origin)s. Sie können die Angabe ändern.") % {"origin": entry["label"]}


class _Builder:
    def __init__(
        self, definition, step, values, errors, file_names, shown: Visibility, origins=None
    ):
        self.origins = origins or {}
        self.definition = definition
        self.step = step
        self.values = values if isinstance(values, dict) else {}
        self.errors = errors or {}
        self.file_names = {str(key): name for key, name in (file_names or {}).items()}
        self.shown = shown
        # The items on this page: their answers are still open (for a page of a step cut by
        # the page-length rule, the step's other pages are answered like other steps).
        self.own = item_ids(step.items)
        # Whether an item is rendered, and how answers on this page count in conditions:
        # the same rules as the page-length cut (`pages`).
        self.page = shown_items(definition, step, shown)

    def condition_hint(self, item, ctx: dict | None = None) -> str | None:
        """For an item whose condition depends on an answer on this same page: the sentence
        saying when it applies (the page shows it anyway: no JavaScript needed)."""
        ctx = ctx or {}
        if self.page.follow_up(item):
            return describe(self._open_part(item.visible_if, ctx), self.definition)
        return None

    def _client_condition(self, condition: dict, ctx: dict) -> dict:
        """The condition for the page's script: answers of other steps are settled
        (`const`), fields of this page are named by their posted name."""
        for combinator in ("all", "any"):
            if combinator in condition:
                return {combinator: [self._client_condition(p, ctx) for p in condition[combinator]]}
        if "not" in condition:
            return {"not": self._client_condition(condition["not"], ctx)}
        name = condition["field"]
        if not isinstance(self.definition.items[name], Field):
            # A repeated group on this page: the script cannot read it; the server decides.
            return {"const": True}
        if name not in self.own or self.definition.field(name).not_asked:
            settled = possible(condition, lambda other: self.page.lookup(other, ctx))
            return {"const": bool(settled)}
        if condition.get("any_entry") or "since" in condition:
            # Entries on this same page, or a date compared with today: the script does not
            # look into them; shown (the server decides).
            return {"const": True}
        out: dict = {"name": path_of(self.definition, name, ctx)}
        boolean = self.definition.field(name).type == "boolean"

        def posted(value):
            return ("ja" if value else "nein") if boolean and isinstance(value, bool) else value

        if "equals" in condition:
            out["equals"] = posted(condition["equals"])
        elif "in" in condition:
            out["in"] = [posted(value) for value in condition["in"]]
        elif "between" in condition:
            out["between"] = condition["between"]
        else:
            out["filled"] = condition["filled"]
        return out

    def _open_part(self, condition: dict, ctx: dict) -> dict:
        """The part of an `any`/`all` condition still open on this page: parts already
        settled by other steps' answers are left out of the sentence."""
        parts = condition.get("any", condition.get("all"))
        if parts is None:
            return condition
        open_parts = [
            part
            for part in parts
            if possible(part, lambda name: self.page.lookup(name, ctx)) is None
        ]
        if len(open_parts) == 1:
            return self._open_part(open_parts[0], ctx)
        return condition

    def items(self, items, node, prefix: str, ctx: dict, context: str) -> list[Widget]:
        widgets = []
        node = node if isinstance(node, dict) else {}
        for item in items:
            if not self.page.renderable(item.id, ctx):
                continue
            condition_text = self.condition_hint(item, ctx) if item.visible_if else None
            path = prefix + item.id
            if isinstance(item, Group):
                widget = self.group(item, node.get(item.id), path, ctx, context)
            else:
                widget = self.field(item, node.get(item.id), path, context)
                if item.required_if and item.has_value:
                    self.required_if(widget, item, ctx)
            if condition_text:
                widget.hint = " ".join(part for part in (condition_text, widget.hint) if part)
                widget.show_if = json.dumps(
                    self._client_condition(item.visible_if, ctx), ensure_ascii=False
                )
            widgets.append(widget)
        return widgets

    def required_if(self, widget: Widget, item: Field, ctx: dict) -> None:
        """Required now (settled by other answers), optional, or optional with the sentence
        saying when it is needed (it depends on an answer on this page)."""
        settled = possible(item.required_if, lambda name: self.page.lookup(name, ctx))
        if settled is True:
            widget.optional = False
        elif settled is None:
            sentence = describe_required(self._open_part(item.required_if, ctx), self.definition)
            widget.hint = " ".join(part for part in (sentence, widget.hint) if part)

    def group(self, group: Group, value, path: str, ctx: dict, context: str) -> Widget:
        widget = Widget(
            kind="group" if group.repeat is None else "repeat",
            path=path,
            id=dom_id(path),
            label=group.title,
            hint=group.help,
            errors=list(self.errors.get(path, [])),
            context=context,
        )
        if group.repeat is None:
            widget.children = self.items(group.items, value, path + ".", ctx, context)
            return widget
        entries = value if isinstance(value, list) else []
        widget.count = max(len(entries), group.repeat.min)
        for index in range(widget.count):
            entry_path = f"{path}.{index}"
            label = f"{group.repeat.item_label} {index + 1}"
            entry = Widget(
                kind="entry",
                path=entry_path,
                id=dom_id(entry_path),
                label=label,
                errors=list(self.errors.get(entry_path, [])),
                can_remove=widget.count > group.repeat.min,
                context=f"{context}{label}: ",
            )
            node = entries[index] if index < len(entries) else {}
            entry.children = self.items(
                group.items, node, entry_path + ".", {**ctx, group.id: index}, entry.context
            )
            widget.entries.append(entry)
        widget.can_add = widget.count < group.repeat.max
        label = group.repeat.item_label
        widget.add_label = (
            _("Weiteren Eintrag „%(label)s“ hinzufügen") % {"label": label}
            if widget.count
            else _("Eintrag „%(label)s“ hinzufügen") % {"label": label}
        )
        return widget

    def field(self, field: Field, value, path: str, context: str) -> Widget:
        widget = Widget(
            kind="input",
            path=path,
            id=dom_id(path),
            label=field.label,
            hint=field.help,
            optional=not field.required,
            errors=list(self.errors.get(path, [])),
            autocomplete=field.autocomplete or DEFAULT_AUTOCOMPLETE.get(field.type, ""),
            context=context,
        )
        hints = [field.help]
        kind = field.type
        if kind == "info":
            widget.kind, widget.optional = "info", False
        elif field.must_be_true:
            widget.kind, widget.value = "confirm", "ja"
            widget.checked = _boolean_choice(value) == "ja"
        elif kind in ("choice", "multichoice", "boolean"):
            self.choice(widget, field, value)
            if kind == "multichoice" and field.max is not None:
                hints.append(
                    ngettext(
                        "Höchstens %(n)d Antwort.", "Höchstens %(n)d Antworten.", int(field.max)
                    )
                    % {"n": field.max}
                )
            if kind == "multichoice" and field.min is not None and field.min > 1:
                hints.append(_("Mindestens %(n)d Antworten.") % {"n": field.min})
        elif kind == "address":
            self.address(widget, field, value, path)
        elif kind == "file":
            widget.kind = "file"
            widget.accept = ",".join(field.accept)
            limits = []
            if field.accept:
                names = ", ".join(str(FILE_TYPE_NAMES.get(t, t)) for t in field.accept)
                limits.append(_("Erlaubte Dateitypen: %(types)s.") % {"types": names})
            if field.max_size:
                limits.append(_("Höchstens %(size)s.") % {"size": format_size(field.max_size)})
            hints.extend(limits)
            if isinstance(value, str) and value.strip():
                widget.current_file = value.strip()
                widget.current_file_name = self.file_names.get(value.strip(), _("hochgeladen"))
        else:
            widget.kind = "textarea" if kind == "textarea" else "input"
            widget.input_type = INPUT_TYPES.get(kind, "text")
            widget.inputmode = INPUT_MODES.get(kind, "")
            widget.spellcheck = kind not in ("email", "iban", "phone")
            widget.value = _display_text(field, value)
            if kind == "date":
                hints.append(_("Format: TT.MM.JJJJ"))
            elif kind == "money":
                hints.append(_("Betrag in Euro, zum Beispiel 12,50"))
            elif kind == "iban":
                hints.append(_("Zum Beispiel DE02 1203 0000 0000 2020 51"))
            if kind == "textarea" and field.max_length:
                hints.append(_("Höchstens %(n)d Zeichen.") % {"n": field.max_length})
        origin = origin_of(self.origins, path, value) if kind not in ("address", "file") else None
        if origin is not None:
            hints.insert(0, origin_hint(origin))
            widget.readonly = bool(origin.get("locked"))
        widget.hint = " ".join(part for part in hints if part)
        return widget

    def choice(self, widget: Widget, field: Field, value) -> None:
        if field.type == "boolean":
            widget.kind, widget.inline = "radios", True
            choices = [("ja", _("Ja")), ("nein", _("Nein"))]
            selected = {_boolean_choice(value)}
        else:
            code_list = self.definition.code_list(field)
            choices = [(entry.code, entry.label) for entry in code_list.entries]
            if field.type == "multichoice":
                widget.kind = "checkboxes"
                raw = value if isinstance(value, list) else [value]
                selected = {str(item) for item in raw if item is not None}
            else:
                radio = field.widget == "radio" or (
                    field.widget is None and len(choices) <= RADIO_LIMIT
                )
                widget.kind = "radios" if radio else "select"
                selected = {str(value)} if value not in (None, "") else set()
        widget.options = _options(widget.id, choices, selected)
        widget.value = next(iter(selected), "") if selected else ""

    def address(self, widget: Widget, field: Field, value, path: str) -> None:
        widget.kind = "address"
        value = value if isinstance(value, dict) else {}
        for part in ADDRESS_PARTS:
            part_path = f"{path}.{part}"
            text = value.get(part)
            origin = origin_of(self.origins, part_path, text)
            widget.parts.append(
                Widget(
                    kind="input",
                    path=part_path,
                    id=dom_id(part_path),
                    label=address_part_label(part),
                    optional=part == "house_number",
                    errors=list(self.errors.get(part_path, [])),
                    value=text if isinstance(text, str) else "",
                    autocomplete=ADDRESS_AUTOCOMPLETE[part],
                    inputmode="numeric" if part == "postcode" else "",
                    maxlength=ADDRESS_LIMITS[part] if part == "postcode" else None,
                    context=widget.context,
                    hint=origin_hint(origin),
                    readonly=bool(origin and origin.get("locked")),
                )
            )


def step_widgets(
    definition: Definition,
    step: Step | Page,
    values: dict | None,
    errors: dict[str, list[str]] | None = None,
    *,
    file_names: dict | None = None,
    today=None,
    origins: dict | None = None,
) -> list[Widget]:
    """The widgets of `step` for the raw (or cleaned) data `values` of the whole form: items
    hidden by answers on other steps are left out; items that depend on an answer on this
    step are shown with a sentence saying when they apply, unless that answer is itself
    hidden. `origins` is the prefill record (prefill.apply_prefill): a field still holding
    a prefilled value names its origin in the hint (read-only when the origin is locked)."""
    shown = visibility(definition, values or {}, today=today)
    builder = _Builder(definition, step, values, errors, file_names, shown, origins)
    return builder.items(step.items, builder.values, "", {}, "")


__all__ = ["PAGE_INPUTS", "Widget", "error_summary_entries", "screen_inputs", "step_widgets"]


def screen_inputs(widgets: list[Widget]) -> int:
    """How many inputs a screen asks at first sight: an address counts its four parts, a
    radio or checkbox group one, a follow-up that appears only after an answer on the same
    page (`show_if`) and texts none; a repeated group counts one entry (more are the
    applicant's choice)."""
    count = 0
    for widget in widgets:
        if widget.show_if or widget.kind == "info":
            continue
        if widget.kind == "address":
            count += len(widget.parts)
        elif widget.kind in ("group", "entry"):
            count += screen_inputs(widget.children)
        elif widget.kind == "repeat":
            count += max((screen_inputs([entry]) for entry in widget.entries), default=0)
        else:
            count += 1
    return count


def _summary(widgets: list[Widget], out: list):
    for widget in widgets:
        for message in widget.errors:
            out.append((widget.path, f"#{widget.id}", f"{widget.context}{message}"))
        for part in widget.parts:
            for message in part.errors:
                out.append((part.path, f"#{part.id}", f"{part.context}{message}"))
        _summary(widget.children, out)
        _summary(widget.entries, out)


def error_summary_entries(
    definition: Definition,
    step: Step | Page,
    values: dict | None,
    errors: dict[str, list[str]] | None,
    *,
    today=None,
) -> list[tuple[str, str]]:
    """(href, message) for every error of the step in page order; messages on paths the
    page does not show (data sent from elsewhere) come last, linking to the summary."""
    if not errors:
        return []
    widgets = step_widgets(definition, step, values, errors, today=today)
    placed: list[tuple[str, str, str]] = []
    _summary(widgets, placed)
    seen = {path for path, _href, _message in placed}
    entries = [(href, message) for _path, href, message in placed]
    own = {item.id for item in step.items}
    for path, messages in errors.items():
        if path not in seen and (path.split(".", 1)[0] in own or path == NON_FIELD):
            entries.extend(("#fehlerzusammenfassung", message) for message in messages)
    return entries
