"""A citizen's BundID identity linked to a platform account, and the assertions already used."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openkommune.identity.constants import TrustLevel


class CitizenIdentity(models.Model):
    """The person behind a BundID login: the pseudonym bPK2 is the stable identifier (per
    identity provider); the attributes of the last login, each with the level it was verified
    at, are kept for prefilling forms."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="citizen_identity",
        verbose_name=_("Konto"),
    )
    issuer = models.CharField(_("Identitätsanbieter"), max_length=300)
    bpk2 = models.CharField(_("Pseudonym (bPK2)"), max_length=300)
    # {field: {"value": str, "level": int}}, fields of constants.ATTRIBUTES.
    attributes = models.JSONField(_("Angaben aus dem BundID-Konto"), default=dict, blank=True)
    level = models.PositiveSmallIntegerField(
        _("Vertrauensniveau der letzten Anmeldung"), choices=TrustLevel.choices
    )
    created_at = models.DateTimeField(_("verknüpft am"), default=timezone.now)
    last_login_at = models.DateTimeField(_("zuletzt angemeldet am"), default=timezone.now)

    class Meta:
        verbose_name = _("BundID-Identität")
        verbose_name_plural = _("BundID-Identitäten")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "bpk2"], name="identity_issuer_bpk2"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_level_display()})"


class SeenAssertion(models.Model):
    """An assertion ID accepted once; a second response with it is a replay. Rows are
    deleted once the assertion has expired (it would be refused for its age anyway)."""

    assertion_id = models.CharField(max_length=300, unique=True)
    issuer = models.CharField(max_length=300)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("verwendete Assertion")
        verbose_name_plural = _("verwendete Assertions")

    def __str__(self) -> str:
        return self.assertion_id


class RejectedLogin(models.Model):
    """A response from the identity provider that was refused (the audit record's object)."""

    reason = models.CharField(_("Grund"), max_length=40)
    created_at = models.DateTimeField(_("Zeitpunkt"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("abgewiesene BundID-Anmeldung")
        verbose_name_plural = _("abgewiesene BundID-Anmeldungen")

    def __str__(self) -> str:
        return f"{self.reason} {self.created_at:%Y-%m-%d %H:%M}"


class PendingLogin(models.Model):
    """A verified response between the identity provider's cross-site POST to the ACS (which
    carries no session cookie) and the citizen's next request on the platform, which does.
    Found by the hash of a token in a short-lived cookie; used once, then deleted."""

    token_hash = models.CharField(max_length=64, unique=True)
    data = models.JSONField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("laufende BundID-Anmeldung")
        verbose_name_plural = _("laufende BundID-Anmeldungen")

    def __str__(self) -> str:
        return f"{self.expires_at:%Y-%m-%d %H:%M}"
