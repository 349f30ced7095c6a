"""The one outbox table: every e-mail the platform owes someone, and how sending it went.

Kept in its own module (imported by `core.models`) so the engine (`core.outbox`) and its
table read together. A row names what it is about through a generic relation (`subject`:
an application, a draft, a call-off, a message, a notice …); the subject's model declares a
`GenericRelation` to it (`outbox_mails_relation()`), so deleting the subject deletes its
e-mails with their addresses.
"""

import uuid

from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("wartet auf Versand")
    # Claimed by a job that is talking to the mail server (until `claimed_until`).
    SENDING = "sending", _("wird gerade gesendet")
    SENT = "sent", _("gesendet")
    FAILED = "failed", _("fehlgeschlagen")
    NO_ADDRESS = "no_address", _("nicht gesendet: keine E-Mail-Adresse")


class OutboxMail(models.Model):
    """One e-mail owed. The text is rendered when it is sent (from the subject and the
    kind's builder), so no link with a secret token is ever stored. A `failed` row has used
    up its attempts: cooperative staff see it in the admin and can start a new round.

    Not tenant-scoped by a manager (core sits below `tenancy`): the rows are reached by
    their public id (the job), by their subject (which the caller reached in its scope) or
    in the cooperative's admin; selectors that list them filter by tenant themselves."""

    tenant = models.ForeignKey(
        "tenancy.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Organisation"),
        help_text=_("leer bei E-Mails der Genossenschaft selbst"),
    )
    public_id = models.UUIDField(
        _("öffentliche ID"), default=uuid.uuid4, unique=True, editable=False
    )
    # "<app>.<name>", registered with `core.outbox.register`.
    kind = models.CharField(_("Art"), max_length=60)
    # One e-mail per key where a feature needs that (one confirmation per application).
    dedupe_key = models.CharField(max_length=160, unique=True, null=True, blank=True)
    subject_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    recipient = models.EmailField(_("an"), blank=True)
    copy_to = models.EmailField(_("Kopie und Antwort an"), blank=True)
    base_url = models.CharField(_("Adresse der Plattform"), max_length=200, blank=True)
    status = models.CharField(
        _("Status"), max_length=20, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("Versuche"), default=0)
    last_error = models.TextField(_("letzter Fehler"), blank=True)
    next_attempt_at = models.DateTimeField(_("nächster Versuch"), null=True, blank=True)
    # While `sending`: until when the job's claim holds; an expired claim means the job died.
    claimed_until = models.DateTimeField(_("in Arbeit bis"), null=True, blank=True)
    sent_at = models.DateTimeField(_("gesendet am"), null=True, blank=True)
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now)
    updated_at = models.DateTimeField(_("geändert am"), auto_now=True)

    class Meta:
        app_label = "core"
        verbose_name = _("E-Mail im Postausgang")
        verbose_name_plural = _("E-Mails im Postausgang")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="outbox_status_created"),
            models.Index(fields=["subject_type", "subject_id"], name="outbox_subject"),
            models.Index(fields=["tenant", "status"], name="outbox_tenant_status"),
            # The drainers' poll (`core.outbox.drain`): the few unsent rows in id order,
            # however many sent ones the table keeps.
            models.Index(
                fields=["id"],
                condition=models.Q(status__in=["pending", "sending"]),
                name="outbox_unsent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.get_status_display()}"


def outbox_mails_relation() -> GenericRelation:
    """The field a subject's model declares so that deleting an instance deletes the outbox
    rows about it (`core.outbox.owe` refuses a subject whose model has none)."""
    return GenericRelation(
        "core.OutboxMail", content_type_field="subject_type", object_id_field="subject_id"
    )
