"""Random sequences of bookings keep the ledger reconciled to the cent (hypothesis).

Each example books a random mix of allocations, charges, payments and corrections through
the services (refused bookings must change nothing) on a fresh Schulträger, then checks the
database's sums against the entries the services returned, and the balance identities.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openkommune.digitalpakt import selectors, services
from openkommune.digitalpakt.ledger import ZERO, federal_part
from openkommune.digitalpakt.models import LedgerEntry
from openkommune.tenancy.scoping import scope
from tests.digitalpakt.conftest import ordered
from tests.tenancy.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db
DAY = datetime.date(2025, 6, 30)
money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000.00"), places=2)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("allocate"), money),
        st.tuples(st.just("charge"), st.integers(min_value=1, max_value=7)),
        st.tuples(st.just("pay"), st.integers(min_value=1, max_value=100)),
        st.tuples(st.just("correct_commitment"), st.integers(min_value=-100, max_value=20)),
        st.tuples(st.just("correct_payment"), st.integers(min_value=-100, max_value=100)),
        st.tuples(st.just("correct_allocation"), money.map(lambda m: -m)),
    ),
    min_size=1,
    max_size=10,
)


def _apply(operation, context):
    kind, value = operation
    tenant, actor, budget = context["tenant"], context["actor"], context["budget"]
    common = {"tenant": tenant, "actor": actor, "budget": budget, "booked_on": DAY}
    charged = context["charged"]
    if kind == "allocate":
        return services.budget_allocate(**common, amount=value)
    if kind == "charge":
        call_off = ordered(tenant, (context["article"], value))
        entry = services.call_off_charge(**common, call_off=call_off)
        charged.append(call_off)
        return entry
    if not charged and kind != "correct_allocation":
        return None
    if kind == "correct_allocation":
        return services.ledger_correct(**common, corrects="allocation", amount=value, text="Test")
    call_off = charged[-1]
    with scope(tenant=tenant):
        totals = selectors.call_off_totals(budget, call_off)
    open_amount = totals["commitment"] - totals["payment"]
    if kind == "pay":
        amount = (open_amount * value / 100).quantize(Decimal("0.01"))
        return services.payment_record(
            **common, call_off=call_off, amount=amount, invoice_reference="RE-1"
        )
    base = totals["commitment"] if kind == "correct_commitment" else totals["payment"]
    amount = (base * value / 100).quantize(Decimal("0.01"))
    corrects = "commitment" if kind == "correct_commitment" else "payment"
    return services.ledger_correct(
        **common, corrects=corrects, amount=amount, text="Test", call_off=call_off
    )


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations, use_second=st.booleans())
def test_random_bookings_reconcile(ops, use_second, member_admin, programme_1, programme_2, market):
    programme = programme_2 if use_second else programme_1
    tenant = OrganisationFactory()
    MembershipFactory(tenant=tenant, user=member_admin, role="member_admin")
    budget = services.budget_open(tenant=tenant, actor=member_admin, programme=programme)
    context = {
        "tenant": tenant,
        "actor": member_admin,
        "budget": budget,
        "article": market["display"],
        "charged": [],
    }
    booked = []
    for operation in ops:
        with scope(tenant=tenant):
            count_before = LedgerEntry.objects.filter(budget=budget).count()
        try:
            entry = _apply(operation, context)
        except ValidationError:
            entry = None
            with scope(tenant=tenant):
                assert LedgerEntry.objects.filter(budget=budget).count() == count_before
        if entry is not None:
            booked.append(entry)
            assert entry.federal_part + entry.own_part == entry.amount

    with scope(tenant=tenant):
        balance = selectors.budget_balance(budget)
        positions = selectors.call_off_positions(budget)
    sums = {"allocation": [ZERO, ZERO], "commitment": [ZERO, ZERO], "payment": [ZERO, ZERO]}
    for entry in booked:
        sums[entry.counts_as][0] += entry.amount
        sums[entry.counts_as][1] += entry.federal_part
    assert balance.allocation == sums["allocation"][0]
    assert balance.committed == sums["commitment"][0]
    assert balance.committed_federal == sums["commitment"][1]
    assert balance.paid == sums["payment"][0]
    assert balance.paid_federal == sums["payment"][1]
    total = sum((e.amount for e in booked), ZERO)
    parts = sum((e.federal_part + e.own_part for e in booked), ZERO)
    assert parts == total
    assert balance.reconciles()
    assert balance.remaining >= 0
    assert ZERO <= balance.paid <= balance.committed
    for position in positions:
        # Cumulative splitting: a call-off's federal parts are the share of its total.
        assert position.committed_federal == federal_part(
            position.committed, programme.federal_share
        )
        assert position.paid_federal == federal_part(position.paid, programme.federal_share)
        assert ZERO <= position.paid <= position.committed
