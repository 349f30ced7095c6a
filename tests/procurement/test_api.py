"""/api/v1/procurement: happy path, 401 without login, 403 without a member role, 404 for
another member's call-off, 422 for bad input, always the project's error shape."""

import uuid

import pytest

from openkommune.procurement.constants import CallOffStatus
from openkommune.tenancy.scoping import scopes_disabled
from tests.accounts.factories import UserFactory
from tests.procurement.factories import CallOffFactory, ContractFactory, ItemFactory, add_line

pytestmark = pytest.mark.django_db
BASE = "/api/v1/procurement"


def _error(response, status, code):
    assert response.status_code == status
    body = response.json()
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code


def test_every_endpoint_needs_a_login(client):
    contract = ContractFactory()
    for path in ["/contracts", f"/contracts/{contract.public_id}/items", "/call-offs",
                 "/call-offs/AB-2026-XXXXXX"]:  # fmt: skip
        _error(client.get(BASE + path), 401, "not_authenticated")


def test_citizen_gets_403(client):
    client.force_login(UserFactory())
    _error(client.get(BASE + "/contracts"), 403, "permission_denied")
    _error(client.get(BASE + "/call-offs"), 403, "permission_denied")


def test_member_sees_callable_contracts_and_their_items(client, clerk):
    item = ItemFactory(tiers=[(0, "10.00"), (5, "9.00")])
    hidden = ContractFactory(callers_all_members=False)
    client.force_login(clerk)
    body = client.get(BASE + "/contracts").json()
    assert [c["number"] for c in body["items"]] == [item.contract.number]
    assert body["total"] == 1
    items = client.get(f"{BASE}/contracts/{item.contract.public_id}/items").json()
    assert items[0]["article_number"] == item.article_number
    assert items[0]["tiers"] == [
        {"min_quantity": 0, "unit_price": "10.00"},
        {"min_quantity": 5, "unit_price": "9.00"},
    ]
    _error(client.get(f"{BASE}/contracts/{hidden.public_id}/items"), 404, "not_found")
    _error(client.get(f"{BASE}/contracts/{uuid.uuid4()}/items"), 404, "not_found")
    _error(client.get(f"{BASE}/contracts/keine-uuid/items"), 422, "validation_error")


def test_staff_see_every_contract(client, staff):
    ContractFactory(callers_all_members=False)
    ContractFactory()
    client.force_login(staff)
    assert client.get(BASE + "/contracts").json()["total"] == 2


def test_call_offs_of_the_own_member_only(client, clerk, member):
    item = ItemFactory()
    own = CallOffFactory(tenant=member, contract=item.contract, status=CallOffStatus.ORDERED)
    add_line(own, item, 3)
    other_clerk = UserFactory(clerk=True)
    with scopes_disabled():
        other = other_clerk.memberships.get().tenant
    foreign = CallOffFactory(tenant=other, contract=item.contract)
    client.force_login(clerk)
    listing = client.get(BASE + "/call-offs").json()
    assert [c["reference"] for c in listing["items"]] == [own.reference]
    detail = client.get(f"{BASE}/call-offs/{own.reference}").json()
    assert detail["lines"][0]["quantity"] == 3
    assert detail["status"] == "ordered"
    _error(client.get(f"{BASE}/call-offs/{foreign.reference}"), 404, "not_found")
    _error(client.get(f"{BASE}/call-offs/AB-0000-NICHTDA"), 404, "not_found")
    filtered = client.get(BASE + "/call-offs", {"status": "draft"}).json()
    assert filtered["total"] == 0
    _error(client.get(BASE + "/call-offs", {"status": "kaputt"}), 422, "validation_error")
    _error(client.get(BASE + "/call-offs", {"limit": "0"}), 422, "validation_error")
