"""Fees as data: a member's fee rule for one service (from its Gebührensatzung), computed
from the cleaned answers with decimal arithmetic. Pure Python, no database.

A rule (JSON, set by the member admin, checked by `parse_rule`):

    {"items": [                      # what is charged; every matching item adds up
        {"label": "Ausweis für 12 Monate", "amount": "30.00",
         "when": {"field": "laufzeit", "equals": "12"}},          # fixed, under a condition
        {"label": "Fläche je m² und Tag", "amount": "0.50",
         "per": [{"product": ["laenge_m", "breite_m"], "unit": "m²"},
                 {"days": ["beginn", "ende"], "unit": "Tage"}]}],  # per unit of answers
     "minimum": "10.00", "maximum": "500.00",                       # the range (Rahmen)
     "reductions": [{"label": "Ermäßigung", "percent": "50",
                     "when": {"field": "ermaessigt", "equals": true}}],
     "free": [{"label": "Gemeinnützige Nutzung", "when": {"field": "gemeinnuetzig",
                                                         "equals": true}}]}

Conditions: `{"field": path, "equals": value}`, `{"field": path, "in": [..]}`, `{"not": c}`,
`{"all": [..]}`, `{"any": [..]}`; paths are dotted (`antragsteller.vorname`). A unit source is
`{"field": path}` (a number, or the number of entries of a list), `{"product": [paths]}` or
`{"days": [from, to]}` (calendar days, both counted). Every amount is a string with at most
two decimals; the result is rounded to the cent (half up) once, at the end of each line.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from openkommune.core.formatting import format_money, format_number

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("1000000.00")


class FeeRuleError(ValueError):
    """A rule that cannot be used; `message` is German."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class FeeLine:
    label: str
    amount: Decimal  # signed: reductions are negative
    detail: str = (
        ""  # the computation, e.g. "12 m² x 3 Tage x 0,50 €" (with the multiplication sign)
    )


@dataclass(frozen=True)
class FeeComputation:
    lines: list[FeeLine] = field(default_factory=list)
    total: Decimal = Decimal("0.00")
    free_reason: str = ""  # why nothing is charged, when a free case applies
    notes: list[str] = field(default_factory=list)  # minimum/maximum applied

    @property
    def is_free(self) -> bool:
        return self.total == 0

    def as_json(self) -> dict:
        return {
            "lines": [
                {"label": line.label, "amount": str(line.amount), "detail": line.detail}
                for line in self.lines
            ],
            "total": str(self.total),
            "free_reason": self.free_reason,
            "notes": list(self.notes),
        }


def money(value: Any, *, what: str = "Betrag") -> Decimal:
    """A non-negative amount with at most two decimals, from a string or int (never float)."""
    if isinstance(value, bool | float):
        raise FeeRuleError(
            _("%(what)s muss als Text wie „12.50“ angegeben werden.") % {"what": what}
        )
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise FeeRuleError(
            _("%(what)s „%(value)s“ ist keine Zahl.") % {"what": what, "value": value}
        ) from None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise FeeRuleError(
            _("%(what)s muss zwischen 0 und 1.000.000 Euro liegen.") % {"what": what}
        )
    if amount != amount.quantize(CENT):
        raise FeeRuleError(_("%(what)s hat mehr als zwei Nachkommastellen.") % {"what": what})
    return amount.quantize(CENT)


def euro(amount: Decimal) -> str:
    """Money text in the active language (`core.formatting`): German "1.234,50 €", English
    "1,234.50 €"; rounded half up to the cent."""
    return format_money(amount)


def _number_text(value: Decimal) -> str:
    """A factor without trailing zeros in the active language: "0,1" (German), "0.1"."""
    text = f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}".rstrip("0")
    return format_number(Decimal(text), grouping=False)


# --- parsing ------------------------------------------------------------------------------

_CONDITION_KEYS = {"field", "equals", "in", "not", "all", "any"}


def _check_condition(condition, where: str) -> None:
    if condition is None:
        return
    if not isinstance(condition, dict) or not condition or set(condition) - _CONDITION_KEYS:
        raise FeeRuleError(_("%(where)s: die Bedingung ist nicht lesbar.") % {"where": where})
    if "field" in condition:
        if not isinstance(condition["field"], str) or not (
            "equals" in condition or "in" in condition
        ):
            raise FeeRuleError(
                _("%(where)s: die Bedingung braucht ein Feld und einen Wert.") % {"where": where}
            )
    elif "not" in condition:
        _check_condition(condition["not"], where)
    else:
        parts = condition.get("all", condition.get("any"))
        if not isinstance(parts, list) or not parts:
            raise FeeRuleError(_("%(where)s: die Bedingung ist nicht lesbar.") % {"where": where})
        for part in parts:
            _check_condition(part, where)


def _check_unit(unit, where: str) -> None:
    if not isinstance(unit, dict):
        raise FeeRuleError(_("%(where)s: die Einheit ist nicht lesbar.") % {"where": where})
    sources = [key for key in ("field", "product", "days") if key in unit]
    if len(sources) != 1:
        raise FeeRuleError(
            _("%(where)s: eine Einheit braucht genau eines von field, product oder days.")
            % {"where": where}
        )
    if "product" in unit and not (isinstance(unit["product"], list) and unit["product"]):
        raise FeeRuleError(
            _("%(where)s: product braucht eine Liste von Feldern.") % {"where": where}
        )
    if "days" in unit and not (isinstance(unit["days"], list) and len(unit["days"]) == 2):
        raise FeeRuleError(_("%(where)s: days braucht zwei Datumsfelder.") % {"where": where})


def parse_rule(rule) -> dict:
    """The rule, checked; `FeeRuleError` with a German message otherwise."""
    if not isinstance(rule, dict):
        raise FeeRuleError(_("Die Gebührenregel muss ein JSON-Objekt sein."))
    unknown = set(rule) - {"items", "minimum", "maximum", "reductions", "free"}
    if unknown:
        raise FeeRuleError(
            _("Unbekannte Angaben in der Gebührenregel: %(keys)s")
            % {"keys": ", ".join(sorted(unknown))}
        )
    items = rule.get("items")
    if not isinstance(items, list) or not items:
        raise FeeRuleError(_("Die Gebührenregel braucht mindestens einen Gebührenposten."))
    for index, item in enumerate(items, start=1):
        where = _("Posten %(n)s") % {"n": index}
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("label"), str)
            or not item["label"].strip()
        ):
            raise FeeRuleError(_("%(where)s braucht eine Bezeichnung.") % {"where": where})
        money(item.get("amount"), what=where)
        _check_condition(item.get("when"), where)
        for unit in item.get("per", []) or []:
            _check_unit(unit, where)
    minimum = money(rule["minimum"], what=_("Mindestgebühr")) if "minimum" in rule else None
    maximum = money(rule["maximum"], what=_("Höchstgebühr")) if "maximum" in rule else None
    if minimum is not None and maximum is not None and minimum > maximum:
        raise FeeRuleError(_("Die Mindestgebühr ist höher als die Höchstgebühr."))
    for index, reduction in enumerate(rule.get("reductions", []) or [], start=1):
        where = _("Ermäßigung %(n)s") % {"n": index}
        if not isinstance(reduction, dict) or not reduction.get("label"):
            raise FeeRuleError(_("%(where)s braucht eine Bezeichnung.") % {"where": where})
        try:
            percent = Decimal(str(reduction.get("percent")))
        except InvalidOperation:
            percent = Decimal(-1)
        if isinstance(reduction.get("percent"), float) or not (0 < percent <= 100):
            raise FeeRuleError(
                _("%(where)s: der Prozentsatz muss zwischen 0 und 100 liegen.") % {"where": where}
            )
        _check_condition(reduction.get("when"), where)
    for index, free in enumerate(rule.get("free", []) or [], start=1):
        where = _("Gebührenfreiheit %(n)s") % {"n": index}
        if not isinstance(free, dict) or not free.get("label") or not free.get("when"):
            raise FeeRuleError(
                _("%(where)s braucht eine Bezeichnung und eine Bedingung.") % {"where": where}
            )
        _check_condition(free["when"], where)
    return rule


# --- computing ----------------------------------------------------------------------------

_MISSING = object()


def _value(data, path: str):
    current = data
    for part in path.split("."):
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return _MISSING
    return current


def holds(condition, data) -> bool:
    if condition is None:
        return True
    if "field" in condition:
        value = _value(data, condition["field"])
        if value is _MISSING:
            return False
        if "equals" in condition:
            return value == condition["equals"]
        return value in condition["in"]
    if "not" in condition:
        return not holds(condition["not"], data)
    if "all" in condition:
        return all(holds(part, data) for part in condition["all"])
    return any(holds(part, data) for part in condition["any"])


def _as_number(value) -> Decimal | None:
    if isinstance(value, list):
        return Decimal(len(value))
    if isinstance(value, bool) or value is _MISSING or value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() and number >= 0 else None


def _as_date(value) -> datetime.date | None:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        return None


def _units(unit, data) -> Decimal | None:
    if "field" in unit:
        return _as_number(_value(data, unit["field"]))
    if "product" in unit:
        result = Decimal(1)
        for path in unit["product"]:
            number = _as_number(_value(data, path))
            if number is None:
                return None
            result *= number
        return result
    start, end = (_as_date(_value(data, path)) for path in unit["days"])
    if start is None or end is None or end < start:
        return None
    return Decimal((end - start).days + 1)


def compute(rule: dict, data: dict) -> FeeComputation:
    """The fee for the cleaned answers `data` (rule checked by `parse_rule`)."""
    for free in rule.get("free", []) or []:
        if holds(free["when"], data):
            return FeeComputation(lines=[], total=Decimal("0.00"), free_reason=free["label"])
    lines: list[FeeLine] = []
    for item in rule["items"]:
        if not holds(item.get("when"), data):
            continue
        amount = money(item["amount"])
        factors = []
        quantity = Decimal(1)
        missing = False
        for unit in item.get("per", []) or []:
            number = _units(unit, data)
            if number is None:
                missing = True
                break
            quantity *= number
            factors.append(f"{_number_text(number)} {unit.get('unit', '')}".strip())
        if missing:
            continue  # an answer the item depends on is not given: it does not apply
        line_amount = (amount * quantity).quantize(CENT, rounding=ROUND_HALF_UP)
        detail = " × ".join([*factors, euro(amount)]) if factors else ""
        lines.append(FeeLine(label=item["label"], amount=line_amount, detail=detail))
    subtotal = sum((line.amount for line in lines), Decimal("0.00"))
    notes = []
    if "minimum" in rule and lines and subtotal < money(rule["minimum"]):
        minimum = money(rule["minimum"])
        lines.append(
            FeeLine(
                label=_("Aufschlag auf die Mindestgebühr"),
                amount=minimum - subtotal,
                detail=_("Mindestgebühr %(amount)s") % {"amount": euro(minimum)},
            )
        )
        notes.append(_("Es gilt die Mindestgebühr von %(amount)s.") % {"amount": euro(minimum)})
        subtotal = minimum
    if "maximum" in rule and subtotal > money(rule["maximum"]):
        maximum = money(rule["maximum"])
        lines.append(
            FeeLine(
                label=_("Begrenzung auf die Höchstgebühr"),
                amount=maximum - subtotal,
                detail=_("Höchstgebühr %(amount)s") % {"amount": euro(maximum)},
            )
        )
        notes.append(_("Es gilt die Höchstgebühr von %(amount)s.") % {"amount": euro(maximum)})
        subtotal = maximum
    for reduction in rule.get("reductions", []) or []:
        if subtotal > 0 and holds(reduction.get("when"), data):
            percent = Decimal(str(reduction["percent"]))
            cut = (subtotal * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)
            lines.append(
                FeeLine(
                    label=reduction["label"],
                    amount=-cut,
                    detail=_("%(percent)s %% von %(amount)s")
                    % {"percent": _number_text(percent), "amount": euro(subtotal)},
                )
            )
            subtotal -= cut
    return FeeComputation(lines=lines, total=max(subtotal, Decimal("0.00")), notes=notes)


def describe(rule: dict) -> list[str]:
    """The rule in German sentences, for the service page (before any answer is given)."""
    sentences = []
    for item in rule["items"]:
        units = [unit.get("unit", "") for unit in item.get("per", []) or []]
        if units:
            sentences.append(
                _("%(label)s: %(amount)s je %(units)s")
                % {
                    "label": item["label"],
                    "amount": euro(money(item["amount"])),
                    "units": " und ".join(units),
                }
            )
        else:
            sentences.append(f"{item['label']}: {euro(money(item['amount']))}")
    if "minimum" in rule:
        sentences.append(_("Mindestgebühr: %(amount)s") % {"amount": euro(money(rule["minimum"]))})
    if "maximum" in rule:
        sentences.append(_("Höchstgebühr: %(amount)s") % {"amount": euro(money(rule["maximum"]))})
    for reduction in rule.get("reductions", []) or []:
        sentences.append(
            _("%(label)s: %(percent)s %% weniger")
            % {
                "label": reduction["label"],
                "percent": _number_text(Decimal(str(reduction["percent"]))),
            }
        )
    for free in rule.get("free", []) or []:
        sentences.append(_("Gebührenfrei: %(label)s") % {"label": free["label"]})
    return sentences
