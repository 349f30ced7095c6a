"""Fees as data: rules checked, computed with decimal arithmetic to the cent."""

from decimal import Decimal

import pytest

from openkommune.payments import fees
from openkommune.payments.constants import BEWOHNERPARKAUSWEIS, SONDERNUTZUNG


def test_fixed_fee_by_answer():
    rule = fees.parse_rule(BEWOHNERPARKAUSWEIS["rule"])
    assert fees.compute(rule, {"laufzeit": "6"}).total == Decimal("15.00")
    assert fees.compute(rule, {"laufzeit": "24"}).total == Decimal("60.00")


def test_per_area_and_day_with_reduction():
    rule = fees.parse_rule(SONDERNUTZUNG["rule"])
    data = {
        "laenge_m": "120",
        "breite_m": "8.5",
        "beginn": "2027-06-13",
        "ende": "2027-06-14",
        "gemeinnuetzig": False,
        "nutzungsart": "strassenfest",
    }
    result = fees.compute(rule, data)
    # 10.00 + 1020 m² x 2 days x 0.10 = 10.00 + 204.00
    assert result.total == Decimal("214.00")
    assert [line.amount for line in result.lines] == [Decimal("10.00"), Decimal("204.00")]
    assert result.lines[1].detail == "1020 m² × 2 Tage × 0,10 €"
    reduced = fees.compute(rule, data | {"gemeinnuetzig": True})
    assert reduced.total == Decimal("107.00")
    assert reduced.lines[-1].amount == Decimal("-107.00")


def test_minimum_maximum_and_free():
    rule = fees.parse_rule(SONDERNUTZUNG["rule"])
    small = {"laenge_m": "2", "breite_m": "1.5", "beginn": "2027-01-01", "ende": "2027-01-01"}
    result = fees.compute(rule, small | {"gemeinnuetzig": False, "nutzungsart": "infostand"})
    assert result.total == Decimal("20.00")  # 10.30 raised to the minimum
    assert result.notes
    huge = {"laenge_m": "5000", "breite_m": "200", "beginn": "2027-01-01", "ende": "2027-01-31"}
    assert fees.compute(rule, huge | {"gemeinnuetzig": False}).total == Decimal("2000.00")
    free = fees.compute(rule, small | {"gemeinnuetzig": True, "nutzungsart": "infostand"})
    assert free.is_free
    assert free.free_reason


def test_rounding_half_up_to_the_cent():
    rule = fees.parse_rule({"items": [{"label": "x", "amount": "0.15", "per": [{"field": "n"}]}]})
    assert fees.compute(rule, {"n": "0.5"}).total == Decimal("0.08")  # 0.075 → 0.08


def test_count_of_a_list():
    rule = fees.parse_rule(
        {
            "items": [
                {
                    "label": "je Hund",
                    "amount": "90.00",
                    "per": [{"field": "hunde", "unit": "Hunde"}],
                }
            ]
        }
    )
    assert fees.compute(rule, {"hunde": [{}, {}, {}]}).total == Decimal("270.00")


@pytest.mark.parametrize(
    "rule",
    [
        {},
        {"items": []},
        {"items": [{"label": "x", "amount": 1.5}]},  # float, not a money string
        {"items": [{"label": "x", "amount": "1.005"}]},
        {"items": [{"label": "x", "amount": "-1"}]},
        {"items": [{"label": "", "amount": "1"}]},
        {"items": [{"label": "x", "amount": "1", "per": [{"days": ["a"]}]}]},
        {"items": [{"label": "x", "amount": "1"}], "minimum": "5", "maximum": "1"},
        {
            "items": [{"label": "x", "amount": "1"}],
            "reductions": [{"label": "r", "percent": "150"}],
        },
        {"items": [{"label": "x", "amount": "1", "when": {"field": "a"}}]},
        {"items": [{"label": "x", "amount": "1"}], "rabatt": 1},
    ],
)
def test_unusable_rules_are_refused_in_german(rule):
    with pytest.raises(fees.FeeRuleError) as refused:
        fees.parse_rule(rule)
    assert refused.value.message


def test_euro_text():
    assert fees.euro(Decimal("1234.5")) == "1.234,50 €"
    assert fees.euro(Decimal("-7")) == "-7,00 €"
