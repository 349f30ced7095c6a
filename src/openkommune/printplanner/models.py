"""A member's print inventory and its consolidation scenarios (docs/print-planner.md).

Everything belongs to the member (tenant first, scoped manager). An `Inventory` is one
import: its `Site`s (with the number of employees) and `Device`s exactly as the file gave
them, plus the member's assumptions about today's printing (paper price, duplex share,
service life of purchased devices). A `Scenario` holds every assumption of one
consolidation plan as a field with a documented default (`constants.SCENARIO_DEFAULTS`).
Results (costs per page, five-year TCO, savings) are computed from these rows by
`printplanner.calculation` each time; nothing computed is stored.
"""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import NOT_PROVIDED, F, Q
from django.utils.translation import gettext_lazy as _

from openkommune.core.models import PublicIdModel, person_field
from openkommune.printplanner import constants
from openkommune.printplanner.constants import Acquisition, DeviceKind
from openkommune.tenancy.models import tenant_field
from openkommune.tenancy.scoping import TenantScopedManager

ZERO = Decimal("0")
NOT_NEGATIVE = [MinValueValidator(ZERO)]
PERCENT = [MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))]
D = constants.SCENARIO_DEFAULTS


def _money(label, default=NOT_PROVIDED, *, digits: int = 10, places: int = 2, help_text=""):
    """An amount in euros ≥ 0; `default=None` makes it optional (empty in the database)."""
    optional = default is None
    return models.DecimalField(
        label,
        max_digits=digits,
        decimal_places=places,
        default=default,
        null=optional,
        blank=optional,
        validators=NOT_NEGATIVE,
        help_text=help_text,
    )


def _percent(label, default, help_text=""):
    return models.DecimalField(
        label,
        max_digits=4,
        decimal_places=1,
        default=default,
        validators=PERCENT,
        help_text=help_text,
    )


class Inventory(PublicIdModel):
    # First column after id on purpose (distribution key), see tenancy.models.
    tenant = tenant_field("print_inventories", verbose_name=_("Mitglied"))
    title = models.CharField(_("Bezeichnung"), max_length=200)
    source_name = models.CharField(_("Datei"), max_length=255, blank=True)
    imported_by = person_field(_("importiert von"))
    paper_per_sheet = _money(
        _("Papierpreis je Blatt (Euro)"),
        constants.DEFAULT_PAPER_PER_SHEET,
        digits=6,
        places=4,
        help_text=_("Vorgabe: 0,0100 € (ein Blatt A4, 80 g/m²)"),
    )
    current_duplex_percent = _percent(
        _("Heutiger Anteil beidseitig gedruckter Seiten (%)"),
        constants.DEFAULT_CURRENT_DUPLEX_PERCENT,
        help_text=_("Vorgabe: 10,0 %. Zwei beidseitig gedruckte Seiten brauchen ein Blatt."),
    )
    service_life_years = models.PositiveSmallIntegerField(
        _("Nutzungsdauer gekaufter Geräte (Jahre)"),
        default=constants.DEFAULT_SERVICE_LIFE_YEARS,
        validators=[MinValueValidator(1), MaxValueValidator(15)],
        help_text=_("Vorgabe: 5 Jahre. Der Kaufpreis wird gleichmäßig auf diese Jahre verteilt."),
    )

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("Bestandsaufnahme")
        verbose_name_plural = _("Bestandsaufnahmen")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(paper_per_sheet__gte=0)
                & Q(current_duplex_percent__gte=0)
                & Q(current_duplex_percent__lte=100)
                & Q(service_life_years__gte=1),
                name="printplanner_inventory_assumptions_valid",
                violation_error_message=_("Die Annahmen liegen außerhalb der erlaubten Werte."),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Site(models.Model):
    tenant = tenant_field("print_sites", verbose_name=_("Mitglied"))
    inventory = models.ForeignKey(
        Inventory, on_delete=models.CASCADE, related_name="sites", verbose_name=_("Bestand")
    )
    name = models.CharField(_("Standort"), max_length=200)
    employees = models.PositiveIntegerField(_("Beschäftigte"), validators=[MinValueValidator(1)])
    line = models.PositiveIntegerField(_("erste Zeile der Datei"))

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("Standort")
        verbose_name_plural = _("Standorte")
        ordering = ["line"]
        constraints = [
            models.UniqueConstraint(
                fields=["inventory", "name"], name="printplanner_site_unique_per_inventory"
            ),
            models.CheckConstraint(
                condition=Q(employees__gte=1), name="printplanner_site_has_employees"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Device(models.Model):
    tenant = tenant_field("print_devices", verbose_name=_("Mitglied"))
    inventory = models.ForeignKey(
        Inventory, on_delete=models.CASCADE, related_name="devices", verbose_name=_("Bestand")
    )
    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, related_name="devices", verbose_name=_("Standort")
    )
    line = models.PositiveIntegerField(_("Zeile der Datei"))
    model = models.CharField(_("Modell"), max_length=200)
    kind = models.CharField(_("Gerätetyp"), max_length=20, choices=DeviceKind.choices)
    colour = models.BooleanField(_("Farbe"))
    acquisition = models.CharField(_("Beschaffung"), max_length=20, choices=Acquisition.choices)
    monthly_rate = _money(_("Leasingrate je Monat (Euro)"), None)
    purchase_price = _money(_("Kaufpreis (Euro)"), None, digits=12)
    period_start = models.DateField(_("Zeitraum von"))
    period_end = models.DateField(_("Zeitraum bis"))
    pages_mono = models.PositiveIntegerField(_("Seiten Schwarzweiß im Zeitraum"))
    pages_colour = models.PositiveIntegerField(_("Seiten Farbe im Zeitraum"))
    toner_mono = _money(_("Toner je Seite Schwarzweiß (Euro)"), digits=8, places=4)
    toner_colour = _money(_("Toner je Seite Farbe (Euro)"), None, digits=8, places=4)
    service_per_page = _money(_("Service je Seite (Euro)"), digits=8, places=4)
    energy_per_page = _money(_("Energie je Seite (Euro)"), digits=8, places=4)

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("Gerät")
        verbose_name_plural = _("Geräte")
        ordering = ["line"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="printplanner_device_period_ordered",
            ),
            models.CheckConstraint(
                condition=Q(colour=True) | Q(pages_colour=0),
                name="printplanner_device_mono_prints_no_colour",
            ),
            models.CheckConstraint(
                condition=Q(acquisition=Acquisition.LEASE, monthly_rate__isnull=False)
                | Q(acquisition=Acquisition.PURCHASE, purchase_price__isnull=False),
                name="printplanner_device_has_its_fixed_cost",
            ),
            models.CheckConstraint(
                condition=Q(colour=False) | Q(toner_colour__isnull=False),
                name="printplanner_device_colour_has_colour_toner",
            ),
        ]

    def __str__(self) -> str:
        return self.model

    @property
    def period_days(self) -> int:
        return (self.period_end - self.period_start).days + 1


class Scenario(PublicIdModel):
    tenant = tenant_field("print_scenarios", verbose_name=_("Mitglied"))
    inventory = models.ForeignKey(
        Inventory, on_delete=models.CASCADE, related_name="scenarios", verbose_name=_("Bestand")
    )
    name = models.CharField(_("Name des Szenarios"), max_length=200)
    created_by = person_field(_("angelegt von"))

    # The target fleet: shared multifunction devices.
    target_employees_per_device = models.DecimalField(
        _("Ziel: Beschäftigte je Gerät"),
        max_digits=5,
        decimal_places=1,
        default=D["target_employees_per_device"],
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("500"))],
        help_text=_(
            "Vorgabe: 15,0. Je Standort: Beschäftigte geteilt durch diese Zahl, aufgerundet, "
            "mindestens ein Gerät und nie mehr Geräte als heute."
        ),
    )
    device_cost_per_month = _money(
        _("Multifunktionsgerät: Leasingrate oder Abschreibung je Monat (Euro)"),
        D["device_cost_per_month"],
        help_text=_("Vorgabe: 60,00 €. Preis Ihres Rahmenvertrags einsetzen."),
    )
    click_mono = _money(
        _("Klickpreis Schwarzweiß je Seite (Euro)"),
        D["click_mono"],
        digits=8,
        places=4,
        help_text=_("Vorgabe: 0,0060 €. Toner und Service je Seite."),
    )
    click_colour = _money(
        _("Klickpreis Farbe je Seite (Euro)"),
        D["click_colour"],
        digits=8,
        places=4,
        help_text=_("Vorgabe: 0,0450 €. Toner und Service je Seite."),
    )
    energy_per_page = _money(
        _("Energie je Seite (Euro)"),
        D["energy_per_page"],
        digits=8,
        places=4,
        help_text=_("Vorgabe: 0,0010 €."),
    )
    installation_per_device = _money(
        _("Aufstellung und Einweisung je Gerät, einmalig (Euro)"),
        D["installation_per_device"],
        help_text=_("Vorgabe: 150,00 €."),
    )
    contract_exit_costs = _money(
        _("Ablöse laufender Verträge, einmalig (Euro)"),
        D["contract_exit_costs"],
        help_text=_("Vorgabe: 0,00 €. Restraten, die beim Wechsel anfallen."),
    )

    follow_me = models.BooleanField(
        _("Follow-Me-Drucken"),
        default=D["follow_me"],
        help_text=_(
            "Vorgabe: ja. Aufträge werden erst am Gerät nach Anmeldung gedruckt; "
            "nicht abgeholte Aufträge entfallen."
        ),
    )
    follow_me_licence_per_device = _money(
        _("Follow-Me-Lizenz je Gerät und Jahr (Euro)"),
        D["follow_me_licence_per_device"],
        help_text=_("Vorgabe: 120,00 €."),
    )
    follow_me_setup = _money(
        _("Follow-Me-Einrichtung, einmalig (Euro)"),
        D["follow_me_setup"],
        help_text=_("Vorgabe: 2.000,00 €."),
    )
    follow_me_reduction_min = _percent(
        _("Weniger Seiten durch Follow-Me: mindestens (%)"),
        D["follow_me_reduction_min"],
        help_text=_("Vorgabe: 5,0 %."),
    )
    follow_me_reduction_expected = _percent(
        _("Weniger Seiten durch Follow-Me: erwartet (%)"),
        D["follow_me_reduction_expected"],
        help_text=_("Vorgabe: 10,0 %."),
    )
    follow_me_reduction_max = _percent(
        _("Weniger Seiten durch Follow-Me: höchstens (%)"),
        D["follow_me_reduction_max"],
        help_text=_("Vorgabe: 15,0 %."),
    )

    mono_default = models.BooleanField(
        _("Schwarzweiß als Standard"),
        default=D["mono_default"],
        help_text=_("Vorgabe: ja. Die Druckertreiber drucken zunächst schwarzweiß."),
    )
    mono_shift_min = _percent(
        _("Farbseiten, die schwarzweiß werden: mindestens (%)"),
        D["mono_shift_min"],
        help_text=_("Vorgabe: 10,0 %."),
    )
    mono_shift_expected = _percent(
        _("Farbseiten, die schwarzweiß werden: erwartet (%)"),
        D["mono_shift_expected"],
        help_text=_("Vorgabe: 20,0 %."),
    )
    mono_shift_max = _percent(
        _("Farbseiten, die schwarzweiß werden: höchstens (%)"),
        D["mono_shift_max"],
        help_text=_("Vorgabe: 30,0 %."),
    )

    duplex_default = models.BooleanField(
        _("Beidseitig als Standard"),
        default=D["duplex_default"],
        help_text=_("Vorgabe: ja. Ohne diese Vorgabe bleibt der heutige Duplex-Anteil."),
    )
    duplex_share_min = _percent(
        _("Anteil beidseitig gedruckter Seiten: mindestens (%)"),
        D["duplex_share_min"],
        help_text=_("Vorgabe: 40,0 %."),
    )
    duplex_share_expected = _percent(
        _("Anteil beidseitig gedruckter Seiten: erwartet (%)"),
        D["duplex_share_expected"],
        help_text=_("Vorgabe: 55,0 %."),
    )
    duplex_share_max = _percent(
        _("Anteil beidseitig gedruckter Seiten: höchstens (%)"),
        D["duplex_share_max"],
        help_text=_("Vorgabe: 70,0 %."),
    )

    years = models.PositiveSmallIntegerField(
        _("Betrachtungszeitraum (Jahre)"),
        default=D["years"],
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("Vorgabe: 5 Jahre."),
    )
    price_increase_percent = models.DecimalField(
        _("Preissteigerung je Jahr (%)"),
        max_digits=4,
        decimal_places=1,
        default=D["price_increase_percent"],
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("20"))],
        help_text=_(
            "Vorgabe: 2,0 %. Gilt ab dem zweiten Jahr für Toner, Service, Klickpreise, "
            "Energie und Papier, heute wie im Szenario; Geräte- und Lizenzkosten bleiben fest."
        ),
    )

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("Szenario")
        verbose_name_plural = _("Szenarien")
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(follow_me_reduction_min__lte=F("follow_me_reduction_expected"))
                & Q(follow_me_reduction_expected__lte=F("follow_me_reduction_max")),
                name="printplanner_scenario_follow_me_range_ordered",
                violation_error_message=_(
                    "Weniger Seiten durch Follow-Me: mindestens ≤ erwartet ≤ höchstens."
                ),
            ),
            models.CheckConstraint(
                condition=Q(mono_shift_min__lte=F("mono_shift_expected"))
                & Q(mono_shift_expected__lte=F("mono_shift_max")),
                name="printplanner_scenario_mono_range_ordered",
                violation_error_message=_(
                    "Farbseiten, die schwarzweiß werden: mindestens ≤ erwartet ≤ höchstens."
                ),
            ),
            models.CheckConstraint(
                condition=Q(duplex_share_min__lte=F("duplex_share_expected"))
                & Q(duplex_share_expected__lte=F("duplex_share_max")),
                name="printplanner_scenario_duplex_range_ordered",
                violation_error_message=_(
                    "Anteil beidseitig gedruckter Seiten: mindestens ≤ erwartet ≤ höchstens."
                ),
            ),
            models.CheckConstraint(
                condition=Q(target_employees_per_device__gte=1)
                & Q(years__gte=1)
                & Q(years__lte=10),
                name="printplanner_scenario_ratio_and_years_valid",
                violation_error_message=_("Zielquote oder Zeitraum außerhalb der erlaubten Werte."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


# The assumptions of a scenario, in the order the page and the report show them.
SCENARIO_FIELDS = tuple(D)
INVENTORY_ASSUMPTION_FIELDS = ("paper_per_sheet", "current_duplex_percent", "service_life_years")
