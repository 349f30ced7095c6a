"""Visibility conditions (`visible_if`): which fields they name, whether they hold, and a
German sentence describing them for pages that cannot hide fields without JavaScript."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _


class _Sentinel:
    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


# A field without a value (empty, or hidden).
MISSING = _Sentinel("MISSING")
# A field with a value that did not pass its checks: it counts as filled, equals nothing.
INVALID = _Sentinel("INVALID")
# A field on the page being shown: the applicant may still change it, so any value is possible.
UNKNOWN = _Sentinel("UNKNOWN")


class AnyOf:
    """The values of a field in every entry of a repeated group, for a comparison with
    `"any_entry": true` made outside that group: it holds when it holds for one entry."""

    __slots__ = ("values",)

    def __init__(self, values):
        self.values = tuple(values)

    def __repr__(self) -> str:
        return f"AnyOf{self.values!r}"


def condition_fields(condition: dict | None) -> list[str]:
    """The field ids a condition names, in order."""
    if not condition:
        return []
    if "field" in condition:
        return [condition["field"]]
    if "not" in condition:
        return condition_fields(condition["not"])
    names = []
    for part in condition.get("all", condition.get("any", [])):
        names.extend(condition_fields(part))
    return names


def condition_values(condition: dict | None):
    """(field id, compared value) for every `equals`/`in` comparison of a condition."""
    if not condition:
        return
    if "field" in condition:
        if "equals" in condition:
            yield condition["field"], condition["equals"]
        for value in condition.get("in", ()):
            yield condition["field"], value
        return
    if "not" in condition:
        yield from condition_values(condition["not"])
        return
    for part in condition.get("all", condition.get("any", [])):
        yield from condition_values(part)


def _equals(value: Any, expected: Any) -> bool:
    if value is MISSING or value is INVALID:
        return False
    if isinstance(value, list):
        return any(_equals(item, expected) for item in value)
    if isinstance(value, bool) or isinstance(expected, bool):
        return isinstance(value, bool) and isinstance(expected, bool) and value == expected
    if isinstance(value, int | Decimal) and isinstance(expected, int | float):
        try:
            return Decimal(str(expected)) == value
        except InvalidOperation:  # pragma: no cover - str() of a JSON number always parses
            return False
    if isinstance(value, datetime.date):
        return value.isoformat() == expected
    if isinstance(value, dict):
        return False
    return value == expected


def code_number(value: Any) -> int | None:
    """The whole number a code of digits stands for ("221100" → 221100; "001" → 1); None for
    any other value (a code with letters, a date, a Ja/Nein answer, an empty field)."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def code_between(value: Any, low: int, high: int) -> bool:
    """A `between` comparison: the answer is a code of digits from `low` to `high` (both
    included); for a multiple choice, one of its answers is."""
    if isinstance(value, list):
        return any(code_between(item, low, high) for item in value)
    number = code_number(value)
    return number is not None and low <= number <= high


def since_bound(since: dict, today: datetime.date) -> datetime.date:
    """The date `since`'s days, months or years before `today` (29 February → 28th)."""
    if "days" in since:
        return today - datetime.timedelta(days=since["days"])
    months = today.year * 12 + today.month - 1 - since.get("months", 0) - 12 * since.get("years", 0)
    year, month = divmod(months, 12)
    month += 1
    for day in (today.day, 30, 29, 28):
        try:
            return datetime.date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover - every month has a 28th


def _since(value, since: dict, today: datetime.date | None) -> bool:
    """ "(today - value) op N units" for a date value (`{"since": {"op": ">", "years": 6}}`):
    more than six years ago is a date before the bound."""
    if not isinstance(value, datetime.date):
        return False
    bound = since_bound(since, today or timezone.localdate())
    # The time since `value` grows as `value` moves back: compare the other way round.
    return {
        "<": value > bound,
        "<=": value >= bound,
        ">": value < bound,
        ">=": value <= bound,
        "=": value == bound,
    }[since["op"]]


def evaluate(
    condition: dict | None, lookup: Callable[[str], Any], today: datetime.date | None = None
) -> bool:
    """Whether `condition` holds; `lookup(field_id)` gives a field's typed value, MISSING or
    INVALID; `today` is the day a `since` comparison counts from (default: today). No
    condition always holds."""
    if not condition:
        return True
    if "all" in condition:
        return all(evaluate(part, lookup, today) for part in condition["all"])
    if "any" in condition:
        return any(evaluate(part, lookup, today) for part in condition["any"])
    if "not" in condition:
        return not evaluate(condition["not"], lookup, today)
    value = lookup(condition["field"])
    if isinstance(value, AnyOf):
        return any(evaluate(condition, lambda _name, one=one: one, today) for one in value.values)
    if "since" in condition:
        return _since(value, condition["since"], today)
    if "equals" in condition:
        return _equals(value, condition["equals"])
    if "in" in condition:
        return any(_equals(value, expected) for expected in condition["in"])
    if "between" in condition:
        return code_between(value, *condition["between"])
    return (value is not MISSING) == condition["filled"]


def possible(condition: dict | None, lookup: Callable[[str], Any]) -> bool | None:
    """Three-valued `evaluate`: True or False when the condition's outcome is settled, None
    when it depends on a field whose `lookup` is UNKNOWN (an answer on the same page)."""
    if not condition:
        return True
    if "all" in condition or "any" in condition:
        results = [possible(part, lookup) for part in condition.get("all", condition.get("any"))]
        settled, opposite = (False, True) if "all" in condition else (True, False)
        if settled in results:
            return settled
        return opposite if all(result is opposite for result in results) else None
    if "not" in condition:
        result = possible(condition["not"], lookup)
        return None if result is None else not result
    value = lookup(condition["field"])
    if value is UNKNOWN:
        return None
    if isinstance(value, AnyOf):
        results = [possible(condition, lambda _name, one=one: one) for one in value.values]
        if True in results:
            return True
        return False if all(result is False for result in results) else None
    return evaluate(condition, lambda _name: value)


def _display(definition, field_id: str, expected) -> str:
    field = definition.field(field_id)
    code_list = definition.code_list(field)
    if code_list is not None:
        return code_list.label_for(str(expected))
    if isinstance(expected, bool):
        return _("Ja") if expected else _("Nein")
    return str(expected)


def describe(condition: dict, definition) -> str:
    """A German sentence saying when a field applies, e.g. for fields a page shows even
    though they depend on an answer on the same page."""
    if "field" in condition:
        target = definition.items[condition["field"]]
        if not hasattr(target, "label"):  # a repeated group: "has an entry"
            title = target.title
            if condition.get("filled"):
                return _("Nur nötig, wenn Sie bei „%(label)s“ etwas angegeben haben.") % {
                    "label": title
                }
            if condition.get("filled") is False:
                return _("Nur nötig, wenn Sie bei „%(label)s“ nichts angegeben haben.") % {
                    "label": title
                }
            return _("Nur nötig, wenn es auf Sie zutrifft.")
        label = target.label
        if "since" in condition:
            return _("Nur nötig, wenn es auf Sie zutrifft.")
        if "filled" in condition:
            if condition["filled"]:
                return _("Nur nötig, wenn Sie „%(label)s“ angegeben haben.") % {"label": label}
            return _("Nur nötig, wenn Sie „%(label)s“ nicht angegeben haben.") % {"label": label}
        return _("Nur nötig, wenn Sie bei „%(label)s“ %(values)s angegeben haben.") % {
            "label": label,
            "values": _expected_text(condition, definition),
        }
    return _("Nur nötig, wenn es auf Sie zutrifft.")


def _expected_text(condition: dict, definition) -> str:
    if "between" in condition:
        low, high = condition["between"]
        code_list = definition.code_list(definition.field(condition["field"]))
        codes = code_list.codes if code_list else ()
        expected = [code for code in codes if code_between(code, low, high)]
        if not expected:
            return _("einen Code von %(low)s bis %(high)s") % {"low": low, "high": high}
    else:
        expected = [condition["equals"]] if "equals" in condition else condition["in"]
    return _(" oder ").join(
        f"„{_display(definition, condition['field'], value)}“" for value in expected
    )


def describe_required(condition: dict, definition) -> str:
    """A German sentence saying when a field with `required_if` must be answered."""
    if "field" in condition and "since" not in condition:
        label = definition.field(condition["field"]).label
        if "filled" in condition:
            if condition["filled"]:
                return _("Pflichtangabe, wenn Sie „%(label)s“ angegeben haben.") % {"label": label}
            return _("Pflichtangabe, wenn Sie „%(label)s“ nicht angegeben haben.") % {
                "label": label
            }
        return _("Pflichtangabe, wenn Sie bei „%(label)s“ %(values)s angegeben haben.") % {
            "label": label,
            "values": _expected_text(condition, definition),
        }
    return _("Pflichtangabe, wenn es auf Sie zutrifft.")
