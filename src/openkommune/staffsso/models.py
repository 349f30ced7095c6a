"""A member organisation's own OpenID provider for its staff (single sign-on, issue 15
part 5) and the staff accounts it logs in (docs/identity.md, "Anmeldung der Beschäftigten")."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openkommune.tenancy.models import tenant_field
from openkommune.tenancy.scoping import TenantScopedManager


class StaffLoginProvider(models.Model):
    """The member's directory as an OpenID provider: one per member, changed only through
    `services.staff_login_provider_set` (audited, the secret never in the record)."""

    tenant = tenant_field("staff_login_providers", on_delete=models.CASCADE)
    is_active = models.BooleanField(_("eingeschaltet"), default=False)
    label = models.CharField(_("Bezeichnung auf der Anmeldeseite"), max_length=100)
    issuer = models.URLField(_("Aussteller (Issuer-URL)"), max_length=300)
    client_id = models.CharField(_("Client-ID"), max_length=200)
    client_secret = models.CharField(_("Client-Geheimnis"), max_length=300)
    role_claim = models.CharField(_("Claim mit den Rollen"), max_length=60, default="roles")
    clerk_value = models.CharField(
        _("Wert für die Rolle Sachbearbeitung"), max_length=100, default="sachbearbeitung"
    )
    admin_value = models.CharField(
        _("Wert für die Rolle Mitgliedsverwaltung"),
        max_length=100,
        default="mitgliedsverwaltung",
    )
    enforces_mfa = models.BooleanField(
        _("Der Anbieter verlangt selbst einen zweiten Faktor"), default=False
    )
    updated_at = models.DateTimeField(_("geändert am"), default=timezone.now)

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("Anmeldedienst der Beschäftigten")
        verbose_name_plural = _("Anmeldedienste der Beschäftigten")
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="staffsso_one_provider_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.tenant}: {self.label}"


class StaffIdentity(models.Model):
    """A person of the member's directory (`sub`) linked to a platform account."""

    tenant = tenant_field("staff_identities", on_delete=models.CASCADE)
    provider = models.ForeignKey(StaffLoginProvider, on_delete=models.CASCADE)
    subject = models.CharField(_("Kennung beim Anbieter"), max_length=255)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    created_at = models.DateTimeField(_("verknüpft am"), default=timezone.now)
    last_login_at = models.DateTimeField(_("zuletzt angemeldet am"), default=timezone.now)

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("Anmeldung über die eigene Organisation")
        verbose_name_plural = _("Anmeldungen über die eigene Organisation")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "subject"], name="staffsso_one_account_per_subject"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.user}"
