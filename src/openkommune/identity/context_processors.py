from django.conf import settings

from openkommune.identity import saml


def bundid(request):
    """`bundid_login` for the login page's "Mit BundID anmelden" button (absent when BundID
    is not configured)."""
    if not saml.is_configured():
        return {}
    return {
        "bundid_login": {
            "level": 1,
            "test_idp": settings.OPENKOMMUNE_BUNDID["TEST_IDP"],
        }
    }
