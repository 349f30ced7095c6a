"""Cost allocation (issue 19): nobody pays more than alone, shares add up to the total."""

import random
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openkommune.bundling.allocation import (
    CORE,
    CORE_EMPTY,
    NOT_RATIONAL,
    RATIONAL,
    SHAPLEY,
    allocate,
    settlement_parts,
)
from openkommune.bundling.instance import alone_cents
from openkommune.bundling.optimizer import OPTIMAL, Instance, shapley_values, solve
from openkommune.bundling.services.evaluation import _cost_allocation
from openkommune.bundling.shapley import game_shapley, round_to_total
from tests.bundling.test_optimizer_bruteforce import small_instances

# A hand-worked cost game in euros (x100 = cents). a is cheap alone; a with b is dear (say
# a's units push b's supplier over its capacity); b and c together save a little.
GAME = {
    "": 0,
    "a": 10,
    "b": 100,
    "c": 100,
    "ab": 150,
    "ac": 110,
    "bc": 190,
    "abc": 200,
}


def _cost(game):
    return lambda s: 100 * game["".join(sorted(s))]


def test_hand_worked_shapley_violates_individual_rationality_and_the_core_fixes_it():
    # Shapley by hand, marginal costs over the six orders:
    # a: first 10, 10; after b 50; after c 10; after bc 10, 10     -> 100/6 = 16.67
    # b: first 100, 100; after a 140; after c 90; after ac 90, 90  -> 610/6 = 101.67
    # c: first 100, 100; after a 100; after b 90; after ab 50, 50  -> 490/6 = 81.67
    values, exact = game_shapley(list("abc"), _cost(GAME), samples=10, rng=random.Random(1))
    assert exact
    assert values == {"a": Fraction(10000, 6), "b": Fraction(61000, 6), "c": Fraction(49000, 6)}
    target = round_to_total(values, 20000)
    alone = {m: 100 * GAME[m] for m in "abc"}
    # a and b would pay more than alone by Shapley:
    assert target["a"] > alone["a"]
    assert target["b"] > alone["b"]
    # Core: x_a <= 10, x_b <= 100, x_c <= 100, x_a + x_b <= 150, x_a + x_c <= 110,
    # x_b + x_c <= 190, sum 200. So x_a >= 10 (from bc), x_a = 10 and x_b + x_c = 190.
    # Closest to Shapley in the largest deviation: x_b = 100 (its bound), x_c = 90.
    result = allocate(target, alone, 20000, _cost(GAME))
    assert result.method == CORE
    assert result.shares == {"a": 1000, "b": 10000, "c": 9000}


def test_empty_core_keeps_individual_rationality():
    # b and c together cost 100, so the core needs x_a >= 100 > 10 = alone: empty.
    game = {**GAME, "bc": 100}
    values, _ = game_shapley(list("abc"), _cost(game), samples=10, rng=random.Random(1))
    # a: 10, 10, after b 50, after c 10, after bc 100, 100 -> 280/6 = 46.67
    assert values["a"] == Fraction(28000, 6)
    alone = {m: 100 * game[m] for m in "abc"}
    result = allocate(round_to_total(values, 20000), alone, 20000, _cost(game))
    assert result.method == CORE_EMPTY
    assert sum(result.shares.values()) == 20000
    assert all(result.shares[m] <= alone[m] for m in "abc")
    assert result.shares["a"] == 1000


def test_shapley_is_kept_when_nobody_pays_more_than_alone():
    target = {"a": 500, "b": 700}
    result = allocate(target, {"a": 600, "b": 700}, 1200, _cost({}))
    assert (result.method, result.shares) == (SHAPLEY, target)


def test_without_group_costs_only_the_members_bounds_count():
    result = allocate({"a": 900, "b": 300}, {"a": 600, "b": 900}, 1200)
    assert result.method == RATIONAL
    assert result.shares == {"a": 600, "b": 600}


def test_when_the_alone_costs_cannot_cover_the_total_the_excess_is_spread():
    # Capacity: each alone gets the cheap supplier, together one of them cannot.
    result = allocate({"a": 900, "b": 300}, {"a": 500, "b": 500}, 1200)
    assert result.method == NOT_RATIONAL
    assert result.shares == {"a": 600, "b": 600}


def test_members_that_cannot_buy_alone_have_no_bound():
    result = allocate({"a": 900, "b": 300}, {"a": 500, "b": None}, 1200)
    assert result.shares == {"a": 500, "b": 700}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_instances())
def test_random_instances_never_make_a_member_pay_more_than_alone(data):
    instance = Instance.from_json(data)
    solution = solve(instance, time_limit=10)
    if solution.status != OPTIMAL:
        return
    alone = alone_cents(instance)
    shapley = shapley_values(instance, samples=50, seed=7)
    target = {m: int(v * 100) for m, v in shapley.items()}

    def coalition_cost(members):
        coalition = solve(instance.restricted_to(members), time_limit=10)
        return coalition.total_cents if coalition.status == OPTIMAL else None

    result = allocate(target, alone, solution.total_cents, coalition_cost)
    assert sum(result.shares.values()) == solution.total_cents
    bounded = [b for b in alone.values() if b is not None]
    if len(bounded) < len(alone) or sum(bounded) >= solution.total_cents:
        # Individual rationality can hold, so it does.
        assert result.method != NOT_RATIONAL
        for member, share in result.shares.items():
            assert alone[member] is None or share <= alone[member]
    else:
        assert result.method == NOT_RATIONAL
    if result.method == SHAPLEY:
        assert result.shares == target
    if result.method == CORE:
        # A core allocation: no group pays more than it would on its own (a cent of
        # rounding aside per member).
        members = list(result.shares)
        for mask in range(1, 2 ** len(members)):
            group = frozenset(m for k, m in enumerate(members) if mask >> k & 1)
            cost = coalition_cost(group)
            if cost is not None:
                assert sum(result.shares[m] for m in group) <= cost + len(group)


@given(
    st.lists(st.integers(0, 10_000), min_size=1, max_size=6),
    st.lists(st.one_of(st.none(), st.integers(0, 10_000)), min_size=6, max_size=6),
)
def test_random_targets_respect_the_bounds_whenever_possible(values, bounds):
    members = [f"m{k}" for k in range(len(values))]
    target = dict(zip(members, values, strict=False))
    alone = dict(zip(members, bounds, strict=False))
    total = sum(values)
    result = allocate(target, alone, total)
    assert sum(result.shares.values()) == total
    assert all(share >= 0 for share in result.shares.values())
    if None in alone.values() or sum(alone.values()) >= total:
        assert all(alone[m] is None or result.shares[m] <= alone[m] for m in members)


def test_the_evaluation_caps_a_shapley_share_above_the_alone_cost():
    # Found by search over random markets: s1's prices fall from 15 units, but from 35 rise
    # again, and s0 is capped at 47 units; m0 and m1 (18 units each) would pay more by
    # Shapley than alone (37.80 € each: 18 at 2.10 € from s1).
    data = {
        "members": ["m0", "m1", "m2", "m3"],
        "items": ["i0"],
        "suppliers": [{"id": "s0", "capacity": {"i0": 47}}, {"id": "s1", "capacity": {}}],
        "prices": [
            {
                "supplier": "s0",
                "item": "i0",
                "tiers": [
                    {"min_qty": 0, "unit_price": "12.80"},
                    {"min_qty": 3, "unit_price": "5.95"},
                    {"min_qty": 28, "unit_price": "3.59"},
                ],
            },
            {
                "supplier": "s1",
                "item": "i0",
                "tiers": [
                    {"min_qty": 0, "unit_price": "6.55"},
                    {"min_qty": 15, "unit_price": "2.10"},
                    {"min_qty": 35, "unit_price": "4.83"},
                ],
            },
        ],
        "demand": [
            {"member": "m1", "item": "i0", "qty": 18},
            {"member": "m0", "item": "i0", "qty": 18},
            {"member": "m3", "item": "i0", "qty": 14},
            {"member": "m2", "item": "i0", "qty": 16},
        ],
    }
    instance = Instance.from_json(data)
    solution = solve(instance, time_limit=10)
    shapley = shapley_values(instance, samples=200, seed=1)
    alone = alone_cents(instance)
    assert alone["m0"] == alone["m1"] == 3780
    assert shapley["m0"] * 100 > alone["m0"]
    result = _cost_allocation(instance, solution, shapley, time_limit=30)
    assert result.method in (CORE, CORE_EMPTY)
    assert sum(result.shares.values()) == solution.total_cents
    assert all(result.shares[m] <= alone[m] for m in instance.members)


def test_unknown_group_costs_are_not_claimed_as_core():
    cost = _cost(GAME)
    values, _ = game_shapley(list("abc"), cost, samples=10, rng=random.Random(1))
    alone = {m: 100 * GAME[m] for m in "abc"}

    def partly_known(group):
        return None if group == frozenset("ab") else cost(group)

    result = allocate(round_to_total(values, 20000), alone, 20000, partly_known)
    assert result.method == RATIONAL
    assert result.shares["a"] == 1000  # b and c together still bound: x_a >= 10
    assert all(result.shares[m] <= alone[m] for m in "abc")


def test_settlement_parts_split_a_member_settlement_over_its_lines_by_cost():
    # 10.01 € over lines of 1, 2 and 3 €: exact shares 1.668, 3.336, 5.005 -> whole cents by
    # largest remainder (0.668 and 0.336 and 0.005: the first two get a cent).
    assert settlement_parts(1001, [100, 200, 300]) == [167, 334, 500]
    assert settlement_parts(-1001, [100, 200, 300]) == [-167, -334, -500]
    assert settlement_parts(-2000, [450000]) == [-2000]
    assert settlement_parts(7, [1, 1, 1]) == [3, 2, 2]  # ties: the earlier line
    assert settlement_parts(5, [0, 0]) == [5, 0]
    assert settlement_parts(0, []) == []


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=-10_000_000, max_value=10_000_000),
    st.lists(st.integers(min_value=0, max_value=5_000_000), min_size=1, max_size=8),
)
def test_settlement_parts_add_up_exactly_and_stay_within_a_cent_of_proportional(amount, costs):
    parts = settlement_parts(amount, costs)
    assert sum(parts) == amount
    weight = sum(costs)
    if weight:
        for part, cost in zip(parts, costs, strict=True):
            assert abs(Fraction(part) - Fraction(amount * cost, weight)) < 1
