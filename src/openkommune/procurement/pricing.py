"""Tier price maths (pure, no database): all-units and incremental tiers, and parsing them.

A tier list is a sequence of (min_quantity, unit_price) with the first tier at 0. Unit number
k (1-based) "reaches" the tier with the largest min_quantity <= k.

- all-units: every unit costs the price of the tier the whole quantity reaches
  ("ab 10 Stück kostet jedes Stück 90 €");
- incremental: each unit costs the price of the tier its own position reaches
  (units 1 to 9 at the first price, units 10 and later at the second).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from openkommune.core.formatting import format_money
from openkommune.procurement.constants import TierMode

CENT = Decimal("0.01")
Tier = tuple[int, Decimal]


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def sorted_tiers(tiers: Iterable[Tier]) -> list[Tier]:
    ordered = sorted((int(m), Decimal(p)) for m, p in tiers)
    if not ordered or ordered[0][0] != 0:
        raise ValueError("The first price tier must start at quantity 0.")
    return ordered


def tier_price(tiers: Sequence[Tier], quantity: int) -> Decimal:
    """Unit price of the tier that `quantity` reaches (tiers sorted, first at 0)."""
    price = tiers[0][1]
    for min_quantity, unit_price in tiers:
        if min_quantity > quantity:
            break
        price = unit_price
    return price


def tier_total(tiers: Iterable[Tier], quantity: int, mode: str) -> Decimal:
    """Net total of `quantity` units, in cents."""
    if quantity < 0:
        raise ValueError("Quantity must not be negative.")
    ordered = sorted_tiers(tiers)
    if quantity == 0:
        return Decimal("0.00")
    if TierMode(mode) == TierMode.ALL_UNITS:
        return money(tier_price(ordered, quantity) * quantity)
    total = Decimal(0)
    for index, (min_quantity, unit_price) in enumerate(ordered):
        first_unit = max(min_quantity, 1)
        next_min = ordered[index + 1][0] if index + 1 < len(ordered) else None
        last_unit = quantity if next_min is None else min(quantity, next_min - 1)
        if last_unit >= first_unit:
            total += unit_price * (last_unit - first_unit + 1)
    return money(total)


def parse_tier_lines(
    text: str, *, label: str | None = None, require_base: bool = True
) -> tuple[list[Tier], list[str]]:
    """Parse one "ab Menge: Preis" per line (e.g. "0: 899,00", "10: 849,50").

    Returns the tiers and German error messages naming the line; accepts German and English
    decimal marks and thousands separators ("1.299,00", "1299.00"). `label` names a line in
    messages (default "Zeile %(number)d"); without `require_base` the tier at 0 may be
    missing (the catalogue import has the base price in a column of its own).
    """
    label = label or _("Zeile %(number)d")
    tiers: list[Tier] = []
    errors: list[str] = []
    seen: set[int] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        where = label % {"number": number}
        if ":" not in line:
            errors.append(
                _("%(where)s: Bitte „ab Menge: Preis“ angeben, z. B. „10: 849,50“.")
                % {"where": where}
            )
            continue
        quantity_text, price_text = (part.strip() for part in line.split(":", 1))
        if quantity_text.lower().startswith("ab "):
            quantity_text = quantity_text[3:].strip()
        if not quantity_text.isdigit():
            errors.append(
                _("%(where)s: Die Menge „%(quantity)s“ ist keine ganze Zahl ≥ 0.")
                % {"where": where, "quantity": quantity_text}
            )
            continue
        price = parse_decimal(price_text.replace("€", "").strip())
        if price is None or price < 0:
            errors.append(
                _(
                    "%(where)s: Der Preis „%(price)s“ ist kein Betrag ≥ 0 mit höchstens zwei "
                    "Nachkommastellen."
                )
                % {"where": where, "price": price_text}
            )
            continue
        quantity = int(quantity_text)
        if quantity in seen:
            errors.append(
                _("%(where)s: Die Menge %(quantity)d steht schon in einer Zeile.")
                % {"where": where, "quantity": quantity}
            )
            continue
        seen.add(quantity)
        tiers.append((quantity, price))
    if not errors and require_base:
        if not tiers:
            errors.append(_("Bitte mindestens eine Preisstaffel angeben, z. B. „0: 899,00“."))
        elif min(m for m, _price in tiers) != 0:
            errors.append(_("Die erste Preisstaffel muss bei Menge 0 beginnen („0: Preis“)."))
    return sorted(tiers), errors


def parse_decimal(text: str) -> Decimal | None:
    """A German or English amount with at most 2 decimals, or None."""
    value = text.strip().replace(" ", "")
    if not value:
        return None
    if "," in value:
        value = value.replace(".", "").replace(",", ".")
    elif value.count(".") > 1:
        value = value.replace(".", "")
    try:
        amount = Decimal(value)
    except ArithmeticError:
        return None
    if not amount.is_finite() or amount.as_tuple().exponent < -2 or amount > Decimal("1e10"):
        return None
    return amount.quantize(CENT)


def format_tiers(tiers: Iterable[Tier]) -> str:
    return "\n".join(f"{m}: {format_money(p, currency=False)}" for m, p in sorted(tiers))
