"""Anonymous statistics for cooperative staff: counts per month, service and status, small
counts suppressed, no references, names or organisations, no sums."""

import datetime

import pytest
from django.urls import reverse

from openkommune.cases.constants import CaseStatus
from openkommune.cases.models import Case
from openkommune.cases.selectors.statistics import case_statistics_across_members, suppress
from openkommune.core.timezone import LOCAL_TZ
from openkommune.tenancy.constants import Role
from openkommune.tenancy.scoping import scope
from tests.accounts.factories import UserFactory
from tests.cases.factories import clerk_of, open_case, other_tenant, private_media  # noqa: F401
from tests.submissions.factories import make_offer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

STATS = reverse("cases:statistics")
YEAR = 2026


def _move(case, *, day: datetime.date, status: str = CaseStatus.RECEIVED):
    with scope(tenant=case.tenant):
        Case.objects.filter(pk=case.pk).update(
            submitted_at=datetime.datetime.combine(day, datetime.time(12), tzinfo=LOCAL_TZ),
            status=status,
        )


@pytest.fixture
def data():
    """Two members, one service: March 2026: 6 received (4 + 2 across members) and
    2 in progress; April 2026: 1 received."""
    first = make_offer()
    second = make_offer(tenant=other_tenant(region_ars=first.tenant.region_ars))
    cases = []
    for index in range(6):
        case = open_case(first if index < 4 else second, name=f"Person Nummer {index}")
        _move(case, day=datetime.date(YEAR, 3, 5 + index))
        cases.append(case)
    for index in range(2):
        case = open_case(first, name=f"Bearbeitet {index}")
        _move(case, day=datetime.date(YEAR, 3, 20), status=CaseStatus.IN_PROGRESS)
        cases.append(case)
    april = open_case(second, name="April Einzeln")
    _move(april, day=datetime.date(YEAR, 4, 1))
    cases.append(april)
    return first, second, cases


def test_suppress():
    assert suppress(0).count == 0
    assert suppress(1).suppressed
    assert suppress(4).suppressed
    assert suppress(5).count == 5


def test_counts_across_members_with_small_counts_suppressed(data):
    first, _second, _cases = data
    stats = case_statistics_across_members(year=YEAR)
    codes = [code for code, _label in stats.statuses]
    rows = {(row.month, row.ozg_id): row for row in stats.rows}
    march = rows[(datetime.date(YEAR, 3, 1), first.leistung.ozg_id)]
    april = rows[(datetime.date(YEAR, 4, 1), first.leistung.ozg_id)]
    assert march.cells[codes.index(CaseStatus.RECEIVED)].count == 6
    assert march.cells[codes.index(CaseStatus.IN_PROGRESS)].suppressed
    assert march.cells[codes.index(CaseStatus.CLOSED)].count == 0
    assert april.cells[codes.index(CaseStatus.RECEIVED)].suppressed
    assert len(stats.rows) == 2
    assert YEAR in stats.years
    assert case_statistics_across_members(year=YEAR, ozg_id="99999").rows == []
    assert case_statistics_across_members(year=YEAR - 5).rows == []


def test_page_for_cooperative_staff_has_no_personal_data_or_sums(client, data):
    _first, second, cases = data
    client.force_login(UserFactory(cooperative_staff=True))
    response = client.get(STATS, {"jahr": YEAR})
    assert response.status_code == 200
    text = response.text
    assert "03/2026" in text
    assert "04/2026" in text
    assert ">6<" in text
    assert "weniger als 5" in text
    for case in cases:
        assert case.reference not in text
        assert case.applicant_name not in text
    assert second.tenant.name not in text
    # Month, service and one column per status: no total column, no total row.
    assert text.count('scope="col"') == 2 + len(CaseStatus)
    assert text.count('scope="row"') == 2
    assert "Gesamt" not in text


def test_page_with_bad_parameters_falls_back(client, data):
    client.force_login(UserFactory(cooperative_staff=True))
    for params in ({"jahr": "abc"}, {"jahr": "1800"}, {"leistung": "<script>"}):
        assert client.get(STATS, params).status_code == 200
    empty = client.get(STATS, {"jahr": 2001})
    assert 'id="statistik-leer"' in empty.text


def test_only_cooperative_staff(client, data):
    first, _second, _cases = data
    response = client.get(STATS)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    for user in (
        UserFactory(),
        clerk_of(first.tenant),
        clerk_of(first.tenant, role=Role.MEMBER_ADMIN),
    ):
        client.force_login(user)
        assert client.get(STATS).status_code == 403
