"""The tenant (Organisation), who works for it (Membership) and what happened (AuditRecord).

Tenant-owned tables carry `tenant` as their first column after `id` and index it first, so
the schema can be distributed by `tenant_id` (Citus) without changes.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openkommune.core.models import PublicIdModel, person_field
from openkommune.tenancy.constants import (
    ARS_PATTERN,
    POSTCODE_PATTERN,
    OrganisationKind,
    Role,
)
from openkommune.tenancy.scoping import TenantScopedManager, TenantScopedQuerySet

ars_validator = RegexValidator(ARS_PATTERN, _("Der Regionalschlüssel hat genau 12 Ziffern."))
postcode_validator = RegexValidator(POSTCODE_PATTERN, _("Die Postleitzahl hat genau 5 Ziffern."))


def tenant_field(
    related_name: str,
    *,
    verbose_name=None,
    null: bool = False,
    on_delete=models.PROTECT,
) -> models.ForeignKey:
    """The owning organisation of a tenant-owned row: declare it first (see the module
    docstring). PROTECT by default: organisations are deactivated, never deleted, and what
    they own stays; `null` for rows that may also belong to the cooperative as a whole."""
    return models.ForeignKey(
        "tenancy.Organisation",
        on_delete=on_delete,
        null=null,
        blank=null,
        related_name=related_name,
        verbose_name=_("Organisation") if verbose_name is None else verbose_name,
    )


class Organisation(PublicIdModel):
    """A member of the cooperative, or the cooperative itself: the tenant of the platform.

    The region is kept as its ARS, not as a foreign key: tenancy sits below regions in the
    layer contract, and an organisation outlives territorial reforms that retire a key.
    """

    name = models.CharField(_("Name"), max_length=200)
    short_name = models.CharField(_("Kurzname"), max_length=60, blank=True)
    kind = models.CharField(_("Art"), max_length=30, choices=OrganisationKind.choices)
    is_cooperative = models.BooleanField(
        _("ist die Genossenschaft"),
        default=False,
        help_text=_("Genau eine Organisation ist die Genossenschaft selbst."),
    )
    region_ars = models.CharField(
        _("Amtlicher Regionalschlüssel"),
        max_length=12,
        blank=True,
        db_index=True,
        validators=[ars_validator],
    )
    street = models.CharField(_("Straße und Hausnummer"), max_length=200, blank=True)
    postcode = models.CharField(
        _("Postleitzahl"), max_length=5, blank=True, validators=[postcode_validator]
    )
    city = models.CharField(_("Ort"), max_length=100, blank=True)
    email = models.EmailField(_("E-Mail-Adresse"), blank=True)
    phone = models.CharField(_("Telefon"), max_length=40, blank=True)
    website = models.URLField(_("Internetseite"), blank=True)
    is_demo = models.BooleanField(_("Demo-Daten"), default=False)
    is_active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        verbose_name = _("Organisation")
        verbose_name_plural = _("Organisationen")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_cooperative"],
                condition=models.Q(is_cooperative=True),
                name="organisation_single_cooperative",
                violation_error_message=_("Es gibt bereits eine Genossenschaft."),
            ),
            models.CheckConstraint(
                condition=models.Q(is_cooperative=False)
                | models.Q(kind=OrganisationKind.GENOSSENSCHAFT),
                name="organisation_cooperative_kind",
                violation_error_message=_("Die Genossenschaft hat die Art „Genossenschaft“."),
            ),
            models.CheckConstraint(
                condition=models.Q(region_ars="") | models.Q(region_ars__regex=ARS_PATTERN),
                name="organisation_region_ars_12_digits",
                violation_error_message=_("Der Regionalschlüssel hat genau 12 Ziffern."),
            ),
            models.CheckConstraint(
                condition=models.Q(postcode="") | models.Q(postcode__regex=POSTCODE_PATTERN),
                name="organisation_postcode_5_digits",
                violation_error_message=_("Die Postleitzahl hat genau 5 Ziffern."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """One role of one user in one organisation; a user may hold several roles there.

    One row per role (unique tenant, user, role) keeps granting and revoking a single role
    an insert or a delete, each with its own audit record.
    """

    # First column after id on purpose (distribution key); see module docstring.
    tenant = tenant_field("memberships", on_delete=models.CASCADE)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("Person"),
    )
    role = models.CharField(_("Rolle"), max_length=30, choices=Role.choices)
    created_at = models.DateTimeField(_("erteilt am"), default=timezone.now)

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("Mitgliedschaft")
        verbose_name_plural = _("Mitgliedschaften")
        ordering = ["tenant_id", "user_id", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "user", "role"], name="membership_tenant_user_role_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_role_display()} ({self.tenant_id})"


class AuditRecordImmutableError(Exception):
    """Audit records are append-only."""


class AuditRecordQuerySet(TenantScopedQuerySet):
    def update(self, **kwargs):
        raise AuditRecordImmutableError("Audit records cannot be changed.")

    def delete(self):
        raise AuditRecordImmutableError("Audit records cannot be deleted.")


class AuditRecordManager(TenantScopedManager.from_queryset(AuditRecordQuerySet)):
    pass


class AuditRecord(models.Model):
    """Who changed what, when, with the state before and after. Append-only.

    `tenant` is empty for platform-level actions (a user account), `actor` for the system
    (imports, the demo loader). Organisations are never deleted (only deactivated), so the
    trail of a tenant stays complete: the tenant foreign key protects it.
    """

    tenant = tenant_field("audit_records", null=True)
    # SET_NULL: deleting a person (data protection) must remain possible; the record stays.
    actor = person_field(_("ausgeführt von"))
    action = models.CharField(_("Aktion"), max_length=100)
    object_type = models.CharField(_("Objektart"), max_length=100)
    object_id = models.CharField(_("Objekt-ID"), max_length=64)
    before = models.JSONField(_("vorher"), null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(_("nachher"), null=True, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("Zeitpunkt"), default=timezone.now)

    objects = AuditRecordManager()

    class Meta:
        verbose_name = _("Protokolleintrag")
        verbose_name_plural = _("Protokolleinträge")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "created_at"], name="audit_tenant_created"),
            models.Index(fields=["tenant", "object_type", "object_id"], name="audit_tenant_object"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditRecordImmutableError("Audit records cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditRecordImmutableError("Audit records cannot be deleted.")
