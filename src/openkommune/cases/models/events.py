"""The authority's audit trail of cases: append-only events, hash-chained per case.

Every event belongs to one chain (`chain`, an `AuditChainHead`): `sequence` 1, 2, 3 … and
`prev_hash` = the previous event's `hash`. Each case has its own chain; events without a
case, the anchors that commit to the case chains, and every event written before per-case
chains existed form the tenant's chain (the head with `case_public_id` NULL). Appending locks
the chain's head (`select_for_update`), so two concurrent writers of one case cannot both
append sequence n (the second waits and appends n + 1), while writers of different cases of
one authority never wait for each other. `AuditChainAnchor` remembers what the tenant chain
last anchored of each case chain. How hashes and anchors work, and why:
`openkommune.cases.services.audit` and docs/adr/0012-audit-chains-per-case.md.

The ORM refuses to change or delete an event (`save` of an existing row, `update`,
`delete`). The one sanctioned change, blanking the payload for retention, goes through
`audit.redact_event_payload`. Whoever bypasses the ORM (SQL) is caught by `verify_audit`.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openkommune.cases.constants import GENESIS_HASH, CaseEventKind
from openkommune.core.models import person_field
from openkommune.tenancy.models import tenant_field
from openkommune.tenancy.scoping import TenantScopedManager, TenantScopedQuerySet


class CaseEventImmutableError(Exception):
    """Events are appended, never changed or deleted through the ORM."""


class CaseEventQuerySet(TenantScopedQuerySet):
    def update(self, **kwargs):
        raise CaseEventImmutableError("Case events cannot be changed.")

    def delete(self):
        raise CaseEventImmutableError("Case events cannot be deleted.")


class CaseEventManager(TenantScopedManager.from_queryset(CaseEventQuerySet)):
    pass


class CaseEvent(models.Model):
    tenant = tenant_field("case_events")
    chain = models.ForeignKey(
        "cases.AuditChainHead",
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("Kette"),
    )
    sequence = models.PositiveBigIntegerField(_("laufende Nummer"))
    # Kept when the case is deleted (retention): the chain must stay complete.
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("Vorgang"),
    )
    case_public_id = models.UUIDField(_("Vorgang (ID)"), null=True, blank=True)
    kind = models.CharField(_("Art"), max_length=30, choices=CaseEventKind.choices)
    actor = person_field(_("durch"), related_name="case_events")
    # The actor's id as hashed: it survives the deletion of the user (actor -> NULL).
    actor_key = models.CharField(_("durch (ID)"), max_length=40, blank=True)
    at = models.DateTimeField(_("Zeitpunkt"), default=timezone.now)
    payload = models.JSONField(_("Angaben"), default=dict, blank=True)
    payload_sha256 = models.CharField(max_length=64)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    redacted_at = models.DateTimeField(_("Angaben entfernt am"), null=True, blank=True)

    objects = CaseEventManager()

    class Meta:
        verbose_name = _("Vorgangsereignis")
        verbose_name_plural = _("Vorgangsereignisse")
        ordering = ["chain_id", "sequence"]
        indexes = [
            models.Index(fields=["tenant", "case", "sequence"], name="caseevent_case"),
            models.Index(fields=["tenant", "case_public_id"], name="caseevent_case_public"),
        ]
        constraints = [
            # `tenant` first, like every index of a tenant-owned table (docs/architecture.md).
            models.UniqueConstraint(
                fields=["tenant", "chain", "sequence"], name="caseevent_chain_seq"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tenant_id}#{self.sequence} {self.kind}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise CaseEventImmutableError("Case events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise CaseEventImmutableError("Case events cannot be deleted.")


# The order of a case's history: its events may sit in two chains (events written before
# per-case chains are in the tenant chain), so the history is ordered by time, not sequence.
HISTORY_ORDER = ("at", "id")


class AuditChainHead(models.Model):
    """The end of one event chain, the row its appenders lock: the chain of one case
    (`case_public_id`), or the tenant's chain (`case_public_id` NULL)."""

    tenant = tenant_field("case_chain_heads")
    # Not a foreign key: the chain outlives the case (retention deletes cases).
    case_public_id = models.UUIDField(_("Vorgang (ID)"), null=True, blank=True)
    sequence = models.PositiveBigIntegerField(_("letzte laufende Nummer"), default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("Kettenende des Prüfprotokolls")
        verbose_name_plural = _("Kettenenden des Prüfprotokolls")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant"],
                condition=models.Q(case_public_id=None),
                name="auditchainhead_tenant_chain",
            ),
            models.UniqueConstraint(
                fields=["tenant", "case_public_id"], name="auditchainhead_case_chain"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tenant_id}/{self.case_public_id or '-'}#{self.sequence}"


class AuditChainAnchor(models.Model):
    """What the tenant chain last anchored of one case chain. Only `audit.anchor_chains`
    writes it (never the appenders, so anchoring never waits for a case's writers); it
    tells the next run which chains changed. The evidence is the anchor events themselves;
    `verify_audit` checks this row against them."""

    tenant = tenant_field("case_chain_anchors")
    chain = models.OneToOneField(
        AuditChainHead,
        on_delete=models.CASCADE,
        related_name="anchor",
        verbose_name=_("Kette"),
    )
    sequence = models.PositiveBigIntegerField(_("verankerte laufende Nummer"))
    hash = models.CharField(max_length=64)

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("Verankerung einer Vorgangskette")
        verbose_name_plural = _("Verankerungen der Vorgangsketten")

    def __str__(self) -> str:
        return f"{self.chain_id}@{self.sequence}"
