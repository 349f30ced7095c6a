"""The cooperative's catalogue of Fachverfahren (specialised municipal software it hosts or
supports) and the members' subscriptions to them.

A Fachverfahren belongs to the cooperative (no tenant). A subscription belongs to the member
(tenant first) and runs from `starts_on` to `ends_on` (inclusive; open while empty). What a
member pays in a year is computed from the price per year, the quantity and the days the
subscription runs in that year (`selectors.member_charges`); nothing is stored twice.
"""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from openkommune.core.models import PublicIdModel
from openkommune.fachverfahren.constants import OperatingMode
from openkommune.tenancy.models import tenant_field
from openkommune.tenancy.scoping import TenantScopedManager


class Fachverfahren(PublicIdModel):
    name = models.CharField(_("Name"), max_length=200)
    vendor = models.CharField(_("Hersteller"), max_length=200)
    version = models.CharField(_("Version"), max_length=60)
    operating_mode = models.CharField(
        _("Betriebsart"), max_length=20, choices=OperatingMode.choices
    )
    maintenance_windows = models.TextField(
        _("Wartungsfenster"), help_text=_("Zum Beispiel: jeden 1. Dienstag im Monat, 18–22 Uhr")
    )
    service_hours = models.TextField(
        _("Servicezeiten"),
        help_text=_("Zum Beispiel: Mo–Fr 7–17 Uhr, außer an Feiertagen in Sachsen-Anhalt"),
    )
    price_per_year = models.DecimalField(
        _("Preis pro Jahr (Euro)"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Je Lizenz bzw. Einheit und Jahr, netto"),
    )
    description = models.TextField(_("Beschreibung"), blank=True)
    is_active = models.BooleanField(_("im Angebot"), default=True)
    is_demo = models.BooleanField(_("Demo-Daten"), default=False)

    class Meta:
        verbose_name = _("Fachverfahren")
        verbose_name_plural = _("Fachverfahren")
        ordering = ["name", "version"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price_per_year__gte=0),
                name="fachverfahren_price_not_negative",
                violation_error_message=_("Der Preis darf nicht negativ sein."),
            ),
            models.UniqueConstraint(
                fields=["name", "version"],
                name="fachverfahren_name_version_unique",
                violation_error_message=_("Dieses Fachverfahren gibt es in dieser Version schon."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.version}"


class Subscription(PublicIdModel):
    # First column after id on purpose (distribution key), see tenancy.models.
    tenant = tenant_field("fachverfahren_subscriptions", verbose_name=_("Mitglied"))
    fachverfahren = models.ForeignKey(
        Fachverfahren,
        on_delete=models.PROTECT,
        related_name="subscriptions",
        verbose_name=_("Fachverfahren"),
    )
    quantity = models.PositiveIntegerField(
        _("Anzahl Lizenzen"), default=1, validators=[MinValueValidator(1)]
    )
    starts_on = models.DateField(_("Beginn"))
    ends_on = models.DateField(_("Ende"), null=True, blank=True, help_text=_("Leer: läuft weiter"))

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("Abonnement")
        verbose_name_plural = _("Abonnements")
        ordering = ["fachverfahren__name", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="fachverfahren_subscription_ends_after_start",
                violation_error_message=_("Das Ende liegt vor dem Beginn."),
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1),
                name="fachverfahren_subscription_quantity_positive",
                violation_error_message=_("Mindestens eine Lizenz."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fachverfahren} ({self.tenant})"
