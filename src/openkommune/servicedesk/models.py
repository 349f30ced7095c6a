"""Tickets of the support desk, their messages and pauses, and the members' SLA contracts.

Everything belongs to a member (tenant first). A ticket's SLA clock is computed from its
opening time, its pauses (`TicketPause`, one per stay in a pause state) and the targets of the
member's contract for its priority (`SlaTarget`, business hours; defaults in constants), by
the pure `servicedesk.sla` module. Nothing about the clock is stored twice.
"""

from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openkommune.core.models import PublicIdModel
from openkommune.fachverfahren.models import Fachverfahren
from openkommune.servicedesk.constants import Category, Priority, Status, Team
from openkommune.submissions.constants import ScanResult
from openkommune.tenancy.models import tenant_field
from openkommune.tenancy.scoping import TenantScopedManager


class SlaTarget(PublicIdModel):
    tenant = tenant_field("sla_targets", verbose_name=_("Mitglied"))
    priority = models.CharField(_("Priorität"), max_length=20, choices=Priority.choices)
    first_response_minutes = models.PositiveIntegerField(
        _("Erstreaktion (Minuten Servicezeit)"), validators=[MinValueValidator(1)]
    )
    resolution_minutes = models.PositiveIntegerField(
        _("Lösung (Minuten Servicezeit)"), validators=[MinValueValidator(1)]
    )

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("SLA-Ziel")
        verbose_name_plural = _("SLA-Ziele")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "priority"],
                name="servicedesk_sla_target_unique",
                violation_error_message=_("Für diese Priorität gibt es schon ein Ziel."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tenant}: {self.get_priority_display()}"


class Ticket(PublicIdModel):
    tenant = tenant_field("tickets", verbose_name=_("Mitglied"))
    number = models.PositiveIntegerField(_("Nummer"), unique=True)
    fachverfahren = models.ForeignKey(
        Fachverfahren,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("Fachverfahren"),
    )
    subject = models.CharField(_("Betreff"), max_length=200)
    category = models.CharField(_("Kategorie"), max_length=20, choices=Category.choices)
    priority = models.CharField(_("Priorität"), max_length=20, choices=Priority.choices)
    team = models.CharField(
        _("Team"), max_length=20, choices=Team.choices, default=Team.FIRST_LEVEL
    )
    status = models.CharField(
        _("Status"), max_length=20, choices=Status.choices, default=Status.NEW
    )
    reporter = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Gemeldet von"),
    )
    reporter_email = models.EmailField(_("E-Mail der meldenden Person"), blank=True)
    opened_at = models.DateTimeField(_("Eröffnet"), default=timezone.now)
    first_response_at = models.DateTimeField(_("Erste Antwort"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("Gelöst"), null=True, blank=True)

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("Ticket")
        verbose_name_plural = _("Tickets")
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"#{self.number} {self.subject}"


class TicketMessage(PublicIdModel):
    tenant = tenant_field("ticket_messages", verbose_name=_("Mitglied"))
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author_email = models.EmailField(blank=True)
    body = models.TextField(_("Nachricht"))
    internal = models.BooleanField(
        _("interne Notiz"), default=False, help_text=_("Für Mitglieder nicht sichtbar")
    )
    from_staff = models.BooleanField(default=False)
    message_id = models.CharField(max_length=300, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantScopedManager()

    class Meta:
        ordering = ["created_at", "pk"]


class TicketPause(models.Model):
    tenant = tenant_field("ticket_pauses", verbose_name=_("Mitglied"))
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="pauses")
    status = models.CharField(max_length=20, choices=Status.choices)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = TenantScopedManager()

    class Meta:
        ordering = ["started_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=models.Q(ended_at__isnull=True),
                name="servicedesk_one_open_pause",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket}: {self.get_status_display()}"


class TicketAttachment(PublicIdModel):
    """A file that came with a message (mail). Scanned like the citizens' uploads; an infected
    or unscannable file is recorded by name and result, its content is not kept."""

    tenant = tenant_field("ticket_attachments", verbose_name=_("Mitglied"))
    message = models.ForeignKey(TicketMessage, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(_("Dateiname"), max_length=255)
    content_type = models.CharField(max_length=120, blank=True)
    size = models.PositiveIntegerField(default=0)
    storage_name = models.CharField(max_length=200, blank=True, editable=False)
    scan_result = models.CharField(_("Virenprüfung"), max_length=20, choices=ScanResult.choices)
    scan_detail = models.CharField(max_length=200, blank=True)

    objects = TenantScopedManager()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.filename
