"""Per-service settings (legal deadline, retention period) and the deletion log.

`tenant` empty means the cooperative's default; a member's own row for the same service
takes precedence. `RetentionRule.ozg_leistung` empty: the rule for every service without one
of its own (a member's catch-all, or with `tenant` also empty the platform default).
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openkommune.cases.constants import RetentionAction
from openkommune.cases.models._common import (
    ServiceSetting,
    default_and_member_unique,
)
from openkommune.catalog.models import ozg_leistung_field
from openkommune.core.models import person_field, public_id_field
from openkommune.tenancy.models import tenant_field
from openkommune.tenancy.scoping import TenantScopedManager


class ServiceDeadline(ServiceSetting):
    """The legal processing deadline of a service: `days` calendar days after receipt."""

    tenant = tenant_field("service_deadlines", null=True)
    public_id = public_id_field()
    ozg_leistung = ozg_leistung_field("service_deadlines")
    days = models.PositiveSmallIntegerField(_("Frist in Tagen"))
    legal_basis = models.CharField(_("Rechtsgrundlage"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now)
    updated_at = models.DateTimeField(_("geändert am"), auto_now=True)

    class Meta:
        verbose_name = _("gesetzliche Bearbeitungsfrist")
        verbose_name_plural = _("gesetzliche Bearbeitungsfristen")
        ordering = ["ozg_leistung_id", "tenant_id"]
        constraints = [
            *default_and_member_unique("ozg_leistung"),
            models.CheckConstraint(condition=models.Q(days__gt=0), name="servicedeadline_days"),
        ]

    def __str__(self) -> str:
        return f"{self.ozg_leistung_id}: {self.days}"


class RetentionRule(ServiceSetting):
    """How many months after closing a case is deleted or anonymised."""

    tenant = tenant_field("retention_rules", null=True)
    public_id = public_id_field()
    ozg_leistung = ozg_leistung_field("retention_rules", null=True)
    months = models.PositiveSmallIntegerField(_("Aufbewahrung in Monaten nach Abschluss"))
    action = models.CharField(
        _("danach"),
        max_length=20,
        choices=RetentionAction.choices,
        default=RetentionAction.ANONYMISED,
    )
    updated_by = person_field(_("geändert von"))
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now)
    updated_at = models.DateTimeField(_("geändert am"), auto_now=True)

    class Meta:
        verbose_name = _("Aufbewahrungsregel")
        verbose_name_plural = _("Aufbewahrungsregeln")
        ordering = ["tenant_id", "ozg_leistung_id"]
        constraints = [
            # One rule per (member or platform, service or all services); NULL counts as a
            # value here, which a plain unique constraint would not do.
            models.UniqueConstraint(
                Coalesce("tenant", Value(0)),
                Coalesce("ozg_leistung", Value(0)),
                name="retentionrule_unique",
            ),
            models.CheckConstraint(condition=models.Q(months__gt=0), name="retentionrule_months"),
        ]

    def __str__(self) -> str:
        return f"{self.tenant_id}/{self.ozg_leistung_id}: {self.months}"


class DeletionLog(models.Model):
    """One line per run, tenant, service and month of submission: how many cases the
    retention run deleted or anonymised (or would have, in a dry run). No personal data,
    no reference numbers: only what the law lets the authority keep after deletion."""

    tenant = tenant_field("deletion_logs")
    run_id = models.UUIDField(_("Lauf"), default=uuid.uuid4)
    run_on = models.DateField(_("Tag des Laufs"))
    ozg_id = models.CharField(_("OZG-ID"), max_length=5)
    submitted_month = models.DateField(_("Monat des Eingangs (erster Tag)"))
    case_count = models.PositiveIntegerField(_("Anzahl Vorgänge"))
    action = models.CharField(_("Maßnahme"), max_length=20, choices=RetentionAction.choices)
    rule = models.ForeignKey(
        RetentionRule,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deletion_logs",
        verbose_name=_("Regel"),
    )
    retention_months = models.PositiveSmallIntegerField(_("Aufbewahrung in Monaten"))
    dry_run = models.BooleanField(_("Probelauf"), default=False)
    created_at = models.DateTimeField(_("protokolliert am"), default=timezone.now)

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("Löschprotokoll")
        verbose_name_plural = _("Löschprotokolle")
        ordering = ["tenant_id", "-run_on", "ozg_id"]
        indexes = [models.Index(fields=["tenant", "run_on"], name="deletionlog_tenant_run")]

    def __str__(self) -> str:
        return f"{self.run_on} {self.ozg_id}: {self.case_count}"
