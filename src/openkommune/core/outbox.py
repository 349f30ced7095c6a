"""The one outbox for e-mails the platform owes someone: rendering, queueing, retries.

Every e-mail is an `OutboxMail` row (`core.outbox_models`), created with `owe` in the
transaction of the change that owes it. Where jobs wait in the database (django_tasks_db,
production), nothing else is written: the job workers drain the outbox (`drain`, in each
`openkommune job_worker`, ADR 0027) — per poll they claim up to
`settings.OUTBOX_BATCH_SIZE` ready rows with one `SELECT … FOR UPDATE SKIP LOCKED` and one
UPDATE, send them over one connection to the mail server and record the sent ones with one
UPDATE and one INSERT of their audit records. With other task back ends (the immediate one
of tests and `make run`) the job `core.outbox_send` (ids only) sends the row after the
commit (`deliver`, the same path for a batch of one). The text is rendered when it is sent,
in German, by the builder its kind registered (`register`), so no link with a secret token
is ever stored. A failed send is retried with backoff (1, 4, 16, 64 minutes: the row waits
with `next_attempt_at`) and given up after `MAX_ATTEMPTS`: the row is `failed`, logged as an
error and listed for cooperative staff in the admin (`core.admin`), who can start a new
round (`retry`, audited).

Sending holds no transaction while it talks to the mail server (on SQLite a transaction
that writes locks the whole database): a claim is one short transaction (`pending` →
`sending`, `claimed_until` = now + `settings.OUTBOX_CLAIM_SECONDS`, the attempt counted),
the e-mails are built (with the order PDF) and sent outside any transaction, and the
outcome is recorded in a second short transaction. Only one claimant can hold a row (rows
locked by another drainer are skipped on PostgreSQL; SQLite, without SKIP LOCKED, claims
each row with its own conditional UPDATE), so a row is sent once per claim. A batch sends
only in the first half of its claim and releases the rows it did not try (uncounted).

Delivery is at least once, never silently lost: a worker that dies after claiming (killed,
machine down) leaves `sending` rows whose claim expires; they are claimed again (`drain`,
`deliver`, `sweep`) and sent again while attempts are left, else they become `failed`. An
e-mail the dead worker had already handed to the mail server (before the batch was
recorded) reaches its recipient twice; we accept that rather than lose an e-mail nobody
would notice. A pending row nobody sends (a lost job of the immediate back end) is queued
again by `sweep` (`openkommune outbox_sweep`, on the job workers' schedule).

Audit records are written by `tenancy` (core sits below it): `mail_events` carries the
events (`<the kind's audit prefix>.sent|failed|retry`), a batch's in one signal, and
`tenancy` records them (one INSERT).

Retention: rows go with their subject (the subject's model declares a `GenericRelation` to
`OutboxMail`; `owe` refuses a subject whose model does not), and `forget` deletes the rows
about a subject that is kept but anonymised.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.db.models import F, Q
from django.dispatch import Signal
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from openkommune.core import jobs
from openkommune.core.inserts import insert_rows
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


@dataclass(frozen=True)
class MailEvent:
    row: OutboxMail
    action: str  # "<the kind's audit prefix>.<event>"
    actor: object  # the person who started it, or None (the system)
    after: dict  # no personal data


# Sent with `events` (a list of `MailEvent`); `tenancy` turns them into audit records.
mail_events = Signal()


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
    # Optional: what the e-mails of several rows of this kind show, read at once for a
    # drained batch (one query instead of one per row): row pk -> data, passed to `build`
    # as `loaded=`. A row missing from the map (or a load that failed) is built with
    # `loaded=None`, and `build` reads it itself.
    load: Callable[[list[OutboxMail]], dict[int, object]] | None = None


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
    if subject is not None and not _deletes_its_mails(type(subject)):
        raise TypeError(
            f"{type(subject).__name__} declares no GenericRelation to OutboxMail: its "
            "e-mails (with their addresses) would outlive it (core.outbox, Retention)."
        )
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
        row = OutboxMail(dedupe_key=dedupe_key or None, **fields)
        insert_rows([row])
        created = True
    if created and row.status == OutboxStatus.PENDING:
        _schedule(row)
    return row, created


@functools.cache
def _deletes_its_mails(model: type[models.Model]) -> bool:
    """Whether deleting an instance of `model` deletes the outbox rows about it."""
    return any(
        isinstance(field, GenericRelation) and field.related_model is OutboxMail
        for field in model._meta.private_fields
    )


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
    _events([(row, event, actor, after)])


def _events(events: list[tuple[OutboxMail, str, object, dict]]) -> None:
    """Signal the events (row, event, actor, extra `after` fields) at once: `tenancy` writes
    their audit records in one INSERT, in the caller's transaction."""
    if not events:
        return
    records = []
    for row, event, actor, after in events:
        kind = kind_of(row)
        prefix = kind.audit if kind else "outbox"
        records.append(
            MailEvent(
                row=row,
                action=f"{prefix}.{event}",
                actor=actor,
                after={"kind": row.kind, "status": row.status, "attempts": row.attempts, **after},
            )
        )
    mail_events.send(sender=OutboxMail, events=records)


def drained_by_workers() -> bool:
    """Whether the job workers drain the outbox (`drain`): jobs wait in the database, so job
    workers run. Else each row is sent by its job `core.outbox_send` after the commit."""
    return jobs.waits_in_database(SEND_JOB)


def _schedule(row: OutboxMail, *, run_after: datetime.datetime | None = None) -> None:
    """See that the pending row will be sent (at `run_after` at the earliest): the drainers
    find it by its status and `next_attempt_at`; other back ends run its job."""
    if not drained_by_workers():
        jobs.enqueue_on_commit(SEND_JOB, str(row.public_id), run_after=run_after)


@dataclass(frozen=True)
class DrainReport:
    claimed: int = 0
    sent: int = 0
    failed: int = 0  # attempts that failed (a retry is planned, or the row gave up)
    released: int = 0  # claimed but not tried (the claim's time ran short or a stop), uncounted

    def __str__(self) -> str:
        return (
            f"claimed={self.claimed} sent={self.sent} failed={self.failed} released={self.released}"
        )


def _claimable(now: datetime.datetime) -> Q:
    """A `pending` row that is due, or a `sending` one whose claim expired (its claimant
    died) while attempts are left."""
    return Q(status=OutboxStatus.PENDING) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    ) | Q(status=OutboxStatus.SENDING, claimed_until__lt=now, attempts__lt=MAX_ATTEMPTS)


def _claim_fields(now: datetime.datetime) -> dict:
    return {
        "status": OutboxStatus.SENDING,
        "claimed_until": now + datetime.timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS),
        "attempts": F("attempts") + 1,
        "updated_at": now,
    }


def _claimed(rows: list[OutboxMail], fields: dict) -> list[OutboxMail]:
    """The rows as the claim's UPDATE left them (without reading them again)."""
    for row in rows:
        row.status = fields["status"]
        row.claimed_until = fields["claimed_until"]
        row.attempts += 1
        row.updated_at = fields["updated_at"]
    return rows


def drain(*, limit: int | None = None, stopping: Callable[[], bool] | None = None) -> DrainReport:
    """Send up to `limit` (`settings.OUTBOX_BATCH_SIZE`) ready e-mails: claim them, send
    them over one connection to the mail server, record the outcome. Called by the job
    workers' drainer (`core.worker.OutboxDrainer`) outside any transaction; any number of
    drainers may run at once. `stopping()` true: the rows not yet tried are released."""
    limit = limit or settings.OUTBOX_BATCH_SIZE
    now = timezone.now()
    fields = _claim_fields(now)
    ready = OutboxMail.objects.filter(_claimable(now)).order_by("pk")
    if transaction.get_connection().features.has_select_for_update_skip_locked:
        # Rows another drainer holds are skipped, not waited for: one claim per row.
        with transaction.atomic():
            rows = list(ready.select_for_update(skip_locked=True)[:limit])
            if rows:
                OutboxMail.objects.filter(pk__in=[row.pk for row in rows]).update(**fields)
    else:
        # SQLite: no SKIP LOCKED. Each row is taken by a conditional UPDATE of its own; of
        # two drainers that read the same candidates, only one changes a row.
        candidates = list(ready.values_list("pk", flat=True)[:limit])
        taken = [
            pk
            for pk in candidates
            if OutboxMail.objects.filter(_claimable(now), pk=pk).update(**fields)
        ]
        rows = list(OutboxMail.objects.filter(pk__in=taken).order_by("pk")) if taken else []
        return _send_claimed(rows, now=now, stopping=stopping)[0]
    return _send_claimed(_claimed(rows, fields), now=now, stopping=stopping)[0]


def deliver(public_id: str) -> str:
    """Send the e-mail of a row now, once (the job `core.outbox_send`; a batch of one).
    Returns the row's status afterwards ("missing" when the row is gone). Never raises for
    a failed send (builder, attachments or mail server): it records the attempt and plans
    the next one, or gives up.

    Call it outside a transaction (the job does): it claims the row, builds and sends
    without holding a transaction, and records the outcome in a short one."""
    row, status = _claim(public_id)
    if row is None:
        return status
    return _send_claimed([row], now=row.updated_at)[1].get(row.pk, row.status)


def _claim(public_id: str) -> tuple[OutboxMail | None, str]:
    """Claim the row in one UPDATE (`_claimable`, whether due or not: its job runs when it
    is due). Counts the attempt."""
    now = timezone.now()
    claimable = Q(status=OutboxStatus.PENDING) | Q(
        status=OutboxStatus.SENDING, claimed_until__lt=now, attempts__lt=MAX_ATTEMPTS
    )
    claimed = OutboxMail.objects.filter(claimable, public_id=public_id).update(**_claim_fields(now))
    row = OutboxMail.objects.filter(public_id=public_id).first()
    if row is None:
        return None, "missing"
    if not claimed:
        return None, row.status
    return row, row.status


def _send_claimed(
    rows: list[OutboxMail],
    *,
    now: datetime.datetime,
    stopping: Callable[[], bool] | None = None,
) -> tuple[DrainReport, dict[int, str]]:
    """Build and send the claimed rows over one connection to the mail server, outside any
    transaction, then record the outcome: the sent rows with one UPDATE (and their audit
    records with one INSERT), each failed attempt on its own (rare: backoff or give-up).
    Rows not tried — the batch stops once half of its claim has passed, or when `stopping()`
    — are released uncounted. Returns the report and each row's status afterwards."""
    if not rows:
        return DrainReport(), {}
    # Sending stops in time: the rest of the claim is left for the last send's time-outs.
    send_until = now + datetime.timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS / 2)
    sent: list[OutboxMail] = []
    failures: list[tuple[OutboxMail, Exception]] = []
    untried: list[OutboxMail] = []
    mailer = mail.mailers.default
    loaded = _load(rows)
    try:
        for row in rows:
            if untried or timezone.now() >= send_until or (stopping is not None and stopping()):
                untried.append(row)
                continue
            try:
                kind = _KINDS[row.kind]
                if kind.load is None:
                    message = kind.build(row)
                else:
                    message = kind.build(row, loaded=loaded.get(row.pk))
                # One connection for the batch: opened once (again after a failure).
                mailer.open()
                mailer.send_messages([message])
            except Exception as error:  # any failure: retried, then visible in the admin
                failures.append((row, error))
                with contextlib.suppress(Exception):
                    mailer.close()
            else:
                sent.append(row)
    finally:
        with contextlib.suppress(Exception):
            mailer.close()
    statuses = _record_sent(sent)
    for row, error in failures:
        statuses[row.pk] = _attempt_failed(row, error, f"E-mail {row.public_id} ({row.kind})")
    statuses |= _release(untried)
    report = DrainReport(
        claimed=len(rows), sent=len(sent), failed=len(failures), released=len(untried)
    )
    return report, statuses


def _load(rows: list[OutboxMail]) -> dict[int, object]:
    """What the kinds with a `load` read for their rows of the batch, at once per kind. A
    load that fails is logged and left to the builders (each row then fails or succeeds
    on its own, as without it)."""
    by_kind: dict[str, list[OutboxMail]] = {}
    for row in rows:
        kind = _KINDS.get(row.kind)
        if kind is not None and kind.load is not None:
            by_kind.setdefault(row.kind, []).append(row)
    loaded: dict[int, object] = {}
    for name, kind_rows in by_kind.items():
        try:
            loaded |= _KINDS[name].load(kind_rows)
        except Exception:  # the builders read their rows themselves
            logger.exception("Reading the batch of %s e-mails failed; built one by one.", name)
    return loaded


def _record_sent(rows: list[OutboxMail]) -> dict[int, str]:
    """Record the sends. An e-mail that went out is `sent` even if its claim expired
    meanwhile; of two claimants that sent it, the first to record it writes the audit
    record. One UPDATE for the batch, in one short transaction with the audit INSERT."""
    if not rows:
        return {}
    now = timezone.now()
    with transaction.atomic():
        recorded = (
            OutboxMail.objects.filter(pk__in=[row.pk for row in rows])
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
        mine = rows
        if recorded != len(rows):
            # Another claimant recorded some of them first (our claim had expired): the
            # rows this UPDATE changed carry its time.
            ours = set(
                OutboxMail.objects.filter(pk__in=[row.pk for row in rows], sent_at=now).values_list(
                    "pk", flat=True
                )
            )
            mine = [row for row in rows if row.pk in ours]
        for row in mine:
            row.status = OutboxStatus.SENT
            row.sent_at = now
            row.next_attempt_at = row.claimed_until = None
            row.last_error = ""
        _events([(row, "sent", None, {}) for row in mine])
    return {row.pk: OutboxStatus.SENT for row in rows}


def _release(rows: list[OutboxMail]) -> dict[int, str]:
    """Give back claimed rows that were not tried: `pending` again, the attempt uncounted."""
    if not rows:
        return {}
    # The rows of one claim share its `claimed_until`; a row claimed anew since is left.
    released = OutboxMail.objects.filter(
        pk__in=[row.pk for row in rows],
        status=OutboxStatus.SENDING,
        claimed_until=rows[0].claimed_until,
    ).update(
        status=OutboxStatus.PENDING,
        claimed_until=None,
        attempts=F("attempts") - 1,
        updated_at=timezone.now(),
    )
    logger.info("Outbox: %d of %d claimed e-mails released untried", released, len(rows))
    return {row.pk: OutboxStatus.PENDING for row in rows}


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
        _schedule(row, run_after=row.next_attempt_at)
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
    """Mark the pending row as due now and queue its job (after the commit; the drainers
    need none)."""
    marked = OutboxMail.objects.filter(pk=pk, status=OutboxStatus.PENDING).update(
        next_attempt_at=now, updated_at=now
    )
    if marked and not drained_by_workers():
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
        _schedule(row)
        return row
