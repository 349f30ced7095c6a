import pytest

from openkommune.tenancy.scoping import scopes_disabled
from tests.accounts.factories import UserFactory
from tests.members.factories import register
from tests.tenancy.factories import MembershipFactory


@pytest.fixture
def clerk(db):
    """A clerk of an organisation that is a current member of the register (only members
    call off, issue 19)."""
    user = UserFactory(clerk=True)
    with scopes_disabled():
        register(user.memberships.get().tenant)
    return user


@pytest.fixture
def member(clerk):
    """The clerk's organisation, a current member of the register."""
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
