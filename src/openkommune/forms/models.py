"""Online forms as cooperative data (not tenant-owned): a form and its numbered versions.

A version's `definition` follows schema/form-definition.schema.json (docs/forms.md). Versions
change only through `forms.services`; a published version is never edited again (a change
is a new version), so applications pinned to it stay valid."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from openkommune.core.models import PublicIdModel, TimeStampedModel, person_field
from openkommune.forms.constants import FormVersionStatus
from openkommune.identity.constants import TrustLevel

FORM_KEY_REGEX = r"^[a-z][a-z0-9_]{0,62}$"
_UNPUBLISHED = [FormVersionStatus.DRAFT, FormVersionStatus.IN_REVIEW]


class FormDefinition(PublicIdModel):
    """One online form across its versions. Title and LeiKa keys follow the newest
    published version (of the first draft until one is published)."""

    key = models.SlugField(_("Schlüssel"), max_length=63, unique=True)
    title = models.CharField(_("Titel"), max_length=500)
    leika_keys = models.JSONField(_("LeiKa-Schlüssel"), default=list, blank=True)
    # The cooperative's default; a member overrides it per service (ServiceActivation).
    min_trust_level = models.PositiveSmallIntegerField(
        _("verlangtes Vertrauensniveau"),
        choices=[(0, _("keine BundID-Anmeldung nötig")), *TrustLevel.choices],
        default=0,
        help_text=_(
            "Mindestniveau der BundID-Anmeldung für Anträge mit diesem Formular "
            "(Vorgabe der Genossenschaft; ein Mitglied kann es je Leistung ändern)."
        ),
    )

    class Meta:
        verbose_name = _("Online-Formular")
        verbose_name_plural = _("Online-Formulare")
        ordering = ["key"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(key__regex=FORM_KEY_REGEX), name="form_definition_key_format"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.key})"


class FormVersion(TimeStampedModel):
    form = models.ForeignKey(
        FormDefinition,
        on_delete=models.PROTECT,
        related_name="versions",
        verbose_name=_("Formular"),
    )
    number = models.PositiveIntegerField(_("Version"))
    status = models.CharField(
        _("Status"),
        max_length=20,
        choices=FormVersionStatus.choices,
        default=FormVersionStatus.DRAFT,
    )
    definition = models.JSONField(_("Definition"))
    data_schema = models.JSONField(_("Datenschema"), null=True, blank=True)
    published_at = models.DateTimeField(_("veröffentlicht am"), null=True, blank=True)
    published_by = person_field(_("veröffentlicht von"))
    retired_at = models.DateTimeField(_("zurückgezogen am"), null=True, blank=True)
    # Four eyes (ADR 0024): who last changed the definition in the studio; None for versions
    # the system wrote (load_forms, the FIM import). That person may not publish it.
    edited_by = person_field(_("zuletzt bearbeitet von"))
    edited_at = models.DateTimeField(_("zuletzt bearbeitet am"), null=True, blank=True)
    import_report = models.JSONField(
        _("Hinweise des Imports"),
        default=list,
        blank=True,
        help_text=_("Was der Import aus FIM nicht übernehmen konnte oder angepasst hat."),
    )
    # The definition exactly as the FIM importer produced it (before studio edits): the base
    # a newer import of the same schema is compared with, so the studio's edits are kept.
    fim_import_base = models.JSONField(
        _("Definition wie aus FIM importiert"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("Formularversion")
        verbose_name_plural = _("Formularversionen")
        ordering = ["form__key", "number"]
        constraints = [
            models.UniqueConstraint(fields=["form", "number"], name="form_version_number_unique"),
            models.CheckConstraint(
                condition=models.Q(status__in=FormVersionStatus.values),
                name="form_version_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(number__gte=1), name="form_version_number_positive"
            ),
            # Published and retired versions carry their publication; drafts and versions
            # in review have none.
            models.CheckConstraint(
                condition=(
                    models.Q(status__in=_UNPUBLISHED, published_at__isnull=True)
                    | (
                        ~models.Q(status__in=_UNPUBLISHED)
                        & models.Q(published_at__isnull=False, data_schema__isnull=False)
                    )
                ),
                name="form_version_published_fields",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.form.key} v{self.number} ({self.get_status_display()})"

    @property
    def is_published(self) -> bool:
        return self.status == FormVersionStatus.PUBLISHED

    @property
    def is_editable(self) -> bool:
        return self.status == FormVersionStatus.DRAFT


class CodeList(PublicIdModel):
    """A code list of the installation's library (one library per installation), known by
    its canonical URI (genericode `CanonicalUri`, e.g. `urn:de:fim:codeliste:…` from
    XRepository). Its entries live in versions; a field of a form copies the entries of the
    version chosen into its definition (docs/forms.md "Code list library")."""

    uri = models.CharField(_("kanonische URI"), max_length=300, unique=True)
    title = models.CharField(_("Bezeichnung"), max_length=500)

    class Meta:
        verbose_name = _("Codeliste")
        verbose_name_plural = _("Codelisten")
        ordering = ["title", "uri"]

    def __str__(self) -> str:
        return f"{self.title} ({self.uri})"


class CodeListVersion(PublicIdModel):
    """One version of a library code list as uploaded (genericode `Version`). Never changed
    after the upload: a new version of the list is a new row."""

    code_list = models.ForeignKey(
        CodeList, on_delete=models.PROTECT, related_name="versions", verbose_name=_("Codeliste")
    )
    version = models.CharField(_("Version"), max_length=50)
    version_uri = models.CharField(_("kanonische Versions-URI"), max_length=300, blank=True)
    title = models.CharField(_("Bezeichnung dieser Version"), max_length=500)
    # [{"code": "01", "label": "…"}] in the file's order.
    entries = models.JSONField(_("Einträge"))
    file_name = models.CharField(_("Dateiname"), max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256 der Datei"), max_length=64)
    uploaded_by = person_field(_("hochgeladen von"))

    class Meta:
        verbose_name = _("Codelisten-Version")
        verbose_name_plural = _("Codelisten-Versionen")
        ordering = ["code_list", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["code_list", "version"], name="code_list_version_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code_list.uri} {self.version}"


class PendingFimImport(PublicIdModel):
    """A newer version of an imported FIM schema, uploaded but not yet confirmed: the
    merged definition (studio edits kept) and what the diff page shows. Confirming makes it
    a draft version; cancelling deletes it."""

    form = models.ForeignKey(
        FormDefinition, on_delete=models.CASCADE, related_name="+", verbose_name=_("Formular")
    )
    based_on = models.ForeignKey(
        FormVersion, on_delete=models.CASCADE, related_name="+", verbose_name=_("Grundlage")
    )
    definition = models.JSONField(_("Definition"))
    import_base = models.JSONField(_("Definition wie importiert"))
    import_report = models.JSONField(_("Importbericht"), default=list)
    summary = models.JSONField(_("Vergleich"), default=dict)
    created_by = person_field(_("hochgeladen von"))

    class Meta:
        verbose_name = _("noch nicht bestätigter FIM-Import")
        verbose_name_plural = _("noch nicht bestätigte FIM-Importe")
