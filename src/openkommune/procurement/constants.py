"""Codes of the procurement app: legal bases, tier modes, call-off states, threshold kinds."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class LegalBasis(models.TextChoices):
    """Legal basis of a framework contract; each fixes the longest allowed term."""

    VGV_21 = "vgv_21", _("VgV § 21")
    UVGO_15 = "uvgo_15", _("UVgO § 15")


# Longest term in years: VgV § 21 Abs. 6 (4 years), UVgO § 15 Abs. 4 (6 years).
MAX_TERM_YEARS = {LegalBasis.VGV_21: 4, LegalBasis.UVGO_15: 6}


class TierMode(models.TextChoices):
    ALL_UNITS = "all_units", _("Staffel für alle Einheiten")
    INCREMENTAL = "incremental", _("Staffel je Einheit (angestoßen)")


class CallOffStatus(models.TextChoices):
    DRAFT = "draft", _("Entwurf")
    AWAITING_APPROVAL = "awaiting_approval", _("Zur Freigabe")
    APPROVED = "approved", _("Freigegeben")
    ORDERED = "ordered", _("Bestellt")
    REJECTED = "rejected", _("Abgelehnt")
    CANCELLED = "cancelled", _("Storniert")


# Call-offs in these states count against the contract maximum (drafts and withdrawn ones
# do not: they commit nothing).
COMMITTED_STATUSES = (
    CallOffStatus.AWAITING_APPROVAL,
    CallOffStatus.APPROVED,
    CallOffStatus.ORDERED,
)


# The outbox's kind (`core.outbox`) of the e-mail with the order PDF to the supplier.
ORDER_MAIL_KIND = "procurement.order"


class ContractStatus(models.TextChoices):
    """Derived from the term and the usage; never stored."""

    PLANNED = "planned", _("noch nicht begonnen")
    ACTIVE = "active", _("laufend")
    EXPIRED = "expired", _("abgelaufen")
    EXHAUSTED = "exhausted", _("ausgeschöpft")


class ThresholdKind(models.TextChoices):
    SUPPLIES_SERVICES_MUNICIPAL = (
        "supplies_services_municipal",
        _("Liefer- und Dienstleistungen kommunaler Auftraggeber"),
    )


# Usage share from which a call-off gets a warning (the maximum itself refuses).
USAGE_WARNING_SHARE = Decimal("0.80")

CPV_PATTERN = r"^[0-9]{8}-[0-9]$"
CALL_OFF_REFERENCE_PREFIX = "AB"

# Import and upload limits.
CATALOG_IMPORT_MAX_BYTES = 5 * 1024 * 1024
CATALOG_IMPORT_MAX_ROWS = 5000
DOCUMENT_MAX_BYTES = 20 * 1024 * 1024
