from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def company_login_label() -> str:
    """The provider's label for the login page, empty when company login is off."""
    return settings.COMPANY_OIDC_LABEL if settings.COMPANY_OIDC_ISSUER else ""
