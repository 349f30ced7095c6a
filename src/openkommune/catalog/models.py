"""The OZG catalogue: Themenfeld -> Lage -> OZG-Leistung, and the LeiKa services in them.

Reference data, not tenant data. Every table is filled only by `catalog_import` from the
official files; natural keys are the official identifiers. Entries missing from a newer
release stay (later tables point at them) with `is_current=False`.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from openkommune.catalog import codes
from openkommune.catalog.constants import (
    LEIKA_KEY_REGEX,
    OZG_ID_REGEX,
    LageKind,
    ResponsibleLevel,
)
from openkommune.core.models import TimeStampedModel
from openkommune.identity.constants import TrustLevel
from openkommune.tenancy.models import tenant_field
from openkommune.tenancy.scoping import TenantScopedManager


class CatalogEntry(TimeStampedModel):
    is_current = models.BooleanField(
        _("in der aktuellen Katalogfassung"),
        default=True,
        db_index=True,
        help_text=_("Falsch, wenn der Eintrag in der zuletzt importierten Fassung fehlte."),
    )

    class Meta:
        abstract = True


class Themenfeld(CatalogEntry):
    official_id = models.PositiveIntegerField(_("Themenfeld-ID"), unique=True)
    name = models.CharField(_("Name"), max_length=200)

    class Meta:
        verbose_name = _("Themenfeld")
        verbose_name_plural = _("Themenfelder")
        ordering = ["official_id"]

    def __str__(self) -> str:
        return self.name


class Lage(CatalogEntry):
    """A Lebenslage (citizens) or Unternehmenslage (businesses); `kind` comes from the
    reviewed name lists in `constants` (the files do not say), see `codes.classify_lage`."""

    official_id = models.PositiveIntegerField(_("Lage-ID"), unique=True)
    name = models.CharField(_("Name"), max_length=200)
    themenfeld = models.ForeignKey(
        Themenfeld, on_delete=models.PROTECT, related_name="lagen", verbose_name=_("Themenfeld")
    )
    kind = models.CharField(_("Art"), max_length=20, choices=LageKind.choices, db_index=True)

    class Meta:
        verbose_name = _("Lebens- oder Unternehmenslage")
        verbose_name_plural = _("Lebens- und Unternehmenslagen")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OzgLeistung(CatalogEntry):
    ozg_id = models.CharField(_("OZG-ID"), max_length=5, unique=True)
    name = models.CharField(_("Name"), max_length=300)
    lage = models.ForeignKey(
        Lage, on_delete=models.PROTECT, related_name="ozg_leistungen", verbose_name=_("Lage")
    )
    # Redundant with lage.themenfeld in this release, but the file states it per row and a
    # newer release may file a Leistung under another Themenfeld than its Lage.
    themenfeld = models.ForeignKey(
        Themenfeld,
        on_delete=models.PROTECT,
        related_name="ozg_leistungen",
        verbose_name=_("Themenfeld"),
    )
    stated_leika_count = models.PositiveIntegerField(
        _("Anzahl LeiKa-Leistungen laut Katalog"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("OZG-Leistung")
        verbose_name_plural = _("OZG-Leistungen")
        ordering = ["ozg_id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ozg_id__regex=OZG_ID_REGEX), name="ozg_leistung_id_5_digits"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.ozg_id})"


def ozg_leistung_field(related_name: str, *, null: bool = False) -> models.ForeignKey:
    """The OZG-Leistung a row is about. PROTECT: a Leistung in use is never deleted (a
    re-import that misses it only clears `is_current`)."""
    return models.ForeignKey(
        "catalog.OzgLeistung",
        on_delete=models.PROTECT,
        null=null,
        blank=null,
        related_name=related_name,
        verbose_name=_("OZG-Leistung"),
    )


class LeikaValues(models.Model):
    """The values a catalogue row states about a LeiKa service."""

    name = models.TextField(_("Leistungsbezeichnung"))
    typisierung = models.CharField(_("Typisierung (Originalwert)"), max_length=50, blank=True)
    typisierung_codes = models.JSONField(_("Typisierung (Codes)"), default=list, blank=True)
    # Derived from the codes at import: JSON containment cannot be filtered on SQLite, and
    # "may a Kommune execute this?" is the question later pages ask most.
    executed_by_kommune = models.BooleanField(_("Vollzug durch Kommune möglich"), default=False)
    rechtsgrundlagen = models.TextField(_("Rechtsgrundlagen"), blank=True)
    gesetze = models.TextField(_("Gesetze"), blank=True)
    gesetzeskuerzel = models.TextField(_("Gesetzeskürzel"), blank=True)
    sdg1 = models.BooleanField(_("SDG1-relevant"), default=False)
    sdg2 = models.BooleanField(_("SDG2-relevant"), default=False)

    class Meta:
        abstract = True

    @property
    def typisierung_beschreibung(self) -> str:
        """E.g. "Regelung: Bund; Vollzug: Land oder Kommune"."""
        return codes.describe_typisierung(self.typisierung_codes)

    @property
    def legal_bases(self) -> list[tuple[str, str]]:
        """The legal bases as (name, link) for pages (`codes.legal_bases`)."""
        return codes.legal_bases(self.rechtsgrundlagen)


class LeikaService(CatalogEntry, LeikaValues):
    """One LeiKa service, identified by its 14-digit key.

    Its values are those of the key's first row in the assignment file; where rows of the
    same key differ, each row's own values stay on its `LeikaAssignment`.
    """

    key = models.CharField(_("LeiKa-Schlüssel"), max_length=14, unique=True)

    class Meta:
        verbose_name = _("LeiKa-Leistung")
        verbose_name_plural = _("LeiKa-Leistungen")
        ordering = ["key"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(key__regex=LEIKA_KEY_REGEX), name="leika_service_key_format"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"

    @property
    def urn(self) -> str:
        return codes.leika_urn(self.key)


class LeikaAssignment(CatalogEntry, LeikaValues):
    """One row of `leika_leistungen_ozg_zuordnung.csv`: a LeiKa service in an OZG-Leistung.

    Kept per row so nothing in the file is lost: a key may sit in several OZG-Leistungen
    with different legal bases, a row may have no key ("nicht im LeiKa") or no OZG-Leistung.

    Natural key: (leika_key, ozg_id, occurrence) for rows with a key, (name, ozg_id,
    occurrence) for rows without; `ozg_id`/`leika_key` are "" when the row has none.
    `occurrence` numbers rows with the same key pair in file order (1, 2, ...), because the
    official file repeats some pairs with different values (e.g. the SDG flags).
    """

    leika_key = models.CharField(_("LeiKa-Schlüssel"), max_length=14, blank=True, db_index=True)
    ozg_id = models.CharField(_("OZG-ID"), max_length=5, blank=True, db_index=True)
    occurrence = models.PositiveSmallIntegerField(_("Vorkommen"), default=1)
    im_leika = models.BooleanField(_("im LeiKa"), default=True)
    leika_service = models.ForeignKey(
        LeikaService,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assignments",
        verbose_name=_("LeiKa-Leistung"),
    )
    ozg_leistung = ozg_leistung_field("assignments", null=True)

    class Meta:
        verbose_name = _("LeiKa-Zuordnung")
        verbose_name_plural = _("LeiKa-Zuordnungen")
        ordering = ["ozg_id", "leika_key", "name", "occurrence"]
        constraints = [
            models.UniqueConstraint(
                fields=["leika_key", "ozg_id", "occurrence"],
                condition=~models.Q(leika_key=""),
                name="leika_assignment_keyed_unique",
            ),
            models.UniqueConstraint(
                fields=["name", "ozg_id", "occurrence"],
                condition=models.Q(leika_key=""),
                name="leika_assignment_keyless_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(leika_key="") | models.Q(leika_key__regex=LEIKA_KEY_REGEX),
                name="leika_assignment_key_format",
            ),
            models.CheckConstraint(
                condition=models.Q(ozg_id="") | models.Q(ozg_id__regex=OZG_ID_REGEX),
                name="leika_assignment_ozg_id_format",
            ),
            # The identifiers and the links must agree, or a re-import would mis-match.
            models.CheckConstraint(
                condition=models.Q(leika_key="", leika_service__isnull=True)
                | (~models.Q(leika_key="") & models.Q(leika_service__isnull=False)),
                name="leika_assignment_key_matches_link",
            ),
            models.CheckConstraint(
                condition=models.Q(ozg_id="", ozg_leistung__isnull=True)
                | (~models.Q(ozg_id="") & models.Q(ozg_leistung__isnull=False)),
                name="leika_assignment_ozg_id_matches_link",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.leika_key or '—'} {self.name} → {self.ozg_id or '—'}"

    @property
    def natural_key(self) -> tuple:
        return assignment_natural_key(self.leika_key, self.ozg_id, self.name, self.occurrence)


def assignment_natural_key(leika_key: str, ozg_id: str, name: str, occurrence: int) -> tuple:
    """The identity of an assignment across releases (see LeikaAssignment)."""
    return (leika_key, ozg_id, "" if leika_key else name, occurrence)


class ServiceActivation(models.Model):
    """A member authority offers an OZG-Leistung on the platform (EfA activation), with the
    parameters citizens see. Tenant-owned: reached only through the scoped manager; changed
    only through `services.service_activation_set`."""

    # First column after id on purpose (distribution key), see tenancy.models.
    tenant = tenant_field("service_activations", on_delete=models.CASCADE)
    ozg_leistung = ozg_leistung_field("activations")
    is_active = models.BooleanField(_("online angeboten"), default=False)
    contact_name = models.CharField(_("Ansprechperson oder Stelle"), max_length=200, blank=True)
    contact_email = models.EmailField(_("E-Mail-Adresse für diese Leistung"), blank=True)
    contact_phone = models.CharField(_("Telefon für diese Leistung"), max_length=40, blank=True)
    fee = models.DecimalField(
        _("Gebühr in Euro"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    processing_time = models.CharField(_("Bearbeitungsdauer"), max_length=200, blank=True)
    opening_hours = models.TextField(_("Öffnungszeiten"), blank=True)
    citizen_notes = models.TextField(_("Hinweise für Bürgerinnen und Bürger"), blank=True)
    start_url = models.URLField(_("Adresse des Online-Antrags"), blank=True)
    # Empty: the form's default (FormDefinition.min_trust_level) applies.
    min_trust_level = models.PositiveSmallIntegerField(
        _("verlangtes Vertrauensniveau (abweichend)"),
        choices=[(0, _("keine BundID-Anmeldung nötig")), *TrustLevel.choices],
        null=True,
        blank=True,
        help_text=_("Leer: die Vorgabe des Formulars gilt."),
    )
    # Declared here, not inherited from TimeStampedModel, so that `tenant` stays the first
    # column after id (inherited fields come first).
    created_at = models.DateTimeField(_("angelegt am"), auto_now_add=True)
    updated_at = models.DateTimeField(_("geändert am"), auto_now=True)

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("Freischaltung einer Leistung")
        verbose_name_plural = _("Freischaltungen von Leistungen")
        ordering = ["tenant_id", "ozg_leistung__ozg_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "ozg_leistung"], name="service_activation_tenant_leistung"
            ),
            models.CheckConstraint(
                condition=models.Q(fee__isnull=True) | models.Q(fee__gte=0),
                name="service_activation_fee_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ozg_leistung_id} @ {self.tenant_id}: {self.is_active}"


class ResponsibilityOverride(TimeStampedModel):
    """A regional exception to the rules: in the region with `region_ars` (a Gemeinde,
    Verband, Kreis or Land; it applies to every Gemeinde below it, the most specific wins)
    the Leistung is executed at `level`, or by the unit with `organisation_ars`.
    Reference data kept by cooperative staff, not tenant data."""

    region_ars = models.CharField(_("Regionalschlüssel des Gebiets"), max_length=12)
    ozg_leistung = ozg_leistung_field("responsibility_overrides")
    level = models.CharField(
        _("zuständige Ebene"), max_length=20, choices=ResponsibleLevel.choices, blank=True
    )
    organisation_ars = models.CharField(
        _("Regionalschlüssel der zuständigen Stelle"),
        max_length=12,
        blank=True,
        help_text=_("Statt einer Ebene: die Gebietseinheit, deren Verwaltung zuständig ist."),
    )
    reason = models.TextField(_("Begründung und Quelle"))

    class Meta:
        verbose_name = _("Regionale Zuständigkeitsausnahme")
        verbose_name_plural = _("Regionale Zuständigkeitsausnahmen")
        ordering = ["region_ars", "ozg_leistung_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["region_ars", "ozg_leistung"], name="responsibility_override_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(region_ars__regex=r"^[0-9]{12}$"),
                name="responsibility_override_region_ars",
            ),
            models.CheckConstraint(
                condition=(models.Q(level="") & models.Q(organisation_ars__regex=r"^[0-9]{12}$"))
                | (~models.Q(level="") & models.Q(organisation_ars="")),
                name="responsibility_override_level_xor_organisation",
                violation_error_message=_(
                    "Geben Sie entweder eine Ebene oder den Schlüssel der zuständigen Stelle an."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_ars} / {self.ozg_leistung_id}: {self.level or self.organisation_ars}"
