"""/api/v1/procurement/bundling: rounds, own demand, results; 401/403 and other tenant 404."""

import uuid
from decimal import Decimal

import pytest

from openkommune.bundling import services
from tests.accounts.factories import UserFactory
from tests.bundling.round_factories import build_market

pytestmark = pytest.mark.django_db
URL = "/api/v1/procurement/bundling/rounds"


@pytest.fixture
def market():
    return build_market()


@pytest.fixture
def evaluated(market):
    for index, quantity in enumerate((5, 8, 4)):
        services.demand_set(
            tenant=market.members[index],
            actor=market.clerks[index],
            bundling_round=market.round,
            quantities={market.notebook: quantity},
        )
    services.round_close(actor=market.staff, bundling_round=market.round)
    services.round_evaluate(actor=market.staff, bundling_round=market.round)
    return market


def test_rounds_and_detail(client, market):
    client.force_login(market.clerks[0])
    [item] = client.get(URL).json()
    assert item["id"] == str(market.round.public_id)
    assert item["accepts_demand"] is True
    detail = client.get(f"{URL}/{market.round.public_id}").json()
    [notebook] = detail["items"]
    assert notebook["title"] == "Notebook 14 Zoll"
    assert {o["article_number"] for o in notebook["offers"]} == {"A-NB14", "B-NB14", "G-NB14"}
    alpha = next(o for o in notebook["offers"] if o["article_number"] == "A-NB14")
    assert [(t["min_quantity"], Decimal(t["unit_price"])) for t in alpha["tiers"]] == [
        (0, Decimal("800.00")),
        (10, Decimal("750.00")),
        (50, Decimal("700.00")),
    ]


def test_no_login_401_citizen_403_unknown_round_404(client, market):
    response = client.get(URL)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    client.force_login(UserFactory())
    assert client.get(URL).status_code == 403
    client.force_login(market.clerks[0])
    missing = client.get(f"{URL}/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    assert client.get(f"{URL}/kaputt").status_code == 422


def test_own_demand_only(client, market):
    services.demand_set(
        tenant=market.members[0],
        actor=market.clerks[0],
        bundling_round=market.round,
        quantities={market.notebook: 6},
    )
    client.force_login(market.clerks[0])
    assert client.get(f"{URL}/{market.round.public_id}/demand").json() == [
        {"item": str(market.notebook.public_id), "title": "Notebook 14 Zoll", "quantity": 6}
    ]
    client.force_login(market.clerks[1])
    assert client.get(f"{URL}/{market.round.public_id}/demand").json() == []
    client.force_login(market.staff)
    assert client.get(f"{URL}/{market.round.public_id}/demand").status_code == 403


def test_result_staff_see_all_members_a_member_its_own(client, evaluated):
    market = evaluated
    client.force_login(market.staff)
    body = client.get(f"{URL}/{market.round.public_id}/result").json()
    assert Decimal(body["total"]) == Decimal("12250.00")
    assert sum(Decimal(m["cost"]) for m in body["members"]) == Decimal(body["total"])
    assert len(body["members"]) == 3
    assert body["allocation_method"] == "shapley"
    assert sum(Decimal(m["allocated_cost"]) for m in body["members"]) == Decimal(body["total"])
    client.force_login(market.clerks[2])
    own = client.get(f"{URL}/{market.round.public_id}/result").json()
    assert own["total"] is None
    [row] = own["members"]
    assert row["member"] == str(market.members[2].public_id)
    # Alone 3,160 €; it pays its Shapley share 2,920 € (half of the 480 € saved with member 1).
    assert Decimal(row["allocated_cost"]) == Decimal("2920.00")
    assert Decimal(row["savings"]) == Decimal("240.00")
    assert [a["quantity"] for a in row["allocations"]] == [4]


def test_another_members_result_is_404_like_a_missing_one(client, evaluated):
    market = evaluated
    base = f"{URL}/{market.round.public_id}/results"
    client.force_login(market.clerks[1])
    own = client.get(f"{base}/{market.members[1].public_id}")
    assert own.status_code == 200
    assert Decimal(own.json()["cost"]) == Decimal("6000.00")
    other = client.get(f"{base}/{market.members[0].public_id}")
    missing = client.get(f"{base}/{uuid.uuid4()}")
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    client.force_login(market.staff)
    assert client.get(f"{base}/{market.members[0].public_id}").status_code == 200


def test_result_of_an_open_round_is_404(client, market):
    client.force_login(market.staff)
    response = client.get(f"{URL}/{market.round.public_id}/result")
    assert response.status_code == 404
    assert "noch nicht ausgewertet" in response.json()["error"]["message"]
