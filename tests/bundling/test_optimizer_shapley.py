"""Shapley values: the generic game, and the bundling game against brute force."""

import random
from decimal import Decimal
from fractions import Fraction
from itertools import permutations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openkommune.bundling.optimizer import (
    InfeasibleInstance,
    Instance,
    alone_costs,
    shapley_values,
    solve,
)
from openkommune.bundling.shapley import game_shapley, round_to_total
from tests.bundling.test_optimizer import _greedy_gets_stuck, _harder, _market
from tests.bundling.test_optimizer_bruteforce import brute_force, restricted, small_instances


def test_exact_values_of_the_airport_game_match_the_closed_form():
    # Runway costs: a coalition pays for the longest runway its planes need. Shapley: each
    # segment is shared equally by the planes that need it.
    needs = {"a": 100, "b": 300, "c": 300, "d": 600, "e": 1000}
    values, exact = game_shapley(
        list(needs),
        lambda s: max((needs[p] for p in s), default=0),
        samples=10,
        rng=random.Random(1),
    )
    assert exact
    assert values == {
        "a": Fraction(100, 5),
        "b": Fraction(100, 5) + Fraction(200, 4),
        "c": Fraction(100, 5) + Fraction(200, 4),
        "d": Fraction(100, 5) + Fraction(200, 4) + Fraction(300, 2),
        "e": Fraction(100, 5) + Fraction(200, 4) + Fraction(300, 2) + Fraction(400, 1),
    }


def test_sampled_values_add_up_exactly_and_are_reproducible():
    needs = {f"p{k}": 37 * k + 5 for k in range(10)}

    def cost(s):
        return max((needs[p] for p in s), default=0)

    first, exact = game_shapley(list(needs), cost, samples=4, rng=random.Random(7))
    again, _ = game_shapley(list(needs), cost, samples=4, rng=random.Random(7))
    assert not exact  # 2^10 > 4 * 10
    assert first == again
    assert sum(first.values()) == max(needs.values())


def test_sampling_is_exact_for_an_additive_game():
    weights = {f"p{k}": k * k for k in range(12)}
    values, exact = game_shapley(
        list(weights), lambda s: sum(weights[p] for p in s), samples=3, rng=random.Random(0)
    )
    assert not exact
    assert values == {p: Fraction(w) for p, w in weights.items()}


@given(st.lists(st.fractions(min_value=0, max_value=1000), min_size=1, max_size=8))
def test_rounding_keeps_the_total(parts):
    shares = {k: Fraction(p) for k, p in enumerate(parts)}
    shares[0] += -sum(shares.values()) % 1  # make the total whole
    total = sum(shares.values())
    rounded = round_to_total(shares, int(total))
    assert sum(rounded.values()) == total
    assert all(abs(rounded[k] - shares[k]) < 1 for k in shares)


def _brute_shapley(data: dict) -> dict[str, Fraction]:
    members = data["members"]
    cost = {}
    for order in permutations(members):
        for k in range(len(order) + 1):
            key = frozenset(order[:k])
            if key not in cost:
                cost[key] = brute_force(restricted(data, key)) if key else 0
    shares = dict.fromkeys(members, Fraction(0))
    orders = list(permutations(members))
    for order in orders:
        for k, member in enumerate(order):
            shares[member] += Fraction(
                cost[frozenset(order[: k + 1])] - cost[frozenset(order[:k])], len(orders)
            )
    return shares


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_instances(max_demands=6))
def test_shapley_values_match_brute_force(data):
    instance = Instance.from_json(data)
    if brute_force(data) is None:
        with pytest.raises(InfeasibleInstance):
            shapley_values(instance, samples=50, seed=1)
        return
    values = shapley_values(instance, samples=50, seed=1)
    expected = _brute_shapley(data)
    assert values.exact
    assert values.all_optimal
    assert set(values) == set(data["members"])
    for member, share in expected.items():
        assert abs(Fraction(values[member]) * 100 - share) < 1  # cents, rounded to the total
    assert sum(values.values()) == values.total == solve(instance).total_cost


def test_a_member_alone_in_its_items_pays_its_alone_cost():
    data = _market(members=["m1", "m2", "m3", "m4"])
    data["items"].append("pen")
    data["prices"].append(
        {"supplier": "s1", "item": "pen", "tiers": [{"min_qty": 0, "unit_price": 1.25}]}
    )
    data["demand"].append({"member": "m4", "item": "pen", "qty": 8})
    instance = Instance.from_json(data)
    values = shapley_values(instance, samples=10, seed=3)
    assert values["m4"] == alone_costs(instance)["m4"] == Decimal("10.00")


def test_sampled_shapley_on_a_larger_instance_is_reproducible_and_adds_up():
    instance = Instance.from_json(_harder(5))
    first = shapley_values(instance, samples=2, seed=11, method="greedy")
    again = shapley_values(instance, samples=2, seed=11, method="greedy")
    assert first == again
    assert not first.exact  # 30 buyers per item: sampled
    assert not first.all_optimal
    assert first.heuristic_coalitions > 0
    assert sum(first.values()) == first.total


def test_shapley_falls_back_to_greedy_when_its_time_is_up():
    instance = Instance.from_json(_harder(5))
    values = shapley_values(instance, samples=2, seed=11, time_limit=0)
    assert values.heuristic_coalitions > 0
    assert not values.all_optimal


def test_shapley_of_an_infeasible_instance_is_refused():
    data = _greedy_gets_stuck()
    data["suppliers"][0]["capacity"]["laptop"] = 30  # m2 (35) now fits nowhere
    with pytest.raises(InfeasibleInstance, match=r"demand\[1\]"):
        shapley_values(Instance.from_json(data), samples=5, seed=0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"samples": 0, "seed": 0}, "samples"),
        ({"samples": 5, "seed": 0, "method": "fast"}, "method"),
    ],
)
def test_shapley_parameters_are_checked(kwargs, message):
    with pytest.raises(ValueError, match=message):
        shapley_values(Instance.from_json(_market()), **kwargs)
