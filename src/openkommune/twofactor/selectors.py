"""Who needs the second factor and whether this session has it (ADR 0020)."""

from django_otp.plugins.otp_totp.models import TOTPDevice

from openkommune.tenancy.selectors import user_memberships
from openkommune.twofactor.constants import VERIFIED_SESSION_KEY
from openkommune.twofactor.models import RecoveryCode


def needs_second_factor(user) -> bool:
    """Every back-office and cooperative role: clerks, member administrators, cooperative
    staff (any membership), and admin users (`is_staff`, superusers). Citizens are not
    forced."""
    if not user.is_authenticated:
        return False
    return user.is_staff or user.is_superuser or bool(user_memberships(user))


def second_factor_done(request) -> bool:
    """The user of this session completed the second factor in it."""
    marker = request.session.get(VERIFIED_SESSION_KEY)
    return isinstance(marker, dict) and marker.get("user") == request.user.pk


def confirmed_totp_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


def recovery_codes_left(user) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
