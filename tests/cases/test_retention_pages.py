"""The member administrator's retention page: access, isolation, editing with confirmation."""

import datetime

import pytest
from django.urls import reverse

from openkommune.cases.constants import RetentionAction
from openkommune.cases.models import DeletionLog, RetentionRule
from openkommune.cases.services.retention import months_before, retention_rule_set
from openkommune.core.timezone import LOCAL_TZ
from openkommune.tenancy.constants import Role
from openkommune.tenancy.scoping import scope, scopes_disabled
from tests.accounts.factories import UserFactory
from tests.cases.factories import clerk_of, other_tenant, private_media  # noqa: F401
from tests.delivery.factories import close, open_case
from tests.submissions.factories import HUNDEHALTUNG, make_offer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

SETTINGS = reverse("cases:retention_settings")
EDIT = reverse("cases:retention_edit", args=[HUNDEHALTUNG])
EDIT_ALL = reverse("cases:retention_edit", args=["alle"])


@pytest.fixture
def offer():
    return make_offer()


@pytest.fixture
def admin_client(client, offer):
    client.force_login(clerk_of(offer.tenant, role=Role.MEMBER_ADMIN))
    return client


def _own_rules(tenant):
    with scope(tenant=tenant):
        return list(RetentionRule.objects.values_list("ozg_leistung__ozg_id", "months", "action"))


def test_urls():
    assert SETTINGS == "/behoerde/aufbewahrung/"
    assert f"/behoerde/aufbewahrung/{HUNDEHALTUNG}/" == EDIT
    assert EDIT_ALL == "/behoerde/aufbewahrung/alle/"


def test_login_required_and_only_member_admins(client, offer):
    for url in (SETTINGS, EDIT, EDIT_ALL):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
    for user in (clerk_of(offer.tenant), UserFactory(), UserFactory(cooperative_staff=True)):
        client.force_login(user)
        for url in (SETTINGS, EDIT, EDIT_ALL):
            assert client.get(url).status_code == 403
        assert client.post(EDIT, {"months": "1", "action": "deleted"}).status_code == 403
    assert _own_rules(offer.tenant) == []


def test_overview_lists_offered_services_with_the_default(admin_client, offer):
    response = admin_client.get(SETTINGS)
    assert response.status_code == 200
    text = response.text
    assert offer.leistung.name in text
    assert "24 Monate" in text
    assert "Standard der Plattform (bitte prüfen)" in text
    assert "Standardfrist bitte prüfen" in text
    assert 'id="protokoll-leer"' in text


def test_overview_shows_due_cases_and_the_log_without_other_tenants(admin_client, offer):
    case = close(open_case(offer), closed_at=datetime.datetime(2020, 1, 10, tzinfo=LOCAL_TZ))
    stranger = other_tenant()
    retention_rule_set(tenant=stranger, actor=None, ozg_leistung=offer.leistung, months=7)
    with scopes_disabled():
        DeletionLog.objects.create(
            tenant=stranger,
            run_on=datetime.date(2029, 1, 1),
            ozg_id="99999",
            submitted_month=datetime.date(2020, 1, 1),
            case_count=3,
            action=RetentionAction.DELETED,
            retention_months=7,
        )
    text = admin_client.get(SETTINGS).text
    # One due case in our row; the stranger's rule and log are not shown.
    assert '<td class="kern-table__cell">1</td>' in text
    assert "7 Monate" not in text
    assert "99999" not in text
    assert case.reference not in text


def test_edit_saves_an_own_rule_and_removing_it_falls_back(admin_client, offer):
    response = admin_client.post(EDIT, {"months": "120", "action": "anonymised"})
    assert response.status_code == 302
    assert _own_rules(offer.tenant) == [(HUNDEHALTUNG, 120, "anonymised")]
    text = admin_client.get(SETTINGS).text
    assert "120 Monate" in text
    assert "eigene Regel für diese Leistung" in text
    page = admin_client.get(EDIT)
    assert 'value="120"' in page.text
    response = admin_client.post(EDIT, {"months": "", "action": "anonymised"})
    assert response.status_code == 302
    assert _own_rules(offer.tenant) == []


def test_edit_catch_all(admin_client, offer):
    response = admin_client.post(EDIT_ALL, {"months": "36", "action": "deleted"})
    assert response.status_code == 302
    assert _own_rules(offer.tenant) == [(None, 36, "deleted")]
    assert "eigene Regel für alle Leistungen" in admin_client.get(SETTINGS).text


def test_shortening_that_makes_cases_due_asks_first(admin_client, offer):
    today = datetime.date.today()
    closed = datetime.datetime.combine(months_before(today, 3), datetime.time(9), tzinfo=LOCAL_TZ)
    close(open_case(offer), closed_at=closed)
    response = admin_client.post(EDIT, {"months": "2", "action": "deleted"})
    assert response.status_code == 200
    assert "Frist wirklich ändern?" in response.text
    assert "1 Vorgang mehr gelöscht" in response.text
    assert _own_rules(offer.tenant) == []
    response = admin_client.post(EDIT, {"months": "2", "action": "deleted", "bestaetigt": "1"})
    assert response.status_code == 302
    assert _own_rules(offer.tenant) == [(HUNDEHALTUNG, 2, "deleted")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"months": "0", "action": "anonymised"}, "mindestens 1 Monat"),
        ({"months": "abc", "action": "anonymised"}, "ganze Zahl"),
        ({"months": "5000", "action": "anonymised"}, "höchstens 1200 Monate"),
        ({"months": "12", "action": "verbrennen"}, "was danach geschieht"),
    ],
)
def test_bad_input_is_shown_and_kept(admin_client, offer, data, message):
    response = admin_client.post(EDIT, data)
    assert response.status_code == 200
    assert message in response.text
    assert 'id="fehlerzusammenfassung"' in response.text
    assert f'value="{data["months"]}"' in response.text
    assert _own_rules(offer.tenant) == []


def test_unknown_service_is_404(admin_client):
    assert admin_client.get("/behoerde/aufbewahrung/99998/").status_code == 404
    assert admin_client.get("/behoerde/aufbewahrung/abc/").status_code == 404
