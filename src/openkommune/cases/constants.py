"""Codes of the back office: case status, decisions, event kinds, the allowed transitions."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseStatus(models.TextChoices):
    """Where a case (Vorgang) stands in the authority's work."""

    RECEIVED = "received", _("eingegangen")
    IN_PROGRESS = "in_progress", _("in Bearbeitung")
    INFORMATION_REQUESTED = "information_requested", _("Rückfrage")
    DECIDED = "decided", _("entschieden")
    CLOSED = "closed", _("abgeschlossen")
    DORMANT = "dormant", _("ruhend")


class Decision(models.TextChoices):
    APPROVED = "approved", _("bewilligt")
    REJECTED = "rejected", _("abgelehnt")
    PARTIAL = "partial", _("teilweise bewilligt")


# Which status may follow which. `decided -> in_progress` is allowed on purpose: a decision
# found wrong before closing (a typo in the notice, a missing condition) is corrected by
# working on the case again and deciding anew; the first decision stays in the history.
# `closed` is final: a case reopened after closing is a new procedure (Widerspruch).
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    CaseStatus.RECEIVED: frozenset({CaseStatus.IN_PROGRESS, CaseStatus.DORMANT}),
    CaseStatus.IN_PROGRESS: frozenset(
        {CaseStatus.INFORMATION_REQUESTED, CaseStatus.DECIDED, CaseStatus.DORMANT}
    ),
    CaseStatus.INFORMATION_REQUESTED: frozenset({CaseStatus.IN_PROGRESS, CaseStatus.DORMANT}),
    CaseStatus.DECIDED: frozenset({CaseStatus.CLOSED, CaseStatus.IN_PROGRESS}),
    CaseStatus.DORMANT: frozenset({CaseStatus.IN_PROGRESS}),
    CaseStatus.CLOSED: frozenset(),
}

# Transitions into these states need a reason (who/when/why: why is not optional here).
REASON_REQUIRED: frozenset[str] = frozenset({CaseStatus.DORMANT, CaseStatus.DECIDED})
# States in which the case is still being worked on (not decided, closed or dormant).
OPEN_STATUSES: frozenset[str] = frozenset(
    {CaseStatus.RECEIVED, CaseStatus.IN_PROGRESS, CaseStatus.INFORMATION_REQUESTED}
)

REASON_MAX_LENGTH = 2000


class CaseEventKind(models.TextChoices):
    """Kinds of the hash-chained `CaseEvent` (the authority's audit trail of a case)."""

    OPENED = "opened", _("Vorgang angelegt")
    STATUS_CHANGED = "status_changed", _("Status geändert")
    ASSIGNED = "assigned", _("Zuständigkeit geändert")
    FOLLOW_UP_SET = "follow_up_set", _("Wiedervorlage gesetzt")
    NOTE_ADDED = "note_added", _("Notiz hinzugefügt")
    DOCUMENT_ADDED = "document_added", _("Dokument hinzugefügt")
    MESSAGE_SENT = "message_sent", _("Nachricht an die Antragstellerin/den Antragsteller")
    MESSAGE_RECEIVED = "message_received", _("Antwort der Antragstellerin/des Antragstellers")
    NOTICE_ISSUED = "notice_issued", _("Bescheid bereitgestellt")
    NOTICE_OPENED = "notice_opened", _("Bescheid geöffnet")
    EXPORTED = "exported", _("Vorgang exportiert")
    ANONYMISED = "anonymised", _("Vorgang anonymisiert")
    DELETED = "deleted", _("Vorgang gelöscht")
    # Retention blanked the payload of earlier events; this event names them (audit.py).
    PAYLOAD_REDACTED = "payload_redacted", _("Angaben nach Ablauf der Aufbewahrung entfernt")
    # The tenant chain commits to the current ends of the case chains (audit.anchor_chains).
    CHAINS_ANCHORED = "chains_anchored", _("Vorgangsketten verankert")


class MessageDirection(models.TextChoices):
    TO_APPLICANT = "to_applicant", _("an die Antragstellerin/den Antragsteller")
    FROM_APPLICANT = "from_applicant", _("von der Antragstellerin/dem Antragsteller")


class RetentionAction(models.TextChoices):
    DELETED = "deleted", _("gelöscht")
    ANONYMISED = "anonymised", _("anonymisiert")


# Lengths shared by models and forms.
APPLICANT_NAME_MAX_LENGTH = 200
SEARCH_TEXT_MAX_LENGTH = 300
NOTE_MAX_LENGTH = 10000
MESSAGE_MAX_LENGTH = 10000
DOCUMENT_TITLE_MAX_LENGTH = 200
# Hash of the (virtual) event before the first one of a tenant's chain.
GENESIS_HASH = "0" * 64
