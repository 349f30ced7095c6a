"""The one outbox (`core.OutboxMail`): old rows moved in by the migrations, the case e-mails
kept as rows, failures on one admin page for cooperative staff with an audited retry, the
addresses gone with retention, and no secret or address in the stored error."""

import datetime
import importlib
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse

from openkommune.cases.email_tasks import send_case_email
from openkommune.cases.models import Message
from openkommune.cases.services.emails import NEW_MESSAGE, email_owe
from openkommune.cases.services.retention import months_before, retention_run
from openkommune.core import outbox
from openkommune.core.models import OutboxMail, OutboxStatus
from openkommune.core.tasks import send_outbox_mail
from openkommune.submissions.models import Application
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scope, scopes_disabled
from tests.accounts.factories import UserFactory
from tests.cases.factories import private_media  # noqa: F401
from tests.delivery.factories import EMAIL, case_with_files, close
from tests.procurement.factories import CallOffFactory
from tests.submissions.factories import make_offer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
TODAY = datetime.date(2030, 6, 15)


class Unreachable(EmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused({EMAIL: (550, f"<{EMAIL}>: user unknown".encode())})


@pytest.fixture
def offer():
    return make_offer()


@pytest.fixture
def case(offer):
    return case_with_files(offer)


def _question(case) -> Message:
    with scope(tenant=case.tenant):
        return Message.objects.filter(case=case).order_by("pk").first()


def _owe_message_email(case, capture, *, execute=True) -> OutboxMail:
    question = _question(case)
    with capture(execute=execute), scope(tenant=case.tenant), transaction.atomic():
        assert email_owe(kind=NEW_MESSAGE, subject=question, base_url="https://p.example/")
    return outbox.mails_about(question).get()


# --- the case e-mails are rows now ------------------------------------------------------------


def test_a_case_email_is_a_row_and_is_sent_once(case, settings, django_capture_on_commit_callbacks):
    settings.TASKS = IMMEDIATE
    row = _owe_message_email(case, django_capture_on_commit_callbacks)
    row.refresh_from_db()
    assert (row.kind, row.status, row.attempts, row.recipient) == (
        "cases.new_message",
        OutboxStatus.SENT,
        1,
        EMAIL,
    )
    assert row.tenant_id == case.tenant_id
    # A job that runs again (or a second worker) does not send again.
    assert send_outbox_mail.call(str(row.public_id)) == OutboxStatus.SENT
    assert outbox.deliver(str(row.public_id)) == OutboxStatus.SENT
    assert len(mail.outbox) == 1


def test_a_case_email_job_queued_under_the_old_task_path_still_sends_once(case, settings):
    settings.TASKS = IMMEDIATE
    question = _question(case)
    args = (NEW_MESSAGE, case.tenant_id, str(question.public_id), "https://p.example/", 1)
    assert send_case_email.call(*args) == OutboxStatus.SENT
    assert send_case_email.call(*args) == OutboxStatus.SENT
    assert len(mail.outbox) == 1
    assert outbox.mails_about(question).get().status == OutboxStatus.SENT


def test_the_stored_error_keeps_no_address(case, settings, django_capture_on_commit_callbacks):
    settings.TASKS = IMMEDIATE
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.Unreachable"}}
    row = _owe_message_email(case, django_capture_on_commit_callbacks)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, outbox.MAX_ATTEMPTS)
    assert "SMTPRecipientsRefused" in row.last_error
    assert EMAIL not in row.last_error


# --- backoff ----------------------------------------------------------------------------------


def test_a_failed_attempt_waits_with_backoff_and_the_last_one_gives_up(
    case, settings, django_capture_on_commit_callbacks
):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.Unreachable"}}
    row = _owe_message_email(case, django_capture_on_commit_callbacks, execute=False)
    for attempt in range(1, outbox.MAX_ATTEMPTS + 1):
        with django_capture_on_commit_callbacks() as queued:
            status = outbox.deliver(str(row.public_id))
        row.refresh_from_db()
        assert row.attempts == attempt
        if attempt < outbox.MAX_ATTEMPTS:
            assert status == OutboxStatus.PENDING
            assert len(queued) == 1  # the next attempt
            wait = row.next_attempt_at - row.updated_at
            assert abs(wait - outbox.retry_delay(attempt)) < datetime.timedelta(seconds=5)
        else:
            assert status == OutboxStatus.FAILED
            assert queued == []
            assert row.next_attempt_at is None
    assert mail.outbox == []


# --- one admin page for cooperative staff -----------------------------------------------------


def _failed_rows(settings, capture):
    """A failed case e-mail in one organisation and a failed confirmation in another."""
    settings.TASKS = IMMEDIATE
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.Unreachable"}}
    first = case_with_files(make_offer())
    second = case_with_files(make_offer())
    failed = _owe_message_email(first, capture)
    with scopes_disabled():
        application = Application.objects.get(pk=second.application_id)
    confirmation = outbox.mails_about(application).get()
    with capture(execute=True):
        outbox.deliver(str(confirmation.public_id))
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    return first, second, failed, confirmation


def test_failed_emails_of_every_organisation_are_listed_for_cooperative_staff_who_can_retry(
    client, settings, django_capture_on_commit_callbacks
):
    first, second, failed, confirmation = _failed_rows(settings, django_capture_on_commit_callbacks)
    staff = UserFactory(cooperative_staff=True, is_staff=True)
    client.force_login(staff)
    url = reverse("admin:core_outboxmail_changelist")
    page = client.get(url, {"status__exact": "failed"})
    assert page.status_code == 200
    text = page.text
    assert first.reference in text
    assert second.reference in text
    assert "Hinweis auf eine neue Nachricht" in text
    assert "Eingangsbestätigung" in text
    assert "SMTPRecipientsRefused" in text
    assert EMAIL not in text  # the address is shortened
    assert "erneut versuchen" in text

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"action": "retry", "_selected_action": [failed.pk, confirmation.pk]}
        )
    assert response.status_code == 302
    for row in (failed, confirmation):
        row.refresh_from_db()
        assert (row.status, row.attempts) == (OutboxStatus.SENT, 1)
    assert len(mail.outbox) == 2
    with scopes_disabled():
        retries = AuditRecord.objects.filter(action__endswith=".retry").order_by("action")
        assert [(r.action, r.actor_id, r.tenant_id) for r in retries] == [
            ("case_email.retry", staff.pk, first.tenant_id),
            ("notification.retry", staff.pk, second.tenant_id),
        ]


@pytest.mark.parametrize("role", ["clerk", "member_admin"])
def test_members_staff_do_not_see_the_outbox(
    client, role, settings, django_capture_on_commit_callbacks
):
    _failed_rows(settings, django_capture_on_commit_callbacks)
    client.force_login(UserFactory(is_staff=True, **{role: True}))
    response = client.get(reverse("admin:core_outboxmail_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


# --- retention --------------------------------------------------------------------------------


def test_retention_deletes_the_emails_with_the_applicants_address(
    offer, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    expired = case_with_files(offer)
    kept = case_with_files(offer, name="Max Behalten", email="max@example.org")
    for case in (expired, kept):
        _owe_message_email(case, django_capture_on_commit_callbacks)
    assert OutboxMail.objects.filter(recipient=EMAIL).count() == 2  # confirmation, message
    close(expired, closed_at=_at(months_before(TODAY, 25)))
    close(kept, closed_at=_at(months_before(TODAY, 23)))
    with django_capture_on_commit_callbacks(execute=True):
        assert retention_run(today=TODAY, dry_run=False).case_count == 1
    assert not OutboxMail.objects.filter(recipient=EMAIL).exists()
    assert OutboxMail.objects.filter(recipient="max@example.org").count() == 2


def _at(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.UTC)


# --- the migrations that moved the old rows in ------------------------------------------------


def _historical(app: str, migration: str):
    return MigrationLoader(connection).project_state((app, migration)).apps


def _create_table(model) -> None:
    # The old table is gone in the test database; made again inside the test's transaction.
    editor = connection.schema_editor()
    editor.deferred_sql = []
    editor.create_model(model)


def test_notification_logs_move_into_the_outbox_and_back(offer):
    case = case_with_files(offer)
    with scopes_disabled():
        application = Application.objects.get(pk=case.application_id)
    outbox.mails_about(application).delete()  # the new row the submit made
    migration = "0004_notificationlog_to_outbox"
    apps = _historical("submissions", migration)
    NotificationLog = apps.get_model("submissions", "NotificationLog")
    _create_table(NotificationLog)
    old = NotificationLog.objects.create(
        tenant_id=case.tenant_id,
        kind="application_confirmation",
        dedupe_key=f"application_confirmation:{application.public_id}",
        application_id=application.pk,
        base_url="https://p.example/",
        status="failed",
        attempts=5,
        last_error="SMTPServerDisconnected: weg",
    )
    module = importlib.import_module(f"openkommune.submissions.migrations.{migration}")
    module._move(apps, None)
    row = OutboxMail.objects.get(public_id=old.public_id)
    assert (row.kind, row.status, row.attempts, row.recipient, row.tenant_id) == (
        "submissions.application_confirmation",
        "failed",
        5,
        EMAIL,
        case.tenant_id,
    )
    assert row.subject == application
    assert row.dedupe_key == old.dedupe_key
    assert not NotificationLog.objects.exists()
    module._move_back(apps, None)
    back = NotificationLog.objects.get(public_id=old.public_id)
    assert (back.application_id, back.status, back.attempts) == (application.pk, "failed", 5)
    assert not OutboxMail.objects.filter(public_id=old.public_id).exists()


def test_order_mails_move_into_the_outbox_and_back():

    call_off = CallOffFactory()
    migration = "0004_ordermail_to_outbox"
    apps = _historical("procurement", migration)
    OrderMail = apps.get_model("procurement", "OrderMail")
    _create_table(OrderMail)
    old = OrderMail.objects.create(
        tenant_id=call_off.tenant_id,
        call_off_id=call_off.pk,
        status="no_address",
        copy_to="beschaffung@gemeinde.example.org",
    )
    module = importlib.import_module(f"openkommune.procurement.migrations.{migration}")
    module._move(apps, None)
    row = OutboxMail.objects.get(public_id=old.public_id)
    assert (row.kind, row.status, row.copy_to) == (
        "procurement.order",
        "no_address",
        "beschaffung@gemeinde.example.org",
    )
    assert row.dedupe_key == f"procurement.order:{call_off.public_id}"
    assert row.subject == call_off
    module._move_back(apps, None)
    assert OrderMail.objects.get(public_id=old.public_id).call_off_id == call_off.pk
    assert not OutboxMail.objects.exists()
