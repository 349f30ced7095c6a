"""The one outbox (`core.OutboxMail`): old rows moved in by the migrations, the case e-mails
kept as rows, failures on one admin page for cooperative staff with an audited retry, the
addresses gone with retention, and no secret or address in the stored error."""

import datetime
import importlib
import os
import smtplib
import subprocess
import sys
from io import StringIO

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.tasks import task_backends
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from openkommune.cases.models import Message
from openkommune.cases.services.emails import NEW_MESSAGE, email_owe, outbox_kind
from openkommune.cases.services.retention import months_before, retention_run
from openkommune.core import outbox
from openkommune.core.models import OutboxMail, OutboxStatus
from openkommune.core.tasks import send_outbox_mail
from openkommune.procurement.notifications import VOLUME_WARNING
from openkommune.submissions.models import Application
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scope, scopes_disabled
from tests.accounts.factories import UserFactory
from tests.cases.factories import private_media  # noqa: F401
from tests.delivery.factories import EMAIL, case_with_files, close
from tests.procurement.factories import CallOffFactory, ContractFactory
from tests.submissions.factories import make_offer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
KEPT = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
TODAY = datetime.date(2030, 6, 15)


class Unreachable(EmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused({EMAIL: (550, f"<{EMAIL}>: user unknown".encode())})


class Echoing(EmailBackend):
    """A mail server that quotes the address in its own spelling, and another one."""

    def send_messages(self, messages):
        spelled = EMAIL.upper().replace("EXAMPLE", "Example")
        raise smtplib.SMTPRecipientsRefused(
            {spelled: (550, f"<{spelled}> unknown, try <Max.Muster@Gemeinde.example>".encode())}
        )


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


def _only_mail_owed(case, capture) -> OutboxMail:
    """The case e-mail, not sent (its job is lost), and no other row (the confirmation)."""
    row = _owe_message_email(case, capture, execute=False)
    OutboxMail.objects.exclude(pk=row.pk).delete()
    return row


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


def test_the_stored_error_keeps_no_address(case, settings, django_capture_on_commit_callbacks):
    settings.TASKS = IMMEDIATE
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.Unreachable"}}
    row = _owe_message_email(case, django_capture_on_commit_callbacks)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, outbox.MAX_ATTEMPTS)
    assert "SMTPRecipientsRefused" in row.last_error
    assert EMAIL not in row.last_error


def test_the_stored_error_keeps_no_address_in_any_spelling(
    case, settings, django_capture_on_commit_callbacks
):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.Echoing"}}
    row = _owe_message_email(case, django_capture_on_commit_callbacks, execute=False)
    outbox.deliver(str(row.public_id))
    row.refresh_from_db()
    assert row.last_error.startswith("SMTPRecipientsRefused")
    assert "@" not in row.last_error
    assert row.last_error.count("[E-Mail-Adresse]") == 3


def test_the_error_text_keeps_no_address_and_no_mail_server_password(settings):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"password": "Geheim-Passwort"},
        },
        "second": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"password": "Zweites$Geheimnis"},
        },
    }
    row = OutboxMail(recipient="Erika@Example.org", copy_to="kopie@amt.example")
    error = smtplib.SMTPAuthenticationError(
        535,
        "auth as erika@example.org with geheim-passwort and zweites$geheimnis failed; "
        "cc: KOPIE@AMT.EXAMPLE, müller@example.net".encode(),
    )
    text = outbox.error_text(error, row)
    assert text.startswith("SMTPAuthenticationError")
    for secret in ("geheim", "zweites", "@", "erika", "kopie", "ller"):
        assert secret not in text.lower()
    assert "[E-Mail-Adresse]" in text


def test_the_smtp_backend_gets_a_timeout_from_the_environment():
    probe = (
        "import django; django.setup(); from django.core import mail; "
        "print(mail.mailers['default'].timeout)"
    )
    base = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "openkommune.settings",
        "OPENKOMMUNE_SECRET_KEY": "x",
        "OPENKOMMUNE_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    }
    base.pop("OPENKOMMUNE_EMAIL_TIMEOUT", None)
    for extra, expected in (({}, "30"), ({"OPENKOMMUNE_EMAIL_TIMEOUT": "7"}, "7")):
        done = subprocess.run(
            [sys.executable, "-c", probe],
            env={**base, **extra},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        assert done.stdout.split()[-1] == expected


# --- a job that is lost or dies: the sweep ----------------------------------------------------

_GRACE = datetime.timedelta(seconds=outbox.SWEEP_GRACE_SECONDS + 1)


def test_a_pending_email_whose_job_was_lost_is_queued_again_by_the_sweep(
    case, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    # The process died after the commit, before the job was queued.
    row = _only_mail_owed(case, django_capture_on_commit_callbacks)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.sweep(now=now) == outbox.SweepReport(0, 0, 0)  # its job may still come
    later = now + datetime.timedelta(seconds=outbox.SWEEP_GRACE_SECONDS + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.sweep(now=later) == outbox.SweepReport(requeued=1, reclaimed=0, given_up=0)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 1)
    assert len(mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.sweep(now=later) == outbox.SweepReport(0, 0, 0)


def test_an_overdue_retry_is_queued_again_and_the_sweep_is_a_command(
    case, settings, django_capture_on_commit_callbacks
):
    # A back end whose jobs are not drained by job workers: each row has its job.
    settings.TASKS = KEPT
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.Unreachable"}}
    row = _only_mail_owed(case, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        outbox.deliver(str(row.public_id))
    task_backends["default"].clear()  # the retry's job is lost
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
    due = row.next_attempt_at + datetime.timedelta(seconds=outbox.SWEEP_GRACE_SECONDS)
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.sweep(now=due - datetime.timedelta(seconds=1)).requeued == 0
        assert outbox.sweep(now=due + datetime.timedelta(seconds=1)).requeued == 1
    assert _jobs_for(row) == 1
    # Once queued, the row waits another grace period before it is queued again.
    OutboxMail.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() - _GRACE)
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("outbox_sweep", stdout=out)
    assert _jobs_for(row) == 2
    assert "1 E-Mails erneut eingereiht" in out.getvalue()


def test_with_the_database_queue_the_sweep_queues_no_job_and_a_drainer_sends(
    case, django_capture_on_commit_callbacks
):
    # The database queue (the default here): job workers drain the outbox (ADR 0027).
    row = _only_mail_owed(case, django_capture_on_commit_callbacks)
    OutboxMail.objects.filter(pk=row.pk).update(updated_at=timezone.now() - _GRACE)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        assert outbox.sweep().requeued == 1  # marked due now
    assert queued == []
    assert not DBTaskResult.objects.exists()
    assert outbox.drain() == outbox.DrainReport(claimed=1, sent=1)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 1)
    assert len(mail.outbox) == 1


def _jobs_for(row: OutboxMail) -> int:
    """The send jobs queued for `row` (kept by the dummy back end)."""
    results = task_backends["default"].results
    return sum(list(result.args) == [str(row.public_id)] for result in results)


def _claimed_by_a_dead_job(row: OutboxMail, attempts: int) -> None:
    OutboxMail.objects.filter(pk=row.pk).update(
        status=OutboxStatus.SENDING,
        attempts=attempts,
        claimed_until=timezone.now() - datetime.timedelta(seconds=1),
    )


def test_an_email_whose_sending_job_died_is_sent_again(
    case, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    row = _only_mail_owed(case, django_capture_on_commit_callbacks)
    _claimed_by_a_dead_job(row, attempts=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.sweep() == outbox.SweepReport(requeued=0, reclaimed=1, given_up=0)
    row.refresh_from_db()
    assert (row.status, row.attempts, row.claimed_until) == (OutboxStatus.SENT, 2, None)
    assert len(mail.outbox) == 1


def test_a_job_takes_over_an_expired_claim_but_not_a_live_one(
    case, django_capture_on_commit_callbacks
):
    row = _only_mail_owed(case, django_capture_on_commit_callbacks)
    OutboxMail.objects.filter(pk=row.pk).update(
        status=OutboxStatus.SENDING,
        attempts=1,
        claimed_until=timezone.now() + datetime.timedelta(minutes=1),
    )
    assert outbox.deliver(str(row.public_id)) == OutboxStatus.SENDING
    assert mail.outbox == []
    _claimed_by_a_dead_job(row, attempts=1)
    assert outbox.deliver(str(row.public_id)) == OutboxStatus.SENT
    assert len(mail.outbox) == 1


def test_an_email_whose_job_died_on_the_last_attempt_is_shown_as_failed(
    case, django_capture_on_commit_callbacks
):
    row = _only_mail_owed(case, django_capture_on_commit_callbacks)
    _claimed_by_a_dead_job(row, attempts=outbox.MAX_ATTEMPTS)
    assert outbox.deliver(str(row.public_id)) == OutboxStatus.SENDING  # no attempt left
    with django_capture_on_commit_callbacks() as queued:
        assert outbox.sweep() == outbox.SweepReport(requeued=0, reclaimed=0, given_up=1)
    assert queued == []
    row.refresh_from_db()
    assert (row.status, row.claimed_until) == (OutboxStatus.FAILED, None)
    assert "Versand abgebrochen" in row.last_error
    assert mail.outbox == []
    with scope(tenant=case.tenant):
        failed = AuditRecord.objects.get(action="case_email.failed")
    assert failed.after["error"] == "ClaimExpired"


# --- backoff ----------------------------------------------------------------------------------


def test_a_failed_attempt_waits_with_backoff_and_the_last_one_gives_up(
    case, settings, django_capture_on_commit_callbacks
):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.Unreachable"}}
    row = _owe_message_email(case, django_capture_on_commit_callbacks, execute=False)
    OutboxMail.objects.exclude(pk=row.pk).delete()  # the confirmation
    for attempt in range(1, outbox.MAX_ATTEMPTS + 1):
        report = outbox.drain()
        assert (report.claimed, report.failed) == (1, 1)
        row.refresh_from_db()
        assert row.attempts == attempt
        if attempt < outbox.MAX_ATTEMPTS:
            assert row.status == OutboxStatus.PENDING
            wait = row.next_attempt_at - row.updated_at
            assert abs(wait - outbox.retry_delay(attempt)) < datetime.timedelta(seconds=5)
            assert outbox.drain().claimed == 0  # not before it is due
            OutboxMail.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
        else:
            assert row.status == OutboxStatus.FAILED
            assert row.next_attempt_at is None
            assert outbox.drain().claimed == 0
    assert not DBTaskResult.objects.exists()  # no job on the way
    assert mail.outbox == []
    with scope(tenant=case.tenant):
        assert AuditRecord.objects.filter(action="case_email.failed").count() == 1


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


def test_an_email_about_a_subject_that_would_not_take_it_along_when_deleted_is_refused():
    """Every subject declares a GenericRelation to OutboxMail, so that deleting it deletes
    its e-mails with their addresses; a model without one is refused when the first e-mail
    about it is owed (before, a deleted contract or bundling round left rows behind that
    were retried against a subject that no longer existed)."""
    user = UserFactory()
    with pytest.raises(TypeError, match="User declares no GenericRelation to OutboxMail"):
        outbox.owe(kind=outbox_kind(NEW_MESSAGE), tenant=None, subject=user, recipient=EMAIL)
    assert not OutboxMail.objects.exists()


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


def test_the_migration_deletes_the_rows_whose_subject_is_gone():
    """core 0006: rows that outlived their subject (deleted before its model declared the
    GenericRelation) go; rows about an existing subject and rows without a subject stay."""
    from django.apps import apps

    kept_contract, gone_contract = ContractFactory(), ContractFactory()
    rows = {
        name: outbox.owe(kind=VOLUME_WARNING, tenant=None, subject=subject, recipient=EMAIL)[0]
        for name, subject in (("kept", kept_contract), ("gone", gone_contract))
    }
    rows["no subject"] = outbox.owe(
        kind=VOLUME_WARNING, tenant=None, subject=None, recipient=EMAIL
    )[0]
    # The state an old deletion left: the contract gone, its row still there.
    OutboxMail.objects.filter(pk=rows["gone"].pk).update(subject_id=gone_contract.pk + 10_000)
    module = importlib.import_module("openkommune.core.migrations.0006_outbox_rows_without_subject")
    module.delete_rows_without_subject(apps, None)
    assert set(OutboxMail.objects.values_list("pk", flat=True)) == {
        rows["kept"].pk,
        rows["no subject"].pk,
    }


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
