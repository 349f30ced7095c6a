"""Tickets of the support desk, their messages and pauses, and the members' SLA contracts.

Everything belongs to a member (tenant first). A ticket's SLA clock is computed from its
opening time, its pauses (`TicketPause`, one per stay in a pause state) and the targets of the
member's contract for its priority (`SlaTarget`, business hours; defaults in constants), by
the pure `servicedesk.sla` module. Nothing about the clock is stored twice.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openkommune.core.models import PublicIdModel, outbox_mails_relation
from openkommune.fachverfahren.models import Fachverfahren
from openkommune.servicedesk.constants import (
    DEFAULT_WARNING_PERCENT,
    MAX_ENTRY_MINUTES,
    RATINGS,
    Category,
    Priority,
    SlaGoal,
    Status,
    Team,
)
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
    warning_percent = models.PositiveSmallIntegerField(
        _("Warnung ab (% der Frist)"),
        default=DEFAULT_WARNING_PERCENT,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text=_("Vor Ablauf der Frist wird das zuständige Team gewarnt, z. B. bei 80 %."),
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
    assignee = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Bearbeitet von"),
    )
    opened_at = models.DateTimeField(_("Eröffnet"), default=timezone.now)
    first_response_at = models.DateTimeField(_("Erste Antwort"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("Gelöst"), null=True, blank=True)

    outbox_mails = outbox_mails_relation()
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

    outbox_mails = outbox_mails_relation()
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


class TeamMember(models.Model):
    """A person of the cooperative's staff in a team of the support desk: warned when a ticket
    of the team without an assignee nears its deadline."""

    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="+", verbose_name=_("Person")
    )
    team = models.CharField(_("Team"), max_length=20, choices=Team.choices)

    class Meta:
        verbose_name = _("Teammitglied")
        verbose_name_plural = _("Teammitglieder")
        ordering = ["team", "user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "team"],
                name="servicedesk_team_member_unique",
                violation_error_message=_("Die Person ist schon in diesem Team."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_team_display()}: {self.user}"


class TicketEscalation(models.Model):
    """A warning before breach: the ticket has used `percent` of a goal's business time.
    At most one per ticket and goal (the periodic check may run as often as it likes)."""

    tenant = tenant_field("ticket_escalations", verbose_name=_("Mitglied"))
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="escalations")
    goal = models.CharField(_("Frist"), max_length=20, choices=SlaGoal.choices)
    percent = models.PositiveSmallIntegerField(_("Schwelle (%)"))
    threshold_at = models.DateTimeField(_("Schwelle erreicht"))
    due_at = models.DateTimeField(_("Frist endet"), null=True, blank=True)
    created_at = models.DateTimeField(_("Gewarnt"), default=timezone.now)

    # Its warning e-mails (`core.outbox`), deleted with it (and with its ticket).
    outbox_mails = outbox_mails_relation()
    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("Eskalation")
        verbose_name_plural = _("Eskalationen")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "goal"], name="servicedesk_one_escalation_per_goal"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket}: {self.get_goal_display()} {self.percent} %"


class TimeEntry(PublicIdModel):
    """Time an agent of the cooperative spent on a ticket (time accounting)."""

    tenant = tenant_field("ticket_time_entries", verbose_name=_("Mitglied"))
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="time_entries")
    agent = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    worked_on = models.DateField(_("Tag"))
    minutes = models.PositiveIntegerField(
        _("Minuten"), validators=[MinValueValidator(1), MaxValueValidator(MAX_ENTRY_MINUTES)]
    )
    note = models.CharField(_("Tätigkeit"), max_length=300)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("Zeitbuchung")
        verbose_name_plural = _("Zeitbuchungen")
        ordering = ["worked_on", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minutes__gte=1) & models.Q(minutes__lte=MAX_ENTRY_MINUTES),
                name="servicedesk_time_entry_minutes_range",
            ),
        ]


class SatisfactionAnswer(models.Model):
    """The requester's answer to the satisfaction question after closing: one per ticket."""

    tenant = tenant_field("ticket_satisfaction", verbose_name=_("Mitglied"))
    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="satisfaction")
    rating = models.PositiveSmallIntegerField(
        _("Bewertung"),
        choices=RATINGS,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    comment = models.TextField(_("Kommentar"), blank=True, max_length=2000)
    answered_at = models.DateTimeField(default=timezone.now)

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("Zufriedenheit")
        verbose_name_plural = _("Zufriedenheit")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__gte=1) & models.Q(rating__lte=5),
                name="servicedesk_satisfaction_rating_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket}: {self.rating}/5"
