"""The job workers' drainer of the outbox (ADR 0027): a batch of ready e-mails claimed at
once, sent over one connection to the mail server and recorded with one UPDATE; each
failure retried on its own; rows not tried given back; a claimant that dies after sending
makes the e-mail arrive twice once its claim expired (at least once, as documented); and
two drainers at once never send one e-mail twice.

The rows are of a kind of this test (no subject); the concurrency test commits them (each
drainer thread has its own connection) and deletes what it made afterwards."""

from __future__ import annotations

import datetime
import threading
import time

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from openkommune.core import outbox
from openkommune.core.models import OutboxMail, OutboxStatus
from openkommune.core.worker import OutboxDrainer
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled

KIND = "tests.drained_mail"
outbox.register(
    KIND,
    build=lambda row: EmailMessage("Test", "Text", to=[row.recipient]),
    audit="test_drained",
    label="Test",
)


class CountingBackend(EmailBackend):
    """The in-memory mail server, counting the connections opened and the messages sent
    per recipient; refuses the recipients in `refused`."""

    opened = 0
    senders: set[str] = set()
    refused: set[str] = set()
    delay = 0.0
    lock = threading.Lock()

    def open(self):
        if getattr(self, "_open", False):
            return False
        self._open = True
        with type(self).lock:
            type(self).opened += 1
        return True

    def close(self):
        self._open = False

    def send_messages(self, messages):
        assert getattr(self, "_open", False), "sent without an open connection"
        for message in messages:
            if set(message.to) & type(self).refused:
                raise ConnectionRefusedError("Empfänger abgelehnt (Test)")
        if type(self).delay:
            time.sleep(type(self).delay)
        with type(self).lock:
            type(self).senders.add(threading.current_thread().name)
            return super().send_messages(messages)


class Killed(BaseException):
    """The worker dies (kill -9) right after the mail server accepted the message."""


class DyingBackend(EmailBackend):
    def send_messages(self, messages):
        super().send_messages(messages)
        raise Killed


@pytest.fixture
def counting(settings):
    CountingBackend.opened = 0
    CountingBackend.senders = set()
    CountingBackend.refused = set()
    CountingBackend.delay = 0.0
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.CountingBackend"}}
    return CountingBackend


def _owe(count: int, prefix: str = "person") -> list[OutboxMail]:
    return [
        outbox.owe(kind=KIND, tenant=None, subject=None, recipient=f"{prefix}{n}@example.org")[0]
        for n in range(count)
    ]


def _statuses(rows) -> list[tuple[str, int]]:
    by_pk = dict(OutboxMail.objects.filter(pk__in=[r.pk for r in rows]).values_list("pk", "status"))
    return [by_pk[row.pk] for row in rows]


def _sent_records(rows) -> int:
    with scopes_disabled():
        return AuditRecord.objects.filter(
            action="test_drained.sent", object_id__in=[str(r.public_id) for r in rows]
        ).count()


def _sql(captured) -> list[str]:
    return [
        query["sql"]
        for query in captured.captured_queries
        if not query["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]


@pytest.mark.django_db
def test_a_batch_is_claimed_at_once_sent_over_one_connection_and_recorded_with_one_update(
    counting,
):
    rows = _owe(5)
    # The database queue (the default here): no job per e-mail, the drainers find the rows.
    assert not DBTaskResult.objects.exists()
    with CaptureQueriesContext(connection) as captured:
        report = outbox.drain(limit=3)
    assert report == outbox.DrainReport(claimed=3, sent=3)
    assert counting.opened == 1
    statements = _sql(captured)
    listing = "\n".join(statements)
    claims = [sql for sql in statements if sql.startswith('UPDATE "core_outboxmail"')]
    if connection.features.has_select_for_update_skip_locked:
        # PostgreSQL: one locked read (rows held by another drainer skipped), one UPDATE
        # claiming the batch, one UPDATE recording it, one INSERT of the audit records.
        assert len(statements) == 4, listing
        assert "FOR UPDATE SKIP LOCKED" in statements[0], listing
        assert len(claims) == 2, listing
    else:
        # SQLite: each row claimed by its own conditional UPDATE, then read; one UPDATE
        # recording the batch.
        assert len(claims) == 3 + 1, listing
    assert sum(sql.startswith('INSERT INTO "tenancy_auditrecord"') for sql in statements) == 1
    assert _statuses(rows) == ["sent"] * 3 + ["pending"] * 2
    assert _sent_records(rows) == 3

    assert outbox.drain(limit=3) == outbox.DrainReport(claimed=2, sent=2)
    assert outbox.drain(limit=3) == outbox.DrainReport()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.recipient for r in rows)
    for row in rows:
        row.refresh_from_db()
        assert (row.status, row.attempts, row.claimed_until) == ("sent", 1, None)
    assert _sent_records(rows) == 5


@pytest.mark.django_db
def test_a_refused_email_in_a_batch_is_retried_alone_and_the_rest_is_sent(counting):
    rows = _owe(3)
    counting.refused = {rows[1].recipient}
    assert outbox.drain() == outbox.DrainReport(claimed=3, sent=2, failed=1)
    # A failure closes the connection; the next e-mail opens a new one.
    assert counting.opened == 2
    assert _statuses(rows) == ["sent", "pending", "sent"]
    refused = OutboxMail.objects.get(pk=rows[1].pk)
    assert refused.attempts == 1
    assert refused.last_error.startswith("ConnectionRefusedError")
    assert refused.next_attempt_at > timezone.now() + datetime.timedelta(seconds=50)
    assert outbox.drain() == outbox.DrainReport()  # its next attempt is not due
    counting.refused = set()
    OutboxMail.objects.filter(pk=refused.pk).update(next_attempt_at=timezone.now())
    assert outbox.drain() == outbox.DrainReport(claimed=1, sent=1)
    assert len(mail.outbox) == 3


@pytest.mark.django_db
def test_a_stopping_drainer_gives_back_the_rows_it_did_not_try(counting):
    rows = _owe(3)
    asked = []

    def stopping() -> bool:
        asked.append(True)
        return len(asked) > 1  # stop after the first e-mail

    assert outbox.drain(stopping=stopping) == outbox.DrainReport(claimed=3, sent=1, released=2)
    assert _statuses(rows) == ["sent", "pending", "pending"]
    for row in rows[1:]:
        row.refresh_from_db()
        assert (row.attempts, row.claimed_until) == (0, None)  # the attempt not counted
    assert outbox.drain() == outbox.DrainReport(claimed=2, sent=2)


@pytest.mark.django_db
def test_a_batch_sends_only_in_the_first_half_of_its_claim(counting, settings):
    settings.OUTBOX_CLAIM_SECONDS = 0  # no time to send: everything claimed is given back
    rows = _owe(2)
    assert outbox.drain() == outbox.DrainReport(claimed=2, released=2)
    assert mail.outbox == []
    assert _statuses(rows) == ["pending", "pending"]


@pytest.mark.django_db
def test_a_crash_between_sending_and_recording_sends_again_once_the_claim_expired(
    settings, counting
):
    rows = _owe(2)
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.DyingBackend"}}
    with pytest.raises(Killed):
        outbox.drain()
    # The mail server has the first e-mail; the worker died before recording anything.
    assert [m.to[0] for m in mail.outbox] == [rows[0].recipient]
    assert _statuses(rows) == ["sending", "sending"]
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.CountingBackend"}}
    assert outbox.drain() == outbox.DrainReport()  # the claim still holds
    OutboxMail.objects.filter(pk__in=[r.pk for r in rows]).update(
        claimed_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert outbox.drain() == outbox.DrainReport(claimed=2, sent=2)
    # At least once: the first recipient has it twice, the second once; one audit record
    # each, and the attempts show the lost round.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [rows[0].recipient, rows[0].recipient, rows[1].recipient]
    )
    for row in rows:
        row.refresh_from_db()
        assert (row.status, row.attempts) == ("sent", 2)
    assert _sent_records(rows) == 2


@pytest.mark.django_db
def test_without_skip_locked_each_row_is_claimed_by_its_own_conditional_update(
    counting, monkeypatch
):
    """The SQLite way, on any database: a row another drainer claimed between the read of
    the candidates and the UPDATE is left to it."""
    monkeypatch.setattr(connection.features, "has_select_for_update_skip_locked", False)
    rows = _owe(3)
    taken_by_another = rows[1]
    real_filter = OutboxMail.objects.filter
    raced = []

    def filter_racing(*args, **kwargs):
        # After the candidates were read, another drainer claims the second row.
        if kwargs.get("pk") == taken_by_another.pk and not raced:
            raced.append(True)
            real_filter(pk=taken_by_another.pk).update(
                status=OutboxStatus.SENDING,
                attempts=1,
                claimed_until=timezone.now() + datetime.timedelta(minutes=5),
            )
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(OutboxMail.objects, "filter", filter_racing)
    assert outbox.drain() == outbox.DrainReport(claimed=2, sent=2)
    assert raced
    assert _statuses(rows) == ["sent", "sending", "sent"]
    assert taken_by_another.recipient not in [m.to[0] for m in mail.outbox]


# --- two drainers at once (committed rows, threads with their own connections) ---------------


@pytest.fixture
def committed(django_db_setup, django_db_blocker, counting):
    with django_db_blocker.unblock():
        assert not connection.in_atomic_block, "needs committed writes, not a test transaction"
        with scopes_disabled():
            last_audit = AuditRecord.objects.order_by("-pk").values_list("pk", flat=True).first()
        last_mail = OutboxMail.objects.order_by("-pk").values_list("pk", flat=True).first()
        try:
            yield
        finally:
            with scopes_disabled():
                # Audit records are append-only in the application; raw delete of this test's.
                AuditRecord.objects.filter(pk__gt=last_audit or 0)._raw_delete(using="default")
            OutboxMail.objects.filter(pk__gt=last_mail or 0).delete()


@pytest.mark.usefixtures("committed")
def test_two_drainers_at_once_send_each_email_once(counting, settings):
    settings.OUTBOX_BATCH_SIZE = 4
    counting.delay = 0.01  # a mail server that takes its time: the batches overlap
    rows = _owe(40, prefix="parallel")
    drainers = [OutboxDrainer(f"test-{n}", interval=0.05) for n in range(2)]
    for drainer in drainers:
        drainer.start()
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if _statuses(rows) == ["sent"] * len(rows):
                break
            time.sleep(0.1)
    finally:
        for drainer in drainers:
            drainer.stop()
    assert _statuses(rows) == ["sent"] * len(rows)
    sent = sorted(m.to[0] for m in mail.outbox if m.to[0].startswith("parallel"))
    assert sent == sorted(row.recipient for row in rows)  # each once
    assert set(
        OutboxMail.objects.filter(pk__in=[r.pk for r in rows]).values_list("attempts", flat=True)
    ) == {1}
    assert _sent_records(rows) == len(rows)
    # Both took part (the batches are small and the mail server slow).
    assert counting.senders == {"outbox-test-0", "outbox-test-1"}


def test_while_emails_come_in_the_drainer_looks_again_soon_and_idles_at_its_interval(settings):
    """After a batch that found e-mails (not a full one: that polls at once) the next poll
    comes after OUTBOX_BUSY_INTERVAL_MS, so a busy hour's e-mails go out in small, even
    batches; after an empty poll the worker's own interval (issue 13)."""
    settings.OUTBOX_BUSY_INTERVAL_MS = 200
    drainer = OutboxDrainer("test-pause", interval=1.0)
    assert drainer.pause_after(outbox.DrainReport(claimed=3, sent=3)) == 0.2
    assert drainer.pause_after(outbox.DrainReport()) == 1.0
    # Never longer than the worker's own interval, and 0 switches it off.
    assert (
        OutboxDrainer("test-short", interval=0.1).pause_after(outbox.DrainReport(claimed=1, sent=1))
        == 0.1
    )
    settings.OUTBOX_BUSY_INTERVAL_MS = 0
    assert drainer.pause_after(outbox.DrainReport(claimed=3, sent=3)) == 1.0
