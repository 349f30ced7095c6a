"""The ledger arithmetic (pure): the rounding rule and the balance identities."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openkommune.digitalpakt.ledger import (
    Line,
    balance_of,
    cents,
    federal_part,
    split_cumulative,
)

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999999.99"), places=2)
shares = st.sampled_from([Decimal(90), Decimal(50), Decimal("66.67"), Decimal(100), Decimal(0)])


def test_federal_part_rounds_towards_zero():
    assert federal_part(Decimal("10.05"), Decimal(90)) == Decimal("9.04")  # 9.045
    assert federal_part(Decimal("-10.05"), Decimal(90)) == Decimal("-9.04")
    assert federal_part(Decimal("0.01"), Decimal(50)) == Decimal("0.00")


def test_cents_refuses_fractions_of_a_cent():
    assert cents("12.5") == Decimal("12.50")
    with pytest.raises(ValueError, match="two decimal places"):
        cents("0.001")


@given(amount=amounts, share=shares)
def test_parts_add_up_and_never_exceed_the_share(amount, share):
    federal, own = split_cumulative(before=Decimal("0.00"), amount=amount, federal_percent=share)
    assert federal + own == amount
    assert Decimal(0) <= federal <= amount * share / 100
    assert own >= 0


@given(parts=st.lists(amounts, min_size=1, max_size=12), share=shares)
def test_instalments_sum_to_the_share_of_the_total(parts, share):
    before = Decimal("0.00")
    federal_sum = own_sum = Decimal("0.00")
    for amount in parts:
        federal, own = split_cumulative(before=before, amount=amount, federal_percent=share)
        assert federal + own == amount
        federal_sum += federal
        own_sum += own
        before += amount
    assert federal_sum == federal_part(sum(parts), share)
    assert federal_sum + own_sum == sum(parts)


@given(amount=amounts, share=shares, before=amounts)
def test_a_correction_reverses_its_entry_exactly(amount, share, before):
    federal, own = split_cumulative(before=before, amount=amount, federal_percent=share)
    back_federal, back_own = split_cumulative(
        before=before + amount, amount=-amount, federal_percent=share
    )
    assert (back_federal, back_own) == (-federal, -own)


@given(
    lines=st.lists(
        st.tuples(st.sampled_from(["allocation", "commitment", "payment"]), amounts, shares),
        max_size=30,
    )
)
def test_balance_identities_hold_for_any_lines(lines):
    ledger = []
    for kind, amount, share in lines:
        if kind == "allocation":
            ledger.append(Line(kind, amount, amount, Decimal("0.00")))
        else:
            federal = federal_part(amount, share)
            ledger.append(Line(kind, amount, federal, amount - federal))
    balance = balance_of(ledger)
    assert balance.reconciles()
    assert balance.allocation == sum((a for k, a, _ in lines if k == "allocation"), Decimal(0))
    assert balance.committed == balance.committed_federal + balance.committed_own
    assert balance.paid == balance.paid_federal + balance.paid_own
    assert balance.open_commitments == balance.committed - balance.paid
