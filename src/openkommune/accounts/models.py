"""People who log in: citizens, clerks, member administrators and cooperative staff.

The e-mail address is the login name (there is no separate username). What a person may do
for an organisation is a `tenancy.Membership`; a user without one is a citizen.
"""

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, email):
        # Case-insensitive: people type their address in any case; unique on lower(email).
        return self.get(email__iexact=email)

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if not extra_fields["is_staff"] or not extra_fields["is_superuser"]:
            raise ValueError("A superuser needs is_staff and is_superuser.")
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    username = None
    email = models.EmailField(_("E-Mail-Adresse"), unique=True)
    # Contact details the person keeps in the account; online forms offer them as prefill
    # ("aus Ihrem Konto", submissions.services.prefill). All optional.
    phone = models.CharField(_("Telefonnummer"), max_length=40, blank=True)
    street = models.CharField(_("Straße"), max_length=100, blank=True)
    house_number = models.CharField(_("Hausnummer"), max_length=20, blank=True)
    postcode = models.CharField(_("Postleitzahl"), max_length=5, blank=True)
    city = models.CharField(_("Ort"), max_length=100, blank=True)
    is_demo = models.BooleanField(
        _("Demo-Zugang"),
        default=False,
        help_text=_("Von load_demo angelegt; nie in einer echten Installation verwenden."),
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta(AbstractUser.Meta):
        verbose_name = _("Person")
        verbose_name_plural = _("Personen")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email)

    @property
    def awaits_setup(self) -> bool:
        """Created by a sign-up or an invitation and never set up: inactive, no password,
        never logged in. Only such an account may be activated through a link; an inactive
        account that was set up before was deactivated and stays so."""
        return not self.is_active and not self.has_usable_password() and self.last_login is None


class ThrottleHit(models.Model):
    """One counted event for rate limits and login throttling (`accounts.throttle`): a
    failed login, a password-reset or sign-up request. The key is a keyed hash of the
    e-mail address or client address, never the address itself. Kept in the database so
    every worker process of a multi-process server sees the same counts; rows older than
    the longest window are deleted as new ones arrive."""

    scope = models.CharField(max_length=40)
    key = models.CharField(max_length=64)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("Zählung für Anmeldesperre")
        verbose_name_plural = _("Zählungen für Anmeldesperre")
        indexes = [models.Index(fields=["scope", "key", "created_at"], name="throttle_lookup")]

    def __str__(self) -> str:
        return f"{self.scope} {self.created_at:%Y-%m-%d %H:%M}"
