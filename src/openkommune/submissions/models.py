"""Drafts, attachments, submitted applications and their timeline (their e-mails are rows of
the outbox, `core.outbox`).

Every table is tenant-owned: `tenant` is the organisation the draft or application is routed
to (the responsible authority), decided when the draft starts. Two managers each:

- `objects` (`TenantScopedManager`, the default): the back office of the responsible
  authority, which sees only its own rows.
- `applicant_objects` (plain): the applicant's side, who has no tenant. Used **only** inside
  `selectors`/`services` of this app that first filter by the applicant's credential (their
  user, or the hash of a secret token). See docs/adr/0006-applicant-access.md.

Reverse relations (`draft.attachments`, `application.events`) go through the default,
scoped manager; on applicant pages (empty scope) they are empty. Use the selectors.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openkommune.catalog.models import ozg_leistung_field
from openkommune.core.models import outbox_mails_relation, person_field, public_id_field
from openkommune.submissions.attachments import download_name
from openkommune.submissions.constants import (
    REFERENCE_MAX_LENGTH,
    ApplicationStatus,
    AttachmentType,
    EventKind,
    ScanResult,
)
from openkommune.tenancy.models import tenant_field
from openkommune.tenancy.scoping import TenantScopedManager


class ApplicantManager(models.Manager):
    """Unscoped access for the applicant's side; only behind a credential filter (ADR 0006)."""


def _tenant_field(related_name: str) -> models.ForeignKey:
    return tenant_field(related_name, verbose_name=_("zuständige Organisation"))


class ApplicantRecord(models.Model):
    """What a draft and the application submitted from it share besides their columns: the
    e-mails about them, both managers and the check of `gemeinde_ars` (every subclass has
    one). No fields of its own, so that `tenant` stays the first column of each table."""

    # The e-mails about it (`core.outbox`): deleted with it, addresses included.
    outbox_mails = outbox_mails_relation()

    objects = TenantScopedManager()
    applicant_objects = ApplicantManager()

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=models.Q(gemeinde_ars__regex=r"^[0-9]{12}$"),
                name="%(class)s_gemeinde_ars_12_digits",
            ),
        ]

    @property
    def service_name(self) -> str:
        """What the applicant applies for, named alike on every page, e-mail, PDF and in the
        back office: the title of the form ("Hundesteuer: Hund an- oder abmelden"), not the
        catalogue's name of the OZG-Leistung ("Hundehaltung"), which the citizen never saw."""
        return self.form_version.form.title


class Draft(ApplicantRecord):
    """An application being filled in. The raw input is kept as typed (even when invalid)."""

    tenant = _tenant_field("application_drafts")
    public_id = public_id_field()
    form_version = models.ForeignKey(
        "forms.FormVersion",
        on_delete=models.PROTECT,
        related_name="drafts",
        verbose_name=_("Formularversion"),
    )
    ozg_leistung = ozg_leistung_field("application_drafts")
    gemeinde_ars = models.CharField(_("Regionalschlüssel der Gemeinde"), max_length=12)
    data = models.JSONField(_("Eingaben (roh)"), default=dict, blank=True)
    current_step = models.CharField(_("aktueller Schritt"), max_length=63, blank=True)
    # The BundID level of the applicant's session (0: none), kept up to date until the submit,
    # and the answers prefilled from the BundID account: {path: {"value": v, "level": n}}.
    trust_level = models.PositiveSmallIntegerField(_("Vertrauensniveau der Anmeldung"), default=0)
    identity_prefill = models.JSONField(
        _("aus dem BundID-Konto vorausgefüllt"), default=dict, blank=True
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="application_drafts",
        verbose_name=_("Antragstellerin/Antragsteller"),
    )
    email = models.EmailField(_("E-Mail-Adresse"), blank=True)
    # What the platform filled in at the start and from where (forms.engine.prefill):
    # {data path: {"origin", "label", "locked", "value"}}.
    prefilled = models.JSONField(_("vorausgefüllte Angaben"), default=dict, blank=True)
    # The token itself is never stored: it is derived from the salt with the secret key
    # (tokens.derive_token), and only its SHA-256 is compared.
    resume_token_salt = models.CharField(max_length=64, blank=True, editable=False)
    resume_token_hash = models.CharField(max_length=64, blank=True, editable=False)
    resume_token_expires_at = models.DateTimeField(_("Link gültig bis"), null=True, blank=True)
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now)
    updated_at = models.DateTimeField(_("geändert am"), auto_now=True)

    class Meta(ApplicantRecord.Meta):
        verbose_name = _("Antragsentwurf")
        verbose_name_plural = _("Antragsentwürfe")
        ordering = ["tenant_id", "-created_at"]
        indexes = [
            models.Index(fields=["tenant", "created_at"], name="draft_tenant_created"),
            models.Index(fields=["user", "updated_at"], name="draft_user_updated"),
        ]

    def __str__(self) -> str:
        return f"Entwurf {self.public_id}"

    @property
    def is_submitted(self) -> bool:
        # The reverse one-to-one raises an AttributeError subclass when there is none.
        return hasattr(self, "submitted_application")

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None


class Application(ApplicantRecord):
    """A submitted application, routed to `tenant`. Its data and receipt never change."""

    tenant = _tenant_field("applications")
    public_id = public_id_field()
    reference = models.CharField(
        _("Aktenzeichen"), max_length=REFERENCE_MAX_LENGTH, unique=True, editable=False
    )
    # Unique: a draft becomes at most one application, however often it is submitted.
    draft = models.OneToOneField(
        Draft,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="submitted_application",
        verbose_name=_("Entwurf"),
    )
    form_version = models.ForeignKey(
        "forms.FormVersion",
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("Formularversion"),
    )
    ozg_leistung = ozg_leistung_field("applications")
    gemeinde_ars = models.CharField(_("Regionalschlüssel der Gemeinde"), max_length=12)
    data = models.JSONField(_("Angaben (geprüft)"), default=dict)
    # Name and contact of the authority as the applicant saw them when submitting.
    authority = models.JSONField(_("zuständige Stelle beim Einreichen"), default=dict)
    # The BundID level of the applicant's login at the submit (0: none) and the answers taken
    # over from the BundID account unchanged: {path: {"level": n, "origin": "bundid"}}.
    trust_level = models.PositiveSmallIntegerField(_("Vertrauensniveau der Anmeldung"), default=0)
    verified_fields = models.JSONField(_("aus dem BundID-Konto bestätigt"), default=dict)
    user = person_field(_("Antragstellerin/Antragsteller"), related_name="applications")
    email = models.EmailField(_("E-Mail-Adresse"), blank=True)
    # SHA-256 of the caller's key in the caller's namespace (see services._idempotency_key).
    idempotency_key = models.CharField(max_length=64, unique=True, editable=False)
    # SHA-256 of the request an API client sent with that key: same key, other body -> 409.
    request_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    status = models.CharField(
        _("Status"),
        max_length=30,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.SUBMITTED,
    )
    submitted_at = models.DateTimeField(_("eingereicht am"))
    status_token_salt = models.CharField(max_length=64, editable=False)
    status_token_hash = models.CharField(max_length=64, editable=False)
    receipt_name = models.CharField(_("Eingangsbestätigung (Datei)"), max_length=200)
    receipt_sha256 = models.CharField(_("SHA-256 der Eingangsbestätigung"), max_length=64)
    # Set at submit; the job (or the first download) renders the PDF and clears it.
    receipt_pending = models.BooleanField(_("Eingangsbestätigung ausstehend"), default=False)
    is_demo = models.BooleanField(_("Demo-Antrag"), default=False)
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now)
    updated_at = models.DateTimeField(_("geändert am"), auto_now=True)

    class Meta(ApplicantRecord.Meta):
        verbose_name = _("Antrag")
        verbose_name_plural = _("Anträge")
        ordering = ["tenant_id", "-submitted_at"]
        indexes = [
            models.Index(fields=["tenant", "submitted_at"], name="application_tenant_submitted"),
            models.Index(fields=["tenant", "status"], name="application_tenant_status"),
            models.Index(fields=["user", "submitted_at"], name="application_user_submitted"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def has_receipt(self) -> bool:
        """Stored, or still to be rendered from the data; an anonymised one has none."""
        return bool(self.receipt_name or self.receipt_pending)


class Attachment(models.Model):
    """An uploaded file. Stored under the private media root with a random name; the
    uploaded name is kept (sanitised) for display only."""

    tenant = _tenant_field("application_attachments")
    public_id = public_id_field()
    draft = models.ForeignKey(
        Draft,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attachments",
        verbose_name=_("Entwurf"),
    )
    application = models.ForeignKey(
        Application,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attachments",
        verbose_name=_("Antrag"),
    )
    path = models.CharField(_("Feld"), max_length=300)
    original_name = models.CharField(_("Dateiname"), max_length=200)
    content_type = models.CharField(
        _("Dateityp (aus dem Inhalt erkannt)"), max_length=50, choices=AttachmentType.choices
    )
    size = models.PositiveBigIntegerField(_("Größe in Byte"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    scan_result = models.CharField(
        _("Virenprüfung"), max_length=20, choices=ScanResult.choices, default=ScanResult.NOT_SCANNED
    )
    scan_detail = models.CharField(_("Virenprüfung (Angaben)"), max_length=200, blank=True)
    storage_name = models.CharField(max_length=200, unique=True, editable=False)
    created_at = models.DateTimeField(_("hochgeladen am"), default=timezone.now)

    objects = TenantScopedManager()
    applicant_objects = ApplicantManager()

    class Meta:
        verbose_name = _("Anlage")
        verbose_name_plural = _("Anlagen")
        ordering = ["tenant_id", "created_at", "id"]
        indexes = [
            models.Index(fields=["tenant", "application"], name="attachment_tenant_application"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(draft__isnull=False) | models.Q(application__isnull=False),
                name="attachment_has_draft_or_application",
            ),
            models.CheckConstraint(condition=models.Q(size__gt=0), name="attachment_not_empty"),
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def type_label(self) -> str:
        return str(AttachmentType(self.content_type).label)

    @property
    def download_name(self) -> str:
        """The display name with the extension of the detected type."""
        return download_name(self.original_name, self.content_type)


class ApplicationEvent(models.Model):
    """One entry of the timeline the applicant sees."""

    tenant = _tenant_field("application_events")
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="events", verbose_name=_("Antrag")
    )
    kind = models.CharField(_("Art"), max_length=30, choices=EventKind.choices)
    at = models.DateTimeField(_("Zeitpunkt"), default=timezone.now)
    note = models.TextField(_("Hinweis für die Antragstellerin/den Antragsteller"), blank=True)

    objects = TenantScopedManager()
    applicant_objects = ApplicantManager()

    class Meta:
        verbose_name = _("Statusereignis")
        verbose_name_plural = _("Statusereignisse")
        ordering = ["tenant_id", "application_id", "at", "id"]
        indexes = [
            models.Index(fields=["tenant", "application", "at"], name="event_tenant_application"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.get_kind_display()}"
