"""The one outbox for e-mails the platform owes someone: rendering, queueing, retries.

An app records what it owes in the transaction of the change (its own row, e.g.
`submissions.NotificationLog` or `procurement.OrderMail`, or only the job's ids), and
`core.jobs.enqueue_on_commit` queues the app's job (declared with `core.jobs.job`) once that
transaction commits. The job sends with `deliver_row` (or, without a row,
`attempt_failed` for a failed send): a failed send is retried with backoff (1, 4, 16,
64 minutes) and given up after `MAX_ATTEMPTS`; a row that gave up is `failed` and listed in
the admin (`OutboxAdminMixin`) for cooperative staff, who can start a new round. Delivery is
at least once: a crash between the mail server's "accepted" and our commit can send twice.

Jobs are found by name (`core.jobs`), so a service never imports its app's `tasks` module.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone, translation

from openkommune.core import jobs

logger = logging.getLogger(__name__)

PLATFORM_NAME = "OpenKommune"
MAX_ATTEMPTS = 5
RETRY_BASE_SECONDS = 60

# Status values every outbox row uses (apps' TextChoices share them).
PENDING = "pending"
SENT = "sent"
FAILED = "failed"


def retry_delay(attempts: int) -> datetime.timedelta:
    """Wait after failed attempt `attempts` (1-based): 1, 4, 16, 64 minutes."""
    return datetime.timedelta(seconds=RETRY_BASE_SECONDS * 4 ** (attempts - 1))


# --- rendering ------------------------------------------------------------------------------


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


# --- sending (in the job) ---------------------------------------------------------------------


def error_text(error: Exception, limit: int = 2000) -> str:
    return f"{type(error).__name__}: {error}"[:limit]


def attempt_failed(
    *, job: str, args: tuple, attempt: int, error: Exception, label: str
) -> datetime.datetime | None:
    """After failed attempt `attempt` (1-based): queue `job(*args)` for the next attempt
    after the backoff and return its time, or log the give-up as an error and return None
    when the attempts are used up."""
    detail = error_text(error)
    if attempt >= MAX_ATTEMPTS:
        logger.error("%s given up after %d attempts: %s", label, attempt, detail)
        return None
    run_after = timezone.now() + retry_delay(attempt)
    logger.warning(
        "%s attempt %d failed, next at %s: %s", label, attempt, run_after.isoformat(), detail
    )
    jobs.enqueue_on_commit(job, *args, run_after=run_after)
    return run_after


def deliver_row(row, build: Callable[[object], EmailMessage], *, job: str, args: tuple, label: str):
    """Send the e-mail of an outbox row (locked by the caller, status `pending`): count the
    attempt, then mark it `sent`, or schedule the retry, or mark it `failed`. Returns the
    status. Never raises for a failed send (templates, attachments or the mail server)."""
    row.attempts += 1
    try:
        build(row).send()
    except Exception as error:  # any failure: retried, then visible in the admin
        row.last_error = error_text(error)
        row.next_attempt_at = attempt_failed(
            job=job, args=args, attempt=row.attempts, error=error, label=label
        )
        row.status = PENDING if row.next_attempt_at else FAILED
        row.save()
        return row.status
    row.status = SENT
    row.sent_at = timezone.now()
    row.next_attempt_at = None
    row.last_error = ""
    row.save()
    return row.status


def restart_row(row) -> None:
    """Give a row that gave up a new round of attempts (the caller saves and enqueues)."""
    row.status = PENDING
    row.attempts = 0
    row.next_attempt_at = None
