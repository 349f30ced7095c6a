from datetime import timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _

PAGE_SIZE = 25


class Priority(models.TextChoices):
    CRITICAL = "critical", _("kritisch")
    HIGH = "high", _("hoch")
    NORMAL = "normal", _("normal")
    LOW = "low", _("niedrig")


class Category(models.TextChoices):
    INCIDENT = "incident", _("Störung")
    REQUEST = "request", _("Anfrage")
    CHANGE = "change", _("Änderungswunsch")
    ACCOUNT = "account", _("Zugang und Berechtigungen")


class Team(models.TextChoices):
    FIRST_LEVEL = "first_level", _("Servicedesk (1st Level)")
    APPLICATIONS = "applications", _("Anwendungsbetreuung")
    OPERATIONS = "operations", _("Betrieb und Infrastruktur")


class Status(models.TextChoices):
    NEW = "new", _("neu")
    IN_PROGRESS = "in_progress", _("in Bearbeitung")
    WAITING_FOR_MEMBER = "waiting_for_member", _("wartet auf Rückmeldung")
    WAITING_FOR_VENDOR = "waiting_for_vendor", _("wartet auf Hersteller")
    RESOLVED = "resolved", _("gelöst")
    CLOSED = "closed", _("geschlossen")


# These states stop the SLA clock (a pause from entering the state until leaving it).
PAUSE_STATES = frozenset({Status.WAITING_FOR_MEMBER, Status.WAITING_FOR_VENDOR})
DONE_STATES = frozenset({Status.RESOLVED, Status.CLOSED})

# Business-hour targets when a member's contract names none for a priority
# (first response, resolution); a contract row overrides them.
DEFAULT_TARGETS = {
    Priority.CRITICAL: (timedelta(hours=1), timedelta(hours=8)),
    Priority.HIGH: (timedelta(hours=4), timedelta(hours=16)),
    Priority.NORMAL: (timedelta(hours=8), timedelta(hours=40)),
    Priority.LOW: (timedelta(hours=16), timedelta(hours=80)),
}


class SlaGoal(models.TextChoices):
    """The two clocks of a ticket (what an escalation warns about)."""

    FIRST_RESPONSE = "first_response", _("Erstreaktion")
    RESOLUTION = "resolution", _("Lösung")


# Escalation before breach: the assigned agent (else the team, else all cooperative staff) is
# warned once a ticket has used this share of a goal's business time. A member's contract
# (`SlaTarget.warning_percent`) overrides it per priority.
DEFAULT_WARNING_PERCENT = 80

# How long the link of the satisfaction question works (days after it was sent).
SATISFACTION_LINK_DAYS = 30
RATINGS = [(value, str(value)) for value in range(1, 6)]

# Time accounting: one entry is at most a working day and a half (a typing error of 6000
# minutes is refused, not booked).
MAX_ENTRY_MINUTES = 12 * 60
