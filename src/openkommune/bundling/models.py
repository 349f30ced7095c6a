"""Bundling rounds: the members' demand for a set of items, bundled for better tier prices.

A round (cooperative data) has items (`RoundItem`: what members order, e.g. "Notebook 14
Zoll"), each offered by one or more catalogue items of different suppliers (`RoundOffer`).
Members enter their quantities (`DemandEntry`, tenant-owned) until the deadline; at the close
the optimiser assigns each member's demand to a supplier and tier. The stored result
(`RoundResult` with `RoundAllocation` per member and item and `RoundMemberResult` per
member; both tenant-owned, so a member reads only its own rows) is replaced as a whole when
the round is evaluated again.
"""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from openkommune.bundling.constants import EvaluationState, RoundStatus
from openkommune.core.models import PublicIdModel, outbox_mails_relation, person_field
from openkommune.tenancy.scoping import TenantScopedManager


class BundlingRound(PublicIdModel):
    title = models.CharField(_("Titel"), max_length=200)
    description = models.TextField(_("Beschreibung"), blank=True)
    deadline = models.DateTimeField(_("Bedarfsmeldung bis"))
    # The call-offs of this period pre-fill each member's demand form.
    prefill_from = models.DateField(_("Vorschlag aus Abrufen ab"), null=True, blank=True)
    prefill_until = models.DateField(_("Vorschlag aus Abrufen bis"), null=True, blank=True)
    status = models.CharField(
        _("Status"), max_length=20, choices=RoundStatus.choices, default=RoundStatus.OPEN
    )
    created_by = person_field()
    closed_at = models.DateTimeField(_("geschlossen am"), null=True, blank=True)
    closed_by = person_field()
    evaluation_state = models.CharField(
        _("Auswertung"),
        max_length=20,
        choices=EvaluationState.choices,
        default=EvaluationState.NONE,
        blank=True,
    )
    evaluation_error = models.TextField(_("Fehler der Auswertung"), blank=True)
    awarded_at = models.DateTimeField(_("vergeben am"), null=True, blank=True)
    awarded_by = person_field()
    is_demo = models.BooleanField(_("Demo-Daten"), default=False)

    # Its e-mails to the members (`core.outbox`), deleted with it.
    outbox_mails = outbox_mails_relation()

    class Meta:
        verbose_name = _("Bündelungsrunde")
        verbose_name_plural = _("Bündelungsrunden")
        ordering = ["-deadline", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(prefill_from__isnull=True)
                | Q(prefill_until__isnull=True)
                | Q(prefill_until__gte=F("prefill_from")),
                name="bundling_round_prefill_period",
                violation_error_message=_("Das Ende des Zeitraums liegt vor dem Beginn."),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class RoundItem(PublicIdModel):
    round = models.ForeignKey(BundlingRound, on_delete=models.CASCADE, related_name="items")
    title = models.CharField(_("Bezeichnung"), max_length=300)
    unit = models.CharField(_("Einheit"), max_length=30, default="Stück")
    position = models.PositiveIntegerField(_("Reihenfolge"), default=0)

    class Meta:
        verbose_name = _("Position der Runde")
        verbose_name_plural = _("Positionen der Runde")
        ordering = ["round", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "title"],
                name="round_item_unique_title",
                violation_error_message=_("Diese Position gibt es in der Runde schon."),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class RoundOffer(models.Model):
    """A supplier's catalogue item offered for a round item, with an optional capacity."""

    round_item = models.ForeignKey(RoundItem, on_delete=models.CASCADE, related_name="offers")
    catalog_item = models.ForeignKey(
        "procurement.CatalogItem", on_delete=models.PROTECT, related_name="+"
    )
    capacity = models.PositiveIntegerField(
        _("Kapazität (Höchstmenge)"),
        null=True,
        blank=True,
        help_text=_("Leer: unbegrenzt."),
    )

    class Meta:
        verbose_name = _("Angebot")
        verbose_name_plural = _("Angebote")
        ordering = ["round_item", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["round_item", "catalog_item"], name="round_offer_unique_item"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round_item_id}: {self.catalog_item_id}"


class DemandEntry(models.Model):
    """A member's quantity of one round item (0 is stored: "we need none")."""

    # First column after id on purpose (distribution key, see tenancy.models).
    tenant = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    round_item = models.ForeignKey(RoundItem, on_delete=models.CASCADE, related_name="demand")
    quantity = models.PositiveIntegerField(_("Menge"))
    updated_by = person_field()
    updated_at = models.DateTimeField(_("geändert am"), auto_now=True)

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("Bedarfsmeldung")
        verbose_name_plural = _("Bedarfsmeldungen")
        ordering = ["tenant_id", "round_item"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "round_item"], name="demand_entry_unique_item"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tenant_id}: {self.quantity} × {self.round_item_id}"


class RoundResult(models.Model):
    """The optimiser's answer for a round; replaced as a whole by a new evaluation."""

    round = models.OneToOneField(BundlingRound, on_delete=models.CASCADE, related_name="result")
    solver_status = models.CharField(_("Status des Optimierers"), max_length=40)
    total = models.DecimalField(_("Gesamtkosten gebündelt"), max_digits=14, decimal_places=2)
    # Empty when some member could not buy its demand alone (capacity): no comparison then.
    alone_total = models.DecimalField(
        _("Gesamtkosten einzeln"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    savings = models.DecimalField(
        _("Ersparnis"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    gap = models.FloatField(_("Optimalitätslücke"), null=True, blank=True)
    shapley_exact = models.BooleanField(_("Shapley-Werte exakt"), default=False)
    shapley_samples = models.PositiveIntegerField(_("Stichproben Shapley"), default=0)
    # False when the time limit made some coalition costs greedy estimates, not optima.
    shapley_all_optimal = models.BooleanField(_("Koalitionskosten optimal"), default=False)
    # How the members' shares were found (`allocation.SHAPLEY`, `CORE`, ...; docs/bundling.md).
    allocation_method = models.CharField(_("Aufteilungsverfahren"), max_length=20, blank=True)
    evaluated_at = models.DateTimeField(_("ausgewertet am"))
    evaluated_by = person_field()

    class Meta:
        verbose_name = _("Ergebnis der Runde")
        verbose_name_plural = _("Ergebnisse der Runden")

    def __str__(self) -> str:
        return f"{self.round_id}: {self.total}"

    @property
    def gap_percent(self) -> float | None:
        """The proven optimality gap in percent (0.0123 -> 1.23); None when unknown."""
        return None if self.gap is None else self.gap * 100

    @property
    def shapley_computed(self) -> bool:
        """False when the Shapley calculation failed and no shares were stored."""
        return self.shapley_exact or self.shapley_samples > 0


class RoundAllocation(models.Model):
    """Which supplier's article a member buys for a round item, how many, at which price."""

    tenant = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    result = models.ForeignKey(RoundResult, on_delete=models.CASCADE, related_name="allocations")
    round_item = models.ForeignKey(RoundItem, on_delete=models.CASCADE, related_name="+")
    catalog_item = models.ForeignKey(
        "procurement.CatalogItem", on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("Menge"), validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(_("Stückpreis"), max_digits=12, decimal_places=2)
    cost = models.DecimalField(_("Kosten"), max_digits=14, decimal_places=2)
    # What this demand costs the member alone: its own quantity's tier at the cheapest
    # eligible supplier (`instance.alone_cents`, per demand). Empty when it cannot buy alone.
    alone_cost = models.DecimalField(
        _("Kosten einzeln"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    # This line's part of the member's settlement (`RoundMemberResult.settlement`, split over
    # its lines by cost, `allocation.settlement_parts`): what the member effectively pays for
    # the line is cost + settlement. Empty for results from before the settlement (ADR 0045).
    settlement = models.DecimalField(
        _("Ausgleich"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    # The call-off line the award made of it (`services.award.round_award`).
    call_off_line = models.OneToOneField(
        "procurement.CallOffLine",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="round_allocation",
    )

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("Zuteilung")
        verbose_name_plural = _("Zuteilungen")
        ordering = ["tenant_id", "round_item"]
        indexes = [models.Index(fields=["tenant", "result"], name="allocation_tenant_result")]

    def __str__(self) -> str:
        return f"{self.tenant_id}: {self.quantity} × {self.catalog_item_id}"


class RoundMemberResult(models.Model):
    """Per member: bundled cost at the common price, cost when buying alone, the Shapley
    share, the share the member pays (allocated_cost) and its savings against alone."""

    tenant = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    result = models.ForeignKey(RoundResult, on_delete=models.CASCADE, related_name="members")
    cost = models.DecimalField(_("Kosten gebündelt"), max_digits=14, decimal_places=2)
    alone_cost = models.DecimalField(
        _("Kosten einzeln"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    savings = models.DecimalField(
        _("Ersparnis"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    shapley_cost = models.DecimalField(
        _("Kostenanteil nach Shapley"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    # What the member pays of the bundled total (`allocation.allocate`): never more than
    # alone_cost; savings = alone_cost - allocated_cost.
    allocated_cost = models.DecimalField(
        _("Kostenanteil"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    # Settlement between cost share and the call-offs at the tier price (ADR 0045):
    # allocated_cost - cost. Positive: the member pays this into the round's settlement;
    # negative: it is credited. The members' settlements add up to zero.
    settlement = models.DecimalField(
        _("Ausgleich"), max_digits=14, decimal_places=2, null=True, blank=True
    )

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("Ergebnis eines Mitglieds")
        verbose_name_plural = _("Ergebnisse der Mitglieder")
        ordering = ["tenant_id"]
        indexes = [models.Index(fields=["tenant", "result"], name="member_result_tenant_result")]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "result"], name="member_result_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.tenant_id}: {self.cost}"
