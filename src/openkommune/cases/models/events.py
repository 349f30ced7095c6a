"""The authority's audit trail of cases: append-only events, hash-chained per tenant.

Each tenant has one chain: `sequence` 1, 2, 3 … and `prev_hash` = the previous event's
`hash`. `AuditChainHead` holds the tenant's last sequence and hash; appending locks it
(`select_for_update`), so two concurrent writers cannot both append sequence n (the second
waits and appends n + 1). How the hash is computed: `openkommune.cases.services.audit`.

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
        ordering = ["tenant_id", "sequence"]
        indexes = [
            models.Index(fields=["tenant", "case", "sequence"], name="caseevent_case"),
            models.Index(fields=["tenant", "case_public_id"], name="caseevent_case_public"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "sequence"], name="caseevent_tenant_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.tenant_id}#{self.sequence} {self.kind}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise CaseEventImmutableError("Case events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise CaseEventImmutableError("Case events cannot be deleted.")


class AuditChainHead(models.Model):
    """The end of one tenant's event chain; the row appenders lock."""

    tenant = models.OneToOneField(
        "tenancy.Organisation",
        on_delete=models.PROTECT,
        related_name="case_chain_head",
        verbose_name=_("Organisation"),
    )
    sequence = models.PositiveBigIntegerField(_("letzte laufende Nummer"), default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("Kettenende des Prüfprotokolls")
        verbose_name_plural = _("Kettenenden des Prüfprotokolls")

    def __str__(self) -> str:
        return f"{self.tenant_id}#{self.sequence}"
