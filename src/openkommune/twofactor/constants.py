"""Codes of the second factor for staff (ADR 0020, docs/identity.md)."""

# Session key: which user completed the second factor in this session, and how.
VERIFIED_SESSION_KEY = "openkommune.second_factor"
# Session key: recovery codes just made, shown once on the next page and then removed.
FRESH_CODES_SESSION_KEY = "openkommune.second_factor.fresh_codes"
# Session key: the WebAuthn challenge of the registration or login under way.
WEBAUTHN_CHALLENGE_SESSION_KEY = "openkommune.second_factor.webauthn_challenge"

RECOVERY_CODE_COUNT = 10
# 16 characters of the base-32 alphabet: 80 bits, so an unkeyed SHA-256 is enough at rest.
RECOVERY_CODE_LENGTH = 16
RECOVERY_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class Method:
    TOTP = "totp"
    RECOVERY_CODE = "recovery_code"
    WEBAUTHN = "webauthn"
    # An identity provider of the member organisation asserted multi-factor authentication.
    SSO_MFA = "sso_mfa"


# Paths a staff member may reach before the second factor (prefixes).
OPEN_PATH_PREFIXES = (
    "/konto/zwei-faktor/",
    "/konto/abmelden/",
    "/static/",
    "/healthz",
    "/readyz",
    "/metrics",
    "/i18n/",
    "/favicon.ico",
)
