"""Messages between authority and applicant, notices (Bescheide) and their templates.

Attachments of messages are `MessageAttachment` rows of their own, not
`submissions.Attachment`: those belong to the submitted application (its receipt lists
them, its data points at them) and must not change after the submit. Storage and type
detection are the same (`submissions.services`: private storage, bytes decide the type).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openkommune.cases.constants import Decision, MessageDirection
from openkommune.cases.models._common import (
    ServiceSetting,
    default_and_member_unique,
)
from openkommune.catalog.models import ozg_leistung_field
from openkommune.core.models import outbox_mails_relation, person_field, public_id_field
from openkommune.core.timezone import local_date
from openkommune.submissions.constants import AttachmentType, ScanResult
from openkommune.tenancy.models import tenant_field
from openkommune.tenancy.scoping import TenantScopedManager

# § 9 Abs. 1 OZG: deemed delivered on the fourth day after it was made available.
DEEMED_DELIVERY_DAYS = 4


class Message(models.Model):
    tenant = tenant_field("case_messages")
    public_id = public_id_field()
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="messages", verbose_name=_("Vorgang")
    )
    direction = models.CharField(_("Richtung"), max_length=20, choices=MessageDirection.choices)
    # The clerk who wrote it (to the applicant); empty for the applicant's answers.
    sender = person_field(_("gesendet von"), related_name="case_messages_sent")
    # The question this message answers (applicant's reply), if any.
    in_reply_to = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("Antwort auf"),
    )
    subject = models.CharField(_("Betreff"), max_length=200, blank=True)
    body = models.TextField(_("Nachricht"))
    sent_at = models.DateTimeField(_("gesendet am"), default=timezone.now)
    # First read by the recipient (the applicant for outgoing, a clerk for incoming).
    read_at = models.DateTimeField(_("gelesen am"), null=True, blank=True)

    # The e-mail telling the applicant about it (`core.outbox`), deleted with it.
    outbox_mails = outbox_mails_relation()
    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("Nachricht")
        verbose_name_plural = _("Nachrichten")
        ordering = ["tenant_id", "case_id", "sent_at", "id"]
        indexes = [
            models.Index(fields=["tenant", "case", "sent_at"], name="message_case_sent"),
            # Unread answers per authority (inbox badge).
            models.Index(fields=["tenant", "direction", "read_at"], name="message_unread"),
        ]

    def __str__(self) -> str:
        return f"Nachricht {self.public_id}"


class MessageAttachment(models.Model):
    tenant = tenant_field("case_message_attachments")
    public_id = public_id_field()
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("Nachricht")
    )
    original_name = models.CharField(_("Dateiname"), max_length=200)
    content_type = models.CharField(
        _("Dateityp (aus dem Inhalt erkannt)"), max_length=50, choices=AttachmentType.choices
    )
    size = models.PositiveBigIntegerField(_("Größe in Byte"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    scan_result = models.CharField(
        _("Virenprüfung"), max_length=20, choices=ScanResult.choices, default=ScanResult.NOT_SCANNED
    )
    storage_name = models.CharField(max_length=200, unique=True, editable=False)
    created_at = models.DateTimeField(_("hochgeladen am"), default=timezone.now)

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("Anlage einer Nachricht")
        verbose_name_plural = _("Anlagen von Nachrichten")
        ordering = ["tenant_id", "message_id", "created_at", "id"]
        indexes = [models.Index(fields=["tenant", "message"], name="messageattachment_message")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(size__gt=0), name="messageattachment_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return self.original_name


class NoticeTemplate(ServiceSetting):
    """The text of a notice for one service. `tenant` empty: the cooperative's default;
    a member's own template for the same service and decision takes precedence.
    `decision` empty: used for every decision without a template of its own.
    Placeholders in `body` (`{{ reference }}` …) are filled by `cases.services.notices`."""

    tenant = tenant_field("notice_templates", null=True)
    public_id = public_id_field()
    ozg_leistung = ozg_leistung_field("notice_templates")
    decision = models.CharField(
        _("Entscheidung"), max_length=20, choices=Decision.choices, blank=True
    )
    title = models.CharField(_("Überschrift"), max_length=200)
    body = models.TextField(_("Text mit Platzhaltern"))
    updated_by = person_field(_("geändert von"))
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now)
    updated_at = models.DateTimeField(_("geändert am"), auto_now=True)

    class Meta:
        verbose_name = _("Bescheidvorlage")
        verbose_name_plural = _("Bescheidvorlagen")
        ordering = ["ozg_leistung_id", "tenant_id", "decision"]
        constraints = default_and_member_unique("ozg_leistung", "decision")

    def __str__(self) -> str:
        return self.title


class Notice(models.Model):
    """A notice (Bescheid) placed in the applicant's mailbox as PDF.

    Delivery by § 9 OZG: deemed delivered on `deemed_delivered_on` (made available + 4 days),
    or on the day of first opening if that is earlier (`delivered_on`).
    """

    tenant = tenant_field("case_notices")
    public_id = public_id_field()
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="notices", verbose_name=_("Vorgang")
    )
    decision = models.CharField(_("Entscheidung"), max_length=20, choices=Decision.choices)
    template = models.ForeignKey(
        NoticeTemplate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notices",
        verbose_name=_("Vorlage"),
    )
    title = models.CharField(_("Überschrift"), max_length=200)
    # The text as issued (placeholders filled), so the PDF can be explained later.
    body = models.TextField(_("Text"))
    pdf_name = models.CharField(max_length=200, unique=True, editable=False)
    pdf_sha256 = models.CharField(_("SHA-256 des PDF"), max_length=64)
    issued_by = person_field(_("erlassen von"), related_name="case_notices_issued")
    made_available_at = models.DateTimeField(_("bereitgestellt am"))
    first_opened_at = models.DateTimeField(_("zuerst geöffnet am"), null=True, blank=True)
    deemed_delivered_on = models.DateField(_("gilt als bekanntgegeben am"))

    # The e-mail telling the applicant about it (`core.outbox`), deleted with it.
    outbox_mails = outbox_mails_relation()
    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("Bescheid")
        verbose_name_plural = _("Bescheide")
        ordering = ["tenant_id", "case_id", "made_available_at", "id"]
        indexes = [models.Index(fields=["tenant", "case", "made_available_at"], name="notice_case")]

    def __str__(self) -> str:
        return self.title

    @property
    def delivered_on(self) -> date:
        """The day the notice counts as delivered: the earlier of first opening and the
        deemed day."""
        if self.first_opened_at is None:
            return self.deemed_delivered_on
        opened = local_date(self.first_opened_at)
        return min(opened, self.deemed_delivered_on)


def deemed_delivery_date(made_available_at: datetime) -> date:
    """Made available + 4 days, counted on the German calendar day."""
    return local_date(made_available_at) + timedelta(days=DEEMED_DELIVERY_DAYS)
