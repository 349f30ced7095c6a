"""The Fachverfahren catalogue, the members' subscriptions and what each member pays; the
charges are checked against amounts worked out by hand."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from openkommune.fachverfahren import selectors, services
from openkommune.fachverfahren.constants import OperatingMode
from openkommune.fachverfahren.models import Fachverfahren, Subscription
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from tests.accounts.factories import UserFactory
from tests.tenancy.factories import OrganisationFactory, cooperative

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def staff():
    return UserFactory(cooperative_staff=True)


def _verfahren(staff, name="Demo-Einwohnerwesen", price="1200.00", **fields):
    values = {
        "vendor": "Demo-Hersteller GmbH",
        "version": "5.2",
        "operating_mode": OperatingMode.HOSTED,
        "maintenance_windows": "jeden 1. Dienstag im Monat, 18–22 Uhr",
        "service_hours": "Mo–Fr 7–17 Uhr",
        "price_per_year": Decimal(price),
        "is_demo": True,
    } | fields
    return services.fachverfahren_create(actor=staff, name=name, **values)


def _subscribe(staff, member, verfahren, starts_on, ends_on=None, quantity=1):
    return services.subscription_create(
        tenant=member,
        actor=staff,
        fachverfahren=verfahren,
        starts_on=starts_on,
        ends_on=ends_on,
        quantity=quantity,
    )


def _audit(action):
    with scopes_disabled():
        return list(AuditRecord.objects.filter(action=action))


# --- services ---------------------------------------------------------------------------


def test_create_and_update_are_staff_only_and_audited(staff):
    verfahren = _verfahren(staff)
    services.fachverfahren_update(
        fachverfahren=verfahren, actor=staff, version="5.3", price_per_year=Decimal("1300")
    )
    [created] = _audit("fachverfahren.create")
    [updated] = _audit("fachverfahren.update")
    assert created.after["name"] == "Demo-Einwohnerwesen"
    assert updated.before["version"] == "5.2"
    assert updated.after["version"] == "5.3"
    with pytest.raises(PermissionDenied):
        _verfahren(UserFactory(member_admin=True), name="Anderes")
    assert Fachverfahren.objects.count() == 1


def test_bad_input_changes_nothing(staff):
    with pytest.raises(ValidationError):
        _verfahren(staff, price="-1")
    with pytest.raises(ValidationError):
        _verfahren(staff, operating_mode="irgendwie")
    _verfahren(staff)
    with pytest.raises(ValidationError):
        _verfahren(staff)  # same name and version
    assert Fachverfahren.objects.count() == 1


def test_subscription_rules(staff):
    verfahren = _verfahren(staff)
    member = OrganisationFactory()
    first = _subscribe(staff, member, verfahren, D(2026, 1, 1), D(2026, 6, 30))
    with pytest.raises(ValidationError, match="schon abonniert"):
        _subscribe(staff, member, verfahren, D(2026, 6, 1))
    follow_up = _subscribe(staff, member, verfahren, D(2026, 7, 1), quantity=3)
    with pytest.raises(ValidationError, match="Genossenschaft selbst"):
        _subscribe(staff, cooperative(), verfahren, D(2026, 1, 1))
    with pytest.raises(ValidationError):
        _subscribe(staff, OrganisationFactory(), verfahren, D(2026, 5, 1), D(2026, 4, 1))
    retired = _verfahren(staff, name="Alt", is_active=False)
    with pytest.raises(ValidationError, match="nicht mehr angeboten"):
        _subscribe(staff, member, retired, D(2026, 1, 1))
    with pytest.raises(PermissionDenied):
        _subscribe(UserFactory(member_admin=True), OrganisationFactory(), verfahren, D(2026, 1, 1))
    with scopes_disabled():
        assert set(Subscription.objects.all()) == {first, follow_up}
    ended = services.subscription_end(subscription=follow_up, actor=staff, ends_on=D(2026, 12, 31))
    assert ended.ends_on == D(2026, 12, 31)
    with pytest.raises(ValidationError):
        services.subscription_end(subscription=follow_up, actor=staff, ends_on=D(2026, 6, 1))
    assert len(_audit("fachverfahren_subscription.create")) == 2
    [end] = _audit("fachverfahren_subscription.end")
    assert end.tenant == member


# --- charges, worked out by hand --------------------------------------------------------


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "quantity", "year", "days", "amount"),
    [
        # The whole year: 1,200.00 x 2 licences.
        (D(2025, 6, 1), None, 2, 2026, 365, "2400.00"),
        # From 1 July: 184 of 365 days; 1,200 x 184 / 365 = 604.9315… → 604.93.
        (D(2026, 7, 1), None, 1, 2026, 184, "604.93"),
        # Leap year 2028, 1 March to 31 December: 306 of 366 days;
        # 1,200 x 306 / 366 = 1,003.2787… → 1,003.28.
        (D(2028, 3, 1), D(2028, 12, 31), 1, 2028, 306, "1003.28"),
        # January only, 3 licences: 31 days; 3,600 x 31 / 365 = 305.7534… → 305.75.
        (D(2026, 1, 1), D(2026, 1, 31), 3, 2026, 31, "305.75"),
        # One day: 1,200 / 365 = 3.2876… → 3.29.
        (D(2026, 3, 15), D(2026, 3, 15), 1, 2026, 1, "3.29"),
        # Ended before the year: nothing.
        (D(2024, 1, 1), D(2025, 12, 31), 1, 2026, 0, "0.00"),
    ],
)
def test_charges_match_hand_worked_examples(
    staff, starts_on, ends_on, quantity, year, days, amount
):
    verfahren = _verfahren(staff)
    subscription = _subscribe(staff, OrganisationFactory(), verfahren, starts_on, ends_on, quantity)
    assert selectors.days_covered(subscription, year) == days
    assert selectors.charge(subscription, year) == Decimal(amount)


def test_member_charges_sum_per_member_and_skip_other_years(staff):
    einwohner = _verfahren(staff)
    finanzen = _verfahren(staff, name="Demo-Finanzwesen", price="730.00")
    stadt = OrganisationFactory(name="Stadt A (Test)")
    gemeinde = OrganisationFactory(name="Gemeinde B (Test)")
    _subscribe(staff, stadt, einwohner, D(2026, 1, 1), quantity=2)  # 2,400.00
    _subscribe(staff, stadt, finanzen, D(2026, 7, 1))  # 730 x 184 / 365 = 368.00
    _subscribe(staff, gemeinde, finanzen, D(2025, 1, 1), D(2025, 12, 31))  # not in 2026
    charges = selectors.member_charges(year=2026)
    assert [entry.member for entry in charges] == [stadt]
    assert charges[0].total == Decimal("2768.00")
    assert selectors.member_charges(year=2025)[0].member == gemeinde
    assert selectors.member_charges(year=2025)[0].total == Decimal("730.00")


# --- pages ------------------------------------------------------------------------------


def test_catalogue_is_public_sortable_and_has_an_empty_state(client, staff):
    assert 'id="keine-fachverfahren"' in client.get(reverse("fachverfahren:catalogue")).text
    _verfahren(staff, name="B-Verfahren", price="100")
    _verfahren(staff, name="A-Verfahren", price="900")
    _verfahren(staff, name="Z-Ausgemustert", is_active=False)
    page = client.get(reverse("fachverfahren:catalogue")).text
    assert page.index("A-Verfahren") < page.index("B-Verfahren")
    assert "Z-Ausgemustert" not in page
    assert "Betrieb im Rechenzentrum der Genossenschaft" in page
    by_price = client.get(reverse("fachverfahren:catalogue"), {"sortierung": "preis"}).text
    assert by_price.index("B-Verfahren") < by_price.index("A-Verfahren")
    assert 'aria-sort="ascending"' in by_price
    # An unknown sort falls back to the name.
    assert client.get(reverse("fachverfahren:catalogue"), {"sortierung": "x"}).status_code == 200


def test_detail_shows_windows_hours_and_price_and_staff_see_subscribers(client, staff):
    verfahren = _verfahren(staff)
    member = OrganisationFactory(name="Abonnentin (Test)")
    _subscribe(staff, member, verfahren, D(2020, 1, 1), quantity=4)
    url = reverse("fachverfahren:detail", args=[verfahren.public_id])
    page = client.get(url).text
    assert "jeden 1. Dienstag im Monat, 18–22 Uhr" in page
    assert "Mo–Fr 7–17 Uhr" in page
    assert "1.200,00 €" in page
    assert 'id="demo-hinweis-fachverfahren"' in page
    assert "Abonnentin (Test)" not in page  # the public does not see who subscribed
    client.force_login(staff)
    assert "Abonnentin (Test): 4 Lizenzen" in client.get(url).text
    client.logout()
    retired = _verfahren(staff, name="Alt", is_active=False)
    assert client.get(reverse("fachverfahren:detail", args=[retired.public_id])).status_code == 404
    assert (
        client.get(
            "/genossenschaft/fachverfahren/00000000-0000-4000-8000-000000000000/"
        ).status_code
        == 404
    )


def test_charges_page_staff_see_all_member_admins_only_their_own(client, staff):
    verfahren = _verfahren(staff)
    admin = UserFactory(member_admin=True)
    with scopes_disabled():
        own = admin.memberships.get().tenant
    other = OrganisationFactory(name="Fremdes Mitglied (Test)")
    _subscribe(staff, own, verfahren, D(2026, 1, 1))
    _subscribe(staff, other, verfahren, D(2026, 1, 1), quantity=2)
    url = reverse("fachverfahren:charges")

    assert client.get(url).status_code == 302  # login first
    client.force_login(UserFactory(clerk=True))
    assert client.get(url, {"jahr": 2026}).status_code == 403

    client.force_login(admin)
    page = client.get(url, {"jahr": 2026}).text
    assert own.name in page
    assert "Fremdes Mitglied (Test)" not in page
    assert 'data-summe="1200.00"' in page

    client.force_login(staff)
    page = client.get(url, {"jahr": 2026}).text
    assert own.name in page
    assert "Fremdes Mitglied (Test)" in page
    assert 'data-summe="2400.00"' in page
    assert "3.600,00 €" in page  # all members together
    empty = client.get(url, {"jahr": 2020}).text  # before the subscriptions began
    assert 'id="keine-kosten"' in empty
    assert client.get(url, {"jahr": "kein Jahr"}).status_code == 200


def test_admin_refuses_an_overlapping_subscription_with_a_message(client, staff):
    verfahren = _verfahren(staff)
    member = OrganisationFactory()
    _subscribe(staff, member, verfahren, D(2026, 1, 1))
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        reverse("admin:fachverfahren_subscription_add"),
        {
            "tenant": member.pk,
            "fachverfahren": verfahren.pk,
            "quantity": 1,
            "starts_on": "2026-03-01",
            "ends_on": "",
        },
    )
    assert response.status_code == 200
    assert "schon abonniert" in response.text
    with scopes_disabled():
        assert Subscription.objects.count() == 1


def test_charges_export_as_csv_with_the_amounts(client, staff):
    verfahren = _verfahren(staff)
    member = OrganisationFactory(name="Exportgemeinde (Test)")
    _subscribe(staff, member, verfahren, D(2026, 7, 1))
    client.force_login(staff)
    page = client.get(reverse("fachverfahren:charges"), {"jahr": 2026}).text
    assert "format=csv&amp;jahr=2026" in page
    response = client.get(reverse("fachverfahren:charges"), {"jahr": 2026, "format": "csv"})
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    header, row = text.strip().splitlines()
    assert header.startswith("Mitglied;Fachverfahren;Version;Lizenzen")
    assert row.startswith("Exportgemeinde (Test);Demo-Einwohnerwesen;5.2;1;")
    assert row.endswith(";184;1200,00;604,93")
