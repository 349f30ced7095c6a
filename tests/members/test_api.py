import datetime

import pytest

from openkommune.tenancy.scoping import scopes_disabled
from tests.accounts.factories import UserFactory
from tests.members.factories import MembershipPeriodFactory, member_with_period

pytestmark = pytest.mark.django_db
URL = "/api/v1/members"


def _own_member(user):
    with scopes_disabled():
        organisation = user.memberships.get().tenant
    return member_with_period(organisation=organisation, shares_count=7)


def test_anonymous_gets_public_fields_without_shares(client):
    member = member_with_period(is_founding_member=True, joined_on=datetime.date(2009, 12, 22))
    response = client.get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 1
    item = body["items"][0]
    assert item == {
        "id": str(member.public_id),
        "name": member.organisation.name,
        "kind": "gemeinde",
        "region_ars": "",
        "joined_on": "2009-12-22",
        "left_on": None,
        "is_founding_member": True,
        "shares": None,
    }


def test_public_shares_are_visible_to_everyone(client):
    member_with_period(shares_public=True, shares_count=4, shares_amount=2000)
    item = client.get(URL).json()["items"][0]
    assert item["shares"]["count"] == 4
    assert float(item["shares"]["amount"]) == 2000


def test_member_sees_own_shares_not_others(client):
    user = UserFactory(clerk=True)
    own = _own_member(user)
    other = member_with_period(shares_count=9)
    client.force_login(user)
    items = {item["id"]: item for item in client.get(URL).json()["items"]}
    assert items[str(own.public_id)]["shares"]["count"] == 7
    assert items[str(other.public_id)]["shares"] is None


def test_staff_sees_all_shares(client):
    member_with_period(shares_count=9)
    client.force_login(UserFactory(cooperative_staff=True))
    assert client.get(URL).json()["items"][0]["shares"]["count"] == 9


def test_filters_and_pagination(client):
    left = member_with_period(joined_on=datetime.date(2010, 1, 1))
    period = left.periods.get()
    period.left_on = datetime.date(2015, 1, 1)
    period.save()
    for _ in range(3):
        member_with_period(joined_on=datetime.date(2016, 1, 1))
    member_with_period(organisation__kind="landkreis", joined_on=datetime.date(2012, 1, 1))
    assert client.get(URL).json()["total"] == 5
    as_of_2013 = client.get(URL, {"as_of": "2013-06-01"}).json()
    assert as_of_2013["total"] == 2
    assert client.get(URL, {"kind": "landkreis"}).json()["total"] == 1
    page = client.get(URL, {"limit": 2, "offset": 4}).json()
    assert page["total"] == 5
    assert len(page["items"]) == 1


def test_history_shows_dates_of_the_period_running_on_as_of(client):
    member = member_with_period(joined_on=datetime.date(2010, 1, 1))
    first = member.periods.get()
    first.left_on = datetime.date(2012, 1, 1)
    first.save()
    MembershipPeriodFactory(member=member, joined_on=datetime.date(2014, 1, 1))
    item = client.get(URL, {"as_of": "2011-01-01"}).json()["items"][0]
    assert (item["joined_on"], item["left_on"]) == ("2010-01-01", "2012-01-01")
    item = client.get(URL).json()["items"][0]
    assert (item["joined_on"], item["left_on"]) == ("2014-01-01", None)


@pytest.mark.parametrize(
    "params",
    [
        {"as_of": "gestern"},
        {"as_of": "0"},
        {"as_of": "2023-02-30"},
        {"kind": "planet"},
        {"limit": 0},
        {"limit": 1000},
        {"offset": -1},
    ],
)
def test_bad_parameters_answer_422_in_the_error_shape(client, params):
    response = client.get(URL, params)
    assert response.status_code == 422
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["message"]


def test_region_filter(client):
    member_with_period(organisation__region_ars="150820000000", organisation__kind="landkreis")
    member_with_period(organisation__region_ars="150030000000")
    body = client.get(URL, {"region": "15082"}).json()
    assert body["total"] == 1
    assert body["items"][0]["region_ars"] == "150820000000"
