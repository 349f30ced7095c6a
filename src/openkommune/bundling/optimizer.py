"""The bundling optimiser: who buys what from whom so that the members' total cost is least.

Public, stable API (pure Python + numpy/scipy, no Django; see docs/bundling.md):

    Instance.from_json(data) -> Instance          raises InstanceError naming the bad entry
    solve(instance, *, time_limit=30.0) -> Solution   exact (HiGHS via scipy.optimize.milp)
    greedy(instance) -> Solution                  the documented greedy baseline
    alone_costs(instance) -> {member: Decimal | None}
    shapley_values(instance, *, samples, seed, ...) -> ShapleyValues (a dict member -> Decimal)
    Solution.to_json() -> dict                    exactly what `solve_bundle` prints

Model: every constraint (tiers, capacity, eligibility) is per item, so each item is solved on
its own. Per item, a binary x[d,s] gives demand d whole to supplier s; per supplier the
bought quantity Q_s = sum q_d x[d,s] is split over the tiers as z[s,t] with a tier binary
y[s,t] (at most one per supplier) and min_qty_t * y <= z <= (next min_qty - 1, capacity) * y;
the cost is sum price_t * z[s,t]. The tier is thus decided by the quantity actually bought:
the buyer cannot order phantom units to reach a cheaper tier.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

from openkommune.bundling.greedy import greedy_item, item_cost_cents
from openkommune.bundling.instance import (
    InfeasibleInstance,
    Instance,
    InstanceError,
    ItemProblem,
    alone_cents,
    euros,
    euros_decimal,
    item_problems,
    unservable_messages,
)
from openkommune.bundling.shapley import ShapleyValues, bundling_shapley

__all__ = [
    "InfeasibleInstance",
    "Instance",
    "InstanceError",
    "Line",
    "ShapleyValues",
    "Solution",
    "alone_costs",
    "greedy",
    "shapley_values",
    "solve",
]

OPTIMAL, TIME_LIMIT, INFEASIBLE = "optimal", "time_limit", "infeasible"
HEURISTIC, NO_SOLUTION = "heuristic", "no_solution"  # greedy() only
MIN_SLICE = 0.005  # seconds; below this a HiGHS call cannot do anything useful


@dataclass(frozen=True)
class Line:
    member: str
    item: str
    supplier: str
    qty: int
    price_cents: int

    @property
    def unit_price(self) -> Decimal:
        return euros_decimal(self.price_cents)

    @property
    def cost_cents(self) -> int:
        return self.qty * self.price_cents


@dataclass(frozen=True)
class Solution:
    """An answer of solve() or greedy(). `lines` is None when there is no assignment."""

    instance: Instance
    status: str
    lines: tuple[Line, ...] | None
    bound_cents: float | None = None  # proven lower bound on the optimal total (solve only)
    messages: tuple[str, ...] = ()

    @property
    def total_cents(self) -> int | None:
        return None if self.lines is None else sum(line.cost_cents for line in self.lines)

    @property
    def total_cost(self) -> Decimal | None:
        return euros_decimal(self.total_cents)

    @property
    def gap(self) -> float | None:
        """Proven relative gap (total - bound) / total; 0 when optimal."""
        total = self.total_cents
        if total is None or self.bound_cents is None:
            return None
        if self.status == OPTIMAL or total == 0:
            return 0.0
        return max(0.0, (total - self.bound_cents) / total)

    def member_cents(self) -> dict[str, int] | None:
        if self.lines is None:
            return None
        costs = dict.fromkeys(self.instance.members, 0)
        for line in self.lines:
            costs[line.member] += line.cost_cents
        return costs

    def to_json(self) -> dict:
        costs = self.member_cents()
        alone = alone_cents(self.instance)
        per_member = []
        for member in self.instance.members:
            cost = None if costs is None else costs[member]
            alone_cost = alone[member]
            savings = None if cost is None or alone_cost is None else alone_cost - cost
            per_member.append(
                {
                    "member": member,
                    "cost": euros(cost),
                    "alone_cost": euros(alone_cost),
                    "savings": euros(savings),
                }
            )
        alone_values = list(alone.values())
        alone_total = None if None in alone_values else sum(alone_values)
        total = self.total_cents
        gap = self.gap
        return {
            "status": self.status,
            "total_cost": euros(total),
            "gap": None if gap is None else float(f"{gap:.3g}"),
            "assignment": [
                {
                    "member": line.member,
                    "item": line.item,
                    "supplier": line.supplier,
                    "qty": line.qty,
                    "unit_price": euros(line.price_cents),
                }
                for line in self.lines or ()
            ],
            "per_member": per_member,
            "alone_total": euros(alone_total),
            "savings_total": euros(
                None if alone_total is None or total is None else alone_total - total
            ),
            "messages": list(self.messages),
        }


def solve(instance: Instance, *, time_limit: float = 30.0) -> Solution:
    """The cheapest assignment, or the best found within `time_limit` seconds with its gap."""
    if not time_limit > 0:
        raise ValueError("time_limit must be positive")
    deadline = time.monotonic() + time_limit
    unservable = unservable_messages(instance)
    if unservable:
        return Solution(instance, INFEASIBLE, None, messages=tuple(unservable))
    states = [_ItemState(problem) for problem in item_problems(instance)]
    # Easy items are done already (closed form, greedy reaching the bound). The others get a
    # fair share of the remaining time each, smallest first, so that what quick items leave
    # over goes to the big ones; then, round after round, to those not yet proven (HiGHS
    # restarts: it takes no start solution or bound).
    pending = sorted(
        (state for state in states if not state.finished),
        key=lambda state: sum(len(c) for c in state.problem.candidates),
    )
    while pending and deadline - time.monotonic() >= MIN_SLICE:
        for position, state in enumerate(pending):
            left = deadline - time.monotonic()
            if left < MIN_SLICE:
                break
            state.run_mip(left / (len(pending) - position))
        pending = [state for state in pending if not state.finished]
    return _assemble(instance, states)


def greedy(instance: Instance) -> Solution:
    """The greedy baseline (see greedy.py) on every item; status "heuristic" when it found an
    assignment, "no_solution" when the rule got stuck (the instance may still be feasible)."""
    unservable = unservable_messages(instance)
    if unservable:
        return Solution(instance, INFEASIBLE, None, messages=tuple(unservable))
    chosen: dict[int, str] = {}
    stuck = []
    for problem in item_problems(instance):
        assignment = greedy_item(problem)
        if assignment is None:
            stuck.append(f'item "{problem.item}": the greedy rule found no assignment')
            continue
        chosen.update({problem.demand_indices[k]: s for k, s in assignment.items()})
    if stuck:
        return Solution(instance, NO_SOLUTION, None, messages=tuple(stuck))
    return Solution(instance, HEURISTIC, _lines(instance, chosen))


def alone_costs(instance: Instance) -> dict[str, Decimal | None]:
    """Per member the cost of buying alone (see instance.alone_cents); None if impossible."""
    return {member: euros_decimal(c) for member, c in alone_cents(instance).items()}


def shapley_values(
    instance: Instance,
    *,
    samples: int,
    seed: int,
    time_limit: float = 60.0,
    method: str = "optimal",
) -> ShapleyValues:
    """Shapley values of the cost game "coalition -> its least bundled cost" (see shapley.py).

    Coalition costs are optimal (closed form, or HiGHS with the time left) with
    method="optimal" until `time_limit` seconds are used; after that, and always with
    method="greedy", the greedy cost wherever greedy finds an assignment. The attributes of
    the result say what happened. Raises InfeasibleInstance for an infeasible instance.
    """
    if method not in ("optimal", "greedy"):
        raise ValueError('method must be "optimal" or "greedy"')
    deadline = time.monotonic() + time_limit

    def coalition_cents(problem: ItemProblem) -> tuple[int, bool]:
        state = _ItemState(problem)
        in_a_hurry = method == "greedy" or time.monotonic() >= deadline
        if not state.finished and in_a_hurry and state.cost is not None:
            return state.cost, False
        if not state.finished:
            # Greedy got stuck or time is left: the MIP decides (at least a short try).
            state.run_mip(max(deadline - time.monotonic(), 1.0))
        if state.infeasible:
            raise InfeasibleInstance(state.infeasible)
        if state.cost is None:
            raise InfeasibleInstance(f'item "{problem.item}": no assignment found in time')
        return state.cost, state.optimal

    return bundling_shapley(instance, samples=samples, seed=seed, coalition_cents=coalition_cents)


class _ItemState:
    """Best known assignment and proven bound of one item."""

    def __init__(self, problem: ItemProblem):
        self.problem = problem
        self.assignment: dict[int, str] | None = None
        self.cost: int | None = None
        self.bound = float(_simple_bound(problem))
        self.optimal = False
        self.infeasible: str | None = None
        closed = _closed_form(problem)
        if closed is not None:
            self._offer(closed)
            self.bound, self.optimal = float(self.cost), True
            return
        incumbent = greedy_item(problem)
        if incumbent is not None:
            self._offer(incumbent)
            self._check_proven()

    @property
    def finished(self) -> bool:
        return self.optimal or self.infeasible is not None

    def _offer(self, assignment: dict[int, str]) -> None:
        cost = item_cost_cents(self.problem, assignment)
        if self.cost is None or cost < self.cost:
            self.assignment, self.cost = assignment, cost

    def _check_proven(self) -> None:
        # Costs are whole cents: an incumbent less than a cent above the bound is optimal.
        if self.cost is not None and self.cost - self.bound < 1 - 1e-6:
            self.bound, self.optimal = float(self.cost), True

    def run_mip(self, seconds: float) -> None:
        model = _ItemModel(self.problem)
        upper = self.cost if self.cost is not None else model.cost_ceiling
        result = milp(
            model.objective,
            integrality=model.integrality,
            bounds=Bounds(0, model.upper),
            constraints=model.constraints,
            options={
                "time_limit": max(seconds, MIN_SLICE),
                # Stop once the gap is below half a cent; costs are whole cents.
                "mip_rel_gap": 0.5 / max(upper, 1),
                # HiGHS 1.x presolve looped on some tiny capped instances until the time
                # limit ("transformNewIntegerFeasibleSolution", found by the brute-force
                # test); without it those solve at once and the benchmark's are faster too.
                "presolve": False,
            },
        )
        if result.status == 2 and self.cost is None:
            self.infeasible = model.infeasible_message()
            return
        if result.x is not None:
            assignment = model.assignment(result.x)
            if assignment is not None:
                self._offer(assignment)
        dual = result.mip_dual_bound
        if result.status == 0 and (dual is None or not math.isfinite(dual)):
            dual = result.fun - 0.5  # optimal within the half-cent gap asked for above
        if dual is not None and math.isfinite(dual):
            self.bound = max(self.bound, dual)
        self._check_proven()


def _simple_bound(problem: ItemProblem) -> int:
    """No unit can cost less than the lowest tier price of a supplier allowed for it."""
    return sum(
        qty * min(t.price_cents for s in candidates for t in problem.offers[s].tiers)
        for qty, candidates in zip(problem.qty, problem.candidates, strict=True)
    )


def _closed_form(problem: ItemProblem) -> dict[int, str] | None:
    """The optimum without a MIP when it is obvious: one demand (cheapest allowed supplier
    for its quantity), or all demands allowed at the same suppliers, none of whose capacity
    binds and whose prices never rise with quantity: then one supplier for all is optimal,
    since a split buys each part at a unit price no lower than at the full quantity."""
    first = problem.candidates[0]
    total = sum(problem.qty)
    if len(problem.qty) > 1 and not (
        all(c == first for c in problem.candidates)
        and all(problem.capacity.get(s, total) >= total for s in first)
        and all(problem.offers[s].prices_non_increasing for s in first)
    ):
        return None
    best = min(first, key=lambda s: (problem.offers[s].cost_cents(total), first.index(s)))
    return dict.fromkeys(range(len(problem.qty)), best)


class _ItemModel:
    """The MIP of one item (variables: x per allowed demand-supplier pair, then y and z per
    reachable tier of each supplier)."""

    def __init__(self, problem: ItemProblem):
        self.problem = problem
        self.x: dict[tuple[int, str], int] = {}
        for position, candidates in enumerate(problem.candidates):
            for supplier in candidates:
                self.x[(position, supplier)] = len(self.x)
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        lower: list[float] = []
        upper_rows: list[float] = []
        objective = [0.0] * len(self.x)
        var_upper = [1.0] * len(self.x)
        integrality = [1] * len(self.x)

        def row(entries: list[tuple[int, float]], lo: float, hi: float) -> None:
            index = len(lower)
            for col, val in entries:
                rows.append(index)
                cols.append(col)
                vals.append(val)
            lower.append(lo)
            upper_rows.append(hi)

        def variable(cost: float, ub: float, integer: bool) -> int:
            objective.append(cost)
            var_upper.append(ub)
            integrality.append(1 if integer else 0)
            return len(objective) - 1

        for position, candidates in enumerate(problem.candidates):
            row([(self.x[(position, s)], 1.0) for s in candidates], 1.0, 1.0)
        self.cost_ceiling = 0
        for supplier, offer in problem.offers.items():
            served = [p for p, c in enumerate(problem.candidates) if supplier in c]
            if not served:
                continue
            reach = min(
                sum(problem.qty[p] for p in served), problem.capacity.get(supplier, math.inf)
            )
            self.cost_ceiling += int(reach) * max(t.price_cents for t in offer.tiers)
            tier_y, tier_z = [], []
            for t, tier in enumerate(offer.tiers):
                top = offer.tiers[t + 1].min_qty - 1 if t + 1 < len(offer.tiers) else math.inf
                top = min(top, reach)
                if tier.min_qty > top:
                    continue  # this supplier can never sell this much of the item
                y = variable(0.0, 1.0, True)
                z = variable(float(tier.price_cents), float(top), False)
                row([(z, 1.0), (y, -float(tier.min_qty))], 0.0, math.inf)
                row([(z, 1.0), (y, -float(top))], -math.inf, 0.0)
                tier_y.append(y)
                tier_z.append(z)
            row([(y, 1.0) for y in tier_y], 0.0, 1.0)
            # The quantity bought equals the quantity assigned (no phantom units).
            row(
                [(self.x[(p, supplier)], float(problem.qty[p])) for p in served]
                + [(z, -1.0) for z in tier_z],
                0.0,
                0.0,
            )
            for p in served:  # tightening: serving anyone needs an active tier
                row([(self.x[(p, supplier)], 1.0)] + [(y, -1.0) for y in tier_y], -math.inf, 0.0)
        matrix = coo_array((vals, (rows, cols)), shape=(len(lower), len(objective))).tocsr()
        self.objective = np.array(objective)
        self.upper = np.array(var_upper)
        self.integrality = np.array(integrality)
        self.constraints = LinearConstraint(matrix, np.array(lower), np.array(upper_rows))

    def assignment(self, values: np.ndarray) -> dict[int, str] | None:
        """The rounded assignment, or None if rounding broke a capacity (numerical noise)."""
        problem = self.problem
        chosen = {
            position: max(candidates, key=lambda s: values[self.x[(position, s)]])
            for position, candidates in enumerate(problem.candidates)
        }
        bought: dict[str, int] = {}
        for position, supplier in chosen.items():
            bought[supplier] = bought.get(supplier, 0) + problem.qty[position]
        if any(q > problem.capacity.get(s, q) for s, q in bought.items()):
            return None
        return chosen

    def infeasible_message(self) -> str:
        problem = self.problem
        caps = ", ".join(f"{s}: {c}" for s, c in problem.capacity.items())
        return (
            f'item "{problem.item}": the {len(problem.qty)} demands ({sum(problem.qty)} units) '
            f"cannot all be served whole by eligible suppliers within their capacities"
            + (f" ({caps})" if caps else "")
        )


def _lines(instance: Instance, chosen: dict[int, str]) -> tuple[Line, ...]:
    bought: dict[tuple[str, str], int] = {}
    for index, supplier in chosen.items():
        key = (supplier, instance.demand[index].item)
        bought[key] = bought.get(key, 0) + instance.demand[index].qty
    lines = []
    for index in sorted(chosen):
        demand, supplier = instance.demand[index], chosen[index]
        price = instance.offers[(supplier, demand.item)].price_cents(
            bought[(supplier, demand.item)]
        )
        lines.append(Line(demand.member, demand.item, supplier, demand.qty, price))
    return tuple(lines)


def _assemble(instance: Instance, states: list[_ItemState]) -> Solution:
    infeasible = [s.infeasible for s in states if s.infeasible]
    if infeasible:
        return Solution(instance, INFEASIBLE, None, messages=tuple(infeasible))
    missing = [s.problem.item for s in states if s.assignment is None]
    if missing:
        return Solution(
            instance,
            TIME_LIMIT,
            None,
            messages=tuple(
                f'item "{item}": no assignment found within the time limit' for item in missing
            ),
        )
    chosen = {
        state.problem.demand_indices[position]: supplier
        for state in states
        for position, supplier in state.assignment.items()
    }
    status = OPTIMAL if all(s.optimal for s in states) else TIME_LIMIT
    bound = sum(s.bound for s in states)
    messages = ()
    if status == TIME_LIMIT:
        open_items = sum(not s.optimal for s in states)
        messages = (f"time limit reached: {open_items} of {len(states)} items not proven optimal",)
    return Solution(instance, status, _lines(instance, chosen), bound, messages)
