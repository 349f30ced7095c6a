"""The one outbox for e-mails the platform owes someone: rendering, queueing, retries.

Every e-mail is an `OutboxMail` row (`core.outbox_models`), created with `owe` in the
transaction of the change that owes it; the job `core.outbox_send` (ids only) sends it once
that transaction commits. The text is rendered when it is sent, in German, by the builder
its kind registered (`register`), so no link with a secret token is ever stored. A failed
send is retried with backoff (1, 4, 16, 64 minutes) and given up after `MAX_ATTEMPTS`: the
row is `failed`, logged as an error and listed for cooperative staff in the admin
(`core.admin`), who can start a new round (`retry`, audited).

Sending is idempotent: the job locks the row (`select_for_update`) and sends only a
`pending` one, so a job that runs twice sends once. Delivery is at least once: a crash
between the mail server's "accepted" and our commit can send twice.

Audit records are written by `tenancy` (core sits below it): `mail_event` carries the
action (`<the kind's audit prefix>.sent|failed|retry`), and `tenancy` records it.

Retention: rows go with their subject (the subject's model declares a `GenericRelation` to
`OutboxMail`), and `forget` deletes the rows about a subject that is kept but anonymised.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.dispatch import Signal
from django.template.loader import render_to_string
from django.utils import timezone, translation

from openkommune.core import jobs
from openkommune.core.outbox_models import OutboxMail, OutboxStatus

logger = logging.getLogger(__name__)

PLATFORM_NAME = "OpenKommune"
MAX_ATTEMPTS = 5
RETRY_BASE_SECONDS = 60
# The job of `core.tasks`, found by name (`core.jobs`).
SEND_JOB = "core.outbox_send"

# Sent with `row`, `action` ("<audit prefix>.<event>"), `actor` and `after` (no personal
# data); `tenancy` turns it into an audit record.
mail_event = Signal()

PENDING = OutboxStatus.PENDING
SENT = OutboxStatus.SENT
FAILED = OutboxStatus.FAILED
NO_ADDRESS = OutboxStatus.NO_ADDRESS


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
) -> tuple[OutboxMail, bool]:
    """Record an e-mail owed and send it after the commit. With `dedupe_key` a second call
    returns the first row (created False). Without a recipient the row is `no_address` and
    nothing is sent."""
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
        "status": PENDING if recipient else NO_ADDRESS,
    }
    if dedupe_key:
        row, created = OutboxMail.objects.get_or_create(dedupe_key=dedupe_key, defaults=fields)
    else:
        row, created = OutboxMail.objects.create(**fields), True
    if created and row.status == PENDING:
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


def error_text(error: Exception, row: OutboxMail | None = None, limit: int = 2000) -> str:
    """The error for the row and the log: type and text, without the row's addresses (mail
    servers quote them) and without the mail server's password."""
    text = f"{type(error).__name__}: {error}"
    hidden = [getattr(settings, "EMAIL_HOST_PASSWORD", "")]
    if row is not None:
        hidden += [row.recipient, row.copy_to]
    for value in filter(None, hidden):
        text = text.replace(value, "…")
    return text[:limit]


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
    server): it records the attempt and schedules the next one, or gives up."""
    with transaction.atomic():
        row = OutboxMail.objects.select_for_update().filter(public_id=public_id).first()
        if row is None:
            return "missing"
        if row.status != PENDING:
            return row.status
        row.attempts += 1
        label = f"E-mail {row.public_id} ({row.kind})"
        try:
            kind = _KINDS[row.kind]
            kind.build(row).send()
        except Exception as error:  # any failure: retried, then visible in the admin
            _attempt_failed(row, error, label)
            return row.status
        row.status = SENT
        row.sent_at = timezone.now()
        row.next_attempt_at = None
        row.last_error = ""
        row.save()
        _event(row, "sent")
        return row.status


def _attempt_failed(row: OutboxMail, error: Exception, label: str) -> None:
    row.last_error = error_text(error, row)
    if row.attempts >= MAX_ATTEMPTS:
        logger.error("%s given up after %d attempts: %s", label, row.attempts, row.last_error)
        row.status = FAILED
        row.next_attempt_at = None
        row.save()
        # Only the error's type: the audit record is immutable and outlives the row.
        _event(row, "failed", error=type(error).__name__)
        return
    row.next_attempt_at = timezone.now() + retry_delay(row.attempts)
    logger.warning(
        "%s attempt %d failed, next at %s: %s",
        label,
        row.attempts,
        row.next_attempt_at.isoformat(),
        row.last_error,
    )
    row.save()
    jobs.enqueue_on_commit(SEND_JOB, str(row.public_id), run_after=row.next_attempt_at)


# --- staff's new round (admin) -------------------------------------------------------------------


def retry(row: OutboxMail, *, actor) -> OutboxMail:
    """Give an e-mail that failed, or had no address, a new round of attempts (audited).
    Kinds that can read the address again do so, so staff can correct it first; a row still
    without an address stays as it is."""
    with transaction.atomic():
        row = OutboxMail.objects.select_for_update().get(pk=row.pk)
        if row.status not in (FAILED, NO_ADDRESS):
            return row
        kind = kind_of(row)
        if kind is not None and kind.current_recipient is not None:
            row.recipient = (kind.current_recipient(row) or "").strip()
        if not row.recipient:
            return row
        row.status = PENDING
        row.attempts = 0
        row.next_attempt_at = None
        row.save()
        _event(row, "retry", actor=actor)
        jobs.enqueue_on_commit(SEND_JOB, str(row.public_id))
        return row
