import pytest

from openkommune.digitalpakt.constants import PROGRAMME_DIGITALPAKT_1, PROGRAMME_DIGITALPAKT_2
from openkommune.digitalpakt.models import FundingProgramme
from openkommune.tenancy.constants import Role
from openkommune.tenancy.scoping import scopes_disabled
from tests.accounts.factories import UserFactory
from tests.digitalpakt import factories
from tests.members.factories import register
from tests.tenancy.factories import MembershipFactory, OrganisationFactory


@pytest.fixture
def programme_1(db):
    return FundingProgramme.objects.get(code=PROGRAMME_DIGITALPAKT_1)


@pytest.fixture
def programme_2(db):
    return FundingProgramme.objects.get(code=PROGRAMME_DIGITALPAKT_2)


@pytest.fixture
def schooltraeger(db):
    return register(OrganisationFactory(name="Landkreis Testkreis", kind="landkreis"))


@pytest.fixture
def member_admin(schooltraeger):
    user = UserFactory()
    MembershipFactory(tenant=schooltraeger, user=user, role=Role.MEMBER_ADMIN)
    return user


@pytest.fixture
def clerk(schooltraeger):
    user = UserFactory()
    MembershipFactory(tenant=schooltraeger, user=user, role=Role.CLERK)
    return user


@pytest.fixture
def staff(db):
    return UserFactory(cooperative_staff=True)


@pytest.fixture
def market(db):
    """A contract with an eligible notebook, an eligible display and an ineligible printer."""
    seller = factories.supplier("Schul-IT Testhandel GmbH")
    frame = factories.contract(suppliers=[seller])
    return {
        "supplier": seller,
        "contract": frame,
        "notebook": factories.article(
            contract=frame, supplier=seller, description="Notebook", cpv_code="30213100-6"
        ),
        "display": factories.article(
            contract=frame,
            supplier=seller,
            description="Interaktives Display",
            cpv_code="32323100-4",
            tiers=((0, "3333.33"),),
        ),
        "printer": factories.article(
            contract=frame, supplier=seller, description="Drucker", cpv_code="30232110-8"
        ),
    }


def ordered(schooltraeger, *lines, status="ordered"):
    with scopes_disabled():
        return factories.call_off(tenant=schooltraeger, lines=list(lines), status=status)
