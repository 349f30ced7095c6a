"""Who pays how much of a bundled total: the Shapley value when no member pays more than
alone, otherwise the allocation closest to it that keeps every member at or below its
alone cost and, where the round is small enough, no group of members above what it would
pay on its own (a core allocation). Pure Python + scipy, no Django; see docs/bundling.md.

All amounts are integer cents. The shares always add up to the bundled total.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations

import numpy as np
from scipy.optimize import linprog

# How the shares were found (stored on the round's result, explained on its page).
SHAPLEY = "shapley"  # the Shapley value (or tier price) itself: nobody pays more than alone
CORE = "core"  # closest core allocation: no member and no group pays more than alone
RATIONAL = "rational"  # no member above alone; groups not (all) checked: many members, time
CORE_EMPTY = "core_empty"  # the core is empty: closest allocation with no member above alone
NOT_RATIONAL = "not_rational"  # bundled total > sum of alone costs: excess spread evenly

# Coalition constraints are checked up to this many members (2^n - 2 coalition costs).
CORE_MAX_MEMBERS = 8


@dataclass(frozen=True)
class CostAllocation:
    shares: dict[str, int]  # member -> cents, sum = total
    method: str


def allocate(
    target: Mapping[str, int],
    alone: Mapping[str, int | None],
    total: int,
    coalition_cost: Callable[[frozenset[str]], int | None] | None = None,
) -> CostAllocation:
    """The shares of `total` among the members of `target` (their Shapley value, in cents).

    `alone[m]` bounds member m's share (None: m cannot buy alone, no bound). When the target
    respects every bound it is returned as is. Otherwise a small LP finds the shares that
    minimise the largest deviation from the target subject to share <= alone, sum = total
    and, when `coalition_cost` is given and there are at most CORE_MAX_MEMBERS members,
    sum over S <= cost(S) for every group S whose cost is known (not None). If those group
    constraints cannot all hold, the core is empty and only the members' bounds are kept.
    If even those cannot hold (capacity: the members' alone costs add up to less than the
    bundled total), the excess over the alone costs is kept as small as possible for the
    worst-off member.
    """
    members = list(target)
    if sum(target.values()) != total:
        raise ValueError("the target shares must add up to the total")
    bounds = [alone.get(m) for m in members]
    if all(b is None or target[m] <= b for m, b in zip(members, bounds, strict=True)):
        return CostAllocation(dict(target), SHAPLEY)
    coalitions: list[tuple[frozenset[str], int]] = []
    unknown = 0
    if coalition_cost is not None and len(members) <= CORE_MAX_MEMBERS:
        for size in range(2, len(members)):
            for group in combinations(members, size):
                cost = coalition_cost(frozenset(group))
                if cost is None:
                    unknown += 1
                else:
                    coalitions.append((frozenset(group), cost))
    if coalition_cost is not None and len(members) <= CORE_MAX_MEMBERS:
        x = _closest(members, target, total, bounds, coalitions)
        if x is not None:
            # In the core only if every group was checked; otherwise the checked ones hold.
            method = RATIONAL if unknown else CORE
            return CostAllocation(_round_shares(members, x, bounds, total), method)
        method = CORE_EMPTY  # some groups' constraints already contradict each other
    else:
        method = RATIONAL
    x = _closest(members, target, total, bounds, [])
    if x is not None:
        return CostAllocation(_round_shares(members, x, bounds, total), method)
    # No share vector respects every alone cost: minimise the largest excess, then stay as
    # close to the target as that allows.
    excess = _least_excess(members, total, bounds)
    relaxed = [None if b is None else b + excess for b in bounds]
    x = _closest(members, target, total, relaxed, [])
    assert x is not None, "the relaxed bounds are feasible by construction"
    return CostAllocation(_round_shares(members, x, [None] * len(members), total), NOT_RATIONAL)


def _closest(members, target, total, bounds, coalitions) -> list[float] | None:
    """min t s.t. |x_i - target_i| <= t, 0 <= x_i <= bound_i, sum x = total, group sums <=
    their cost. Variables x_1..x_n, t. None when infeasible."""
    n = len(members)
    index = {m: k for k, m in enumerate(members)}
    rows, rhs = [], []
    for k, m in enumerate(members):
        up = np.zeros(n + 1)
        up[k], up[n] = 1.0, -1.0
        rows.append(up)
        rhs.append(float(target[m]))
        down = np.zeros(n + 1)
        down[k], down[n] = -1.0, -1.0
        rows.append(down)
        rhs.append(-float(target[m]))
    for group, cost in coalitions:
        row = np.zeros(n + 1)
        for m in group:
            row[index[m]] = 1.0
        rows.append(row)
        rhs.append(float(cost))
    objective = np.zeros(n + 1)
    objective[n] = 1.0
    equality = np.ones((1, n + 1))
    equality[0, n] = 0.0
    result = linprog(
        objective,
        A_ub=np.array(rows),
        b_ub=np.array(rhs),
        A_eq=equality,
        b_eq=np.array([float(total)]),
        bounds=[(0.0, None if b is None else float(b)) for b in bounds] + [(0.0, None)],
        method="highs",
    )
    if result.status != 0:
        return None
    return [float(v) for v in result.x[:n]]


def _least_excess(members, total, bounds) -> int:
    """The smallest whole number of cents e such that shares with x_i <= bound_i + e exist."""
    bounded = [b for b in bounds if b is not None]
    if len(bounded) < len(members) or not bounded:
        return 0  # an unbounded member can take the rest
    return max(0, math.ceil((total - sum(bounded)) / len(bounded)))


def _round_shares(members, x, bounds, total) -> dict[str, int]:
    """Whole cents adding up to `total`, none above its bound (largest remainder)."""
    clamped = [
        max(0.0, v if b is None else min(v, float(b))) for v, b in zip(x, bounds, strict=True)
    ]
    floors = [math.floor(v + 1e-6) for v in clamped]
    floors = [f if b is None else min(f, b) for f, b in zip(floors, bounds, strict=True)]
    remainder = [v - f for v, f in zip(clamped, floors, strict=True)]
    missing = total - sum(floors)
    while missing > 0:
        room = [k for k, b in enumerate(bounds) if b is None or floors[k] < b]
        k = max(room, key=lambda k: (remainder[k], -k))
        floors[k] += 1
        remainder[k] -= 1
        missing -= 1
    while missing < 0:
        room = [k for k in range(len(floors)) if floors[k] > 0]
        k = min(room, key=lambda k: (remainder[k], k))
        floors[k] -= 1
        remainder[k] += 1
        missing += 1
    return dict(zip(members, floors, strict=True))


def settlement_parts(settlement: int, costs: list[int]) -> list[int]:
    """A member's settlement (cost share minus its lines' cost at the tier price, in cents;
    positive: the member pays in, negative: it is credited) split over its lines in
    proportion to their cost, in whole cents that add up to it exactly (largest remainder;
    ties go to the earlier line). Without any cost the first line takes all of it."""
    if not costs:
        if settlement:
            raise ValueError("a settlement needs at least one line")
        return []
    weight = sum(costs)
    if weight <= 0:
        return [settlement] + [0] * (len(costs) - 1)
    sign = -1 if settlement < 0 else 1
    amount = abs(settlement)
    exact = [Fraction(amount * cost, weight) for cost in costs]
    parts = [math.floor(value) for value in exact]
    order = sorted(range(len(costs)), key=lambda k: (-(exact[k] - parts[k]), k))
    for k in order[: amount - sum(parts)]:
        parts[k] += 1
    return [sign * part for part in parts]
