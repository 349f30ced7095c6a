"""Sending an e-mail holds no database transaction: while the mail server takes its time
(or hangs until OPENKOMMUNE_EMAIL_TIMEOUT), others commit their writes. On SQLite a
transaction that writes locks the whole database, so a send inside one made every other
write wait and fail with "database is locked".

The rows are committed (the sending thread has its own connection); the fixture deletes
the rows the test made, so the session's data stays as it was."""

from __future__ import annotations

import threading

import pytest
from django.core.mail import EmailMessage
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection

from openkommune.core import outbox
from openkommune.core.models import OutboxMail, OutboxStatus
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from tests.core.import_guard import run_in_thread, short_lock_wait

KIND = "tests.paused_mail"
outbox.register(
    KIND,
    build=lambda row: EmailMessage("Test", "Text", to=[row.recipient]),
    audit="test_mail",
    label="Test",
)


class PausingBackend(EmailBackend):
    """A mail server that answers only when the test says so."""

    sending = threading.Event()
    resume = threading.Event()
    in_atomic_block: list[bool] = []

    def send_messages(self, messages):
        type(self).in_atomic_block.append(connection.in_atomic_block)
        type(self).sending.set()
        assert type(self).resume.wait(timeout=30), "the test never resumed the mail server"
        return super().send_messages(messages)


@pytest.fixture
def committed(django_db_setup, django_db_blocker, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.PausingBackend"}}
    PausingBackend.sending = threading.Event()
    PausingBackend.resume = threading.Event()
    PausingBackend.in_atomic_block = []
    with django_db_blocker.unblock():
        assert not connection.in_atomic_block, "needs committed writes, not a test transaction"
        with scopes_disabled():
            last_audit = AuditRecord.objects.order_by("-pk").values_list("pk", flat=True).first()
        last_mail = OutboxMail.objects.order_by("-pk").values_list("pk", flat=True).first()
        try:
            yield
        finally:
            PausingBackend.resume.set()
            with scopes_disabled():
                # Audit records are append-only in the application; raw delete of this test's.
                AuditRecord.objects.filter(pk__gt=last_audit or 0)._raw_delete(using="default")
            OutboxMail.objects.filter(pk__gt=last_mail or 0).delete()


@pytest.mark.usefixtures("committed")
def test_others_can_write_while_an_email_is_being_sent():
    row, _created = outbox.owe(kind=KIND, tenant=None, subject=None, recipient="a@example.org")
    thread, outcome = run_in_thread(lambda: outbox.deliver(str(row.public_id)))
    try:
        assert PausingBackend.sending.wait(timeout=60), outcome.get("error")
        # The claim is committed: other jobs see the row taken and leave it alone.
        claimed = OutboxMail.objects.get(pk=row.pk)
        assert (claimed.status, claimed.attempts) == (OutboxStatus.SENDING, 1)
        assert claimed.claimed_until is not None
        assert outbox.deliver(str(row.public_id)) == OutboxStatus.SENDING
        # Another request writes and commits (within a second, not after the send).
        with short_lock_wait():
            OutboxMail.objects.create(kind=KIND, status=OutboxStatus.NO_ADDRESS)
    finally:
        PausingBackend.resume.set()
        thread.join(timeout=60)
    assert not thread.is_alive()
    assert outcome == {"result": OutboxStatus.SENT}
    assert PausingBackend.in_atomic_block == [False]
    row.refresh_from_db()
    assert (row.status, row.attempts, row.claimed_until) == (OutboxStatus.SENT, 1, None)
