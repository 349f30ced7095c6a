"""Benchmark: the exact bundling optimiser against the greedy baseline, in the same run.

    .venv/bin/python bench/bundling.py [--members 100] [--items 200] [--suppliers 5]
                                       [--time-limit 30] [--repeat 3] [--seed 20261122]
                                       [--density 0.3] [--capped 0.3] [--monolithic]
                                       [--write-instance FILE.json]

Generates one synthetic instance with a fixed seed (made-up prices, not real ones: see
`generate`), then solves it `--repeat` times with `greedy` and with
`solve(time_limit=...)`, and prints the median times, the optimiser's status and proven gap,
the totals, the savings against every member buying alone, how many capacities the optimum
exhausts, and greedy's savings as a percentage of the optimiser's. `--monolithic` also
runs the same formulation as one MIP over all items (the ablation for the per-item split).
"""

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from openkommune.bundling.optimizer import Instance, alone_costs, greedy, solve

LADDER = [5, 10, 20, 25, 50, 100, 150, 200, 250, 300, 400, 500, 750, 1000, 1500, 2000, 2500]
DISCOUNTS = [0.0, 0.03, 0.06, 0.10]  # per tier, on the supplier's list price


def _nice(value: float) -> int:
    """The ladder quantity nearest to `value` (thresholds in price lists are round)."""
    return min(LADDER, key=lambda step: abs(step - value))


def _thresholds(total: int) -> list[int]:
    """Three strictly increasing round thresholds near 10, 30 and 70 % of the item's total
    demand. For a small (or very large) total the three shares fall onto the same ladder
    step; de-duplicating them would leave fewer than 4 tiers, so a taken step moves on to
    the next one up (doubling beyond the ladder's end)."""
    chosen: list[int] = []
    for share in (0.1, 0.3, 0.7):
        step = _nice(total * share)
        if chosen and step <= chosen[-1]:
            step = next((s for s in LADDER if s > chosen[-1]), chosen[-1] * 2)
        chosen.append(step)
    return chosen


def generate(
    members: int,
    items: int,
    suppliers: int,
    seed: int,
    *,
    density: float = 0.3,
    capped: float = 0.3,
) -> dict:
    """A synthetic market, fixed by `seed`.

    - members differ in size (log-normal factor, like small Gemeinden next to Landkreise);
      each needs each item with probability `density` (0.3), in a quantity scaled by its
      size and the item's typical order (log-uniform 1-40 units).
    - items have a base price log-uniform between 5 and 2,000 euros; each supplier offers an
      item with probability 0.85 (at least two suppliers per item) at a list price of
      base x uniform(0.92, 1.12), with 4 all-units tiers at discounts 0/3/6/10 % (each tier
      jittered by up to +-1 point) starting at round quantities near 10 %, 30 % and 70 % of
      the item's total demand.
    - capacity: a share `capped` (30 %) of the supplier-item pairs is capped at 25-75 % of
      the item's total demand (so capacities bind); every item keeps an uncapped supplier.
    - eligibility: 5 % of member-supplier pairs are excluded. Where that leaves a demand
      without an uncapped supplier, one of its eligible suppliers loses its cap (or, if
      there is none, the exclusion is dropped), so the instance is always feasible.
    """
    rng = random.Random(seed)
    member_ids = [f"m{k + 1}" for k in range(members)]
    item_ids = [f"i{k + 1}" for k in range(items)]
    supplier_ids = [f"s{k + 1}" for k in range(suppliers)]
    size = {m: rng.lognormvariate(0, 0.8) for m in member_ids}
    demand = []
    total = dict.fromkeys(item_ids, 0)
    for item in item_ids:
        typical = 10 ** rng.uniform(0, 1.6)
        for member in member_ids:
            if rng.random() < density:
                qty = max(1, round(size[member] * typical * rng.lognormvariate(0, 0.5)))
                demand.append({"member": member, "item": item, "qty": qty})
                total[item] += qty
    prices, capacity, uncapped, offers = [], {s: {} for s in supplier_ids}, {}, {}
    for item in item_ids:
        base = 10 ** rng.uniform(0.7, 3.3)
        offering = [s for s in supplier_ids if rng.random() < 0.85]
        if len(offering) < 2:
            offering = rng.sample(supplier_ids, 2)
        offers[item] = offering
        thresholds = _thresholds(total[item])
        for supplier in offering:
            list_price = base * rng.uniform(0.92, 1.12)
            tiers, last = [{"min_qty": 0, "unit_price": round(list_price, 2)}], 0.0
            for threshold, discount in zip(thresholds, DISCOUNTS[1:], strict=False):
                discount = max(last + 0.005, discount + rng.uniform(-0.01, 0.01))
                last = discount
                tiers.append(
                    {"min_qty": threshold, "unit_price": round(list_price * (1 - discount), 2)}
                )
            prices.append({"supplier": supplier, "item": item, "tiers": tiers})
        free = rng.choice(offering)
        uncapped[item] = [free]
        for supplier in offering:
            if supplier != free and rng.random() < capped:
                capacity[supplier][item] = max(1, round(total[item] * rng.uniform(0.25, 0.75)))
            elif supplier != free:
                uncapped[item].append(supplier)
    ineligible = {(m, s) for m in member_ids for s in supplier_ids if rng.random() < 0.05}
    for row in demand:
        member, item = row["member"], row["item"]
        if all((member, s) in ineligible for s in uncapped[item]):
            allowed = [s for s in offers[item] if (member, s) not in ineligible]
            if allowed:
                del capacity[allowed[0]][item]
                uncapped[item].append(allowed[0])
            else:
                ineligible.discard((member, uncapped[item][0]))
    return {
        "members": member_ids,
        "items": item_ids,
        "suppliers": [{"id": s, "capacity": capacity[s]} for s in supplier_ids],
        "prices": prices,
        "demand": demand,
        "ineligible": [{"member": m, "supplier": s} for m, s in sorted(ineligible)],
    }


def monolithic(instance: Instance, time_limit: float) -> tuple[float, str]:
    """The same per-item formulation stacked into one MIP (what a first version would do)."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import block_diag

    from openkommune.bundling.instance import item_problems
    from openkommune.bundling.optimizer import _ItemModel

    models = [_ItemModel(problem) for problem in item_problems(instance)]
    started = time.perf_counter()
    result = milp(
        np.concatenate([m.objective for m in models]),
        integrality=np.concatenate([m.integrality for m in models]),
        bounds=Bounds(0, np.concatenate([m.upper for m in models])),
        constraints=LinearConstraint(
            block_diag([m.constraints.A for m in models], format="csr"),
            np.concatenate([m.constraints.lb for m in models]),
            np.concatenate([m.constraints.ub for m in models]),
        ),
        options={"time_limit": time_limit, "mip_rel_gap": 1e-9},
    )
    elapsed = time.perf_counter() - started
    if result.x is None:
        return elapsed, f"no solution ({result.message.split('.')[0]})"
    return elapsed, f"total {result.fun / 100:,.2f} EUR, gap {result.mip_gap:.4%}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--suppliers", type=int, default=5)
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--density", type=float, default=0.3, help="share of member-item pairs")
    parser.add_argument("--capped", type=float, default=0.3, help="share of capped offers")
    parser.add_argument("--monolithic", action="store_true", help="also one MIP for all items")
    parser.add_argument("--write-instance", type=Path)
    args = parser.parse_args()

    data = generate(
        args.members,
        args.items,
        args.suppliers,
        args.seed,
        density=args.density,
        capped=args.capped,
    )
    if args.write_instance:
        args.write_instance.write_text(json.dumps(data), encoding="utf-8")
    instance = Instance.from_json(data)
    tiers = [len(offer.tiers) for offer in instance.offers.values()]
    if min(tiers) != len(DISCOUNTS):
        sys.exit(
            f"generated instance is not as documented: price rows with {min(tiers)} tiers "
            f"(every row should have {len(DISCOUNTS)}); change the seed or the sizes"
        )
    print(
        f"instance: {args.members} members x {args.items} items x {args.suppliers} suppliers, "
        f"seed {args.seed}: {len(instance.demand)} demands, {len(instance.offers)} price rows "
        f"with {min(tiers)}-{max(tiers)} tiers (mean {statistics.mean(tiers):.2f}), "
        f"{len(instance.capacity)} capacities, {len(instance.ineligible)} ineligible pairs"
    )
    alone_by_member = alone_costs(instance)
    if None in alone_by_member.values():
        sys.exit("some member cannot buy its demand alone (capacity): no baseline to compare")
    alone = sum(alone_by_member.values())

    greedy_times, solve_times, runs = [], [], []
    for _ in range(args.repeat):
        started = time.perf_counter()
        baseline = greedy(instance)
        greedy_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        runs.append(solve(instance, time_limit=args.time_limit))
        solve_times.append(time.perf_counter() - started)

    exact = runs[-1]
    print(f"alone (every member on its own): {alone:,.2f} EUR")
    if baseline.total_cost is None:
        print(f"greedy:    status {baseline.status}: {'; '.join(baseline.messages)}")
    else:
        print(
            f"greedy:    median {statistics.median(greedy_times):7.3f} s  "
            f"status {baseline.status}  total {baseline.total_cost:,.2f} EUR  "
            f"savings {alone - baseline.total_cost:,.2f} EUR "
            f"({(alone - baseline.total_cost) / alone:.2%} of alone)"
        )
    if exact.lines is None:
        # No assignment within the time limit (or infeasible): nothing to compare against.
        detail = f" ({'; '.join(exact.messages)})" if exact.messages else ""
        print(
            f"optimiser: median {statistics.median(solve_times):7.3f} s  "
            f"status {', '.join(run.status for run in runs)}: no assignment found{detail}"
        )
        sys.exit(
            f"the optimiser found no assignment within --time-limit {args.time_limit} s; "
            "raise the time limit or make the instance smaller"
        )
    print(
        f"optimiser: median {statistics.median(solve_times):7.3f} s  "
        f"status {', '.join(run.status for run in runs)}  "
        f"gap {', '.join('unknown' if run.gap is None else f'{run.gap:.4%}' for run in runs)}  "
        f"total {exact.total_cost:,.2f} EUR  savings {alone - exact.total_cost:,.2f} EUR "
        f"({(alone - exact.total_cost) / alone:.2%} of alone)"
    )
    print(
        f"times per run: greedy {[round(t, 3) for t in greedy_times]} s, "
        f"optimiser {[round(t, 2) for t in solve_times]} s (time limit {args.time_limit} s)"
    )
    bought: dict[tuple[str, str], int] = {}
    for line in exact.lines:
        key = (line.supplier, line.item)
        bought[key] = bought.get(key, 0) + line.qty
    binding = sum(bought.get(key, 0) == cap for key, cap in instance.capacity.items())
    print(
        f"capacities exhausted in the optimiser's solution: {binding} of {len(instance.capacity)}"
    )
    if baseline.total_cost is not None and alone == exact.total_cost:
        print("no savings from bundling in this instance: nothing to compare greedy against")
    elif baseline.total_cost is not None:
        share = (alone - baseline.total_cost) / (alone - exact.total_cost)
        print(
            f"greedy reaches {share:.1%} of the optimiser's savings "
            f"and costs {baseline.total_cost / exact.total_cost - 1:.3%} more"
        )
    if args.monolithic:
        elapsed, outcome = monolithic(instance, args.time_limit)
        print(f"one MIP for all items (same formulation): {elapsed:.1f} s, {outcome}")


if __name__ == "__main__":
    main()
