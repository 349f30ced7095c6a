"""DigitalPakt Schule: funding programmes, each Schulträger's budget and its ledger.

Programmes and their eligible categories are the cooperative's reference data (seeded by a
data migration from the facts in the product description, editable by staff in the admin).
A `SchoolAuthorityBudget` is the member's (tenant-owned): a member acting as Schulträger has
one budget per programme. Its `LedgerEntry` rows are append-only: a mistake is corrected by a
correction entry, never by editing or deleting (see `ledger.py` for the arithmetic).
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from openkommune.core.models import PublicIdModel, person_field, public_id_field
from openkommune.digitalpakt.constants import CorrectedKind, EntryKind
from openkommune.tenancy.models import tenant_field
from openkommune.tenancy.scoping import TenantScopedManager, TenantScopedQuerySet

percent_validators = [MinValueValidator(0), MaxValueValidator(100)]


class FundingProgramme(PublicIdModel):
    code = models.SlugField(_("Kennung"), max_length=60, unique=True)
    name = models.CharField(_("Name"), max_length=200)
    federal_share = models.DecimalField(
        _("Bundesanteil (%)"), max_digits=5, decimal_places=2, validators=percent_validators
    )
    own_share = models.DecimalField(
        _("Eigenanteil (%)"), max_digits=5, decimal_places=2, validators=percent_validators
    )
    starts_on = models.DateField(_("Laufzeit ab"), null=True, blank=True)
    ends_on = models.DateField(_("Laufzeit bis"), null=True, blank=True)
    description = models.TextField(_("Beschreibung"), blank=True)
    source = models.CharField(_("Quelle"), max_length=500, blank=True)
    is_active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        verbose_name = _("Förderprogramm")
        verbose_name_plural = _("Förderprogramme")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(federal_share__gte=0)
                & Q(own_share__gte=0)
                & Q(federal_share__lte=100)
                & Q(own_share__lte=100),
                name="funding_programme_shares_are_percentages",
            ),
            models.CheckConstraint(
                condition=Q(federal_share=100 - F("own_share")),
                name="funding_programme_shares_add_up",
                violation_error_message=_("Bundes- und Eigenanteil ergeben zusammen 100 %."),
            ),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True)
                | Q(ends_on__isnull=True)
                | Q(ends_on__gte=F("starts_on")),
                name="funding_programme_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def covers(self, day) -> bool:
        return (self.starts_on is None or self.starts_on <= day) and (
            self.ends_on is None or day <= self.ends_on
        )


class FundingCategory(models.Model):
    """A named category of what a programme funds, recognised by CPV code prefixes."""

    programme = models.ForeignKey(
        FundingProgramme, on_delete=models.CASCADE, related_name="categories"
    )
    name = models.CharField(_("Kategorie"), max_length=200)
    # Leading digits of the CPV code (without check digit), e.g. "30213" for computers.
    cpv_prefixes = models.JSONField(_("CPV-Präfixe"), default=list)

    class Meta:
        verbose_name = _("förderfähige Kategorie")
        verbose_name_plural = _("förderfähige Kategorien")
        ordering = ["programme", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "name"], name="funding_category_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def matches(self, cpv_code: str) -> bool:
        digits = cpv_code.split("-", 1)[0]
        return any(digits.startswith(str(prefix)) for prefix in self.cpv_prefixes)


class SchoolAuthorityBudget(models.Model):
    """The budget of one Schulträger (a member organisation) in one programme."""

    # First column after id on purpose (distribution key, see tenancy.models).
    tenant = tenant_field("+", verbose_name=_("Schulträger"))
    public_id = public_id_field(editable=False)
    created_at = models.DateTimeField(_("angelegt am"), auto_now_add=True)
    programme = models.ForeignKey(
        FundingProgramme,
        on_delete=models.PROTECT,
        related_name="budgets",
        verbose_name=_("Förderprogramm"),
    )

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("Budget eines Schulträgers")
        verbose_name_plural = _("Budgets der Schulträger")
        ordering = ["tenant_id", "programme__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "programme"],
                name="school_budget_unique_programme",
                violation_error_message=_("Für dieses Programm gibt es schon ein Budget."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme} ({self.tenant_id})"


class LedgerEntryImmutableError(Exception):
    """Ledger entries are append-only: correct with a correction entry."""


class LedgerEntryQuerySet(TenantScopedQuerySet):
    def update(self, **kwargs):
        raise LedgerEntryImmutableError("Ledger entries cannot be changed.")

    def delete(self):
        raise LedgerEntryImmutableError("Ledger entries cannot be deleted.")


class LedgerEntryManager(TenantScopedManager.from_queryset(LedgerEntryQuerySet)):
    pass


class LedgerEntry(models.Model):
    tenant = tenant_field("+", verbose_name=_("Schulträger"))
    public_id = public_id_field(editable=False)
    created_at = models.DateTimeField(_("gebucht am"), auto_now_add=True)
    budget = models.ForeignKey(
        SchoolAuthorityBudget, on_delete=models.PROTECT, related_name="entries"
    )
    kind = models.CharField(_("Art"), max_length=20, choices=EntryKind.choices)
    # For corrections: the kind whose sums the (signed) amount changes; else equal to kind.
    counts_as = models.CharField(_("zählt als"), max_length=20, choices=CorrectedKind.choices)
    amount = models.DecimalField(_("Betrag (Euro)"), max_digits=14, decimal_places=2)
    federal_part = models.DecimalField(_("Bundesanteil (Euro)"), max_digits=14, decimal_places=2)
    own_part = models.DecimalField(_("Eigenanteil (Euro)"), max_digits=14, decimal_places=2)
    booked_on = models.DateField(_("Buchungsdatum"))
    call_off = models.ForeignKey(
        "procurement.CallOff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Abruf"),
    )
    # Snapshots for the proof of use: the supplier and the invoice as booked.
    supplier_name = models.CharField(_("Lieferant"), max_length=200, blank=True)
    invoice_reference = models.CharField(_("Rechnungsnummer"), max_length=100, blank=True)
    # Allocations: the reference of the funding notice (Zuwendungsbescheid) they book, for
    # the proof of use.
    notice_reference = models.CharField(
        _("Aktenzeichen des Zuwendungsbescheids"), max_length=100, blank=True
    )
    text = models.CharField(_("Buchungstext"), max_length=500, blank=True)
    created_by = person_field(_("gebucht von"))

    objects = LedgerEntryManager()

    class Meta:
        verbose_name = _("Buchung")
        verbose_name_plural = _("Buchungen")
        ordering = ["booked_on", "id"]
        indexes = [
            models.Index(fields=["tenant", "budget"], name="ledger_tenant_budget"),
            models.Index(fields=["tenant", "call_off"], name="ledger_tenant_call_off"),
        ]
        # `amount == federal_part + own_part` is kept by the service, not by a constraint:
        # SQLite compares decimals as floating point numbers (0.1 + 0.2 != 0.3).
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_amount_not_zero"),
            models.CheckConstraint(
                condition=Q(kind="correction") | Q(counts_as=F("kind")),
                name="ledger_counts_as_own_kind",
            ),
            models.CheckConstraint(
                condition=Q(kind="correction") | Q(amount__gt=0),
                name="ledger_positive_unless_correction",
            ),
            models.CheckConstraint(
                condition=Q(counts_as="allocation") | Q(call_off__isnull=False),
                name="ledger_commitment_and_payment_need_call_off",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise LedgerEntryImmutableError("Ledger entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerEntryImmutableError("Ledger entries cannot be deleted.")
