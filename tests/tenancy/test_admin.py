"""The admin is a named cross-tenant surface: it must work without a request scope."""

import pytest
from django.urls import reverse

from openkommune.accounts.models import User
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from openkommune.tenancy.services import audit_record
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
