"""Shapley values of a cost game, exact for few players and sampled for many, and of the
bundling game built from them.

A game is given as a function from a coalition (frozenset of players) to its cost in
integer cents. Results are exact fractions: the exact values come from enumerating every
coalition; the sampled ones average the marginal costs along random orders of the players.
Both add up exactly to the cost of the grand coalition (each order telescopes to it), so
rounding them to cents can keep the total.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Hashable, Sequence
from decimal import Decimal
from fractions import Fraction
from math import factorial

from openkommune.bundling.instance import (
    InfeasibleInstance,
    Instance,
    ItemProblem,
    alone_cents,
    euros_decimal,
    item_problems,
    unservable_messages,
)


def game_shapley[P: Hashable](
    players: Sequence[P],
    value: Callable[[frozenset[P]], int],
    *,
    samples: int,
    rng: random.Random,
) -> tuple[dict[P, Fraction], bool]:
    """(Shapley value per player, whether it is exact).

    Enumerates all 2^n coalitions when that costs no more evaluations than `samples` random
    orders would (2^n <= samples * n); otherwise averages over `samples` random orders.
    """
    n = len(players)
    if n == 0:
        return {}, True
    cache: dict[frozenset[P], int] = {}

    def cost(coalition: frozenset[P]) -> int:
        if coalition not in cache:
            cache[coalition] = value(coalition)
        return cache[coalition]

    if 2**n <= max(samples, 1) * n:
        return _exact(players, cost), True
    totals = dict.fromkeys(players, 0)
    order = list(players)
    for _ in range(samples):
        rng.shuffle(order)
        coalition: frozenset[P] = frozenset()
        before = cost(coalition)
        for player in order:
            coalition = coalition | {player}
            after = cost(coalition)
            totals[player] += after - before
            before = after
    return {player: Fraction(total, samples) for player, total in totals.items()}, False


def _exact[P: Hashable](
    players: Sequence[P], cost: Callable[[frozenset[P]], int]
) -> dict[P, Fraction]:
    n = len(players)
    # Weight of a coalition of size k joined by one more player: k! (n-k-1)! / n!
    weight = [Fraction(factorial(k) * factorial(n - k - 1), factorial(n)) for k in range(n)]
    values = [
        cost(frozenset(p for bit, p in enumerate(players) if mask >> bit & 1))
        for mask in range(2**n)
    ]
    result: dict[P, Fraction] = {}
    for bit, player in enumerate(players):
        flag = 1 << bit
        share = Fraction(0)
        for mask in range(2**n):
            if not mask & flag:
                share += weight[mask.bit_count()] * (values[mask | flag] - values[mask])
        result[player] = share
    return result


def round_to_total[K](shares: dict[K, Fraction], total: int) -> dict[K, int]:
    """Round each share to an integer so that they add up to `total` (largest remainder;
    ties in key order)."""
    floors = {key: share.numerator // share.denominator for key, share in shares.items()}
    missing = total - sum(floors.values())
    by_remainder = sorted(shares, key=lambda key: shares[key] - floors[key], reverse=True)
    if not 0 <= missing <= len(shares):
        raise ValueError("the shares do not add up to the total")
    for key in by_remainder[:missing]:
        floors[key] += 1
    return floors


class ShapleyValues(dict):
    """member -> Shapley cost share in euros (Decimal); the shares add up to `total`.

    exact: every item game was enumerated (no sampling); all_optimal: every coalition cost
    was proven optimal (otherwise some came from greedy or a MIP stopped by its time limit);
    optimal_coalitions / heuristic_coalitions: how many coalition costs were of each kind;
    alone: each member's alone cost, so that savings = alone - value.
    """

    total: Decimal
    exact: bool
    all_optimal: bool
    samples: int
    seed: int
    optimal_coalitions: int
    heuristic_coalitions: int
    alone: dict[str, Decimal | None]

    def to_json(self) -> dict:
        """What `solve_bundle --shapley` prints under "shapley"."""
        rows = []
        for member, value in self.items():
            alone = self.alone[member]
            rows.append(
                {
                    "member": member,
                    "value": str(value),
                    "alone_cost": None if alone is None else str(alone),
                    "savings": None if alone is None else str(alone - value),
                }
            )
        return {
            "exact": self.exact,
            "all_optimal": self.all_optimal,
            "samples": self.samples,
            "seed": self.seed,
            "total": str(self.total),
            "per_member": rows,
        }


def bundling_shapley(
    instance: Instance,
    *,
    samples: int,
    seed: int,
    coalition_cents: Callable[[ItemProblem], tuple[int, bool]],
) -> ShapleyValues:
    """Shapley values of the bundling cost game, given the cost of one item's coalition
    (cents, and whether it is proven optimal).

    The game is the sum of the item games, so each item game is played by the members who
    need the item, and the values are added: exact when 2^n <= samples * n for its n
    buyers, else averaged over `samples` orders drawn with random.Random(f"{seed}:{item}").
    """
    if samples < 1:
        raise ValueError("samples must be at least 1")
    unservable = unservable_messages(instance)
    if unservable:
        raise InfeasibleInstance("; ".join(unservable))
    counts = {True: 0, False: 0}
    shares = dict.fromkeys(instance.members, Fraction(0))
    exact = True
    for problem in item_problems(instance):

        def cost(positions: frozenset[int], problem: ItemProblem = problem) -> int:
            if not positions:
                return 0
            cents, proven = coalition_cents(problem.restricted(positions))
            counts[proven] += 1
            return cents

        rng = random.Random(f"{seed}:{problem.item}")  # noqa: S311 -- sampling, not secrets
        item_shares, item_exact = game_shapley(
            range(len(problem.qty)), cost, samples=samples, rng=rng
        )
        exact = exact and item_exact
        for position, share in item_shares.items():
            shares[instance.demand[problem.demand_indices[position]].member] += share
    total = sum(shares.values(), Fraction(0))
    assert total.denominator == 1, "Shapley shares must add up to the grand coalition's cost"
    result = ShapleyValues(
        {m: euros_decimal(c) for m, c in round_to_total(shares, int(total)).items()}
    )
    result.total = euros_decimal(int(total))
    result.exact = exact
    result.all_optimal = counts[False] == 0
    result.samples, result.seed = samples, seed
    result.optimal_coalitions, result.heuristic_coalitions = counts[True], counts[False]
    result.alone = {m: euros_decimal(c) for m, c in alone_cents(instance).items()}
    return result
