from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from openkommune.tenancy import selectors
from openkommune.tenancy.constants import OrganisationKind, Role
from openkommune.tenancy.models import AuditRecord, Membership, Organisation
from openkommune.tenancy.scoping import scope, scopes_disabled
from openkommune.tenancy.services import (
    membership_grant,
    membership_revoke,
    organisation_create,
    organisation_update,
)
from tests.accounts.factories import UserFactory
from tests.tenancy.factories import MembershipFactory, OrganisationFactory, cooperative

pytestmark = pytest.mark.django_db


def records(tenant):
    with scope(tenant=tenant):
        return list(selectors.audit_record_list(tenant=tenant))


def test_organisation_create_writes_an_audit_record():
    staff = UserFactory(cooperative_staff=True)
    organisation = organisation_create(
        actor=staff, name="Gemeinde Barleben", kind=OrganisationKind.GEMEINDE,
        region_ars="150830040040",
    )  # fmt: skip
    [record] = records(organisation)
    assert record.action == "organisation.create"
    assert record.actor == staff
    assert record.object_id == str(organisation.public_id)
    assert record.after["region_ars"] == "150830040040"
    assert record.before is None


def test_change_and_audit_record_share_one_transaction():
    # If writing the audit record fails, the organisation must not exist either.
    with (
        mock.patch("openkommune.tenancy.services.audit_record", side_effect=RuntimeError("kaputt")),
        pytest.raises(RuntimeError),
    ):
        organisation_create(actor=None, name="Nie da", kind=OrganisationKind.GEMEINDE)
    assert not Organisation.objects.filter(name="Nie da").exists()


def test_rolled_back_change_leaves_no_audit_record():
    organisation = OrganisationFactory(name="Alt")

    def change_then_fail():
        with transaction.atomic():
            organisation_update(tenant=organisation, actor=None, name="Neu")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        change_then_fail()
    assert records(organisation) == []
    organisation.refresh_from_db()
    assert organisation.name == "Alt"


def test_organisation_update_records_only_the_changes_and_skips_no_ops():
    organisation = OrganisationFactory(name="Alt", city="Ort")
    organisation_update(tenant=organisation, actor=None, name="Neu", city="Ort")
    organisation_update(tenant=organisation, actor=None, name="Neu")
    [record] = records(organisation)
    assert (record.before, record.after) == ({"name": "Alt"}, {"name": "Neu"})


def test_invalid_update_is_refused_and_changes_nothing():
    organisation = OrganisationFactory(region_ars="150830040040")
    with pytest.raises(ValidationError):
        organisation_update(tenant=organisation, actor=None, region_ars="123")
    organisation.refresh_from_db()
    assert organisation.region_ars == "150830040040"
    assert records(organisation) == []


def test_member_admin_may_change_contact_but_not_kind_and_clerk_nothing():
    admin = MembershipFactory(role=Role.MEMBER_ADMIN)
    organisation = admin.tenant
    organisation_update(tenant=organisation, actor=admin.user, phone="0391 123")
    with pytest.raises(PermissionDenied):
        organisation_update(tenant=organisation, actor=admin.user, kind=OrganisationKind.STADT)
    clerk = MembershipFactory(tenant=organisation, role=Role.CLERK)
    with pytest.raises(PermissionDenied):
        organisation_update(tenant=organisation, actor=clerk.user, phone="0")
    with pytest.raises(PermissionDenied):
        organisation_create(actor=admin.user, name="X", kind=OrganisationKind.GEMEINDE)


def test_membership_grant_and_revoke_are_audited_and_idempotent():
    admin = MembershipFactory(role=Role.MEMBER_ADMIN)
    tenant, person = admin.tenant, UserFactory()
    first = membership_grant(tenant=tenant, actor=admin.user, user=person, role=Role.CLERK)
    again = membership_grant(tenant=tenant, actor=admin.user, user=person, role=Role.CLERK)
    assert first == again
    membership_revoke(tenant=tenant, actor=admin.user, membership=first)
    with scope(tenant=tenant):
        assert not Membership.objects.filter(user=person).exists()
    assert [r.action for r in records(tenant)] == ["membership.revoke", "membership.grant"]
    assert records(tenant)[0].before == {"user": person.pk, "role": "clerk"}


def test_member_admin_of_another_tenant_may_not_grant_or_revoke():
    admin = MembershipFactory(role=Role.MEMBER_ADMIN)
    other = MembershipFactory(role=Role.CLERK)
    with pytest.raises(PermissionDenied):
        membership_grant(tenant=other.tenant, actor=admin.user, user=admin.user, role="clerk")
    with pytest.raises(PermissionDenied):
        membership_revoke(tenant=other.tenant, actor=admin.user, membership=other)


def test_revoke_of_a_membership_of_another_tenant_is_like_a_missing_one():
    mine, foreign = OrganisationFactory(), MembershipFactory()
    with pytest.raises(Membership.DoesNotExist):
        membership_revoke(tenant=mine, actor=None, membership=foreign)
    with scopes_disabled():
        assert Membership.objects.filter(pk=foreign.pk).exists()


def test_cooperative_staff_role_only_in_the_cooperative():
    with pytest.raises(ValidationError):
        membership_grant(
            tenant=OrganisationFactory(), actor=None, user=UserFactory(),
            role=Role.COOPERATIVE_STAFF,
        )  # fmt: skip
    person = UserFactory()
    membership_grant(tenant=cooperative(), actor=None, user=person, role=Role.COOPERATIVE_STAFF)
    assert selectors.user_is_cooperative_staff(person)


def test_role_selectors():
    clerk = UserFactory(clerk=True)
    staff = UserFactory(cooperative_staff=True)
    citizen = UserFactory()
    [membership] = selectors.user_memberships(clerk)
    assert selectors.user_has_role(clerk, tenant=membership.tenant, role=Role.CLERK)
    assert not selectors.user_is_cooperative_staff(clerk)
    assert selectors.user_is_cooperative_staff(staff)
    assert selectors.user_is_citizen(citizen)
    assert not selectors.user_is_citizen(clerk)
    assert selectors.user_can_manage_members(staff, tenant=membership.tenant)
    assert not selectors.user_can_manage_members(clerk, tenant=membership.tenant)


def test_memberships_of_deactivated_organisations_do_not_count():
    clerk = UserFactory(clerk=True)
    [membership] = selectors.user_memberships(clerk)
    organisation_update(tenant=membership.tenant, actor=None, is_active=False)
    assert selectors.user_memberships(clerk) == []


def test_audit_record_for_platform_action_is_written_inside_a_tenant_scope():
    from openkommune.accounts.services import user_create

    with scope(tenant=OrganisationFactory()):
        user = user_create(actor=None, email="neu@test.example.org", password=None)
    with scopes_disabled():
        record = AuditRecord.objects.get(action="user.create")
    assert record.tenant is None
    assert record.object_id == str(user.pk)
