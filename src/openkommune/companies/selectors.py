from django.conf import settings

from openkommune.companies.models import ApplicationOnBehalf, CompanyRepresentative
from openkommune.core.oidc import Provider


def company_provider() -> Provider | None:
    """The configured organisation-account provider, or None (company login off)."""
    if not settings.COMPANY_OIDC_ISSUER:
        return None
    return Provider(
        issuer=settings.COMPANY_OIDC_ISSUER,
        client_id=settings.COMPANY_OIDC_CLIENT_ID,
        client_secret=settings.COMPANY_OIDC_CLIENT_SECRET,
    )


def representative_of(user) -> CompanyRepresentative | None:
    if not user.is_authenticated:
        return None
    return CompanyRepresentative.objects.select_related("company").filter(user=user).first()


def on_behalf_of(application) -> ApplicationOnBehalf | None:
    """For the clerk (inside the tenant's scope): the company and the acting person."""
    return (
        ApplicationOnBehalf.objects.select_related("company")
        .filter(application=application)
        .first()
    )
