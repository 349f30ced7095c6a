"""The order e-mail: ordering sends the order PDF to the supplier once, with a copy to the
member; a failed send is retried with backoff, then shown to operators; without a supplier
address nothing is sent and the member is told."""

import datetime
import smtplib
from decimal import Decimal

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from openkommune.core import outbox
from openkommune.core.models import OutboxMail
from openkommune.core.models import OutboxStatus as OrderMailStatus
from openkommune.core.outbox import MAX_ATTEMPTS, retry_delay
from openkommune.core.tasks import send_outbox_mail
from openkommune.procurement import services
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scope
from tests.accounts.factories import UserFactory
from tests.procurement.factories import ContractFactory, ItemFactory, SupplierFactory

pytestmark = pytest.mark.django_db

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
SUPPLIER_EMAIL = "auftrag@lieferant.example.org"
ORDER_EMAIL = "beschaffung@gemeinde.example.org"


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
def immediate_tasks():
    with override_settings(TASKS=IMMEDIATE):
        yield


@pytest.fixture
def flaky():
    FlakyBackend.calls = FlakyBackend.failures = 0
    with override_settings(MAILERS={"default": {"BACKEND": f"{__name__}.FlakyBackend"}}):
        yield FlakyBackend


def _approved(member, clerk, approver, *, supplier_email=SUPPLIER_EMAIL, order_email=ORDER_EMAIL):
    """An approved call-off of 10 x 90 € to a supplier with `supplier_email`."""
    services.procurement_settings_update(
        tenant=member,
        actor=UserFactory(cooperative_staff=True),
        approval_threshold=Decimal("100000"),
        order_email=order_email,
    )
    contract = ContractFactory(suppliers=[SupplierFactory(email=supplier_email)])
    item = ItemFactory(contract=contract, tiers=[(0, "100.00"), (10, "90.00")])
    call_off = services.call_off_add_line(tenant=member, actor=clerk, item=item, quantity=10)
    return services.call_off_submit(tenant=member, actor=clerk, call_off=call_off)


def _order(member, clerk, call_off, capture):
    with capture(execute=True):
        return services.call_off_order(tenant=member, actor=clerk, call_off=call_off)


def _row(call_off) -> OutboxMail:
    return outbox.mails_about(call_off).get()


def _actions(member) -> list[str]:
    with scope(tenant=member):
        return list(
            AuditRecord.objects.filter(action__startswith="order_mail.")
            .order_by("id")
            .values_list("action", flat=True)
        )


@pytest.mark.usefixtures("immediate_tasks")
def test_ordering_mails_the_pdf_once_to_the_supplier_with_a_copy_to_the_member(
    member, clerk, approver, django_capture_on_commit_callbacks
):
    call_off = _approved(member, clerk, approver)
    assert mail.outbox == []  # nothing before the order
    call_off = _order(member, clerk, call_off, django_capture_on_commit_callbacks)
    [message] = mail.outbox
    assert message.to == [SUPPLIER_EMAIL]
    assert message.cc == [ORDER_EMAIL]
    assert message.reply_to == [ORDER_EMAIL]
    assert call_off.reference in message.subject
    assert member.name in message.subject
    assert "900,00 €" in message.body
    assert ORDER_EMAIL in message.body
    [(filename, content, mimetype)] = message.attachments
    assert (filename, mimetype) == (f"Bestellung-{call_off.reference}.pdf", "application/pdf")
    assert content.startswith(b"%PDF")
    row = _row(call_off)
    assert (row.status, row.attempts, row.recipient, row.copy_to) == (
        OrderMailStatus.SENT,
        1,
        SUPPLIER_EMAIL,
        ORDER_EMAIL,
    )
    assert row.sent_at is not None
    assert _actions(member) == ["order_mail.owe", "order_mail.sent"]


@pytest.mark.usefixtures("immediate_tasks")
def test_a_repeated_job_does_not_send_again(
    member, clerk, approver, django_capture_on_commit_callbacks
):
    call_off = _order(
        member, clerk, _approved(member, clerk, approver), django_capture_on_commit_callbacks
    )
    row = _row(call_off)
    assert send_outbox_mail.call(str(row.public_id)) == OrderMailStatus.SENT
    assert send_outbox_mail.enqueue(str(row.public_id)).return_value == "sent"
    assert len(mail.outbox) == 1
    assert _actions(member).count("order_mail.sent") == 1


@pytest.mark.usefixtures("immediate_tasks")
def test_without_an_order_email_the_copy_goes_to_the_person_who_ordered(
    member, clerk, approver, django_capture_on_commit_callbacks
):
    call_off = _order(
        member,
        clerk,
        _approved(member, clerk, approver, order_email=""),
        django_capture_on_commit_callbacks,
    )
    [message] = mail.outbox
    assert message.cc == message.reply_to == [clerk.email]
    assert _row(call_off).copy_to == clerk.email


@pytest.mark.usefixtures("immediate_tasks")
def test_a_failed_send_is_retried_and_delivered_once(
    member, clerk, approver, flaky, django_capture_on_commit_callbacks
):
    flaky.failures = 2
    call_off = _order(
        member, clerk, _approved(member, clerk, approver), django_capture_on_commit_callbacks
    )
    row = _row(call_off)
    assert (row.status, row.attempts, row.last_error) == (OrderMailStatus.SENT, 3, "")
    assert len(mail.outbox) == 1


@pytest.mark.usefixtures("immediate_tasks")
def test_a_send_that_keeps_failing_is_shown_to_operators_who_can_restart_it(
    client, member, clerk, approver, flaky, django_capture_on_commit_callbacks, caplog
):
    flaky.failures = MAX_ATTEMPTS
    call_off = _order(
        member, clerk, _approved(member, clerk, approver), django_capture_on_commit_callbacks
    )
    row = _row(call_off)
    assert (row.status, row.attempts) == (OrderMailStatus.FAILED, MAX_ATTEMPTS)
    assert "SMTPServerDisconnected" in row.last_error
    assert mail.outbox == []
    assert any("given up" in record.getMessage() for record in caplog.records)
    assert _actions(member) == ["order_mail.owe", "order_mail.failed"]
    # A later run of the job does not try again.
    assert send_outbox_mail.call(str(row.public_id)) == OrderMailStatus.FAILED
    assert flaky.calls == MAX_ATTEMPTS

    # The member is told to send the PDF itself.
    client.force_login(clerk)
    detail = client.get(reverse("procurement:call_off_detail", args=[call_off.reference]))
    assert "konnte auch nach mehreren Versuchen nicht gesendet werden" in detail.text

    # The operator finds it in the admin and restarts it once the mail server is back.
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = "/admin/core/outboxmail/"
    page = client.get(url, {"status__exact": "failed"})
    assert page.status_code == 200
    assert call_off.reference in page.text
    assert "SMTPServerDisconnected" in page.text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "retry", "_selected_action": [row.pk]})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == OrderMailStatus.SENT
    assert len(mail.outbox) == 1
    assert _actions(member)[-2:] == ["order_mail.retry", "order_mail.sent"]


def test_with_the_database_queue_the_drainer_sends_it_and_the_retry_waits(
    member, clerk, approver, flaky, django_capture_on_commit_callbacks
):
    flaky.failures = 1
    with override_settings(TASKS=DATABASE_QUEUE):
        call_off = _order(
            member, clerk, _approved(member, clerk, approver), django_capture_on_commit_callbacks
        )
        row = _row(call_off)
        # No job: the job workers' drainers find the row (ADR 0027).
        assert not DBTaskResult.objects.exists()
        assert mail.outbox == []
        before = timezone.now()
        with django_capture_on_commit_callbacks(execute=True) as queued:
            assert outbox.drain().failed == 1
        assert queued == []
        row.refresh_from_db()
        assert (row.status, row.attempts) == (OrderMailStatus.PENDING, 1)
        assert row.next_attempt_at >= before + retry_delay(1) - datetime.timedelta(seconds=1)
        assert outbox.drain().claimed == 0  # not due yet
        OutboxMail.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
        assert outbox.drain().sent == 1
        assert not DBTaskResult.objects.exists()
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.status == OrderMailStatus.SENT


def test_backoff_grows():
    delays = [retry_delay(n) for n in range(1, MAX_ATTEMPTS)]
    assert delays[0] == datetime.timedelta(minutes=1)
    assert delays[-1] == datetime.timedelta(minutes=64)


@pytest.mark.usefixtures("immediate_tasks")
def test_no_mail_without_a_supplier_address_and_the_member_is_told(
    client, member, clerk, approver, django_capture_on_commit_callbacks
):
    call_off = _approved(member, clerk, approver, supplier_email="")
    client.force_login(clerk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("procurement:call_off_order", args=[call_off.reference]), follow=True
        )
    assert mail.outbox == []
    assert _row(call_off).status == OrderMailStatus.NO_ADDRESS
    assert _actions(member) == ["order_mail.owe"]
    text = response.content.decode()
    assert "keine E-Mail-Adresse hinterlegt" in text
    assert "senden Sie es dem Lieferanten selbst" in text
    assert 'id="bestellung-email"' in text
    assert 'id="bestellung-pdf"' in text  # the PDF to send by hand


@pytest.mark.usefixtures("immediate_tasks")
def test_the_member_sees_where_the_order_went(
    client, member, clerk, approver, django_capture_on_commit_callbacks
):
    call_off = _approved(member, clerk, approver)
    client.force_login(clerk)
    detail_url = reverse("procurement:call_off_detail", args=[call_off.reference])
    with django_capture_on_commit_callbacks(execute=True):
        # Followed before the commit (the test's transaction): the e-mail is still owed.
        response = client.post(
            reverse("procurement:call_off_order", args=[call_off.reference]), follow=True
        )
        text = response.content.decode()
        assert f"geht per E-Mail an den Lieferanten ({SUPPLIER_EMAIL})." in text  # the message
        assert f"wird per E-Mail an den Lieferanten ({SUPPLIER_EMAIL}) gesendet." in text
        # While a job is talking to the mail server, the same.
        OutboxMail.objects.filter(pk=_row(call_off).pk).update(status=OrderMailStatus.SENDING)
        text = client.get(detail_url).content.decode()
        assert f"wird per E-Mail an den Lieferanten ({SUPPLIER_EMAIL}) gesendet." in text
        OutboxMail.objects.filter(pk=_row(call_off).pk).update(status=OrderMailStatus.PENDING)
    text = client.get(detail_url).content.decode()
    assert f"Uhr per E-Mail an den Lieferanten ({SUPPLIER_EMAIL})." in text
    assert f"Eine Kopie ging an {ORDER_EMAIL}" in text
