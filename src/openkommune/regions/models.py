from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from openkommune.regions.constants import ARS_PATTERN, POSTCODE_PATTERN, RegionLevel, kind_label


class Region(models.Model):
    """One territorial unit of the official directory (Destatis GV100AD).

    The 12-digit ARS is the natural key at every level: shorter keys are right-padded with
    zeros (Land 15 -> 150000000000, Kreis 15082 -> 150820000000). `parent` follows the ARS
    hierarchy Land -> Regierungsbezirk (where one exists) -> Kreis -> Gemeindeverband ->
    Gemeinde. Reference data, not tenant data.

    Padding makes the key unique only together with the level: a kreisfreie Stadt is Kreis,
    Gemeindeverband and Gemeinde under one ARS (Magdeburg 150030000000), Berlin and Hamburg
    also share it with their Land. `(ars, level)` is therefore the natural key.
    """

    # Indexed through the (ars, level) unique constraint, whose first column it is.
    ars = models.CharField(_("Amtlicher Regionalschlüssel"), max_length=12)
    ags = models.CharField(
        _("Amtlicher Gemeindeschlüssel"), max_length=8, blank=True, db_index=True
    )
    level = models.CharField(_("Ebene"), max_length=20, choices=RegionLevel.choices, db_index=True)
    kind = models.CharField(_("Art (Textkennzeichen)"), max_length=2, blank=True)
    name = models.CharField(_("Name"), max_length=100)
    seat = models.CharField(_("Verwaltungssitz"), max_length=100, blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    land_code = models.CharField(_("Land"), max_length=2, db_index=True)
    population = models.PositiveIntegerField(_("Einwohner"), null=True, blank=True)
    population_male = models.PositiveIntegerField(_("Einwohner männlich"), null=True, blank=True)
    area_ha = models.PositiveBigIntegerField(_("Fläche in ha"), null=True, blank=True)
    postcode_of_seat = models.CharField(_("PLZ des Verwaltungssitzes"), max_length=5, blank=True)
    has_several_postcodes = models.BooleanField(_("mehrere Postleitzahlen"), default=False)
    gebietsstand = models.DateField(_("Gebietsstand"))
    is_current = models.BooleanField(
        _("im aktuellen Gebietsstand"),
        default=True,
        help_text=_("Falsch, wenn die Einheit in der zuletzt importierten Datei fehlte."),
    )

    class Meta:
        verbose_name = _("Gebietseinheit")
        verbose_name_plural = _("Gebietseinheiten")
        ordering = ["ars"]
        indexes = [models.Index(fields=["land_code", "level"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ars__regex=ARS_PATTERN), name="region_ars_12_digits"
            ),
            models.UniqueConstraint(fields=["ars", "level"], name="region_ars_level_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.ars})"

    @property
    def area_km2(self) -> Decimal | None:
        return None if self.area_ha is None else Decimal(self.area_ha) / 100

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)


class PostcodeArea(models.Model):
    """A postcode and one Gemeinde it covers; a postcode may span several Gemeinden."""

    postcode = models.CharField(_("Postleitzahl"), max_length=5, db_index=True)
    gemeinde = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="postcode_areas")
    locality = models.CharField(_("Ortsname laut Quelle"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("Postleitzahlgebiet")
        verbose_name_plural = _("Postleitzahlgebiete")
        ordering = ["postcode", "gemeinde__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["postcode", "gemeinde"], name="postcode_gemeinde_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(postcode__regex=POSTCODE_PATTERN), name="postcode_5_digits"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.postcode} {self.gemeinde.name}"
