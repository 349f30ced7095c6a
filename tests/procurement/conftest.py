import pytest

from openkommune.tenancy.scoping import scopes_disabled
from tests.accounts.factories import UserFactory
from tests.tenancy.factories import MembershipFactory


@pytest.fixture
def clerk(db):
    return UserFactory(clerk=True)


@pytest.fixture
def member(clerk):
    with scopes_disabled():
        return clerk.memberships.get().tenant


@pytest.fixture
def approver(member):
    from openkommune.tenancy.constants import Role

    user = UserFactory()
    MembershipFactory(tenant=member, user=user, role=Role.MEMBER_ADMIN)
    return user


@pytest.fixture
def staff(db):
    return UserFactory(cooperative_staff=True)
