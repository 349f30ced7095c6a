"""/api/v1/procurement/digitalpakt: happy path, 401/403, another tenant's budget 404."""

import datetime
import uuid
from decimal import Decimal

import pytest

from openkommune.digitalpakt import services
from tests.accounts.factories import UserFactory
from tests.digitalpakt.conftest import ordered
from tests.tenancy.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/procurement/digitalpakt/budgets"
DAY = datetime.date(2025, 3, 1)


@pytest.fixture
def budget(schooltraeger, member_admin, programme_1, market):
    budget = services.budget_open(tenant=schooltraeger, actor=member_admin, programme=programme_1)
    common = {"tenant": schooltraeger, "actor": member_admin, "budget": budget, "booked_on": DAY}
    services.budget_allocate(**common, amount=Decimal("10000.00"))
    call_off = ordered(schooltraeger, (market["display"], 1))
    services.call_off_charge(**common, call_off=call_off)
    services.payment_record(
        **common, call_off=call_off, amount=Decimal("3333.33"), invoice_reference="RE-9"
    )
    return budget


def test_member_reads_its_budgets_and_ledger(client, clerk, budget):
    client.force_login(clerk)
    listing = client.get(URL)
    assert listing.status_code == 200
    [item] = listing.json()
    assert item["id"] == str(budget.public_id)
    assert item["programme_code"] == "digitalpakt-schule-1"
    assert Decimal(item["balance"]["remaining"]) == Decimal("7000.01")
    assert item["balance"]["reconciles"] is True
    detail = client.get(f"{URL}/{budget.public_id}").json()
    assert [e["kind"] for e in detail["entries"]] == ["allocation", "commitment", "payment"]
    payment = detail["entries"][2]
    assert payment["invoice_reference"] == "RE-9"
    assert Decimal(payment["federal_part"]) + Decimal(payment["own_part"]) == Decimal("3333.33")


def test_no_login_401_citizen_403(client, budget):
    response = client.get(URL)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    client.force_login(UserFactory())
    response = client.get(f"{URL}/{budget.public_id}")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_other_members_budget_is_404_like_a_missing_one(client, budget):
    other = OrganisationFactory()
    stranger = UserFactory()
    MembershipFactory(tenant=other, user=stranger, role="member_admin")
    client.force_login(stranger)
    assert client.get(URL).json() == []
    response = client.get(f"{URL}/{budget.public_id}")
    assert response.status_code == 404
    assert response.json() == client.get(f"{URL}/{uuid.uuid4()}").json()
    assert client.get(f"{URL}/kein-uuid").status_code == 422


def test_staff_see_every_budget(client, staff, budget, schooltraeger):
    client.force_login(staff)
    names = [item["schooltraeger"] for item in client.get(URL).json()]
    assert schooltraeger.name in names
    assert client.get(f"{URL}/{budget.public_id}").status_code == 200
