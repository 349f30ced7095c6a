"""Tenant isolation: the scoped manager is the one place that filters by tenant."""

import pytest

from openkommune.tenancy.constants import Role
from openkommune.tenancy.models import AuditRecord, Membership
from openkommune.tenancy.scoping import ScopeError, scope, scopes_disabled
from openkommune.tenancy.services import audit_record
from tests.tenancy.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_tenants():
    a, b = OrganisationFactory(name="Gemeinde A"), OrganisationFactory(name="Gemeinde B")
    member_a = MembershipFactory(tenant=a)
    member_b = MembershipFactory(tenant=b, role=Role.MEMBER_ADMIN)
    audit_a = audit_record(tenant=a, actor=None, action="test.a", obj=a)
    audit_b = audit_record(tenant=b, actor=None, action="test.b", obj=b)
    platform = audit_record(tenant=None, actor=None, action="test.platform", obj=a)
    return {"a": a, "b": b, "member_a": member_a, "member_b": member_b,
            "audit_a": audit_a, "audit_b": audit_b, "platform": platform}  # fmt: skip


@pytest.mark.parametrize("model", [Membership, AuditRecord])
def test_query_without_scope_raises(two_tenants, model):
    with pytest.raises(ScopeError):
        model.objects.all()


def test_scope_of_a_never_returns_rows_of_b(two_tenants):
    with scope(tenant=two_tenants["a"]):
        assert list(Membership.objects.all()) == [two_tenants["member_a"]]
        assert list(AuditRecord.objects.all()) == [two_tenants["audit_a"]]
        assert not Membership.objects.filter(pk=two_tenants["member_b"].pk).exists()
        with pytest.raises(Membership.DoesNotExist):
            Membership.objects.get(pk=two_tenants["member_b"].pk)


def test_reverse_relation_goes_through_the_scope(two_tenants):
    # organisation.memberships uses the scoped default manager, so it is guarded too.
    with scope(tenant=two_tenants["a"]):
        assert list(two_tenants["b"].memberships.all()) == []
    with pytest.raises(ScopeError):
        list(two_tenants["a"].memberships.all())


def test_empty_scope_sees_nothing(two_tenants):
    with scope(tenant=None):
        assert Membership.objects.count() == 0
        assert AuditRecord.objects.count() == 0


def test_scopes_disabled_sees_every_tenant(two_tenants):
    with scopes_disabled():
        assert Membership.objects.count() == 2
        # The session setup's own records (publishing the forms) are platform records too.
        actions = AuditRecord.objects.filter(action__startswith="test.")
        assert set(actions.values_list("action", flat=True)) == {
            "test.a", "test.b", "test.platform",
        }  # fmt: skip


def test_several_tenants_in_one_scope(two_tenants):
    with scope(tenants=[two_tenants["a"], two_tenants["b"]]):
        assert Membership.objects.count() == 2
        # Platform-level records (no tenant) belong to no tenant's scope.
        assert AuditRecord.objects.count() == 2


def test_nested_scope_is_restored(two_tenants):
    with scope(tenant=two_tenants["a"]):
        with scope(tenant=two_tenants["b"]):
            assert list(Membership.objects.all()) == [two_tenants["member_b"]]
        assert list(Membership.objects.all()) == [two_tenants["member_a"]]
    with pytest.raises(ScopeError):
        Membership.objects.all()


def test_queryset_built_in_scope_keeps_its_filter_after_the_block(two_tenants):
    with scope(tenant=two_tenants["a"]):
        memberships = Membership.objects.all()
    assert list(memberships) == [two_tenants["member_a"]]


def test_create_outside_the_scope_is_refused(two_tenants):
    with scope(tenant=two_tenants["a"]), pytest.raises(ScopeError):
        Membership.objects.create(
            tenant=two_tenants["b"], user=two_tenants["member_a"].user, role=Role.CLERK
        )
    with scopes_disabled():
        assert Membership.objects.filter(tenant=two_tenants["b"]).count() == 1


def test_cascade_deletes_rows_of_every_tenant_without_scope():
    # Deletion cascades use the unscoped _base_manager: deleting a user must remove all
    # memberships, not only those of the active scope (else the foreign key would break).
    a, b = OrganisationFactory(), OrganisationFactory()
    member = MembershipFactory(tenant=a)
    MembershipFactory(tenant=b, user=member.user)
    with scope(tenant=a):
        member.user.delete()
    with scopes_disabled():
        assert Membership.objects.count() == 0
