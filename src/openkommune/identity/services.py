"""Turning a verified BundID login into a platform session (and refusing, with audit)."""

from __future__ import annotations

import datetime
import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import login as django_login
from django.db import IntegrityError, transaction
from django.utils import timezone

from openkommune.identity.models import (
    CitizenIdentity,
    PendingLogin,
    RejectedLogin,
    SeenAssertion,
)
from openkommune.identity.saml import Login, SamlRejected
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.services import audit_record

logger = logging.getLogger(__name__)

AUTH_BACKEND = "django.contrib.auth.backends.ModelBackend"
SESSION_LEVEL = "bundid_level"
SESSION_LOGOUT = "bundid_logout"
SESSION_PENDING = "bundid_pending"


def reject(error: SamlRejected, *, actor=None) -> RejectedLogin:
    """Record a refused response: a row, an audit record and a log line, nothing else."""
    with transaction.atomic():
        row = RejectedLogin.objects.create(reason=error.code[:40])
        audit_record(
            tenant=None, actor=actor, action="identity.login_rejected", obj=row,
            after={"reason": error.code},
        )  # fmt: skip
    logger.warning("BundID response refused: %s", error.code)
    return row


def _remember_assertion(login: Login) -> None:
    SeenAssertion.objects.filter(expires_at__lt=timezone.now()).delete()
    try:
        with transaction.atomic():
            SeenAssertion.objects.create(
                assertion_id=login.assertion_id[:300],
                issuer=login.issuer[:300],
                expires_at=login.expires_at,
            )
    except IntegrityError as error:
        raise SamlRejected("replay") from error


PENDING_MINUTES = 10
PENDING_COOKIE = "okbundid_login"


def verified(login: Login) -> str:
    """Called by the ACS for a verified response: refuses a replay, keeps the login for the
    citizen's next request and returns the token for its cookie."""
    _remember_assertion(login)
    PendingLogin.objects.filter(expires_at__lt=timezone.now()).delete()
    token = secrets.token_urlsafe(32)
    PendingLogin.objects.create(
        token_hash=_hash(token),
        data=pending_from(login),
        expires_at=timezone.now() + timedelta(minutes=PENDING_MINUTES),
    )
    return token


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def take_pending(token: str | None) -> dict | None:
    if not token:
        return None
    with transaction.atomic():
        row = (
            PendingLogin.objects.select_for_update()
            .filter(token_hash=_hash(token), expires_at__gte=timezone.now())
            .first()
        )
        if row is None:
            return None
        data = row.data
        row.delete()
    return data


def accept(request, pending: dict) -> str:
    """On the platform's own page after the ACS: 'login' (session started) or 'confirm' (a
    first login; the citizen decides on the next page whether to link an account)."""
    identity = CitizenIdentity.objects.filter(
        issuer=pending["issuer"], bpk2=pending["bpk2"]
    ).first()
    if identity is not None:
        with transaction.atomic():
            identity.attributes = pending["attributes"]
            identity.level = int(pending["level"])
            identity.last_login_at = timezone.now()
            identity.save(update_fields=["attributes", "level", "last_login_at"])
            audit_record(
                tenant=None, actor=identity.user, action="identity.login", obj=identity,
                after={"level": int(pending["level"])},
            )  # fmt: skip
        _login(request, identity.user, pending)
        return "login"
    request.session[SESSION_PENDING] = pending
    return "confirm"


def pending_from(login: Login) -> dict:
    return {
        "issuer": login.issuer,
        "bpk2": login.bpk2,
        "level": int(login.level),
        "attributes": login.attributes,
        "name_id": login.name_id,
        "name_id_format": login.name_id_format,
        "session_index": login.session_index,
        "at": timezone.now().isoformat(),
    }


def existing_account_for(pending: dict, current_user):
    """The platform account a first login may be linked to: the one logged in, else the
    one with the e-mail address BundID sent."""
    if current_user is not None and current_user.is_authenticated:
        if not CitizenIdentity.objects.filter(user=current_user).exists():
            return current_user
        return None
    email = pending["attributes"].get("email", {}).get("value")
    if not email:
        return None
    user = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
    if user is None or CitizenIdentity.objects.filter(user=user).exists():
        return None
    return user


def complete_first_login(request, pending: dict, *, link_to=None):
    """Create the identity for a confirmed first login: linked to `link_to` (the citizen
    confirmed it) or to a new account. Returns the user, logged in."""
    users = get_user_model()
    with transaction.atomic():
        if link_to is None:
            email = pending["attributes"].get("email", {}).get("value") or ""
            if not email or users.objects.filter(email__iexact=email).exists():
                email = _placeholder_email_for(pending)
            user = users.objects.create_user(
                email=email,
                first_name=pending["attributes"].get("given_name", {}).get("value", "")[:150],
                last_name=pending["attributes"].get("family_name", {}).get("value", "")[:150],
            )
            action = "identity.account_created"
        else:
            user = link_to
            action = "identity.linked"
        identity = CitizenIdentity.objects.create(
            user=user,
            issuer=pending["issuer"],
            bpk2=pending["bpk2"],
            attributes=pending["attributes"],
            level=pending["level"],
        )
        audit_record(
            tenant=None, actor=user, action=action, obj=identity,
            after={"level": pending["level"]},
        )  # fmt: skip
    request.session.pop(SESSION_PENDING, None)
    _login(request, user, pending)
    return user


def _placeholder_email_for(pending: dict) -> str:
    digest = hashlib.sha256(f"{pending['issuer']}|{pending['bpk2']}".encode()).hexdigest()[:24]
    return f"bundid-{digest}@konto.invalid"


def _login(request, user, pending: dict) -> None:
    django_login(request, user, backend=AUTH_BACKEND)
    request.session[SESSION_LEVEL] = int(pending["level"])
    request.session[SESSION_LOGOUT] = {
        "name_id": pending["name_id"],
        "name_id_format": pending["name_id_format"],
        "session_index": pending["session_index"],
    }


# --- retention -----------------------------------------------------------------------------

PRUNE_ACTION = "retention.identity_data"


@dataclass(frozen=True)
class IdentityDataRetention:
    cutoff: datetime.datetime
    rejected_logins: int  # deleted (or due, in a dry run)
    seen_assertions: int
    pending_logins: int

    @property
    def changed(self) -> int:
        return self.rejected_logins + self.seen_assertions + self.pending_logins


def identity_data_prune(*, today: datetime.date, dry_run: bool, now=None) -> IdentityDataRetention:
    """Delete refused-response rows older than `OPENKOMMUNE_BUNDID_REJECTED_LOGIN_RETENTION_DAYS`
    (their `identity.login_rejected` audit records stay: they keep reason and time), expired
    replay markers and expired unfinished logins. Anyone can post to the ACS, so without this
    the rows of refused responses would grow without bound. A dry run only counts; a run
    that deletes anything writes one audit record `retention.identity_data`. Idempotent;
    run daily by `run_retention`."""
    now = now or timezone.now()
    day = today - timedelta(days=settings.BUNDID_REJECTED_LOGIN_RETENTION_DAYS)
    cutoff = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    rejected = RejectedLogin.objects.filter(created_at__lt=cutoff)
    seen = SeenAssertion.objects.filter(expires_at__lt=now)
    pending = PendingLogin.objects.filter(expires_at__lt=now)
    if dry_run:
        return IdentityDataRetention(cutoff, rejected.count(), seen.count(), pending.count())
    with transaction.atomic():
        result = IdentityDataRetention(
            cutoff, rejected.delete()[0], seen.delete()[0], pending.delete()[0]
        )
        if result.changed:
            # Written directly (not `audit_record`): the run has no single object.
            AuditRecord(
                tenant=None,
                actor=None,
                action=PRUNE_ACTION,
                object_type=RejectedLogin._meta.label_lower,
                object_id=cutoff.date().isoformat(),
                after={
                    "older_than": cutoff.isoformat(),
                    "rejected_logins_deleted": result.rejected_logins,
                    "seen_assertions_deleted": result.seen_assertions,
                    "pending_logins_deleted": result.pending_logins,
                },
            ).save()
    if result.changed:
        logger.info(
            "BundID data retention: %d refused responses (older than %s), %d expired "
            "assertion markers and %d expired unfinished logins deleted.",
            result.rejected_logins,
            cutoff.date().isoformat(),
            result.seen_assertions,
            result.pending_logins,
        )
    return result
