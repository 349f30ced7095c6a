"""Codes and limits of the print-and-copy concept planner (docs/print-planner.md)."""

from decimal import Decimal
from pathlib import Path

from django.db import models
from django.utils.translation import gettext_lazy as _


class DeviceKind(models.TextChoices):
    PRINTER = "printer", _("Drucker")
    COPIER = "copier", _("Kopierer")
    MULTIFUNCTION = "multifunction", _("Multifunktionsgerät")


class Acquisition(models.TextChoices):
    LEASE = "lease", _("Leasing oder Miete")
    PURCHASE = "purchase", _("Kauf")


class Case(models.TextChoices):
    """The three results of a scenario. "low" is the lowest total cost: every effect at the
    top of its range; "high" every effect at the bottom."""

    LOW = "low", _("niedrig")
    EXPECTED = "expected", _("erwartet")
    HIGH = "high", _("hoch")


class CostCategory(models.TextChoices):
    DEVICES = "devices", _("Geräte (Leasing oder Abschreibung)")
    SUPPLIES = "supplies", _("Toner und Service")
    ENERGY = "energy", _("Energie")
    PAPER = "paper", _("Papier")
    LICENCES = "licences", _("Follow-Me-Lizenzen")


# The import: a table of one row per device (columns in io.py).
IMPORT_MAX_BYTES = 2 * 1024 * 1024
IMPORT_MAX_ROWS = 2_000
# How many row errors the page lists; the count of the rest is named.
IMPORT_MAX_ERRORS_SHOWN = 100
# A measuring period longer than a year is not a measurement of today's printing.
MAX_PERIOD_DAYS = 366

# Page counts over the period are scaled to a year of this many days (calendar days, the
# period inclusive of both ends): pages per year = pages * DAYS_PER_YEAR / days, rounded
# half up to whole pages.
DAYS_PER_YEAR = 365

# Defaults of the member's assumptions about today's printing (Inventory); docs/print-planner.md.
DEFAULT_PAPER_PER_SHEET = Decimal("0.0100")
DEFAULT_CURRENT_DUPLEX_PERCENT = Decimal("10.0")
DEFAULT_SERVICE_LIFE_YEARS = 5

# Defaults of a new scenario (Scenario); each is a field the member sees and changes.
SCENARIO_DEFAULTS = {
    "target_employees_per_device": Decimal("15.0"),
    "device_cost_per_month": Decimal("60.00"),
    "click_mono": Decimal("0.0060"),
    "click_colour": Decimal("0.0450"),
    "energy_per_page": Decimal("0.0010"),
    "installation_per_device": Decimal("150.00"),
    "contract_exit_costs": Decimal("0.00"),
    "follow_me": True,
    "follow_me_licence_per_device": Decimal("120.00"),
    "follow_me_setup": Decimal("2000.00"),
    "follow_me_reduction_min": Decimal("5.0"),
    "follow_me_reduction_expected": Decimal("10.0"),
    "follow_me_reduction_max": Decimal("15.0"),
    "mono_default": True,
    "mono_shift_min": Decimal("10.0"),
    "mono_shift_expected": Decimal("20.0"),
    "mono_shift_max": Decimal("30.0"),
    "duplex_default": True,
    "duplex_share_min": Decimal("40.0"),
    "duplex_share_expected": Decimal("55.0"),
    "duplex_share_max": Decimal("70.0"),
    "years": 5,
    "price_increase_percent": Decimal("2.0"),
}

# The sample inventory shipped with the app (demo data, not real).
SAMPLE_FILE_NAME = "druckkonzept-beispielinventar.csv"
SAMPLE_FILE = Path(__file__).resolve().parent / "demo" / SAMPLE_FILE_NAME
SAMPLE_TITLE = "Beispielinventar (Beispieldaten, nicht real)"
