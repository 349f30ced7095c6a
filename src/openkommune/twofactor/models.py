"""Recovery codes of the second factor. The TOTP secrets are django-otp's `TOTPDevice`."""

from django.conf import settings
from django.db import models


class RecoveryCode(models.Model):
    """One recovery code: usable once (`used_at`), stored as SHA-256 of its normalised
    text only (80 random bits, so no key is needed to make guessing hopeless)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "code_hash"], name="recovery_code_unique"),
        ]

    def __str__(self) -> str:
        return f"recovery code {self.pk} of user {self.user_id}"


class WebAuthnCredential(models.Model):
    """A security key or passkey of a staff member (WebAuthn, py_webauthn): the credential
    ID and public key the authenticator made at registration, and its signature counter."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webauthn_credentials"
    )
    credential_id = models.CharField(max_length=1400, unique=True)  # base64url
    public_key = models.BinaryField()
    sign_count = models.PositiveBigIntegerField(default=0)
    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"security key {self.name} of user {self.user_id}"
