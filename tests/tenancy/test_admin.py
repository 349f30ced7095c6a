"""The admin is a named cross-tenant surface: it must work without a request scope."""

import pytest
from django.urls import reverse

from openkommune.accounts.models import User
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from openkommune.tenancy.services import audit_record
from tests.accounts.factories import UserFactory
from tests.tenancy.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    superuser = User.objects.create_superuser(email="admin@test.example.org", password="x" * 12)
    client.force_login(superuser)
    return client


@pytest.mark.parametrize("model", ["organisation", "membership", "auditrecord"])
def test_changelists_show_every_tenant(admin_client, model):
    first, second = MembershipFactory(), MembershipFactory()
    audit_record(tenant=first.tenant, actor=None, action="test", obj=first.tenant)
    response = admin_client.get(reverse(f"admin:tenancy_{model}_changelist"))
    assert response.status_code == 200
    if model != "auditrecord":
        assert second.tenant.name in response.content.decode()


def test_organisation_change_page_and_save_is_audited(admin_client):
    membership = MembershipFactory()
    organisation = membership.tenant
    url = reverse("admin:tenancy_organisation_change", args=[organisation.pk])
    response = admin_client.get(url)
    assert response.status_code == 200
    assert str(membership.user) in response.content.decode()  # the inline, unscoped
    data = {
        "name": "Neuer Name", "short_name": organisation.short_name, "kind": organisation.kind,
        "region_ars": "", "street": "", "postcode": "", "city": "", "email": "", "phone": "",
        "website": "", "is_demo": "on", "is_active": "on",
        "memberships-TOTAL_FORMS": "1", "memberships-INITIAL_FORMS": "1",
        "memberships-MIN_NUM_FORMS": "0", "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-id": str(membership.pk), "memberships-0-tenant": str(organisation.pk),
    }  # fmt: skip
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    organisation.refresh_from_db()
    assert organisation.name == "Neuer Name"
    with scopes_disabled():
        record = AuditRecord.objects.get(action="organisation.update")
    assert record.after["name"] == "Neuer Name"


def test_user_admin_add_page_renders(admin_client):
    assert admin_client.get(reverse("admin:accounts_user_add")).status_code == 200
    assert admin_client.get(reverse("admin:accounts_user_changelist")).status_code == 200


def test_admin_is_closed_to_staff_flag_without_cooperative_role(client):
    clerk = UserFactory(clerk=True, is_staff=True)
    client.force_login(clerk)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_admin_is_open_to_cooperative_staff(client):
    staff = UserFactory(cooperative_staff=True, is_staff=True)
    client.force_login(staff)
    assert client.get(reverse("admin:index")).status_code == 200


def test_admin_user_edit_is_audited_and_password_change_is_redirected(admin_client):
    person = UserFactory(email="bearbeitet@test.example.org")
    url = reverse("admin:accounts_user_change", args=[person.pk])
    data = {
        "email": person.email, "first_name": "Neu", "last_name": person.last_name,
        "is_active": "on", "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00",
    }  # fmt: skip
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    with scopes_disabled():
        record = AuditRecord.objects.get(action="user.update", object_id=str(person.pk))
    assert record.after == {"first_name": "Neu"}

    password_url = reverse("admin:auth_user_password_change", args=[person.pk])
    response = admin_client.post(password_url, {"password1": "x" * 12, "password2": "x" * 12})
    assert response.status_code == 302
    person.refresh_from_db()
    assert not person.check_password("x" * 12)
