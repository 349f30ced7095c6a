"""The confirmation e-mail job: sent after the commit through Django's mail system, once,
without form data; retried with backoff; a visible failed record when retries run out."""

import datetime
import re
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from openkommune.core.models import OutboxMail
from openkommune.core.models import OutboxStatus as NotificationStatus
from openkommune.core.outbox import MAX_ATTEMPTS, drain, retry_delay
from openkommune.core.tasks import send_outbox_mail
from openkommune.submissions.services import (
    application_status_token,
    application_submit,
)
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scope
from tests.accounts.factories import UserFactory
from tests.submissions.factories import (
    fill,
    make_offer,
    private_media,  # noqa: F401
    start,
    submissions_only,  # noqa: F401
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media", "submissions_only")]

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


class FlakyBackend(EmailBackend):
    """Refuses the first `failures` messages like an unreachable mail server."""

    failures = 0
    calls = 0

    def send_messages(self, messages):
        type(self).calls += 1
        if type(self).calls <= type(self).failures:
            raise smtplib.SMTPServerDisconnected("Verbindung abgebrochen (Test)")
        return super().send_messages(messages)


@pytest.fixture
def flaky(settings):
    FlakyBackend.calls = 0
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.FlakyBackend"}}
    return FlakyBackend


@pytest.fixture
def offer():
    return make_offer()


def _submit(offer, django_capture_on_commit_callbacks, *, user=None, name="Erika Mustermann"):
    draft, _ = start(offer, user=user, email=None if user else "erika@example.org")
    fill(draft, name=name)
    with django_capture_on_commit_callbacks(execute=True):
        return application_submit(
            draft=draft, idempotency_key="k", base_url="https://plattform.example.org/"
        )


def _notification(application):
    return OutboxMail.objects.get(
        subject_id=application.pk, kind="submissions.application_confirmation"
    )


def test_confirmation_has_reference_service_authority_and_secret_link_but_no_form_data(
    offer, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    application = _submit(offer, django_capture_on_commit_callbacks)
    [message] = mail.outbox
    assert message.to == ["erika@example.org"]
    assert application.reference in message.subject
    body = message.body
    assert application.reference in body
    assert "Leistung: Testantrag Hundehaltung\n" in body  # the form's title
    assert "Landeshauptstadt Magdeburg (Test)" in body
    assert "hundesteuer@magdeburg.example.org" in body
    token = application_status_token(application)
    link = re.search(r"https://plattform\.example\.org/\S+", body).group(0)
    assert application.reference in link
    assert link.endswith(f"?token={token}")
    assert "nicht weiter" in body
    assert "Erika" not in body
    assert "Mustermann" not in body
    notification = _notification(application)
    assert (notification.status, notification.attempts) == (NotificationStatus.SENT, 1)
    with scope(tenant=offer.tenant):
        assert AuditRecord.objects.filter(action="notification.sent").count() == 1


def test_confirmation_of_a_logged_in_user_has_no_secret_link(
    offer, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    user = UserFactory(email="konto@example.org")
    application = _submit(offer, django_capture_on_commit_callbacks, user=user)
    [message] = mail.outbox
    assert message.to == ["konto@example.org"]
    assert "token=" not in message.body
    assert "Melden Sie sich" in message.body
    assert application_status_token(application) is None


def test_confirmation_is_sent_once_even_if_the_job_runs_again(
    offer, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    application = _submit(offer, django_capture_on_commit_callbacks)
    row_id = str(_notification(application).public_id)
    assert send_outbox_mail.enqueue(row_id).return_value == NotificationStatus.SENT
    send_outbox_mail.call(row_id)
    assert len(mail.outbox) == 1
    assert OutboxMail.objects.count() == 1


def test_a_failed_send_is_retried_and_then_succeeds(
    offer, settings, flaky, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    flaky.failures = 2
    application = _submit(offer, django_capture_on_commit_callbacks)
    notification = _notification(application)
    assert notification.status == NotificationStatus.SENT
    assert notification.attempts == 3
    assert notification.last_error == ""
    assert len(mail.outbox) == 1


def test_after_the_last_attempt_the_failure_is_recorded_for_an_operator(
    offer, settings, flaky, django_capture_on_commit_callbacks, caplog
):
    settings.TASKS = IMMEDIATE
    flaky.failures = 100
    application = _submit(offer, django_capture_on_commit_callbacks)
    notification = _notification(application)
    assert notification.status == NotificationStatus.FAILED
    assert notification.attempts == MAX_ATTEMPTS
    assert "SMTPServerDisconnected" in notification.last_error
    assert flaky.calls == MAX_ATTEMPTS
    assert mail.outbox == []
    assert any("given up" in record.getMessage() for record in caplog.records)
    with scope(tenant=offer.tenant):
        assert AuditRecord.objects.filter(action="notification.failed").count() == 1
    # A later run of the job does not try again.
    assert send_outbox_mail.call(str(notification.public_id)) == "failed"
    assert flaky.calls == MAX_ATTEMPTS


def test_with_the_database_queue_the_drainer_sends_and_the_retry_waits_with_backoff(
    offer, settings, flaky, django_capture_on_commit_callbacks
):
    settings.TASKS = DATABASE_QUEUE
    flaky.failures = 1
    application = _submit(offer, django_capture_on_commit_callbacks)
    # No job at all: the job workers drain the outbox (ADR 0027); the receipt PDF is no job
    # either (rendered on its first download, ADR 0013).
    assert not DBTaskResult.objects.exists()
    row = _notification(application)
    assert (row.status, row.attempts, row.next_attempt_at) == (NotificationStatus.PENDING, 0, None)
    assert mail.outbox == []

    # A drainer takes it: the mail server fails, the next attempt waits.
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        report = drain()
    assert (report.claimed, report.sent, report.failed) == (1, 0, 1)
    notification = _notification(application)
    assert (notification.status, notification.attempts) == (NotificationStatus.PENDING, 1)
    assert notification.next_attempt_at >= before + retry_delay(1) - datetime.timedelta(seconds=1)
    assert not DBTaskResult.objects.exists()
    assert drain().claimed == 0  # not due yet

    # Once due, a drainer delivers.
    OutboxMail.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert drain().sent == 1
    assert len(mail.outbox) == 1
    assert _notification(application).status == NotificationStatus.SENT
    assert drain().claimed == 0


def test_a_drained_batch_of_confirmations_reads_their_applications_with_one_statement(
    offer, settings, django_capture_on_commit_callbacks
):
    """The drainer reads what the confirmations of a batch show at once (`Kind.load`,
    issue 13), and each e-mail still shows its own application."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.TASKS = DATABASE_QUEUE
    applications = [
        _submit(offer, django_capture_on_commit_callbacks, name=name)
        for name in ("Erika Mustermann", "Max Mustermann", "Eva Beispiel")
    ]
    with CaptureQueriesContext(connection) as captured:
        report = drain()
    assert (report.claimed, report.sent) == (3, 3)
    reads = [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].startswith("SELECT") and '"submissions_application"' in query["sql"]
    ]
    assert len(reads) == 1, reads
    assert len({message.subject for message in mail.outbox}) == 3
    for application in applications:
        [message] = [m for m in mail.outbox if application.reference in m.subject]
        assert application.reference in message.body
        assert f"?token={application_status_token(application)}" in message.body


def test_a_failed_batch_read_leaves_each_confirmation_to_read_its_own(
    offer, settings, django_capture_on_commit_callbacks, monkeypatch
):
    from openkommune.core import outbox

    settings.TASKS = DATABASE_QUEUE
    applications = [
        _submit(offer, django_capture_on_commit_callbacks, name=name)
        for name in ("Erika Mustermann", "Max Mustermann")
    ]
    kind = outbox._KINDS["submissions.application_confirmation"]

    def failing(rows):
        raise RuntimeError("Lesen fehlgeschlagen (Test)")

    monkeypatch.setitem(outbox._KINDS, kind.name, outbox.Kind(**{**kind.__dict__, "load": failing}))
    assert drain().sent == 2
    for application in applications:
        [message] = [m for m in mail.outbox if application.reference in m.subject]
        assert application.reference in message.body


def test_backoff_grows():
    delays = [retry_delay(n) for n in range(1, MAX_ATTEMPTS)]
    assert delays == sorted(delays)
    assert delays[0] == datetime.timedelta(minutes=1)
    assert delays[-1] == datetime.timedelta(minutes=64)


def test_no_email_address_means_no_confirmation(
    offer, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    draft, _ = start(offer, email=None)
    fill(draft)
    with django_capture_on_commit_callbacks(execute=True):
        application_submit(draft=draft, idempotency_key="k")
    assert mail.outbox == []
    assert not OutboxMail.objects.exists()


def test_an_operator_sees_the_failed_email_in_the_admin_and_can_retry(
    client, offer, settings, flaky, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    flaky.failures = MAX_ATTEMPTS
    application = _submit(offer, django_capture_on_commit_callbacks)
    notification = _notification(application)
    assert notification.status == NotificationStatus.FAILED

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = "/admin/core/outboxmail/"
    page = client.get(url, {"status__exact": "failed"})
    assert page.status_code == 200
    assert application.reference in page.text
    assert "SMTPServerDisconnected" in page.text
    assert "Erika" not in page.text

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "retry", "_selected_action": [notification.pk]})
    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert len(mail.outbox) == 1
