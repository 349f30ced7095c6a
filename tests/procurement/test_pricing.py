"""Tier price maths and the term rule (pure functions)."""

import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openkommune.procurement.constants import LegalBasis, TierMode
from openkommune.procurement.pricing import (
    parse_decimal,
    parse_tier_lines,
    tier_price,
    tier_total,
)
from openkommune.procurement.terms import add_years, latest_end, term_error

TIERS = [(0, Decimal("100.00")), (10, Decimal("90.00")), (50, Decimal("80.00"))]


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [
        (0, Decimal("0.00")),
        (1, Decimal("100.00")),
        (9, Decimal("900.00")),
        (10, Decimal("900.00")),  # boundary: the tier reached prices every unit
        (11, Decimal("990.00")),
        (49, Decimal("4410.00")),
        (50, Decimal("4000.00")),
        (51, Decimal("4080.00")),
    ],
)
def test_all_units_prices_every_unit_at_the_tier_the_quantity_reaches(quantity, expected):
    assert tier_total(TIERS, quantity, TierMode.ALL_UNITS) == expected


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [
        (1, Decimal("100.00")),
        (9, Decimal("900.00")),
        (10, Decimal("990.00")),  # unit 10 is the first at 90
        (11, Decimal("1080.00")),
        (49, Decimal("900.00") + 40 * Decimal("90.00")),
        (50, Decimal("900.00") + 40 * Decimal("90.00") + Decimal("80.00")),
    ],
)
def test_incremental_prices_each_unit_at_the_tier_of_its_position(quantity, expected):
    assert tier_total(TIERS, quantity, TierMode.INCREMENTAL) == expected


def test_tiers_must_start_at_zero():
    with pytest.raises(ValueError, match="must start at quantity 0"):
        tier_total([(5, Decimal("1"))], 3, TierMode.ALL_UNITS)


tier_lists = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=500),
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2),
    ),
    max_size=5,
    unique_by=lambda t: t[0],
).flatmap(
    lambda rest: st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2).map(
        lambda first: sorted([(0, first), *rest])
    )
)


@given(tiers=tier_lists, quantity=st.integers(min_value=1, max_value=1200))
def test_incremental_total_is_the_sum_over_units(tiers, quantity):
    by_unit = sum(tier_price(tiers, unit) for unit in range(1, quantity + 1))
    assert tier_total(tiers, quantity, TierMode.INCREMENTAL) == by_unit


@given(tiers=tier_lists, quantity=st.integers(min_value=1, max_value=1200))
def test_all_units_total_never_uses_a_lower_tier_once_a_higher_is_reached(tiers, quantity):
    total = tier_total(tiers, quantity, TierMode.ALL_UNITS)
    reached = [t for t in tiers if t[0] <= quantity]
    assert total == reached[-1][1] * quantity
    for _min_quantity, lower_price in reached[:-1]:
        if lower_price != reached[-1][1]:
            assert total != lower_price * quantity


def test_tier_lines_parse_german_amounts_and_report_line_numbers():
    tiers, errors = parse_tier_lines("0: 1.299,00\nab 10: 1249.5\n\n50: 1.199,00 €")
    assert errors == []
    assert tiers == [(0, Decimal("1299.00")), (10, Decimal("1249.50")), (50, Decimal("1199.00"))]
    _tiers, errors = parse_tier_lines("0: 10\nzehn: 9\n5: -1\n0: 8")
    assert errors == [
        "Zeile 2: Die Menge „zehn“ ist keine ganze Zahl ≥ 0.",
        "Zeile 3: Der Preis „-1“ ist kein Betrag ≥ 0 mit höchstens zwei Nachkommastellen.",
        "Zeile 4: Die Menge 0 steht schon in einer Zeile.",
    ]
    assert parse_tier_lines("10: 5")[1] == [
        "Die erste Preisstaffel muss bei Menge 0 beginnen („0: Preis“)."
    ]


@pytest.mark.parametrize("text", ["", "abc", "1,234", "NaN", "1e99", "12,345,00"])
def test_bad_amounts_are_refused(text):
    assert parse_decimal(text) is None


# --- term rule -------------------------------------------------------------------------------


START = datetime.date(2026, 1, 1)


def test_vgv_allows_four_years_and_refuses_one_day_more():
    assert term_error(LegalBasis.VGV_21, START, datetime.date(2029, 12, 31)) is None
    message = term_error(LegalBasis.VGV_21, START, datetime.date(2030, 1, 1))
    assert message == (
        "Nach VgV § 21 darf ein Rahmenvertrag höchstens 4 Jahre laufen: bei Beginn am "
        "01.01.2026 endet er spätestens am 31.12.2029."
    )


def test_uvgo_allows_six_years_and_refuses_one_day_more():
    assert term_error(LegalBasis.UVGO_15, START, datetime.date(2031, 12, 31)) is None
    assert term_error(LegalBasis.UVGO_15, START, datetime.date(2032, 1, 1)) is not None
    # What VgV refuses, UVgO allows.
    assert term_error(LegalBasis.UVGO_15, START, datetime.date(2030, 1, 1)) is None


def test_end_before_start_is_refused():
    assert term_error(LegalBasis.VGV_21, START, START - datetime.timedelta(days=1))


def test_term_from_29_february():
    leap = datetime.date(2028, 2, 29)
    assert add_years(leap, 1) == datetime.date(2029, 3, 1)
    assert latest_end(LegalBasis.VGV_21, leap) == datetime.date(2032, 2, 28)
    assert latest_end(LegalBasis.UVGO_15, leap) == datetime.date(2034, 2, 28)
