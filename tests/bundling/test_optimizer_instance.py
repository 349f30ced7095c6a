"""Parsing of the instance format: good input round-trips, bad input names the bad entry."""

import copy
from decimal import Decimal

import pytest

from openkommune.bundling.optimizer import Instance, InstanceError

GOOD = {
    "members": ["m1", "m2"],
    "items": ["i1", "i2"],
    "suppliers": [{"id": "s1", "capacity": {"i1": 600}}, {"id": "s2"}],
    "prices": [
        {
            "supplier": "s1",
            "item": "i1",
            "tiers": [{"min_qty": 0, "unit_price": 899.0}, {"min_qty": 200, "unit_price": 850.0}],
        },
        {"supplier": "s2", "item": "i1", "tiers": [{"min_qty": 0, "unit_price": "905.50"}]},
        {"supplier": "s2", "item": "i2", "tiers": [{"min_qty": 0, "unit_price": Decimal("0.99")}]},
    ],
    "demand": [
        {"member": "m1", "item": "i1", "qty": 40},
        {"member": "m2", "item": "i2", "qty": 3.0},
    ],
    "ineligible": [{"member": "m2", "supplier": "s1"}],
}


def test_good_instance_is_parsed_in_cents():
    instance = Instance.from_json(GOOD)
    assert instance.members == ("m1", "m2")
    assert instance.capacity == {("s1", "i1"): 600}
    assert [t.price_cents for t in instance.offers[("s1", "i1")].tiers] == [89900, 85000]
    assert instance.offers[("s2", "i1")].tiers[0].price_cents == 90550
    assert instance.offers[("s2", "i2")].tiers[0].price_cents == 99
    assert instance.demand[1].qty == 3
    assert instance.ineligible == {("m2", "s1")}


def test_offer_prices_all_units_at_the_reached_tier():
    offer = Instance.from_json(GOOD).offers[("s1", "i1")]
    assert [offer.price_cents(q) for q in (1, 199, 200, 10_000)] == [89900, 89900, 85000, 85000]
    assert offer.cost_cents(199) > offer.cost_cents(200)  # why phantom units would pay


def test_instance_round_trips_through_json():
    instance = Instance.from_json(GOOD)
    assert Instance.from_json(instance.to_json()) == instance


def test_ineligible_is_optional():
    data = copy.deepcopy(GOOD)
    del data["ineligible"]
    assert Instance.from_json(data).ineligible == frozenset()


def _broken(change) -> dict:
    data = copy.deepcopy(GOOD)
    change(data)
    return data


def _set(path, value):
    def change(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def _delete(path):
    def change(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return change


CASES = [
    (_delete(["demand"]), 'instance: missing key "demand"'),
    (_set(["extra"], 1), 'instance: unknown key "extra"'),
    (_set(["members"], "m1"), "members: expected a list"),
    (_set(["members", 1], "m1"), 'members[1]: duplicate "m1"'),
    (_set(["members", 0], ""), "members[0]: expected a non-empty string"),
    (_set(["items", 0], 7), "items[0]: expected a non-empty string, got 7"),
    (_set(["suppliers", 1, "id"], "s1"), 'suppliers[1].id: duplicate supplier "s1"'),
    (_set(["suppliers", 0, "capacity"], {"i9": 5}), 'suppliers[0].capacity: unknown item "i9"'),
    (_set(["suppliers", 0, "capacity", "i1"], -1), "suppliers[0].capacity.i1: must be at least 0"),
    (_set(["suppliers", 0, "capacity"], [600]), "suppliers[0].capacity: expected an object"),
    (_delete(["demand", 1, "qty"]), 'demand[1]: missing key "qty"'),
    (_set(["demand", 1, "member"], "m9"), 'demand[1]: unknown member "m9"'),
    (_set(["demand", 0, "item"], "i9"), 'demand[0]: unknown item "i9"'),
    (_set(["demand", 0, "qty"], -5), "demand[0].qty: must be at least 1, got -5"),
    (_set(["demand", 0, "qty"], 0), "demand[0].qty: must be at least 1, got 0"),
    (_set(["demand", 0, "qty"], 2.5), "demand[0].qty: expected a whole number, got 2.5"),
    (_set(["demand", 0, "qty"], "lots"), "demand[0].qty: expected a number, got 'lots'"),
    (_set(["demand", 0, "qty"], True), "demand[0].qty: expected a number, got True"),
    (_set(["demand", 0, "qty"], float("nan")), "demand[0].qty: expected a finite number"),
    (_set(["demand", 0, "qty"], None), "demand[0].qty: expected a number, got None"),
    (
        _set(["demand", 1], {"member": "m1", "item": "i1", "qty": 2}),
        'demand[1]: duplicate demand of "m1" for "i1" (already in demand[0]',
    ),
    (_set(["demand", 0, "colour"], "red"), 'demand[0]: unknown key "colour"'),
    (_set(["demand", 0], ["m1", "i1", 4]), "demand[0]: expected an object"),
    (_set(["prices", 0, "supplier"], "s7"), 'prices[0].supplier: unknown supplier "s7"'),
    (
        _set(["prices", 2, "item"], "i1"),
        'prices[2]: duplicate price row for supplier "s2" and item "i1" (already in prices[1])',
    ),
    (_set(["prices", 0, "tiers"], []), "prices[0].tiers: at least one tier is needed"),
    (
        _set(["prices", 0, "tiers", 1, "min_qty"], 0),
        "prices[0].tiers[1].min_qty: tiers must be in ascending order of min_qty (0 after 0)",
    ),
    (
        _set(
            ["prices", 0, "tiers"],
            [
                {"min_qty": 0, "unit_price": 899.0},
                {"min_qty": 200, "unit_price": 850.0},
                {"min_qty": 100, "unit_price": 870.0},
            ],
        ),
        "prices[0].tiers[2].min_qty: tiers must be in ascending order of min_qty (100 after 200)",
    ),
    (
        _set(
            ["prices", 0, "tiers"],
            [{"min_qty": 200, "unit_price": 850.0}, {"min_qty": 0, "unit_price": 899.0}],
        ),
        "prices[0].tiers[0].min_qty: the first tier must start at 0",
    ),
    (
        _set(["prices", 0, "tiers", 1, "unit_price"], -1),
        "prices[0].tiers[1].unit_price: must not be negative",
    ),
    (
        _set(["prices", 0, "tiers", 1, "unit_price"], 849.999),
        "prices[0].tiers[1].unit_price: at most two decimal places (whole cents), got 849.999",
    ),
    (
        _set(["prices", 0, "tiers", 1, "unit_price"], "cheap"),
        "prices[0].tiers[1].unit_price: expected a number, got 'cheap'",
    ),
    (_set(["ineligible", 0, "supplier"], "s9"), 'ineligible[0]: unknown supplier "s9"'),
    (_set(["ineligible"], {"m2": "s1"}), "ineligible: expected a list"),
]


@pytest.mark.parametrize(("change", "message"), CASES)
def test_malformed_input_names_the_bad_entry(change, message):
    with pytest.raises(InstanceError) as caught:
        Instance.from_json(_broken(change))
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize("data", [None, [], "instance", 3])
def test_non_object_input_is_refused(data):
    with pytest.raises(InstanceError, match="instance: expected a JSON object"):
        Instance.from_json(data)


def test_candidates_respect_offer_eligibility_and_capacity():
    data = copy.deepcopy(GOOD)
    data["demand"][0]["qty"] = 700  # more than s1's capacity of 600
    instance = Instance.from_json(data)
    assert instance.candidates(instance.demand[0]) == ["s2"]
    assert instance.candidates(instance.demand[1]) == ["s2"]  # m2 is not eligible at s1 anyway
