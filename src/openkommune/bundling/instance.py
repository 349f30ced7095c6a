"""A bundling instance: who needs how much of what, and who sells it at which tier prices.

Pure Python (no Django): parsed from the JSON format of `solve_bundle` by
`Instance.from_json`, which refuses malformed input with an `InstanceError` naming the bad
entry. Money is held in integer cents throughout (unit prices must be whole cents, like
`procurement.PriceTier.unit_price`), so every total below is exact.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

TOP_LEVEL_KEYS = {"members", "items", "suppliers", "prices", "demand", "ineligible"}
REQUIRED_KEYS = ("members", "items", "suppliers", "prices", "demand")


class InstanceError(ValueError):
    """Malformed instance; the message starts with the path of the bad entry."""


class InfeasibleInstance(ValueError):
    """The instance has no feasible assignment (raised by shapley_values)."""


@dataclass(frozen=True)
class Tier:
    min_qty: int
    price_cents: int


@dataclass(frozen=True)
class Offer:
    """Tier prices of one supplier for one item (all units at the tier the quantity reaches)."""

    supplier: str
    item: str
    tiers: tuple[Tier, ...]

    def price_cents(self, qty: int) -> int:
        """Unit price for an order of `qty` units: the last tier whose min_qty is reached."""
        price = self.tiers[0].price_cents
        for tier in self.tiers:
            if qty >= tier.min_qty:
                price = tier.price_cents
        return price

    def cost_cents(self, qty: int) -> int:
        return qty * self.price_cents(qty)

    @property
    def prices_non_increasing(self) -> bool:
        return all(
            a.price_cents >= b.price_cents for a, b in zip(self.tiers, self.tiers[1:], strict=False)
        )


@dataclass(frozen=True)
class Demand:
    member: str
    item: str
    qty: int


@dataclass(frozen=True)
class Instance:
    members: tuple[str, ...]
    items: tuple[str, ...]
    suppliers: tuple[str, ...]
    offers: Mapping[tuple[str, str], Offer]  # (supplier, item) -> offer
    capacity: Mapping[tuple[str, str], int]  # (supplier, item) -> max units; absent = unlimited
    demand: tuple[Demand, ...]
    ineligible: frozenset[tuple[str, str]] = field(default_factory=frozenset)  # (member, supplier)

    @classmethod
    def from_json(cls, data: Any) -> Instance:
        return _parse(data)

    def to_json(self) -> dict:
        """The instance in the input format (prices as strings with two decimals)."""
        return {
            "members": list(self.members),
            "items": list(self.items),
            "suppliers": [
                {
                    "id": supplier,
                    "capacity": {
                        item: self.capacity[(supplier, item)]
                        for item in self.items
                        if (supplier, item) in self.capacity
                    },
                }
                for supplier in self.suppliers
            ],
            "prices": [
                {
                    "supplier": offer.supplier,
                    "item": offer.item,
                    "tiers": [
                        {"min_qty": t.min_qty, "unit_price": euros(t.price_cents)}
                        for t in offer.tiers
                    ],
                }
                for offer in self.offers.values()
            ],
            "demand": [{"member": d.member, "item": d.item, "qty": d.qty} for d in self.demand],
            "ineligible": [
                {"member": member, "supplier": supplier}
                for member, supplier in sorted(self.ineligible)
            ],
        }

    def candidates(self, demand: Demand) -> list[str]:
        """Suppliers that may serve this demand whole: offer the item, are eligible for the
        member, and have the capacity for the quantity on its own (in supplier order)."""
        return [
            supplier
            for supplier in self.suppliers
            if (supplier, demand.item) in self.offers
            and (demand.member, supplier) not in self.ineligible
            and self.capacity.get((supplier, demand.item), demand.qty) >= demand.qty
        ]

    def restricted_to(self, members: Iterable[str]) -> Instance:
        """The same market with only these members' demand (a coalition)."""
        keep = set(members)
        return Instance(
            members=tuple(m for m in self.members if m in keep),
            items=self.items,
            suppliers=self.suppliers,
            offers=self.offers,
            capacity=self.capacity,
            demand=tuple(d for d in self.demand if d.member in keep),
            ineligible=frozenset(p for p in self.ineligible if p[0] in keep),
        )


# --- per-item view: every constraint is per item, so items are independent subproblems ---


@dataclass(frozen=True)
class ItemProblem:
    item: str
    demand_indices: tuple[int, ...]  # positions in Instance.demand
    qty: tuple[int, ...]
    candidates: tuple[tuple[str, ...], ...]  # per demand
    offers: Mapping[str, Offer]  # supplier -> offer of this item
    capacity: Mapping[str, int]  # supplier -> capacity (absent = unlimited)

    def restricted(self, positions: Iterable[int]) -> ItemProblem:
        """Only the demands at these positions (0-based within this problem)."""
        keep = sorted(set(positions))
        return ItemProblem(
            item=self.item,
            demand_indices=tuple(self.demand_indices[k] for k in keep),
            qty=tuple(self.qty[k] for k in keep),
            candidates=tuple(self.candidates[k] for k in keep),
            offers=self.offers,
            capacity=self.capacity,
        )


def item_problems(instance: Instance) -> list[ItemProblem]:
    """One subproblem per item with demand, in item order."""
    by_item: dict[str, list[int]] = {item: [] for item in instance.items}
    for index, demand in enumerate(instance.demand):
        by_item[demand.item].append(index)
    problems = []
    for item, indices in by_item.items():
        if not indices:
            continue
        problems.append(
            ItemProblem(
                item=item,
                demand_indices=tuple(indices),
                qty=tuple(instance.demand[k].qty for k in indices),
                candidates=tuple(tuple(instance.candidates(instance.demand[k])) for k in indices),
                offers={
                    s: instance.offers[(s, item)]
                    for s in instance.suppliers
                    if (s, item) in instance.offers
                },
                capacity={
                    s: instance.capacity[(s, item)]
                    for s in instance.suppliers
                    if (s, item) in instance.capacity
                },
            )
        )
    return problems


def unservable_messages(instance: Instance) -> list[str]:
    """A message per demand that no supplier can serve even on its own."""
    messages = []
    for index, demand in enumerate(instance.demand):
        if instance.candidates(demand):
            continue
        offering = [s for s in instance.suppliers if (s, demand.item) in instance.offers]
        eligible = [s for s in offering if (demand.member, s) not in instance.ineligible]
        if not offering:
            reason = f'no supplier offers "{demand.item}"'
        elif not eligible:
            reason = f'"{demand.member}" is not eligible with any supplier of "{demand.item}"'
        else:
            caps = ", ".join(
                f"{s}: {instance.capacity[(s, demand.item)]}"
                for s in eligible
                if (s, demand.item) in instance.capacity
            )
            reason = f"the quantity exceeds every eligible supplier's capacity ({caps})"
        messages.append(
            f'demand[{index}] ("{demand.member}", "{demand.item}", qty {demand.qty}): {reason}'
        )
    return messages


def alone_cents(instance: Instance) -> dict[str, int | None]:
    """Per member: each of its demands bought alone at the tier its own quantity reaches, from
    the cheapest eligible supplier whose capacity can take it; None if some demand has none."""
    totals: dict[str, int | None] = dict.fromkeys(instance.members, 0)
    for demand in instance.demand:
        options = [
            instance.offers[(s, demand.item)].cost_cents(demand.qty)
            for s in instance.candidates(demand)
        ]
        current = totals[demand.member]
        totals[demand.member] = None if current is None or not options else current + min(options)
    return totals


def euros(cents: int | None) -> str | None:
    """Integer cents as a euro string with two decimals ("-12.50")."""
    if cents is None:
        return None
    return str((Decimal(cents) / 100).quantize(Decimal("0.01")))


def euros_decimal(cents: int | None) -> Decimal | None:
    return None if cents is None else (Decimal(cents) / 100).quantize(Decimal("0.01"))


# --- parsing ---


def _parse(data: Any) -> Instance:
    if not isinstance(data, dict):
        raise InstanceError("instance: expected a JSON object")
    unknown = sorted(set(data) - TOP_LEVEL_KEYS)
    if unknown:
        raise InstanceError(f'instance: unknown key "{unknown[0]}"')
    for key in REQUIRED_KEYS:
        if key not in data:
            raise InstanceError(f'instance: missing key "{key}"')

    members = _ids(data["members"], "members")
    items = _ids(data["items"], "items")
    member_set, item_set = set(members), set(items)

    suppliers: list[str] = []
    capacity: dict[tuple[str, str], int] = {}
    for _, path, entry in _entries(
        data["suppliers"], "suppliers", required=("id",), optional=("capacity",)
    ):
        supplier = _id(entry["id"], f"{path}.id")
        if supplier in suppliers:
            raise InstanceError(f'{path}.id: duplicate supplier "{supplier}"')
        suppliers.append(supplier)
        caps = entry.get("capacity", {})
        if not isinstance(caps, dict):
            raise InstanceError(f"{path}.capacity: expected an object item -> quantity")
        for item, value in caps.items():
            if item not in item_set:
                raise InstanceError(f'{path}.capacity: unknown item "{item}"')
            capacity[(supplier, item)] = _whole(value, f"{path}.capacity.{item}", minimum=0)
    supplier_set = set(suppliers)

    offers: dict[tuple[str, str], Offer] = {}
    first_row: dict[tuple[str, str], int] = {}
    for k, path, entry in _entries(
        data["prices"], "prices", required=("supplier", "item", "tiers")
    ):
        supplier = _known(entry["supplier"], supplier_set, f"{path}.supplier", "supplier")
        item = _known(entry["item"], item_set, f"{path}.item", "item")
        if (supplier, item) in offers:
            raise InstanceError(
                f'{path}: duplicate price row for supplier "{supplier}" and item "{item}" '
                f"(already in prices[{first_row[(supplier, item)]}])"
            )
        first_row[(supplier, item)] = k
        offers[(supplier, item)] = Offer(supplier, item, _tiers(entry["tiers"], f"{path}.tiers"))

    demand: list[Demand] = []
    seen: dict[tuple[str, str], int] = {}
    for k, path, entry in _entries(data["demand"], "demand", required=("member", "item", "qty")):
        member = _known(entry["member"], member_set, f"{path}", "member")
        item = _known(entry["item"], item_set, f"{path}", "item")
        if (member, item) in seen:
            raise InstanceError(
                f'{path}: duplicate demand of "{member}" for "{item}" '
                f"(already in demand[{seen[(member, item)]}]; add the quantities up)"
            )
        seen[(member, item)] = k
        demand.append(Demand(member, item, _whole(entry["qty"], f"{path}.qty", minimum=1)))

    ineligible: set[tuple[str, str]] = set()
    for _, path, entry in _entries(
        data.get("ineligible", []), "ineligible", required=("member", "supplier")
    ):
        member = _known(entry["member"], member_set, path, "member")
        supplier = _known(entry["supplier"], supplier_set, path, "supplier")
        ineligible.add((member, supplier))

    return Instance(
        members=tuple(members),
        items=tuple(items),
        suppliers=tuple(suppliers),
        offers=offers,
        capacity=capacity,
        demand=tuple(demand),
        ineligible=frozenset(ineligible),
    )


def _list(value: Any, path: str) -> list:
    if not isinstance(value, list):
        raise InstanceError(f"{path}: expected a list")
    return value


def _entries(value: Any, path: str, *, required: tuple[str, ...], optional=()):
    """Yield (index, path, entry) for each object of the list `value`, its keys checked."""
    for k, entry in enumerate(_list(value, path)):
        entry_path = f"{path}[{k}]"
        _keys(entry, entry_path, required=required, optional=optional)
        yield k, entry_path, entry


def _keys(entry: Any, path: str, *, required: tuple[str, ...], optional=()) -> None:
    if not isinstance(entry, dict):
        raise InstanceError(f"{path}: expected an object")
    for key in required:
        if key not in entry:
            raise InstanceError(f'{path}: missing key "{key}"')
    unknown = sorted(set(entry) - set(required) - set(optional))
    if unknown:
        raise InstanceError(f'{path}: unknown key "{unknown[0]}"')


def _id(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InstanceError(f"{path}: expected a non-empty string, got {value!r}")
    return value


def _ids(value: Any, path: str) -> list[str]:
    result: list[str] = []
    for k, entry in enumerate(_list(value, path)):
        ident = _id(entry, f"{path}[{k}]")
        if ident in result:
            raise InstanceError(f'{path}[{k}]: duplicate "{ident}"')
        result.append(ident)
    return result


def _known(value: Any, known: set[str], path: str, kind: str) -> str:
    if not isinstance(value, str) or value not in known:
        raise InstanceError(f"{path}: unknown {kind} {_quoted(value)}")
    return value


def _quoted(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


def _number(value: Any, path: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise InstanceError(f"{path}: expected a number, got {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise InstanceError(f"{path}: expected a finite number, got {value!r}")
    try:
        # repr() of a float is its shortest round-trip form: 899.99 stays 899.99.
        number = Decimal(repr(value) if isinstance(value, float) else value)
    except (InvalidOperation, ValueError):
        raise InstanceError(f"{path}: expected a number, got {value!r}") from None
    if not number.is_finite():
        raise InstanceError(f"{path}: expected a finite number, got {value!r}")
    return number


def _whole(value: Any, path: str, *, minimum: int) -> int:
    number = _number(value, path)
    if number != number.to_integral_value():
        raise InstanceError(f"{path}: expected a whole number, got {value}")
    if number < minimum:
        raise InstanceError(f"{path}: must be at least {minimum}, got {value}")
    if number > 10**12:
        raise InstanceError(f"{path}: implausibly large ({value})")
    return int(number)


def _tiers(value: Any, path: str) -> tuple[Tier, ...]:
    entries = _list(value, path)
    if not entries:
        raise InstanceError(f"{path}: at least one tier is needed")
    tiers: list[Tier] = []
    for k, entry in enumerate(entries):
        tier_path = f"{path}[{k}]"
        _keys(entry, tier_path, required=("min_qty", "unit_price"))
        min_qty = _whole(entry["min_qty"], f"{tier_path}.min_qty", minimum=0)
        if k == 0 and min_qty != 0:
            raise InstanceError(
                f"{tier_path}.min_qty: the first tier must start at 0 "
                f"(a price is needed for every quantity), got {min_qty}"
            )
        if tiers and min_qty <= tiers[-1].min_qty:
            raise InstanceError(
                f"{tier_path}.min_qty: tiers must be in ascending order of min_qty "
                f"({min_qty} after {tiers[-1].min_qty})"
            )
        price = _number(entry["unit_price"], f"{tier_path}.unit_price")
        if price < 0:
            raise InstanceError(f"{tier_path}.unit_price: must not be negative, got {price}")
        cents = price * 100
        if cents != cents.to_integral_value():
            raise InstanceError(
                f"{tier_path}.unit_price: at most two decimal places (whole cents), got {price}"
            )
        if cents > 10**12:
            raise InstanceError(f"{tier_path}.unit_price: implausibly large ({price})")
        tiers.append(Tier(min_qty, int(cents)))
    return tuple(tiers)
