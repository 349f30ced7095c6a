"""API keys of member organisations for their specialist systems (Fachverfahren).

A key is shown once when it is created and never stored: only its first characters
(`prefix`, to find the row and to let people tell keys apart) and the SHA-256 of the whole
key. A key is 256 bits from `secrets`, so a fast hash is enough: slow password hashes
(Argon2, PBKDF2) protect guessable secrets chosen by people against brute force; a random
256-bit secret cannot be guessed, and a fast hash keeps every API call cheap.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openkommune.core.models import person_field, public_id_field
from openkommune.tenancy.models import tenant_field
from openkommune.tenancy.scoping import TenantScopedManager


class ApiKey(models.Model):
    # First column after id on purpose (distribution key, see tenancy.models).
    tenant = tenant_field("api_keys")
    public_id = public_id_field()
    name = models.CharField(_("Bezeichnung"), max_length=100)
    prefix = models.CharField(_("Kennung"), max_length=16, unique=True, editable=False)
    secret_sha256 = models.CharField(max_length=64, editable=False)
    created_by = person_field(_("angelegt von"))
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now)
    last_used_at = models.DateTimeField(_("zuletzt benutzt"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("widerrufen am"), null=True, blank=True)

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("API-Schlüssel")
        verbose_name_plural = _("API-Schlüssel")
        ordering = ["tenant_id", "-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "created_at"], name="apikey_tenant_created")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
