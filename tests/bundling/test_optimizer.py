"""The exact optimiser against exhaustive search, plus the cases a reader should see."""

import random
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings

from openkommune.bundling import optimizer
from openkommune.bundling.optimizer import (
    HEURISTIC,
    INFEASIBLE,
    NO_SOLUTION,
    OPTIMAL,
    TIME_LIMIT,
    Instance,
    alone_costs,
    greedy,
    solve,
)
from tests.bundling.test_optimizer_bruteforce import (
    brute_alone,
    brute_force,
    cents,
    check_solution,
    small_instances,
)

SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(small_instances())
def test_optimum_equals_brute_force_to_the_cent(data):
    out = solve(Instance.from_json(data), time_limit=20).to_json()
    best = brute_force(data)
    if best is None:
        assert out["status"] == INFEASIBLE
        assert out["total_cost"] is None
        assert out["assignment"] == []
        assert out["messages"], "an infeasible answer says why"
    else:
        assert out["status"] == OPTIMAL
        assert cents(out["total_cost"]) == best
        assert out["gap"] == 0.0
        check_solution(data, out)


def _solve_by_mip_alone(data: dict, *, time_limit: float) -> dict:
    """Without the shortcuts (closed form, greedy incumbent) every item goes through HiGHS,
    so the formulation itself is checked, including proofs of infeasibility."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(optimizer, "_closed_form", lambda problem: None)
        patch.setattr(optimizer, "greedy_item", lambda problem: None)
        return solve(Instance.from_json(data), time_limit=time_limit).to_json()


@SETTINGS
@given(small_instances())
def test_the_mip_alone_equals_brute_force(data):
    out = _solve_by_mip_alone(data, time_limit=20)
    best = brute_force(data)
    assert out["status"] == (INFEASIBLE if best is None else OPTIMAL)
    if best is not None:
        assert cents(out["total_cost"]) == best
        check_solution(data, out)


# Found by the test above: with HiGHS presolve on, the MIP of item i2 (two capped suppliers)
# ran to the time limit without proving the optimum it already had.
STALLED_PRESOLVE = {
    "members": ["m0", "m1", "m2"],
    "items": ["i0", "i1", "i2"],
    "suppliers": [
        {"id": "s0", "capacity": {"i2": 10}},
        {"id": "s1", "capacity": {}},
        {"id": "s2", "capacity": {"i2": 12}},
    ],
    "prices": [
        {
            "supplier": "s0",
            "item": "i1",
            "tiers": [
                {"min_qty": 0, "unit_price": 9.29},
                {"min_qty": 10, "unit_price": 5.19},
                {"min_qty": 29, "unit_price": 0.6},
            ],
        },
        {"supplier": "s0", "item": "i2", "tiers": [{"min_qty": 0, "unit_price": 6.72}]},
        {
            "supplier": "s1",
            "item": "i0",
            "tiers": [
                {"min_qty": 0, "unit_price": 12.38},
                {"min_qty": 6, "unit_price": 4.71},
                {"min_qty": 29, "unit_price": 1.91},
            ],
        },
        {
            "supplier": "s1",
            "item": "i1",
            "tiers": [{"min_qty": 0, "unit_price": 14.11}, {"min_qty": 23, "unit_price": 5.6}],
        },
        {
            "supplier": "s1",
            "item": "i2",
            "tiers": [
                {"min_qty": 0, "unit_price": 9.41},
                {"min_qty": 33, "unit_price": 7.92},
                {"min_qty": 34, "unit_price": 2.78},
            ],
        },
        {
            "supplier": "s2",
            "item": "i0",
            "tiers": [
                {"min_qty": 0, "unit_price": 8.48},
                {"min_qty": 23, "unit_price": 1.84},
                {"min_qty": 33, "unit_price": 1.34},
            ],
        },
        {"supplier": "s2", "item": "i1", "tiers": [{"min_qty": 0, "unit_price": 5.02}]},
        {
            "supplier": "s2",
            "item": "i2",
            "tiers": [
                {"min_qty": 0, "unit_price": 13.22},
                {"min_qty": 3, "unit_price": 10.08},
                {"min_qty": 40, "unit_price": 0.98},
            ],
        },
    ],
    "demand": [
        {"member": "m2", "item": "i0", "qty": 16},
        {"member": "m1", "item": "i2", "qty": 9},
        {"member": "m0", "item": "i2", "qty": 2},
        {"member": "m1", "item": "i1", "qty": 16},
        {"member": "m0", "item": "i0", "qty": 4},
        {"member": "m0", "item": "i1", "qty": 6},
        {"member": "m2", "item": "i1", "qty": 10},
        {"member": "m2", "item": "i2", "qty": 9},
    ],
    "ineligible": [],
}


@pytest.mark.parametrize("example", [STALLED_PRESOLVE])
def test_mip_alone_proves_the_optimum_of_known_hard_examples(example):
    out = _solve_by_mip_alone(example, time_limit=5)
    assert out["status"] == OPTIMAL
    assert cents(out["total_cost"]) == brute_force(example)
    check_solution(example, out)


@SETTINGS
@given(small_instances())
def test_alone_costs_and_savings_match_brute_force(data):
    instance = Instance.from_json(data)
    expected = brute_alone(data)
    assert {m: None if c is None else cents(c) for m, c in alone_costs(instance).items()} == (
        expected
    )
    out = solve(instance).to_json()
    assert [cents(r["alone_cost"]) if r["alone_cost"] else None for r in out["per_member"]] == [
        expected[m] for m in data["members"]
    ]
    if None not in expected.values() and out["total_cost"] is not None:
        assert cents(out["alone_total"]) == sum(expected.values())
        assert cents(out["savings_total"]) == sum(expected.values()) - cents(out["total_cost"])


@SETTINGS
@given(small_instances())
def test_greedy_is_feasible_and_never_beats_the_optimum(data):
    out = greedy(Instance.from_json(data)).to_json()
    best = brute_force(data)
    if out["status"] == HEURISTIC:
        check_solution(data, out)
        assert cents(out["total_cost"]) >= best
        assert out["gap"] is None  # greedy proves nothing
    else:
        assert out["status"] in (INFEASIBLE, NO_SOLUTION)
        assert out["messages"]


def _market(**overrides) -> dict:
    data = {
        "members": ["m1", "m2", "m3"],
        "items": ["laptop"],
        "suppliers": [{"id": "s1"}, {"id": "s2"}],
        "prices": [
            {
                "supplier": "s1",
                "item": "laptop",
                "tiers": [
                    {"min_qty": 0, "unit_price": 899.0},
                    {"min_qty": 100, "unit_price": 850.0},
                ],
            },
            {"supplier": "s2", "item": "laptop", "tiers": [{"min_qty": 0, "unit_price": 880.0}]},
        ],
        "demand": [
            {"member": "m1", "item": "laptop", "qty": 40},
            {"member": "m2", "item": "laptop", "qty": 35},
            {"member": "m3", "item": "laptop", "qty": 20},
        ],
    }
    return {**data, **overrides}


def test_the_tier_is_decided_by_the_quantity_actually_bought():
    # Only s1 sells. 100 units (100 x 850 = 85,000) would cost less than the 95 needed
    # (95 x 899 = 85,405), but the buyer cannot order phantom units: 95 are priced at 899.
    data = _market()
    data["prices"] = data["prices"][:1]
    out = solve(Instance.from_json(data)).to_json()
    assert out["total_cost"] == "85405.00"
    assert {a["unit_price"] for a in out["assignment"]} == {"899.00"}


def test_bundling_reaches_a_tier_no_member_reaches_alone():
    data = _market(
        demand=[
            {"member": "m1", "item": "laptop", "qty": 40},
            {"member": "m2", "item": "laptop", "qty": 35},
            {"member": "m3", "item": "laptop", "qty": 25},
        ]
    )
    out = solve(Instance.from_json(data)).to_json()
    assert out["total_cost"] == "85000.00"  # 100 x 850
    assert out["per_member"] == [
        {"member": "m1", "cost": "34000.00", "alone_cost": "35200.00", "savings": "1200.00"},
        {"member": "m2", "cost": "29750.00", "alone_cost": "30800.00", "savings": "1050.00"},
        {"member": "m3", "cost": "21250.00", "alone_cost": "22000.00", "savings": "750.00"},
    ]
    assert out["alone_total"] == "88000.00"
    assert out["savings_total"] == "3000.00"


def _greedy_gets_stuck() -> dict:
    # s1 is cheapest at the summed 95 units (tier from 90), so greedy fills it first with the
    # largest demand (m1: 40 of its capacity 60); m2 (35) then fits nowhere, since it may
    # not buy from s2. The optimum gives s1 to m2 alone.
    return _market(
        suppliers=[{"id": "s1", "capacity": {"laptop": 60}}, {"id": "s2"}],
        prices=[
            {
                "supplier": "s1",
                "item": "laptop",
                "tiers": [
                    {"min_qty": 0, "unit_price": 899.0},
                    {"min_qty": 90, "unit_price": 850.0},
                ],
            },
            {"supplier": "s2", "item": "laptop", "tiers": [{"min_qty": 0, "unit_price": 880.0}]},
        ],
        ineligible=[{"member": "m2", "supplier": "s2"}],
    )


def test_capacity_and_eligibility_are_respected_where_greedy_gets_stuck():
    data = _greedy_gets_stuck()
    out = solve(Instance.from_json(data)).to_json()
    check_solution(data, out)
    assert {a["member"]: a["supplier"] for a in out["assignment"]} == {
        "m1": "s2",
        "m2": "s1",
        "m3": "s2",
    }
    assert out["total_cost"] == "84265.00"  # 35 x 899 + 60 x 880
    assert greedy(Instance.from_json(data)).status == NO_SOLUTION


def test_infeasible_demand_is_named_before_solving():
    data = _market(
        suppliers=[
            {"id": "s1", "capacity": {"laptop": 30}},
            {"id": "s2", "capacity": {"laptop": 30}},
        ]
    )
    out = solve(Instance.from_json(data)).to_json()
    assert out["status"] == INFEASIBLE
    assert out["total_cost"] is None
    assert out["gap"] is None
    assert any('demand[0] ("m1", "laptop", qty 40)' in m for m in out["messages"])
    assert any("capacity" in m for m in out["messages"])
    assert out["per_member"][0] == {
        "member": "m1",
        "cost": None,
        "alone_cost": None,
        "savings": None,
    }
    assert out["alone_total"] is None


def test_jointly_infeasible_capacity_is_named_by_item():
    data = _market(
        suppliers=[
            {"id": "s1", "capacity": {"laptop": 45}},
            {"id": "s2", "capacity": {"laptop": 45}},
        ]
    )
    out = solve(Instance.from_json(data)).to_json()
    assert out["status"] == INFEASIBLE
    assert out["messages"] == [
        'item "laptop": the 3 demands (95 units) cannot all be served whole by eligible '
        "suppliers within their capacities (s1: 45, s2: 45)"
    ]
    # Buying alone is still possible for each member; the answer says so.
    assert [r["alone_cost"] for r in out["per_member"]] == ["35200.00", "30800.00", "17600.00"]


def test_no_demand_is_a_zero_optimum():
    out = solve(Instance.from_json(_market(demand=[]))).to_json()
    assert (out["status"], out["total_cost"], out["gap"], out["savings_total"]) == (
        OPTIMAL,
        "0.00",
        0.0,
        "0.00",
    )


def _harder(seed: int = 7) -> dict:
    """30 members x 25 items x 4 suppliers x 3 tiers with binding capacities."""
    rng = random.Random(seed)
    members = [f"m{k}" for k in range(30)]
    items = [f"i{k}" for k in range(25)]
    suppliers = [f"s{k}" for k in range(4)]
    demand = [
        {"member": m, "item": i, "qty": rng.randint(1, 30)}
        for m in members
        for i in items
        if rng.random() < 0.6
    ]
    totals = {i: sum(d["qty"] for d in demand if d["item"] == i) for i in items}
    prices = []
    caps = {s: {} for s in suppliers}
    for i in items:
        base = rng.randint(1000, 50000)
        for k, s in enumerate(suppliers):
            p = base * rng.uniform(0.95, 1.1)
            prices.append(
                {
                    "supplier": s,
                    "item": i,
                    "tiers": [
                        {"min_qty": 0, "unit_price": round(p / 100, 2)},
                        {"min_qty": totals[i] // 4, "unit_price": round(p * 0.95 / 100, 2)},
                        {"min_qty": totals[i] // 2, "unit_price": round(p * 0.9 / 100, 2)},
                    ],
                }
            )
            if k < 3:
                caps[s][i] = totals[i] * 2 // 5
    return {
        "members": members,
        "items": items,
        "suppliers": [{"id": s, "capacity": caps[s]} for s in suppliers],
        "prices": prices,
        "demand": demand,
    }


def test_time_limit_returns_the_best_assignment_with_a_proven_gap():
    data = _harder()
    instance = Instance.from_json(data)
    rushed = solve(instance, time_limit=1e-6)
    full = solve(instance, time_limit=60)
    assert full.status == OPTIMAL
    assert rushed.status == TIME_LIMIT
    assert rushed.messages[0].startswith("time limit reached")
    out = rushed.to_json()
    check_solution(data, out)
    assert 0 < out["gap"] < 1
    # The gap is proven: the optimum lies between bound and total.
    assert rushed.bound_cents <= full.total_cents <= rushed.total_cents
    assert rushed.total_cents * (1 - rushed.gap) == pytest.approx(rushed.bound_cents)


def test_time_limit_without_any_assignment_says_so():
    # Greedy gets stuck; without time for the MIP there is no assignment at all, which the
    # answer states instead of pretending infeasibility.
    data = _greedy_gets_stuck()
    out = solve(Instance.from_json(data), time_limit=1e-9).to_json()
    assert out["status"] == TIME_LIMIT
    assert out["total_cost"] is None
    assert out["gap"] is None
    assert out["messages"] == ['item "laptop": no assignment found within the time limit']


def test_time_limit_must_be_positive():
    with pytest.raises(ValueError, match="positive"):
        solve(Instance.from_json(_market()), time_limit=0)


def test_money_is_decimal_and_adds_up():
    solution = solve(Instance.from_json(_harder(3)))
    assert isinstance(solution.total_cost, Decimal)
    assert sum(solution.member_cents().values()) == solution.total_cents
    assert solution.lines[0].unit_price == Decimal(solution.lines[0].price_cents) / 100
