"""Real Saxony-Anhalt places for the responsibility tests (from the imported GV100AD data)."""

from openkommune.catalog.selectors import ozg_leistung_get
from openkommune.regions.constants import RegionKind, RegionLevel
from openkommune.regions.models import Region
from openkommune.regions.selectors import gemeinden_for_postcode, region_get
from openkommune.tenancy.constants import OrganisationKind, Role
from tests.accounts.factories import UserFactory
from tests.tenancy.factories import MembershipFactory, OrganisationFactory

MAGDEBURG_ARS = "150030000000"
ANHALT_BITTERFELD_ARS = "150820000000"
HUNDEHALTUNG = "10160"  # rule: gemeinde
MELDEWESEN = "10124"  # rule: verband
KFZ = "10439"  # rule: kreis
BAUGENEHMIGUNG = "10519"  # rule: kreis


def leistung(ozg_id: str):
    return ozg_leistung_get(ozg_id=ozg_id)


def only_gemeinde(postcode: str) -> Region:
    gemeinden = gemeinden_for_postcode(postcode=postcode)
    assert len(gemeinden) == 1, gemeinden
    return gemeinden[0]


def verbandsgemeinde_member() -> tuple[Region, Region]:
    """A real Mitgliedsgemeinde of a Verbandsgemeinde in Saxony-Anhalt, and its Verband."""
    member = (
        Region.objects.filter(
            land_code="15",
            level=RegionLevel.GEMEINDE,
            parent__kind=RegionKind.VERBANDSGEMEINDE,
            is_current=True,
        )
        .order_by("ars")
        .first()
    )
    assert member is not None, "no Verbandsgemeinde in the imported data"
    gemeinde = region_get(ars=member.ars, level=RegionLevel.GEMEINDE)
    return gemeinde, gemeinde.parent


def member(region_ars: str, kind=OrganisationKind.GEMEINDE, **values):
    return OrganisationFactory(region_ars=region_ars, kind=kind, is_demo=False, **values)


def member_admin(tenant):
    user = UserFactory()
    MembershipFactory(tenant=tenant, user=user, role=Role.MEMBER_ADMIN)
    return user


def clerk(tenant):
    user = UserFactory()
    MembershipFactory(tenant=tenant, user=user, role=Role.CLERK)
    return user
