"""The login throttling of ADR 0009 for other apps (e.g. the second factor): count an
attempt before checking it (`reserve`), forget the count after a success (`forget`)."""

from openkommune.accounts.models import ThrottleHit
from openkommune.accounts.throttle import Reservation, Rule, blocked_message, reserve

__all__ = ["Reservation", "Rule", "blocked_message", "forget", "reserve"]


def forget(reservation: Reservation) -> None:
    """A success: the failures counted for this key up to this attempt no longer count."""
    ThrottleHit.objects.filter(
        scope=reservation.rule.scope, key=reservation.hit.key, pk__lte=reservation.hit.pk
    ).delete()
