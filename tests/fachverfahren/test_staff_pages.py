"""The cooperative staff's pages of the Fachverfahren catalogue: create and change entries,
subscribe a member, end a subscription, list and export every member's subscriptions; members
see only their own subscriptions. Bad input shows German errors and changes nothing."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from openkommune.fachverfahren import services
from openkommune.fachverfahren.constants import OperatingMode
from openkommune.fachverfahren.models import Fachverfahren, Subscription
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from tests.accounts.factories import UserFactory
from tests.tenancy.factories import OrganisationFactory

pytestmark = pytest.mark.django_db
D = datetime.date

ENTRY = {
    "name": "Demo-Kassenverfahren",
    "vendor": "Demo-Hersteller GmbH (erfunden)",
    "version": "2.1",
    "operating_mode": OperatingMode.SAAS,
    "maintenance_windows": "Demo: jeden 2. Mittwoch, 19–23 Uhr",
    "service_hours": "Demo: Mo–Fr 8–16 Uhr",
    "price_per_year": "2400.00",
    "description": "",
    "is_active": "on",
    "is_demo": "on",
}


@pytest.fixture
def staff():
    return UserFactory(cooperative_staff=True)


def _actions(prefix):
    with scopes_disabled():
        return sorted(
            AuditRecord.objects.filter(action__startswith=prefix).values_list("action", flat=True)
        )


def test_staff_create_and_edit_a_fachverfahren(client, staff):
    client.force_login(staff)
    catalogue = client.get(reverse("fachverfahren:catalogue")).text
    assert reverse("fachverfahren:new") in catalogue

    bad = client.post(reverse("fachverfahren:new"), ENTRY | {"price_per_year": "-5", "name": ""})
    assert bad.status_code == 422
    assert "Bitte prüfen Sie Ihre Eingaben" in bad.text
    assert not Fachverfahren.objects.exists()

    created = client.post(reverse("fachverfahren:new"), ENTRY)
    assert created.status_code == 302
    row = Fachverfahren.objects.get()
    assert created.url == reverse("fachverfahren:detail", args=[row.public_id])
    assert row.operating_mode == OperatingMode.SAAS
    assert row.price_per_year == Decimal("2400.00")

    edit_url = reverse("fachverfahren:edit", args=[row.public_id])
    assert "Demo-Kassenverfahren" in client.get(edit_url).text
    duplicate = services.fachverfahren_create(
        actor=staff, **(ENTRY | {"version": "3.0", "is_active": True, "is_demo": True,
                                 "price_per_year": Decimal("1")})
    )  # fmt: skip
    clash = client.post(edit_url, ENTRY | {"version": "3.0"})
    assert clash.status_code == 422
    assert "in dieser Version schon" in clash.text
    changed = client.post(edit_url, ENTRY | {"version": "2.2", "price_per_year": "2500,00"})
    assert changed.status_code == 302, changed.text
    row.refresh_from_db()
    assert (row.version, row.price_per_year) == ("2.2", Decimal("2500.00"))
    retired = client.post(edit_url, {k: v for k, v in ENTRY.items() if k != "is_active"})
    assert retired.status_code == 302
    row.refresh_from_db()
    assert row.is_active is False
    assert duplicate.version == "3.0"
    assert _actions("fachverfahren.") == [
        "fachverfahren.create",
        "fachverfahren.create",
        "fachverfahren.update",
        "fachverfahren.update",
    ]


def test_only_staff_reach_the_editing_pages(client, staff):
    row = services.fachverfahren_create(
        actor=staff, **(ENTRY | {"is_active": True, "is_demo": True,
                                 "price_per_year": Decimal("1")})
    )  # fmt: skip
    member_admin = UserFactory(member_admin=True)
    client.force_login(member_admin)
    for url in (
        reverse("fachverfahren:new"),
        reverse("fachverfahren:edit", args=[row.public_id]),
        reverse("fachverfahren:subscription_new"),
    ):
        assert client.get(url).status_code == 403
    assert client.post(reverse("fachverfahren:new"), ENTRY).status_code == 403
    assert Fachverfahren.objects.count() == 1
    client.logout()
    assert client.get(reverse("fachverfahren:new")).status_code == 302  # to the login


def test_staff_subscribe_a_member_and_end_it(client, staff):
    row = services.fachverfahren_create(
        actor=staff, **(ENTRY | {"is_active": True, "is_demo": True,
                                 "price_per_year": Decimal("1200")})
    )  # fmt: skip
    member = OrganisationFactory(name="Abo-Gemeinde (Test)")
    client.force_login(staff)
    url = reverse("fachverfahren:subscription_new")
    form = client.get(url, {"fachverfahren": str(row.public_id)}).text
    assert f'value="{row.public_id}" selected' in form
    values = {
        "tenant": str(member.public_id),
        "fachverfahren": str(row.public_id),
        "quantity": "2",
        "starts_on": "01.01.2026",
        "ends_on": "",
    }
    backwards = client.post(url, values | {"ends_on": "31.12.2025"})
    assert backwards.status_code == 422
    assert "Das Ende liegt vor dem Beginn." in backwards.text
    assert client.post(url, values).status_code == 302
    overlapping = client.post(url, values | {"starts_on": "01.03.2026"})
    assert overlapping.status_code == 422
    assert "schon abonniert" in overlapping.text
    with scopes_disabled():
        subscription = Subscription.objects.get()
    assert (subscription.tenant, subscription.quantity) == (member, 2)

    listing = client.get(reverse("fachverfahren:subscriptions")).text
    assert "Abo-Gemeinde (Test)" in listing
    end_url = reverse("fachverfahren:subscription_end", args=[subscription.public_id])
    assert end_url in listing
    too_early = client.post(end_url, {"ends_on": "31.12.2025"})
    assert too_early.status_code == 422
    assert "Das Ende liegt vor dem Beginn." in too_early.text
    assert client.post(end_url, {"ends_on": "30.06.2026"}).status_code == 302
    subscription.refresh_from_db()
    assert subscription.ends_on == D(2026, 6, 30)
    assert _actions("fachverfahren_subscription.") == [
        "fachverfahren_subscription.create",
        "fachverfahren_subscription.end",
    ]
    assert (
        client.get(
            reverse("fachverfahren:subscription_end", args=["00000000-0000-4000-8000-000000000000"])
        ).status_code
        == 404
    )


def test_subscriptions_list_export_and_members_see_their_own(client, staff):
    row = services.fachverfahren_create(
        actor=staff, **(ENTRY | {"is_active": True, "is_demo": True,
                                 "price_per_year": Decimal("1200")})
    )  # fmt: skip
    clerk = UserFactory(clerk=True)
    with scopes_disabled():
        own = clerk.memberships.get().tenant
    other = OrganisationFactory(name="Fremde Gemeinde (Test)")
    services.subscription_create(
        tenant=own, actor=staff, fachverfahren=row, starts_on=D(2026, 1, 1)
    )
    services.subscription_create(
        tenant=other, actor=staff, fachverfahren=row, starts_on=D(2025, 1, 1),
        ends_on=D(2025, 12, 31), quantity=3,
    )  # fmt: skip
    url = reverse("fachverfahren:subscriptions")

    client.force_login(staff)
    page = client.get(url).text
    assert own.name in page
    assert "Fremde Gemeinde (Test)" in page
    filtered = client.get(url, {"mitglied": str(other.public_id)}).text
    table = filtered.split('id="abonnements"')[1]
    assert "Fremde Gemeinde (Test)" in table
    assert own.name not in table
    export = client.get(url, {"format": "xlsx"})
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Mitglied", "Fachverfahren", "Version", "Lizenzen")
    exported = {line[0]: line for line in rows[1:]}
    assert exported["Fremde Gemeinde (Test)"][3] == 3  # a number, not text
    assert exported["Fremde Gemeinde (Test)"][5] == datetime.datetime(2025, 12, 31)
    assert exported["Fremde Gemeinde (Test)"][7] is False  # not running today

    client.force_login(clerk)  # any role of the member, not only its administrators
    page = client.get(url).text
    assert "Demo-Kassenverfahren" in page
    assert "Fremde Gemeinde (Test)" not in page
    assert "beenden" not in page
    csv = client.get(url, {"format": "csv"}).content.decode("utf-8-sig")
    assert "Fremde Gemeinde (Test)" not in csv
    assert own.name in csv
    client.force_login(UserFactory())  # a citizen
    assert client.get(url).status_code == 403
