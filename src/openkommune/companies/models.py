"""Companies logging in with an organisation account ("Mein Unternehmenskonto", OIDC) and
the person acting for them, kept apart (issue 15 part 4, docs/identity.md)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from openkommune.tenancy.models import tenant_field
from openkommune.tenancy.scoping import TenantScopedManager


class Company(models.Model):
    """A company as its identity provider asserts it (claim `company`), one row per provider
    and company id; updated on every login."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    issuer = models.CharField(_("Identitätsanbieter"), max_length=300)
    external_id = models.CharField(_("Unternehmens-ID beim Identitätsanbieter"), max_length=200)
    name = models.CharField(_("Name"), max_length=300)
    legal_form = models.CharField(_("Rechtsform"), max_length=200, blank=True)
    register = models.CharField(_("Registereintrag"), max_length=200, blank=True)
    street_address = models.CharField(_("Straße und Hausnummer"), max_length=200, blank=True)
    postal_code = models.CharField(_("Postleitzahl"), max_length=10, blank=True)
    locality = models.CharField(_("Ort"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "external_id"], name="company_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class CompanyRepresentative(models.Model):
    """The platform account of one person acting for one company: applications filed with
    it are filed on behalf of the company. The person's own data stay here, not in the
    company."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="company_representative"
    )
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="representatives")
    issuer = models.CharField(max_length=300)
    person_sub = models.CharField(_("Kennung der Person beim Identitätsanbieter"), max_length=255)
    given_name = models.CharField(_("Vorname"), max_length=150, blank=True)
    family_name = models.CharField(_("Nachname"), max_length=150, blank=True)
    email = models.EmailField(_("E-Mail-Adresse"), blank=True)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "person_sub", "company"], name="company_representative_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name} für {self.company}"


class ApplicationOnBehalf(models.Model):
    """An application filed on behalf of a company: the company and the acting person as
    they were at submit (the clerk sees both)."""

    tenant = tenant_field("applications_on_behalf")
    application = models.OneToOneField(
        "submissions.Application", on_delete=models.CASCADE, related_name="on_behalf"
    )
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="applications")
    company_snapshot = models.JSONField(default=dict)
    acting_person = models.JSONField(default=dict)

    objects = TenantScopedManager()

    def __str__(self) -> str:
        return f"{self.application_id} für {self.company_id}"


class CompanyLoginFailure(models.Model):
    """A failed company login (the subject of its audit record `company_login.failed`): the
    reason code only, never a token."""

    created_at = models.DateTimeField(auto_now_add=True)
    issuer = models.CharField(max_length=300)
    reason = models.CharField(max_length=60)

    def __str__(self) -> str:
        return f"{self.reason} ({self.created_at:%Y-%m-%d %H:%M})"
