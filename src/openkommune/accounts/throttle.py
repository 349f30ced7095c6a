"""Login throttling and rate limits for the mails anybody can trigger (password reset,
sign-up), per e-mail address and per client address.

A rule allows `limit` events within `minutes`; after that the key is blocked until `minutes`
have passed since the last counted event (blocked attempts are not counted, so a lockout
ends on its own). Counts live in the database (`ThrottleHit`), not in a per-process cache,
so they hold across several server worker processes without Redis or memcached.
"""

from dataclasses import dataclass
from datetime import timedelta
from math import ceil

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import ngettext

from openkommune.accounts.models import ThrottleHit, User
from openkommune.tenancy.services import audit_record


@dataclass(frozen=True)
class Rule:
    scope: str
    limit: int
    minutes: int


def login_rules() -> tuple[Rule, Rule]:
    """Failed logins per entered e-mail address and per client address."""
    minutes = settings.LOGIN_LOCKOUT_MINUTES
    return (
        Rule("login.account", settings.LOGIN_MAX_FAILURES_PER_ACCOUNT, minutes),
        Rule("login.client", settings.LOGIN_MAX_FAILURES_PER_CLIENT, minutes),
    )


def mail_rules(purpose: str) -> tuple[Rule, Rule]:
    """Mails of one `purpose` ("reset", "signup") per e-mail address and per client."""
    minutes = settings.MAIL_LIMIT_MINUTES
    return (
        Rule(f"{purpose}.address", settings.MAIL_LIMIT_PER_ADDRESS, minutes),
        Rule(f"{purpose}.client", settings.MAIL_LIMIT_PER_CLIENT, minutes),
    )


def client_address(request) -> str:
    """REMOTE_ADDR, or behind a trusted reverse proxy (OPENKOMMUNE_TRUST_X_FORWARDED_FOR)
    the last X-Forwarded-For entry: the one that proxy appended, which a client can't forge."""
    if settings.TRUST_X_FORWARDED_FOR:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        forwarded = [part for part in forwarded if part]
        if forwarded:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR") or "unknown"


def _key(value: str) -> str:
    # A keyed hash: the table holds neither e-mail nor IP addresses.
    return salted_hmac(
        "openkommune.accounts.throttle", value.strip().lower(), algorithm="sha256"
    ).hexdigest()


def wait_minutes(rule: Rule, value: str) -> int:
    """0 if another event is allowed, else the whole minutes until it is."""
    now = timezone.now()
    window = timedelta(minutes=rule.minutes)
    times = list(
        ThrottleHit.objects.filter(
            scope=rule.scope, key=_key(value), created_at__gt=now - 2 * window
        )
        .order_by("-created_at")
        .values_list("created_at", flat=True)[: rule.limit]
    )
    if rule.limit <= 0 or len(times) < rule.limit or times[0] - times[-1] > window:
        return 0
    remaining = (times[0] + window - now).total_seconds()
    return max(1, ceil(remaining / 60)) if remaining > 0 else 0


def count(rule: Rule, value: str) -> ThrottleHit | None:
    """Count one event; returns it if it is the one that reaches the limit (a lockout
    begins), else None."""
    now = timezone.now()
    hit = ThrottleHit.objects.create(scope=rule.scope, key=_key(value), created_at=now)
    horizon = max(settings.LOGIN_LOCKOUT_MINUTES, settings.MAIL_LIMIT_MINUTES)
    ThrottleHit.objects.filter(created_at__lt=now - timedelta(minutes=2 * horizon)).delete()
    return hit if wait_minutes(rule, value) else None


def blocked_message(minutes: int) -> str:
    return ngettext(
        "Zu viele fehlgeschlagene Anmeldeversuche. Bitte versuchen Sie es in %(minutes)d "
        "Minute erneut.",
        "Zu viele fehlgeschlagene Anmeldeversuche. Bitte versuchen Sie es in %(minutes)d "
        "Minuten erneut.",
        minutes,
    ) % {"minutes": minutes}


def too_many_requests_message(minutes: int) -> str:
    return ngettext(
        "Von Ihrem Anschluss kamen zu viele Anfragen. Bitte versuchen Sie es in %(minutes)d "
        "Minute erneut.",
        "Von Ihrem Anschluss kamen zu viele Anfragen. Bitte versuchen Sie es in %(minutes)d "
        "Minuten erneut.",
        minutes,
    ) % {"minutes": minutes}


# --- Login -------------------------------------------------------------------------------


def login_wait(request, email: str) -> int:
    """Minutes the login for this e-mail address from this client stays blocked (0: free)."""
    account, client = login_rules()
    return max(wait_minutes(account, email), wait_minutes(client, client_address(request)))


@transaction.atomic
def login_failed(request, email: str) -> None:
    """Count a failed login for the address and the client; audit a lockout that begins."""
    address = client_address(request)
    account_rule, client_rule = login_rules()
    for rule, value in ((account_rule, email), (client_rule, address)):
        hit = count(rule, value)
        if hit is not None:
            user = User.objects.filter(email__iexact=email.strip()).first()
            audit_record(
                tenant=None,
                actor=None,
                action="login.locked",
                # An unknown address is locked just the same (the page must not tell);
                # its record then names the counted event instead of an account.
                obj=user or hit,
                after={
                    "scope": rule.scope,
                    "failures": rule.limit,
                    "minutes": rule.minutes,
                    "client": address,
                },
            )


def login_succeeded(request, email: str) -> None:
    """The right password ends the count for the account (not for the client)."""
    account_rule, _client = login_rules()
    ThrottleHit.objects.filter(scope=account_rule.scope, key=_key(email)).delete()


# --- Mails anybody can trigger --------------------------------------------------------------


def mail_client_wait(request, purpose: str) -> int:
    """Minutes this client must wait before asking for another mail of `purpose`; counts the
    request when it is allowed."""
    _address, client_rule = mail_rules(purpose)
    address = client_address(request)
    minutes = wait_minutes(client_rule, address)
    if not minutes:
        count(client_rule, address)
    return minutes


def mail_address_allowed(purpose: str, email: str) -> bool:
    """Whether another mail of `purpose` may go to this address; counts it when allowed.
    Over the limit nothing is sent, and the page says the same as always."""
    address_rule, _client = mail_rules(purpose)
    if wait_minutes(address_rule, email):
        return False
    count(address_rule, email)
    return True
