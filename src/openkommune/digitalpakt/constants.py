"""Codes of the DigitalPakt ledger: kinds of entries and what a correction corrects."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from openkommune.procurement.constants import CallOffStatus


class EntryKind(models.TextChoices):
    ALLOCATION = "allocation", _("Zuweisung")
    COMMITMENT = "commitment", _("Bindung")
    PAYMENT = "payment", _("Zahlung")
    CORRECTION = "correction", _("Korrektur")


class CorrectedKind(models.TextChoices):
    """What a correction entry adds to (with its sign): the sums of that kind change."""

    ALLOCATION = "allocation", _("Zuweisung")
    COMMITMENT = "commitment", _("Bindung")
    PAYMENT = "payment", _("Zahlung")


# Call-offs in these states may be charged to a programme: the member has decided to buy.
CHARGEABLE_CALL_OFF_STATUSES = (CallOffStatus.APPROVED, CallOffStatus.ORDERED)

# Seeded programmes (data migration 0002); codes are stable keys for the API and tests.
PROGRAMME_DIGITALPAKT_1 = "digitalpakt-schule-1"
PROGRAMME_DIGITALPAKT_2 = "digitalpakt-schule-2"
