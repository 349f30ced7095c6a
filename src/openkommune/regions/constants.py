from django.db import models
from django.utils.translation import gettext_lazy as _

from openkommune.tenancy.constants import OrganisationKind

# The one definition of the official key formats in this app: API path/query patterns,
# form and parser checks and the database check constraints all use these. (`tenancy`
# keeps its own copy, since it must not depend on regions.)
POSTCODE_PATTERN = r"^[0-9]{5}$"
ARS_PATTERN = r"^[0-9]{12}$"
AGS_PATTERN = r"^[0-9]{8}$"


class RegionLevel(models.TextChoices):
    """Levels of the official key hierarchy (ARS), from the GV100AD record types."""

    LAND = "land", _("Land")
    REGIERUNGSBEZIRK = "regierungsbezirk", _("Regierungsbezirk")
    KREIS = "kreis", _("Kreis")
    GEMEINDEVERBAND = "gemeindeverband", _("Gemeindeverband")
    GEMEINDE = "gemeinde", _("Gemeinde")


class RegionKind(models.TextChoices):
    """The GV100AD 'Textkennzeichen' of Kreise, Gemeindeverbände and Gemeinden.

    Only the codes whose meaning is stated in the record description are named; anything else
    the importer meets is kept as its raw code so that a new official code is never lost.
    """

    KREISFREIE_STADT = "41", _("Kreisfreie Stadt")
    STADTKREIS = "42", _("Stadtkreis")
    KREIS = "43", _("Kreis")
    LANDKREIS = "44", _("Landkreis")
    REGIONALVERBAND = "45", _("Regionalverband")
    VERBANDSFREIE_GEMEINDE = "50", _("Verbandsfreie Gemeinde")
    AMT = "51", _("Amt")
    SAMTGEMEINDE = "52", _("Samtgemeinde")
    VERBANDSGEMEINDE = "53", _("Verbandsgemeinde")
    VERWALTUNGSGEMEINSCHAFT = "54", _("Verwaltungsgemeinschaft")
    KIRCHSPIELSLANDGEMEINDE = "55", _("Kirchspielslandgemeinde")
    VERWALTUNGSVERBAND = "56", _("Verwaltungsverband")
    VG_TRAEGERMODELL = "57", _("Verwaltungsgemeinschaft (Trägermodell)")
    ERFUELLENDE_GEMEINDE = "58", _("Erfüllende Gemeinde")
    MARKT = "60", _("Markt")
    KREISFREIE_STADT_GEMEINDE = "61", _("Kreisfreie Stadt")
    STADTKREIS_GEMEINDE = "62", _("Stadtkreis")
    STADT = "63", _("Stadt")
    KREISANGEHOERIGE_GEMEINDE = "64", _("Kreisangehörige Gemeinde")
    GEMEINDEFREIES_GEBIET_BEWOHNT = "65", _("Gemeindefreies Gebiet, bewohnt")
    GEMEINDEFREIES_GEBIET_UNBEWOHNT = "66", _("Gemeindefreies Gebiet, unbewohnt")
    GROSSE_KREISSTADT = "67", _("Große Kreisstadt")


# From the most general to the most specific level. Padding keys with zeros makes a Kreis, its
# Gemeindeverband and its Gemeinde share one 12-digit ARS where a kreisfreie Stadt is all three
# (Magdeburg: 150030000000), and Berlin/Hamburg share it with their Land, so a key alone is
# ambiguous; this order decides which unit a bare ARS means (the most general one).
LEVEL_ORDER: tuple[str, ...] = (
    RegionLevel.LAND,
    RegionLevel.REGIERUNGSBEZIRK,
    RegionLevel.KREIS,
    RegionLevel.GEMEINDEVERBAND,
    RegionLevel.GEMEINDE,
)
LEVEL_RANK: dict[str, int] = {level: rank for rank, level in enumerate(LEVEL_ORDER)}

# How many leading ARS digits identify a unit of each level; every unit below it shares them.
ARS_PREFIX_LENGTH: dict[str, int] = {
    RegionLevel.LAND: 2,
    RegionLevel.REGIERUNGSBEZIRK: 3,
    RegionLevel.KREIS: 5,
    RegionLevel.GEMEINDEVERBAND: 9,
    RegionLevel.GEMEINDE: 12,
}

# A Gemeindeverband of this kind is the Gemeinde itself ("verbandsfreie Gemeinde"), not an
# association of several Gemeinden; pages and the API therefore show no Verband for it.
NO_ASSOCIATION_KIND = RegionKind.VERBANDSFREIE_GEMEINDE


def kind_label(code: str) -> str:
    """The German label of a Textkennzeichen; an unknown new code is shown as itself."""
    if not code:
        return ""
    try:
        return str(RegionKind(code).label)
    except ValueError:
        return code


# The kind of organisation a territorial unit is, where the platform creates one from the
# official directory (demo data, member import). Other units have no default.
ORGANISATION_KIND_BY_REGION = {
    (RegionLevel.KREIS, RegionKind.KREISFREIE_STADT): OrganisationKind.KREISFREIE_STADT,
    (RegionLevel.KREIS, RegionKind.LANDKREIS): OrganisationKind.LANDKREIS,
    (RegionLevel.GEMEINDEVERBAND, RegionKind.VERBANDSGEMEINDE): OrganisationKind.VERBANDSGEMEINDE,
    (RegionLevel.GEMEINDE, RegionKind.STADT): OrganisationKind.STADT,
    (RegionLevel.GEMEINDE, RegionKind.KREISANGEHOERIGE_GEMEINDE): OrganisationKind.GEMEINDE,
    (RegionLevel.GEMEINDE, RegionKind.KREISFREIE_STADT_GEMEINDE): OrganisationKind.KREISFREIE_STADT,
}

# The visitor's place (postcode, and the Gemeinde where the postcode spans several), kept in
# the session so that the start page and the service pages need not ask again.
PLACE_SESSION_KEY = "openkommune.place"
