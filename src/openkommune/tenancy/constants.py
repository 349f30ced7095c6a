"""Codes of the tenancy app: kinds of member organisations and roles of their people."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    """Legal/administrative type of a member organisation (the cooperative's member types)."""

    LANDKREIS = "landkreis", _("Landkreis")
    KREISFREIE_STADT = "kreisfreie_stadt", _("kreisfreie Stadt")
    STADT = "stadt", _("Stadt")
    GEMEINDE = "gemeinde", _("Gemeinde")
    VERBANDSGEMEINDE = "verbandsgemeinde", _("Verbandsgemeinde")
    STIFTUNG = "stiftung", _("Stiftung")
    ANSTALT = "anstalt", _("Anstalt des öffentlichen Rechts")
    KOERPERSCHAFT = "koerperschaft", _("Körperschaft des öffentlichen Rechts")
    BILDUNGSEINRICHTUNG = "bildungseinrichtung", _("Bildungseinrichtung")
    VEREIN = "verein", _("Verein")
    ZWECKVERBAND = "zweckverband", _("Zweckverband")
    KOMMUNALES_UNTERNEHMEN = "kommunales_unternehmen", _("kommunales Unternehmen")
    GENOSSENSCHAFT = "genossenschaft", _("Genossenschaft")


class Role(models.TextChoices):
    """What a person may do for an organisation. Citizens have no membership at all."""

    CLERK = "clerk", _("Sachbearbeitung")
    MEMBER_ADMIN = "member_admin", _("Mitgliedsverwaltung")
    # Only valid in the organisation flagged `is_cooperative` (checked by `membership_grant`).
    COOPERATIVE_STAFF = "cooperative_staff", _("Genossenschaft")


# Session key of the organisation a user with several memberships currently acts for.
ACTIVE_ORGANISATION_SESSION_KEY = "openkommune.active_organisation"

# Same as openkommune.regions.constants.ARS_PATTERN / POSTCODE_PATTERN (the reference);
# copied because tenancy must not import regions. Change both together.
ARS_PATTERN = r"^[0-9]{12}$"
POSTCODE_PATTERN = r"^[0-9]{5}$"
