"""The one outbox for e-mails the platform owes someone: rendering, queueing, retries.

Every e-mail is an `OutboxMail` row (`core.outbox_models`), created with `owe` in the
transaction of the change that owes it; the job `core.outbox_send` (ids only) sends it once
that transaction commits. The text is rendered when it is sent, in German, by the builder
its kind registered (`register`), so no link with a secret token is ever stored. A failed
send is retried with backoff (1, 4, 16, 64 minutes) and given up after `MAX_ATTEMPTS`: the
row is `failed`, logged as an error and listed for cooperative staff in the admin
(`core.admin`), who can start a new round (`retry`, audited).

Sending holds no transaction while it talks to the mail server (on SQLite a transaction
that writes locks the whole database): `deliver` claims the row in one short UPDATE
(`pending` → `sending`, `claimed_until` = now + `settings.OUTBOX_CLAIM_SECONDS`, the
attempt counted), builds the e-mail (with the order PDF) and sends it outside any
transaction, then records the outcome in a second short transaction. Only one job can
claim a row, so a job that runs twice sends once.

Delivery is at least once, never silently lost: a job that dies after claiming (worker
killed, machine down) leaves a `sending` row whose claim expires; it is claimed again
(`deliver`, `sweep`) and sent again while attempts are left, else it becomes `failed`.
If the dead job had already handed the e-mail to the mail server, the recipient gets it
twice; we accept that rather than lose an e-mail nobody would notice. A row whose job was
lost stays `pending`: `sweep` (`openkommune outbox_sweep`, run every few minutes) queues it
again. (On the database queue the job's row is written in the same transaction as the
e-mail's row, `jobs.enqueue_on_commit`, so none is lost between the commit and queueing.)

Audit records are written by `tenancy` (core sits below it): `mail_event` carries the
action (`<the kind's audit prefix>.sent|failed|retry`), and `tenancy` records it.

Retention: rows go with their subject (the subject's model declares a `GenericRelation` to
`OutboxMail`), and `forget` deletes the rows about a subject that is kept but anonymised.
"""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.db.models import F, Q
from django.dispatch import Signal
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from openkommune.core import jobs
from openkommune.core.outbox_models import OutboxMail, OutboxStatus

logger = logging.getLogger(__name__)

PLATFORM_NAME = "OpenKommune"
MAX_ATTEMPTS = 5
RETRY_BASE_SECONDS = 60
# The job of `core.tasks`, found by name (`core.jobs`).
SEND_JOB = "core.outbox_send"
# How long a job's claim on a row holds is `settings.OUTBOX_CLAIM_SECONDS`
# (OPENKOMMUNE_OUTBOX_CLAIM_SECONDS, 15 minutes): far longer than building the e-mail and a
# send whose every network step may take OPENKOMMUNE_EMAIL_TIMEOUT; an expired claim means
# the job died.
# `sweep` queues a pending row again once its attempt is this long overdue (its job lost).
SWEEP_GRACE_SECONDS = 5 * 60

# Sent with `row`, `action` ("<audit prefix>.<event>"), `actor` and `after` (no personal
# data); `tenancy` turns it into an audit record.
mail_event = Signal()


def retry_delay(attempts: int) -> datetime.timedelta:
    """Wait after failed attempt `attempts` (1-based): 1, 4, 16, 64 minutes."""
    return datetime.timedelta(seconds=RETRY_BASE_SECONDS * 4 ** (attempts - 1))


# --- kinds ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    name: str
    # The e-mail of a row (called in the job; the builder activates its tenant's scope).
    build: Callable[[OutboxMail], EmailMessage]
    # Prefix of the audit actions ("notification" -> "notification.sent").
    audit: str
    # What staff see in the admin: the kind's German name and the subject's reference.
    label: str
    reference: Callable[[OutboxMail], str] = lambda row: ""
    # The subject's current address, read again when staff start a new round (None: keep).
    current_recipient: Callable[[OutboxMail], str] | None = None


_KINDS: dict[str, Kind] = {}


def register(name: str, **fields) -> Kind:
    """Declare the kind of e-mail `name` ("<app>.<name>"); see `Kind`."""
    kind = Kind(name=name, **fields)
    _KINDS[name] = kind
    return kind


def kind_of(row: OutboxMail) -> Kind | None:
    return _KINDS.get(row.kind)


# --- rendering --------------------------------------------------------------------------------


def render_email(
    template: str,
    context: dict,
    *,
    to: Iterable[str],
    cc: Iterable[str] = (),
    reply_to: Iterable[str] = (),
    attachments: Iterable[tuple[str, bytes, str]] = (),
) -> EmailMessage:
    """The e-mail from `<template>_subject.txt` and `<template>_body.txt`, rendered in German
    (jobs run without a request, so no locale is active) with `platform_name` in the context."""
    context = {"platform_name": PLATFORM_NAME, **context}
    with translation.override("de"):
        subject = render_to_string(f"{template}_subject.txt", context)
        body = render_to_string(f"{template}_body.txt", context)
    message = EmailMessage(
        subject=" ".join(subject.split()),
        body=body.strip() + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=list(to),
        cc=list(cc),
        reply_to=list(reply_to),
    )
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    return message


# --- owing (inside the transaction of the change) ------------------------------------------------


def owe(
    *,
    kind: str,
    tenant,
    subject: models.Model | None,
    recipient: str,
    copy_to: str = "",
    base_url: str = "",
    dedupe_key: str | None = None,
    new_subject: bool = False,
) -> tuple[OutboxMail, bool]:
    """Record an e-mail owed and send it after the commit. With `dedupe_key` a second call
    returns the first row (created False). Without a recipient the row is `no_address` and
    nothing is sent. `new_subject`: the dedupe key names a subject inserted in the caller's
    (uncommitted) transaction, so no row can hold it yet: inserted without the look-up (a
    duplicate would still fail the transaction on the unique key)."""
    if kind not in _KINDS:
        raise ValueError(f"Unknown e-mail kind {kind!r}.")
    recipient = (recipient or "").strip()
    fields = {
        "tenant": tenant,
        "kind": kind,
        "subject_type": ContentType.objects.get_for_model(subject) if subject else None,
        "subject_id": subject.pk if subject else None,
        "recipient": recipient,
        "copy_to": (copy_to or "").strip(),
        "base_url": (base_url or "")[:200],
        "status": OutboxStatus.PENDING if recipient else OutboxStatus.NO_ADDRESS,
    }
    if dedupe_key and not new_subject:
        row, created = OutboxMail.objects.get_or_create(dedupe_key=dedupe_key, defaults=fields)
    else:
        row = OutboxMail.objects.create(dedupe_key=dedupe_key or None, **fields)
        created = True
    if created and row.status == OutboxStatus.PENDING:
        jobs.enqueue_on_commit(SEND_JOB, str(row.public_id))
    return row, created


def mails_about(subject: models.Model) -> models.QuerySet:
    """The outbox rows about `subject` (the caller reached it in its tenant's scope)."""
    return OutboxMail.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk
    )


def forget(subjects: Iterable[models.Model]) -> int:
    """Delete the outbox rows about `subjects`, with their addresses (retention)."""
    deleted = 0
    for subject in subjects:
        deleted += mails_about(subject).delete()[0]
    return deleted


# --- sending (the job) -------------------------------------------------------------------------


# Any e-mail address in a mail server's answer (also `<addr>`, quoted or escaped in bytes).
EMAIL_ADDRESS = re.compile(r"[\w.!#$%&'*+/=?^`{|}~\\-]+@[\w-]+(?:\.[\w-]+)+")
ADDRESS_PLACEHOLDER = "[E-Mail-Adresse]"


def _mail_server_passwords() -> list[str]:
    """The passwords of the mail servers (Django 6.1 `MAILERS`, option "password")."""
    mailers = (getattr(settings, "MAILERS", None) or {}).values()
    passwords = [((mailer or {}).get("OPTIONS") or {}).get("password") for mailer in mailers]
    return [str(password) for password in passwords if password]


def error_text(error: Exception, row: OutboxMail | None = None, limit: int = 2000) -> str:
    """The error for the row and the log: type and text, without any e-mail address (mail
    servers quote the recipients, in any case and form) and without the mail server's
    password."""
    text = f"{type(error).__name__}: {error}"
    for password in _mail_server_passwords():
        text = re.sub(re.escape(password), "…", text, flags=re.IGNORECASE)
    if row is not None:
        for address in filter(None, (row.recipient, row.copy_to)):
            text = re.sub(re.escape(address), ADDRESS_PLACEHOLDER, text, flags=re.IGNORECASE)
    return EMAIL_ADDRESS.sub(ADDRESS_PLACEHOLDER, text)[:limit]


def _event(row: OutboxMail, event: str, *, actor=None, **after) -> None:
    kind = kind_of(row)
    prefix = kind.audit if kind else "outbox"
    mail_event.send(
        sender=OutboxMail,
        row=row,
        action=f"{prefix}.{event}",
        actor=actor,
        after={"kind": row.kind, "status": row.status, "attempts": row.attempts, **after},
    )


def deliver(public_id: str) -> str:
    """Send the e-mail of a row now, once. Returns the row's status afterwards ("missing"
    when the row is gone). Never raises for a failed send (builder, attachments or mail
    server): it records the attempt and schedules the next one, or gives up.

    Call it outside a transaction (the job does): it claims the row, builds and sends
    without holding a transaction, and records the outcome in a short one."""
    row, status = _claim(public_id)
    if row is None:
        return status
    label = f"E-mail {row.public_id} ({row.kind})"
    try:
        kind = _KINDS[row.kind]
        kind.build(row).send()
    except Exception as error:  # any failure: retried, then visible in the admin
        return _attempt_failed(row, error, label)
    return _sent(row)


def _claim(public_id: str) -> tuple[OutboxMail | None, str]:
    """Claim the row for this job in one UPDATE: a `pending` row, or a `sending` one whose
    claim expired (its job died) while attempts are left. Counts the attempt."""
    now = timezone.now()
    claimable = Q(status=OutboxStatus.PENDING) | Q(
        status=OutboxStatus.SENDING, claimed_until__lt=now, attempts__lt=MAX_ATTEMPTS
    )
    claimed = OutboxMail.objects.filter(claimable, public_id=public_id).update(
        status=OutboxStatus.SENDING,
        claimed_until=now + datetime.timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS),
        attempts=F("attempts") + 1,
        updated_at=now,
    )
    row = OutboxMail.objects.filter(public_id=public_id).first()
    if row is None:
        return None, "missing"
    if not claimed:
        return None, row.status
    return row, row.status


def _sent(claimed: OutboxMail) -> str:
    """Record the send. The e-mail went out, so the row is `sent` even if its claim expired
    meanwhile (only the first job to record it writes the audit record): one conditional
    UPDATE decides which job that is, in one short transaction with its audit record."""
    now = timezone.now()
    with transaction.atomic():
        recorded = (
            OutboxMail.objects.filter(pk=claimed.pk)
            .exclude(status=OutboxStatus.SENT)
            .update(
                status=OutboxStatus.SENT,
                sent_at=now,
                next_attempt_at=None,
                claimed_until=None,
                last_error="",
                updated_at=now,
            )
        )
        if not recorded:
            status = OutboxMail.objects.filter(pk=claimed.pk).values_list("status", flat=True)
            return status.first() or "missing"
        claimed.status = OutboxStatus.SENT
        claimed.sent_at = now
        claimed.next_attempt_at = claimed.claimed_until = None
        claimed.last_error = ""
        _event(claimed, "sent")
        return claimed.status


def _attempt_failed(claimed: OutboxMail, error: Exception, label: str) -> str:
    """Record the failed attempt: schedule the next one, or give up after the last."""
    last_error = error_text(error, claimed)
    with transaction.atomic():
        row = OutboxMail.objects.select_for_update().filter(pk=claimed.pk).first()
        if row is None:
            return "missing"
        if row.status != OutboxStatus.SENDING or row.claimed_until != claimed.claimed_until:
            # Our claim expired and another job took the row over: it records the outcome.
            logger.warning("%s attempt failed after its claim expired: %s", label, last_error)
            return row.status
        row.last_error = last_error
        row.claimed_until = None
        if row.attempts >= MAX_ATTEMPTS:
            logger.error("%s given up after %d attempts: %s", label, row.attempts, last_error)
            row.status = OutboxStatus.FAILED
            row.next_attempt_at = None
            row.save()
            # Only the error's type: the audit record is immutable and outlives the row.
            _event(row, "failed", error=type(error).__name__)
            return row.status
        row.status = OutboxStatus.PENDING
        row.next_attempt_at = timezone.now() + retry_delay(row.attempts)
        logger.warning(
            "%s attempt %d failed, next at %s: %s",
            label,
            row.attempts,
            row.next_attempt_at.isoformat(),
            last_error,
        )
        row.save()
        jobs.enqueue_on_commit(SEND_JOB, str(row.public_id), run_after=row.next_attempt_at)
        return row.status


# --- the sweep (`openkommune outbox_sweep`, every few minutes) ----------------------------------


@dataclass(frozen=True)
class SweepReport:
    requeued: int  # pending rows whose job was lost or overdue, queued again
    reclaimed: int  # rows whose sending job died, queued again (may arrive twice)
    given_up: int  # rows whose sending job died on the last attempt: now `failed`


def sweep(*, now: datetime.datetime | None = None) -> SweepReport:
    """Queue again what no job will send: `pending` rows whose attempt is more than
    `SWEEP_GRACE_SECONDS` overdue (or, without a planned attempt, unchanged that long) and
    `sending` rows whose claim expired. A row whose dead job used the last attempt becomes
    `failed` (visible to staff). Each row queued is marked with `next_attempt_at` = now, so
    a row is queued at most once per grace period while no worker runs."""
    now = now or timezone.now()
    overdue = now - datetime.timedelta(seconds=SWEEP_GRACE_SECONDS)
    reclaimed = given_up = 0
    expired = OutboxMail.objects.filter(status=OutboxStatus.SENDING, claimed_until__lt=now)
    for pk, public_id in list(expired.values_list("pk", "public_id")):
        outcome = _release_expired(pk, now)
        if outcome == OutboxStatus.PENDING:
            reclaimed += _requeue(pk, public_id, now)
        given_up += outcome == OutboxStatus.FAILED
    stale = OutboxMail.objects.filter(status=OutboxStatus.PENDING).filter(
        Q(next_attempt_at__lte=overdue) | Q(next_attempt_at__isnull=True, updated_at__lte=overdue)
    )
    requeued = 0
    for pk, public_id in list(stale.values_list("pk", "public_id")):
        requeued += _requeue(pk, public_id, now)
    return SweepReport(requeued=requeued, reclaimed=reclaimed, given_up=given_up)


def _release_expired(pk: int, now: datetime.datetime) -> str | None:
    with transaction.atomic():
        row = (
            OutboxMail.objects.select_for_update()
            .filter(pk=pk, status=OutboxStatus.SENDING, claimed_until__lt=now)
            .first()
        )
        if row is None:
            return None
        label = f"E-mail {row.public_id} ({row.kind})"
        row.claimed_until = None
        row.last_error = _(
            "Versand abgebrochen: Der Vorgang endete während des Sendens (Frist abgelaufen)."
        )
        if row.attempts >= MAX_ATTEMPTS:
            logger.error("%s given up: its job died during the last attempt", label)
            row.status = OutboxStatus.FAILED
            row.next_attempt_at = None
            row.save()
            _event(row, "failed", error="ClaimExpired")
            return row.status
        logger.warning("%s: its job died while sending; sending again", label)
        row.status = OutboxStatus.PENDING
        row.save()
        return row.status


def _requeue(pk: int, public_id, now: datetime.datetime) -> int:
    """Mark the pending row as queued now and queue its job (after the commit)."""
    marked = OutboxMail.objects.filter(pk=pk, status=OutboxStatus.PENDING).update(
        next_attempt_at=now, updated_at=now
    )
    if marked:
        jobs.enqueue_on_commit(SEND_JOB, str(public_id))
    return marked


# --- staff's new round (admin) -------------------------------------------------------------------


def retry(row: OutboxMail, *, actor) -> OutboxMail:
    """Give an e-mail that failed, or had no address, a new round of attempts (audited).
    Kinds that can read the address again do so, so staff can correct it first; a row still
    without an address stays as it is."""
    with transaction.atomic():
        row = OutboxMail.objects.select_for_update().get(pk=row.pk)
        if row.status not in (OutboxStatus.FAILED, OutboxStatus.NO_ADDRESS):
            return row
        kind = kind_of(row)
        if kind is not None and kind.current_recipient is not None:
            row.recipient = (kind.current_recipient(row) or "").strip()
        if not row.recipient:
            return row
        row.status = OutboxStatus.PENDING
        row.attempts = 0
        row.next_attempt_at = None
        row.save()
        _event(row, "retry", actor=actor)
        jobs.enqueue_on_commit(SEND_JOB, str(row.public_id))
        return row
