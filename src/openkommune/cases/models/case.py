"""The case (Vorgang) of one application, and what the clerk adds to it: notes, documents."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openkommune.cases.constants import (
    APPLICANT_NAME_MAX_LENGTH,
    DOCUMENT_TITLE_MAX_LENGTH,
    SEARCH_TEXT_MAX_LENGTH,
    CaseStatus,
    Decision,
)
from openkommune.catalog.models import ozg_leistung_field
from openkommune.core.models import person_field, public_id_field
from openkommune.submissions.constants import REFERENCE_MAX_LENGTH, AttachmentType
from openkommune.tenancy.models import tenant_field
from openkommune.tenancy.scoping import TenantScopedManager


class Case(models.Model):
    """The authority's file of one submitted application.

    `reference`, `applicant_name`, `ozg_leistung` and `submitted_at` copy the application's
    values so the inbox reads one table (a million rows: no join on the hot path).
    `search_text` is the lower-cased "reference applicant name" for the inbox search.
    """

    tenant = tenant_field("cases")
    public_id = public_id_field()
    # PROTECT: the case goes first (retention deletes it, then the application).
    application = models.OneToOneField(
        "submissions.Application",
        on_delete=models.PROTECT,
        related_name="case",
        verbose_name=_("Antrag"),
    )
    reference = models.CharField(_("Aktenzeichen"), max_length=REFERENCE_MAX_LENGTH)
    applicant_name = models.CharField(
        _("Antragstellerin/Antragsteller"), max_length=APPLICANT_NAME_MAX_LENGTH, blank=True
    )
    search_text = models.CharField(
        _("Suchtext"), max_length=SEARCH_TEXT_MAX_LENGTH, blank=True, editable=False
    )
    ozg_leistung = ozg_leistung_field("cases")
    submitted_at = models.DateTimeField(_("eingegangen am"))
    status = models.CharField(
        _("Status"), max_length=30, choices=CaseStatus.choices, default=CaseStatus.RECEIVED
    )
    status_changed_at = models.DateTimeField(_("Status geändert am"), default=timezone.now)
    decision = models.CharField(
        _("Entscheidung"), max_length=20, choices=Decision.choices, blank=True
    )
    assigned_to = person_field(_("zuständig"), related_name="assigned_cases")
    follow_up_on = models.DateField(_("Wiedervorlage am"), null=True, blank=True)
    due_on = models.DateField(_("gesetzliche Frist bis"), null=True, blank=True)
    closed_at = models.DateTimeField(_("abgeschlossen am"), null=True, blank=True)
    anonymised_at = models.DateTimeField(_("anonymisiert am"), null=True, blank=True)
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now)
    updated_at = models.DateTimeField(_("geändert am"), auto_now=True)

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("Vorgang")
        verbose_name_plural = _("Vorgänge")
        ordering = ["tenant_id", "-submitted_at"]
        indexes = [
            models.Index(
                fields=["tenant", "status", "submitted_at"], name="case_tenant_status_submitted"
            ),
            models.Index(
                fields=["tenant", "assigned_to", "status"], name="case_tenant_assigned_status"
            ),
            models.Index(fields=["tenant", "submitted_at"], name="case_tenant_submitted"),
            models.Index(fields=["tenant", "due_on"], name="case_tenant_due"),
            models.Index(fields=["tenant", "follow_up_on"], name="case_tenant_follow_up"),
            models.Index(
                fields=["tenant", "ozg_leistung", "submitted_at"], name="case_tenant_service"
            ),
            models.Index(fields=["tenant", "reference"], name="case_tenant_reference"),
            models.Index(fields=["tenant", "applicant_name"], name="case_tenant_applicant"),
            # Retention looks for closed cases per tenant by closing date.
            models.Index(fields=["tenant", "closed_at"], name="case_tenant_closed"),
        ]
        constraints = [
            # A decided or closed case has a decision, no other case has one (a correction,
            # decided -> in progress, clears it; the history keeps the first one).
            models.CheckConstraint(
                condition=(
                    models.Q(status__in=[CaseStatus.DECIDED, CaseStatus.CLOSED])
                    & ~models.Q(decision="")
                )
                | (
                    ~models.Q(status__in=[CaseStatus.DECIDED, CaseStatus.CLOSED])
                    & models.Q(decision="")
                ),
                name="case_decision_iff_decided",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def save(self, *args, **kwargs):
        self.search_text = build_search_text(self.reference, self.applicant_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"reference", "applicant_name"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)


def build_search_text(reference: str, applicant_name: str) -> str:
    """What the inbox search matches: reference and name, lower-cased, single-spaced."""
    text = " ".join(f"{reference} {applicant_name}".split()).lower()
    return text[:SEARCH_TEXT_MAX_LENGTH]


class CaseNote(models.Model):
    """An internal note of the authority; never shown to the applicant."""

    tenant = tenant_field("case_notes")
    public_id = public_id_field()
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="notes", verbose_name=_("Vorgang")
    )
    author = person_field(_("verfasst von"), related_name="case_notes")
    text = models.TextField(_("Notiz"))
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now)

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("Notiz")
        verbose_name_plural = _("Notizen")
        ordering = ["tenant_id", "case_id", "created_at", "id"]
        indexes = [models.Index(fields=["tenant", "case", "created_at"], name="casenote_case")]

    def __str__(self) -> str:
        return f"Notiz {self.public_id}"


class CaseDocument(models.Model):
    """A file the clerk added to the case (private storage, type detected from the bytes)."""

    tenant = tenant_field("case_documents")
    public_id = public_id_field()
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="documents", verbose_name=_("Vorgang")
    )
    title = models.CharField(_("Bezeichnung"), max_length=DOCUMENT_TITLE_MAX_LENGTH)
    original_name = models.CharField(_("Dateiname"), max_length=200)
    content_type = models.CharField(
        _("Dateityp (aus dem Inhalt erkannt)"), max_length=50, choices=AttachmentType.choices
    )
    size = models.PositiveBigIntegerField(_("Größe in Byte"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    storage_name = models.CharField(max_length=200, unique=True, editable=False)
    added_by = person_field(_("hinzugefügt von"), related_name="case_documents")
    created_at = models.DateTimeField(_("hinzugefügt am"), default=timezone.now)

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("Dokument")
        verbose_name_plural = _("Dokumente")
        ordering = ["tenant_id", "case_id", "created_at", "id"]
        indexes = [models.Index(fields=["tenant", "case", "created_at"], name="casedocument_case")]
        constraints = [
            models.CheckConstraint(condition=models.Q(size__gt=0), name="casedocument_not_empty"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def type_label(self) -> str:
        return str(AttachmentType(self.content_type).label)
