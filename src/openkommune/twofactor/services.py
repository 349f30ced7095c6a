"""The second factor for staff (ADR 0020): TOTP set-up and verification with django-otp's
`TOTPDevice`, one-time recovery codes, the session marker, throttling of code attempts with
the login throttling of ADR 0009, and audit records (`second_factor.*`, no tenant)."""

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass

import segno
import webauthn
from django.conf import settings
from django.db import transaction
from django.http.request import split_domain_port
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    UserVerificationRequirement,
)

from openkommune.accounts.services.throttling import Rule, blocked_message, forget, reserve
from openkommune.tenancy.services import audit_record
from openkommune.twofactor.constants import (
    RECOVERY_CODE_ALPHABET,
    RECOVERY_CODE_COUNT,
    RECOVERY_CODE_LENGTH,
    VERIFIED_SESSION_KEY,
    WEBAUTHN_CHALLENGE_SESSION_KEY,
    Method,
)
from openkommune.twofactor.models import RecoveryCode, WebAuthnCredential
from openkommune.twofactor.selectors import confirmed_totp_device, recovery_codes_left

DEVICE_NAME = "Authenticator-App"


class SecondFactorRefused(Exception):
    """A code was not accepted; `message` is the German text for the form."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def attempt_rule() -> Rule:
    return Rule(
        "second_factor.account",
        settings.SECOND_FACTOR_MAX_FAILURES,
        settings.LOGIN_LOCKOUT_MINUTES,
    )


# --- The session ----------------------------------------------------------------------------


def second_factor_mark_done(request, *, method: str) -> None:
    """Record in the session that its user completed the second factor (new session key, so
    a key seen before the second factor is worth nothing afterwards)."""
    request.session.cycle_key()
    request.session[VERIFIED_SESSION_KEY] = {"user": request.user.pk, "method": method}


# --- TOTP -----------------------------------------------------------------------------------


def totp_pending_device(user) -> TOTPDevice:
    """The device being set up: the same secret on every reload until it is confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def totp_secret_text(device: TOTPDevice) -> str:
    """The secret in base 32 as authenticator apps take it typed in, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def totp_qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URI as an inline SVG QR code, rendered on the server."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=5, title=_("QR-Code für Ihre Authenticator-App"), svgclass="ok-qr-code"
    )


def _normalise_totp(code: str) -> str:
    return "".join(code.split())


def _throttled(user, check, *, method: str, request) -> None:
    """Count the attempt before `check()` runs; a refusal, a failure and a lockout each
    leave an audit record."""
    reservation = reserve(attempt_rule(), f"user:{user.pk}")
    if reservation.wait:
        raise SecondFactorRefused(blocked_message(reservation.wait))
    if check():
        forget(reservation)
        return
    audit_record(
        tenant=None, actor=user, action="second_factor.failed", obj=user, after={"method": method}
    )
    minutes = reservation.begins_lockout()
    if minutes:
        rule = reservation.rule
        audit_record(
            tenant=None,
            actor=user,
            action="second_factor.locked",
            obj=user,
            after={"failures": rule.limit, "minutes": rule.minutes},
        )
        raise SecondFactorRefused(blocked_message(minutes))
    if method == Method.WEBAUTHN:
        raise SecondFactorRefused(
            _("Der Sicherheitsschlüssel wurde nicht erkannt. Bitte versuchen Sie es noch einmal.")
        )
    if method == Method.RECOVERY_CODE:
        raise SecondFactorRefused(
            _("Dieser Wiederherstellungscode ist falsch oder wurde schon verwendet.")
        )
    raise SecondFactorRefused(
        _("Der Code ist falsch oder abgelaufen. Bitte geben Sie den aktuellen Code Ihrer App ein.")
    )


def totp_set_up(request, *, device: TOTPDevice, code: str) -> list[str]:
    """Confirm the pending device with a code from the app; returns the new recovery codes
    (shown once). Earlier devices of the user go."""
    user = request.user

    def check() -> bool:
        return device.verify_token(_normalise_totp(code))

    _throttled(user, check, method=Method.TOTP, request=request)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_record(
            tenant=None,
            actor=user,
            action="second_factor.setup",
            obj=user,
            after={"method": Method.TOTP},
        )
        codes = recovery_codes_create(user, actor=user)
    second_factor_mark_done(request, method=Method.TOTP)
    return codes


def totp_verify(request, *, code: str) -> None:
    """Check a code of the user's confirmed device (each time step only once)."""
    user = request.user
    device = confirmed_totp_device(user)
    if device is None:
        raise SecondFactorRefused(_("Für Ihr Konto ist noch kein zweiter Faktor eingerichtet."))
    _throttled(
        user,
        lambda: device.verify_token(_normalise_totp(code)),
        method=Method.TOTP,
        request=request,
    )
    second_factor_mark_done(request, method=Method.TOTP)


# --- Recovery codes -------------------------------------------------------------------------


def _normalise_recovery_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _hash(code: str) -> str:
    return hashlib.sha256(_normalise_recovery_code(code).encode("ascii", "ignore")).hexdigest()


def _new_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_CODE_ALPHABET) for _i in range(RECOVERY_CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, RECOVERY_CODE_LENGTH, 4))


@transaction.atomic
def recovery_codes_create(user, *, actor) -> list[str]:
    """New recovery codes for `user`; all earlier ones stop working. Only the hashes are
    stored: the returned codes are shown once and then gone."""
    RecoveryCode.objects.filter(user=user).delete()
    codes = [_new_code() for _i in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(RecoveryCode(user=user, code_hash=_hash(c)) for c in codes)
    audit_record(
        tenant=None,
        actor=actor,
        action="second_factor.recovery_codes_created",
        obj=user,
        after={"count": len(codes)},
    )
    return codes


def recovery_code_use(request, *, code: str) -> int:
    """Log in with a recovery code instead of the app: each code works once. Returns how
    many codes are left."""
    user = request.user

    def check() -> bool:
        # One conditional UPDATE: two requests with the same code cannot both use it.
        return bool(
            RecoveryCode.objects.filter(
                user=user, code_hash=_hash(code), used_at__isnull=True
            ).update(used_at=timezone.now())
        )

    _throttled(user, check, method=Method.RECOVERY_CODE, request=request)
    left = recovery_codes_left(user)
    audit_record(
        tenant=None,
        actor=user,
        action="second_factor.recovery_code_used",
        obj=user,
        after={"codes_left": left},
    )
    second_factor_mark_done(request, method=Method.RECOVERY_CODE)
    return left


@dataclass(frozen=True)
class ResetResult:
    devices: int
    codes: int


@transaction.atomic
def second_factor_reset(user, *, actor) -> ResetResult:
    """Remove the user's app and recovery codes (lost phone and codes): the next login sets
    up the second factor again. For operators (`openkommune second_factor_reset`)."""
    devices, _detail = TOTPDevice.objects.filter(user=user).delete()
    codes, _detail = RecoveryCode.objects.filter(user=user).delete()
    audit_record(
        tenant=None,
        actor=actor,
        action="second_factor.reset",
        obj=user,
        after={"devices": devices, "codes": codes},
    )
    return ResetResult(devices, codes)


# --- Demo -----------------------------------------------------------------------------------

# The demo staff's TOTP secret: published in the README and printed by `load_demo`, so it
# protects nothing. Demo only (`demo_totp_device_set` refuses accounts not marked demo).
DEMO_TOTP_KEY = b"openkommune-demo-2fa"  # 20 bytes, as django-otp makes them


def demo_totp_secret_text() -> str:
    secret = base64.b32encode(DEMO_TOTP_KEY).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@transaction.atomic
def demo_totp_device_set(user) -> TOTPDevice:
    """Give a demo staff account the published demo secret (idempotent)."""
    if not user.is_demo:
        raise ValueError("The demo TOTP secret is only for demo accounts.")
    key = DEMO_TOTP_KEY.hex()
    device = confirmed_totp_device(user)
    if device is not None and device.key == key:
        return device
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, key=key, confirmed=True)
    audit_record(
        tenant=None,
        actor=None,
        action="second_factor.setup",
        obj=user,
        after={"method": Method.TOTP, "demo": True},
    )
    return device


def demo_totp_code_now() -> str:
    """The current code of the demo secret, for demo visitors without an app."""
    from django_otp.oath import TOTP

    return f"{TOTP(DEMO_TOTP_KEY).token():06d}"


# --- WebAuthn (security keys, passkeys) ------------------------------------------------------


def _rp_id(request) -> str:
    """The relying party is the host the page was served from (WebAuthn needs a domain
    name: `localhost` works, an IP address does not)."""
    return split_domain_port(request.get_host())[0]


def _origin(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _challenge_keep(request, challenge: bytes) -> None:
    request.session[WEBAUTHN_CHALLENGE_SESSION_KEY] = base64.urlsafe_b64encode(challenge).decode()


def _challenge_take(request) -> bytes | None:
    value = request.session.pop(WEBAUTHN_CHALLENGE_SESSION_KEY, None)
    return base64.urlsafe_b64decode(value) if value else None


def webauthn_registration_options(request) -> str:
    """The options (JSON) for `navigator.credentials.create` on the manage page; the
    challenge waits in the session."""
    user = request.user
    options = webauthn.generate_registration_options(
        rp_id=_rp_id(request),
        rp_name=settings.OTP_TOTP_ISSUER,
        user_id=str(user.pk).encode(),
        user_name=user.email,
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(c.credential_id))
            for c in webauthn_credentials(user)
        ],
        authenticator_selection=AuthenticatorSelectionCriteria(
            user_verification=UserVerificationRequirement.PREFERRED
        ),
    )
    _challenge_keep(request, options.challenge)
    return webauthn.options_to_json(options)


def webauthn_register(request, *, credential: str, name: str) -> WebAuthnCredential:
    """Check the authenticator's answer to the registration options and keep the key."""
    challenge = _challenge_take(request)
    if challenge is None:
        raise SecondFactorRefused(_("Bitte starten Sie das Hinzufügen des Schlüssels erneut."))
    try:
        verified = webauthn.verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=_rp_id(request),
            expected_origin=_origin(request),
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as error:
        raise SecondFactorRefused(
            _("Der Sicherheitsschlüssel konnte nicht hinzugefügt werden.")
        ) from error
    with transaction.atomic():
        key = WebAuthnCredential.objects.create(
            user=request.user,
            credential_id=bytes_to_base64url(verified.credential_id),
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
            name=name.strip()[:100] or _("Sicherheitsschlüssel"),
        )
        audit_record(
            tenant=None,
            actor=request.user,
            action="second_factor.webauthn_added",
            obj=request.user,
            after={"method": Method.WEBAUTHN, "name": key.name},
        )
    return key


def webauthn_authentication_options(request) -> str | None:
    """The options (JSON) for `navigator.credentials.get` on the challenge page; None when
    the user has no key."""
    keys = webauthn_credentials(request.user)
    if not keys:
        return None
    options = webauthn.generate_authentication_options(
        rp_id=_rp_id(request),
        allow_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(k.credential_id)) for k in keys
        ],
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    _challenge_keep(request, options.challenge)
    return webauthn.options_to_json(options)


def webauthn_verify(request, *, credential: str) -> None:
    """The second factor with a security key: the signed challenge of the login page."""
    user = request.user
    challenge = _challenge_take(request)

    def check() -> bool:
        if challenge is None:
            return False
        try:
            credential_id = json.loads(credential)["id"]
        except (ValueError, KeyError, TypeError):
            return False
        key = WebAuthnCredential.objects.filter(user=user, credential_id=credential_id).first()
        if key is None:
            return False
        try:
            verified = webauthn.verify_authentication_response(
                credential=credential,
                expected_challenge=challenge,
                expected_rp_id=_rp_id(request),
                expected_origin=_origin(request),
                credential_public_key=bytes(key.public_key),
                credential_current_sign_count=key.sign_count,
            )
        except (WebAuthnException, ValueError, KeyError, TypeError):
            return False
        key.sign_count = verified.new_sign_count
        key.last_used_at = timezone.now()
        key.save(update_fields=["sign_count", "last_used_at"])
        return True

    _throttled(user, check, method=Method.WEBAUTHN, request=request)
    second_factor_mark_done(request, method=Method.WEBAUTHN)


def webauthn_credentials(user) -> list[WebAuthnCredential]:
    return list(WebAuthnCredential.objects.filter(user=user).order_by("created_at"))
