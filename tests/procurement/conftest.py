import pytest

from openkommune.procurement import services
from openkommune.procurement.constants import CallOffStatus
from openkommune.tenancy.constants import Role
from openkommune.tenancy.scoping import scopes_disabled
from tests.accounts.factories import UserFactory
from tests.members.factories import register
from tests.procurement.einvoice_samples import LEITWEG_ID
from tests.procurement.factories import (
    CallOffFactory,
    ContractFactory,
    ItemFactory,
    SupplierFactory,
    add_line,
)
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
    user = UserFactory()
    MembershipFactory(tenant=member, user=user, role=Role.MEMBER_ADMIN)
    return user


@pytest.fixture
def staff(db):
    return UserFactory(cooperative_staff=True)


@pytest.fixture
def order(member, approver):
    """An ordered call-off of the member: 25 notebooks at the tier price 860 € (21,500 €)
    and 25 bags at 20 € (500 €); the member's Leitweg-ID set."""
    supplier = SupplierFactory(name="Notebook-Handel Test GmbH", vat_id="DE999999999")
    contract = ContractFactory(suppliers=[supplier])
    notebook = ItemFactory(
        contract=contract, article_number="NB-14", description="Notebook 14 Zoll",
        tiers=[(0, "920.00"), (20, "860.00")],
    )  # fmt: skip
    bag = ItemFactory(
        contract=contract, article_number="TA-1", description="Notebooktasche",
        tiers=[(0, "20.00")],
    )  # fmt: skip
    call_off = CallOffFactory(tenant=member, contract=contract, status=CallOffStatus.ORDERED)
    lines = {"NB-14": add_line(call_off, notebook, 25), "TA-1": add_line(call_off, bag, 25)}
    services.procurement_settings_update(tenant=member, actor=approver, leitweg_id=LEITWEG_ID)
    return call_off, lines


@pytest.fixture
def second_admin(member):
    user = UserFactory()
    MembershipFactory(tenant=member, user=user, role=Role.MEMBER_ADMIN)
    return user
