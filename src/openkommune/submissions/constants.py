"""Codes of the submissions app: application status, timeline events, attachment types,
scan results and notifications."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ApplicationStatus(models.TextChoices):
    """Where an application stands, as the applicant sees it. The back office (cases) moves
    it on; submissions itself sets only the first two."""

    SUBMITTED = "submitted", _("Eingereicht")
    DELIVERED = "delivered", _("Der zuständigen Stelle zugestellt")
    RECEIVED = "received", _("Eingang bestätigt")
    IN_PROGRESS = "in_progress", _("In Bearbeitung")
    INFORMATION_REQUESTED = "information_requested", _("Rückfrage an Sie")
    DECIDED = "decided", _("Entschieden")
    WITHDRAWN = "withdrawn", _("Zurückgezogen")
    # Appended by the back office (cases): the authority finished the procedure.
    CLOSED = "closed", _("Abgeschlossen")


class EventKind(models.TextChoices):
    """One entry of the timeline the applicant sees (`ApplicationEvent.kind`)."""

    SUBMITTED = "submitted", _("Eingereicht")
    DELIVERED = "delivered", _("Der zuständigen Stelle zugestellt")
    RECEIVED = "received", _("Eingang bestätigt")
    IN_PROGRESS = "in_progress", _("In Bearbeitung")
    INFORMATION_REQUESTED = "information_requested", _("Rückfrage an Sie")
    DECIDED = "decided", _("Entschieden")
    WITHDRAWN = "withdrawn", _("Zurückgezogen")
    # Appended by the back office (cases): the authority finished the procedure.
    CLOSED = "closed", _("Abgeschlossen")


# The status an application has after an event of that kind.
STATUS_AFTER_EVENT = {kind.value: ApplicationStatus(kind.value) for kind in EventKind}


class ScanResult(models.TextChoices):
    NOT_SCANNED = "not_scanned", _("nicht geprüft")
    CLEAN = "clean", _("keine Schadsoftware gefunden")
    INFECTED = "infected", _("Schadsoftware gefunden")
    FAILED = "failed", _("Prüfung fehlgeschlagen")


# Results an attachment may have to be submitted: "nicht geprüft" only where the operator
# runs without a scanner (the default no-op scanner says so on the receipt).
SUBMITTABLE_SCAN_RESULTS = frozenset({ScanResult.CLEAN, ScanResult.NOT_SCANNED})


class AttachmentType(models.TextChoices):
    """Content types an upload may have: the `accept` values of the form definition format.
    Detected from the bytes, never from the name (see `attachments.detect_content_type`)."""

    PDF = "application/pdf", _("PDF-Dokument")
    JPEG = "image/jpeg", _("JPEG-Bild")
    PNG = "image/png", _("PNG-Bild")
    TIFF = "image/tiff", _("TIFF-Bild")
    TEXT = "text/plain", _("Textdatei")


# The file name extension a download gets for its detected type (not the uploaded name's).
EXTENSION_FOR_TYPE = {
    AttachmentType.PDF: ".pdf",
    AttachmentType.JPEG: ".jpg",
    AttachmentType.PNG: ".png",
    AttachmentType.TIFF: ".tif",
    AttachmentType.TEXT: ".txt",
}
# Extensions a name may carry that claim a type: for the message "… ist kein PDF".
TYPE_CLAIMED_BY_EXTENSION = {
    ".pdf": AttachmentType.PDF,
    ".jpg": AttachmentType.JPEG,
    ".jpeg": AttachmentType.JPEG,
    ".png": AttachmentType.PNG,
    ".tif": AttachmentType.TIFF,
    ".tiff": AttachmentType.TIFF,
    ".txt": AttachmentType.TEXT,
}


class NotificationKind(models.TextChoices):
    APPLICATION_CONFIRMATION = "application_confirmation", _("Eingangsbestätigung")
    DRAFT_RESUME_LINK = "draft_resume_link", _("Link zum Weitermachen")


# Reference numbers: 2026-MG-7KQ4-93XP. No 0/O and 1/I, so nothing can be misread.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
REFERENCE_RANDOM_GROUPS = 2
REFERENCE_GROUP_LENGTH = 4
REFERENCE_PATTERN = (
    r"^[0-9]{4}-[2-9A-HJ-NP-Z]{2}"
    + rf"(-[2-9A-HJ-NP-Z]{{{REFERENCE_GROUP_LENGTH}}}){{{REFERENCE_RANDOM_GROUPS}}}$"
)
REFERENCE_MAX_LENGTH = 20


# At most one resume-link e-mail per draft in this many minutes: every click on "Speichern"
# or "Link senden" would otherwise send one, and anyone holding the draft could flood the
# inbox of the address it names.
RESUME_LINK_COOLDOWN_MINUTES = 10

# A draft holds at most this many files (each also limited by size).
MAX_ATTACHMENTS_PER_DRAFT = 30
