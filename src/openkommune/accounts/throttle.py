"""Login throttling and rate limits for the mails anybody can trigger (password reset,
sign-up), per e-mail address and per client address.

A rule allows `limit` events within `minutes`; after that the key is blocked until `minutes`
have passed since the last counted event (blocked attempts are not counted, so a lockout
ends on its own). Counts live in the database (`ThrottleHit`), not in a per-process cache,
so they hold across several server worker processes without Redis or memcached.
"""

import ipaddress
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from math import ceil

from django.conf import settings
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


def client_group(address: str) -> str:
    """What the per-client limits count: an IPv4 address as it is, an IPv6 address by its /64
    network (one connection usually gets a whole /64, so each of its addresses alone would be
    a fresh client); an IPv4-mapped IPv6 address as its IPv4 address."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return address
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def normalise_email(value: str) -> str:
    """The form of an e-mail address the per-address counts use: Unicode NFKC, case-folded,
    so that every spelling the login treats as one account (`email__iexact`) is one count."""
    return unicodedata.normalize("NFKC", value.strip()).casefold()


def _key(value: str) -> str:
    # A keyed hash: the table holds neither e-mail nor IP addresses.
    return salted_hmac("openkommune.accounts.throttle", value, algorithm="sha256").hexdigest()


def _wait(rule: Rule, times: list, now) -> int:
    """0 if the events at `times` (newest first, at most `rule.limit`) allow another one,
    else the whole minutes until they do."""
    window = timedelta(minutes=rule.minutes)
    if rule.limit <= 0 or len(times) < rule.limit or times[0] - times[-1] > window:
        return 0
    remaining = (times[0] + window - now).total_seconds()
    return max(1, ceil(remaining / 60)) if remaining > 0 else 0


def _times(rule: Rule, key: str, now, *, exclude: int | None = None) -> list:
    hits = ThrottleHit.objects.filter(
        scope=rule.scope, key=key, created_at__gt=now - 2 * timedelta(minutes=rule.minutes)
    )
    if exclude is not None:
        hits = hits.exclude(pk=exclude)
    return list(
        hits.order_by("-created_at", "-pk").values_list("created_at", flat=True)[: rule.limit]
    )


@dataclass(frozen=True)
class Reservation:
    """One event counted before the action it limits (`reserve`)."""

    rule: Rule
    hit: ThrottleHit
    wait: int  # minutes the key was already blocked without this event: 0 = allowed

    def release(self) -> None:
        """Take the event back (the action turned out not to count)."""
        ThrottleHit.objects.filter(pk=self.hit.pk).delete()

    def begins_lockout(self) -> int:
        """Minutes the key is blocked now that this event counts (0: still free)."""
        now = timezone.now()
        return _wait(self.rule, _times(self.rule, self.hit.key, now), now)


def reserve(rule: Rule, value: str) -> Reservation:
    """Count one event BEFORE doing what it limits, then decide from every event counted so
    far, concurrent ones included (`wait` > 0: refused, and the event is taken back, so a
    lockout ends on its own).

    Check and count are one step: the event is stored (and, outside a transaction,
    committed) before the others are read, so of any number of simultaneous requests each
    sees all that were stored before its own read; at most `rule.limit` can be allowed per
    window (in a race some are refused early, never one too many allowed)."""
    now = timezone.now()
    key = _key(value)
    hit = ThrottleHit.objects.create(scope=rule.scope, key=key, created_at=now)
    horizon = max(settings.LOGIN_LOCKOUT_MINUTES, settings.MAIL_LIMIT_MINUTES)
    ThrottleHit.objects.filter(created_at__lt=now - timedelta(minutes=2 * horizon)).delete()
    wait = _wait(rule, _times(rule, key, now, exclude=hit.pk), now)
    reservation = Reservation(rule, hit, wait)
    if wait:
        reservation.release()
    return reservation


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


@dataclass(frozen=True)
class LoginAttempt:
    """A login attempt counted as a failure before its password is checked (`login_begin`)."""

    email: str
    address: str
    account: Reservation
    client: Reservation

    @property
    def wait(self) -> int:
        """Minutes the login stays blocked (0: the password may be checked)."""
        return max(self.account.wait, self.client.wait)


def login_begin(request, email: str) -> LoginAttempt:
    """Count this attempt as a failed login for the address and the client before the
    password is checked. If `wait` is set, the attempt is refused (and not counted); else
    the caller checks the password and ends with `login_failed`, `login_succeeded` or
    `login_not_counted`."""
    address = client_address(request)
    account_rule, client_rule = login_rules()
    account = reserve(account_rule, normalise_email(email))
    client = reserve(client_rule, client_group(address))
    attempt = LoginAttempt(email, address, account, client)
    if attempt.wait:
        # Refused: neither event counts (the other one may have been allowed).
        account.release()
        client.release()
    return attempt


def login_failed(attempt: LoginAttempt) -> int:
    """The password was wrong: the counted events stay. Audits a lockout that begins with
    this failure; returns the minutes the login is blocked now (0: still free)."""
    minutes = 0
    for reservation in (attempt.account, attempt.client):
        wait = reservation.begins_lockout()
        minutes = max(minutes, wait)
        if wait:
            rule = reservation.rule
            user = User.objects.filter(email__iexact=attempt.email.strip()).first()
            audit_record(
                tenant=None,
                actor=None,
                action="login.locked",
                # An unknown address is locked just the same (the page must not tell);
                # its record then names the counted event instead of an account.
                obj=user or reservation.hit,
                after={
                    "scope": rule.scope,
                    "failures": rule.limit,
                    "minutes": rule.minutes,
                    "client": attempt.address,
                },
            )
    return minutes


def login_succeeded(attempt: LoginAttempt) -> None:
    """The right password ends the count for the account (up to this attempt) and takes
    this attempt back from the client's count."""
    account = attempt.account
    ThrottleHit.objects.filter(
        scope=account.rule.scope, key=account.hit.key, pk__lte=account.hit.pk
    ).delete()
    attempt.client.release()


def login_not_counted(attempt: LoginAttempt) -> None:
    """The password was right but the login refused for another reason (e.g. no access to
    the admin): the attempt does not count, and the count is not reset either."""
    attempt.account.release()
    attempt.client.release()


# --- Mails anybody can trigger --------------------------------------------------------------


def mail_client_wait(request, purpose: str) -> int:
    """Minutes this client must wait before asking for another mail of `purpose`; counts the
    request when it is allowed."""
    _address, client_rule = mail_rules(purpose)
    return reserve(client_rule, client_group(client_address(request))).wait


def mail_address_allowed(purpose: str, email: str) -> bool:
    """Whether another mail of `purpose` may go to this address; counts it when allowed.
    Over the limit nothing is sent, and the page says the same as always."""
    address_rule, _client = mail_rules(purpose)
    return not reserve(address_rule, normalise_email(email)).wait
