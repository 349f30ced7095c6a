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
