"""Retention of the personal data that login throttling keeps (`accounts.throttle`).

Two kinds, both kept only `OPENKOMMUNE_LOGIN_DATA_RETENTION_DAYS` (30) days:

* `ThrottleHit` rows (a keyed hash of an e-mail or client address per counted event) are
  deleted. New events already delete rows older than twice the longest window, but only
  while events keep arriving; this catches the rest.
* `login.locked` audit records name the client address of a lockout; the address is removed
  from the record (`"client": null`), the record itself stays (who was locked, when, which
  rule). Audit records are otherwise append-only: this is their one data-protection change.

Expired sessions (`django_session`) are deleted by the same daily run, as Django's
`clearsessions` does (`expired_sessions_clear`); nothing else would delete them.

Run by `openkommune run_retention` (and its task) once a day. Each run that changes anything
writes one audit record `retention.login_data` with the counts and logs them; a second run
finds nothing more to do.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from openkommune.accounts.models import ThrottleHit
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from openkommune.tenancy.services import audit_record_redact

logger = logging.getLogger(__name__)

LOCKED_ACTION = "login.locked"
RUN_ACTION = "retention.login_data"


@dataclass(frozen=True)
class LoginDataRetention:
    cutoff: datetime.datetime
    throttle_hits: int  # deleted (or due, in a dry run)
    locked_records: int  # client address removed (or due)

    @property
    def changed(self) -> int:
        return self.throttle_hits + self.locked_records


def login_data_cutoff(today: datetime.date) -> datetime.datetime:
    """Start of the day `OPENKOMMUNE_LOGIN_DATA_RETENTION_DAYS` before `today`."""
    day = today - datetime.timedelta(days=settings.LOGIN_DATA_RETENTION_DAYS)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _records_with_address(cutoff: datetime.datetime):
    records = AuditRecord.objects.filter(
        action=LOCKED_ACTION, created_at__lt=cutoff, after__has_key="client"
    ).order_by("pk")
    return [record for record in records if record.after.get("client") is not None]


def login_data_retention(*, today: datetime.date, dry_run: bool) -> LoginDataRetention:
    """Delete old throttle counts and remove client addresses from old `login.locked`
    records; a dry run only counts. Audited and logged when anything changed."""
    cutoff = login_data_cutoff(today)
    with scopes_disabled(), transaction.atomic():
        hits = ThrottleHit.objects.filter(created_at__lt=cutoff)
        records = _records_with_address(cutoff)
        if dry_run:
            return LoginDataRetention(cutoff, hits.count(), len(records))
        deleted, _by_model = hits.delete()
        for record in records:
            audit_record_redact(record, keys=["client"])
        result = LoginDataRetention(cutoff, deleted, len(records))
        if result.changed:
            # Written directly (not `audit_record`): the run has no single object.
            AuditRecord(
                tenant=None,
                actor=None,
                action=RUN_ACTION,
                object_type=ThrottleHit._meta.label_lower,
                object_id=cutoff.date().isoformat(),
                after={
                    "older_than": cutoff.isoformat(),
                    "throttle_hits_deleted": result.throttle_hits,
                    "login_locked_addresses_removed": result.locked_records,
                },
            ).save()
            logger.info(
                "Login data retention: %d throttle counts deleted, client address removed "
                "from %d login.locked audit records (older than %s).",
                result.throttle_hits,
                result.locked_records,
                cutoff.date().isoformat(),
            )
    return result


def expired_sessions_clear(*, dry_run: bool) -> int:
    """Delete expired sessions, what Django's `clearsessions` command does (through the
    configured session engine); returns how many were (or, in a dry run, are) due. Expired
    sessions are logins and anonymous API callers' secrets that no cookie can use any more."""
    expired = Session.objects.filter(expire_date__lt=timezone.now())
    count = expired.count()
    if not dry_run:
        import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
        if count:
            logger.info("Session retention: %d expired sessions deleted.", count)
    return count
