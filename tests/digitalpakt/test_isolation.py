"""Tenant isolation of budgets and ledgers: another member's rows behave as missing."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from openkommune.digitalpakt import selectors, services
from openkommune.digitalpakt.models import LedgerEntry, SchoolAuthorityBudget
from openkommune.procurement.models import CallOff
from openkommune.tenancy.scoping import scope
from tests.accounts.factories import UserFactory
from tests.digitalpakt.conftest import ordered
from tests.tenancy.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db
DAY = datetime.date(2025, 3, 1)


@pytest.fixture
def other():
    organisation = OrganisationFactory(name="Stadt Anderswo")
    admin = UserFactory()
    MembershipFactory(tenant=organisation, user=admin, role="member_admin")
    return organisation, admin


def test_selectors_and_services_do_not_reach_another_tenant(
    schooltraeger, member_admin, programme_1, other, market
):
    budget = services.budget_open(tenant=schooltraeger, actor=member_admin, programme=programme_1)
    services.budget_allocate(
        tenant=schooltraeger,
        actor=member_admin,
        budget=budget,
        amount=Decimal("100.00"),
        booked_on=DAY,
    )
    organisation, admin = other
    with scope(tenant=organisation):
        assert list(selectors.budget_list(tenant=organisation)) == []
        assert not LedgerEntry.objects.exists()
        with pytest.raises(SchoolAuthorityBudget.DoesNotExist):
            selectors.ledger_get(tenant=organisation, public_id=budget.public_id)
    # Another member's administrator cannot book into this budget by naming their tenant...
    with pytest.raises(SchoolAuthorityBudget.DoesNotExist):
        services.budget_allocate(
            tenant=organisation, actor=admin, budget=budget, amount=Decimal("1.00"), booked_on=DAY
        )
    # ...nor charge a call-off of theirs to it, nor one of ours to theirs.
    their_budget = services.budget_open(tenant=organisation, actor=admin, programme=programme_1)
    ours = ordered(schooltraeger, (market["notebook"], 1))
    with pytest.raises(CallOff.DoesNotExist):
        services.call_off_charge(
            tenant=organisation, actor=admin, budget=their_budget, call_off=ours, booked_on=DAY
        )


def test_pages_answer_404_for_another_members_budget(
    client, schooltraeger, member_admin, programme_1, other
):
    budget = services.budget_open(tenant=schooltraeger, actor=member_admin, programme=programme_1)
    _organisation, admin = other
    client.force_login(admin)
    for name in ("digitalpakt:ledger", "digitalpakt:allocate", "digitalpakt:proof_of_use"):
        assert client.get(reverse(name, args=[budget.public_id])).status_code == 404
    assert schooltraeger.name not in client.get(reverse("digitalpakt:index")).text
