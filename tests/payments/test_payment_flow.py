"""Paying through the Bezahldienst-Simulator (a separate process): paid, declined,
cancelled and retried; notifications forged, duplicated, late and with another amount; the
provider down; no notification at all; a payment after the draft expired. None loses money
or an application."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from openkommune.payments import providers, services
from openkommune.payments.constants import NotificationOutcome, PaymentStatus
from openkommune.payments.models import Payment, PaymentNotification, ProviderConfig
from openkommune.submissions.models import Application, Draft
from openkommune.tenancy.models import AuditRecord
from tests.payments.support import (
    NO_PLATFORM,
    bewohnerpark_draft,
    choose,
    sondernutzung_draft,
    transaction_body,
)
from tests.paysim import PAYSIM_SECRET, connect
from tests.submissions.factories import private_media  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


def test_paid_payment_submits_the_draft_once(paysim_member):
    draft, _token = bewohnerpark_draft(paysim_member)
    payment = services.payment_start(draft=draft, base_url=NO_PLATFORM)
    assert payment.amount == Decimal("30.00")
    assert payment.kassenzeichen.startswith("MD")
    assert len(payment.kassenzeichen) == 13
    assert payment.status == PaymentStatus.OPEN
    assert not Application.applicant_objects.filter(draft=draft).exists()  # the draft waits

    back = choose(payment.payment_url, "paid")
    assert back == NO_PLATFORM.rstrip("/") + f"/bezahlung/{payment.public_id}/zurueck/"
    payment = services.payment_refresh(payment)
    assert payment.status == PaymentStatus.PAID
    assert payment.transaction_id.startswith("SIM-")
    application = Application.applicant_objects.get(draft=draft)
    assert payment.application_id == application.pk
    # Asking again changes nothing: one application, one audit record of the payment.
    services.payment_refresh(Payment.applicant_objects.get(pk=payment.pk))
    assert Application.applicant_objects.filter(draft=draft).count() == 1
    assert (
        AuditRecord._base_manager.filter(
            action="payment.paid", object_id=str(payment.public_id)
        ).count()
        == 1
    )


@pytest.mark.parametrize(
    ("outcome", "status"),
    [("declined", "declined"), ("cancelled", "cancelled"), ("timeout", "timed_out")],
)
def test_unsuccessful_payment_leaves_the_draft_payable(paysim_member, outcome, status):
    draft, _token = bewohnerpark_draft(paysim_member)
    first = services.payment_start(draft=draft, base_url=NO_PLATFORM)
    choose(first.payment_url, outcome)
    first = services.payment_refresh(first)
    assert first.status == status
    draft.refresh_from_db()
    assert draft.data["kennzeichen"] == "MD-JB 123"
    assert not draft.is_submitted
    second = services.payment_start(draft=draft, base_url=NO_PLATFORM)
    assert second.pk != first.pk
    assert second.kassenzeichen != first.kassenzeichen
    choose(second.payment_url, "paid")
    assert services.payment_refresh(second).application_id is not None


def test_open_payment_is_reused_and_changed_answers_cancel_it(paysim_member):
    draft, _token = bewohnerpark_draft(paysim_member)
    first = services.payment_start(draft=draft, base_url=NO_PLATFORM)
    assert services.payment_start(draft=draft, base_url=NO_PLATFORM).pk == first.pk
    draft.data = draft.data | {"laufzeit": "24"}
    draft.save()
    second = services.payment_start(draft=draft, base_url=NO_PLATFORM)
    assert second.amount == Decimal("60.00")
    assert Payment.applicant_objects.get(pk=first.pk).status == PaymentStatus.CANCELLED


def test_forged_notification_changes_nothing(paysim_member):
    draft, _token = bewohnerpark_draft(paysim_member)
    payment = services.payment_start(draft=draft, base_url=NO_PLATFORM)
    body = transaction_body(payment)
    outcome = services.notification_receive(body=body, signature=providers.sign("falsch", body))
    assert outcome == NotificationOutcome.BAD_SIGNATURE
    assert (
        services.notification_receive(body=body, signature="") == NotificationOutcome.BAD_SIGNATURE
    )
    assert Payment.applicant_objects.get(pk=payment.pk).status == PaymentStatus.OPEN
    assert not Application.applicant_objects.filter(draft=draft).exists()
    assert (
        PaymentNotification.applicant_objects.filter(
            payment=payment, outcome="bad_signature"
        ).count()
        == 2
    )


def test_notification_with_another_amount_or_reference_is_refused(paysim_member):
    draft, _token = bewohnerpark_draft(paysim_member)
    payment = services.payment_start(draft=draft, base_url=NO_PLATFORM)
    for changes in (
        {"amount": "0.01"},
        {"reference": "MD20260000000"},
        {"transaction_id": "anderer"},
    ):
        body = transaction_body(payment, **changes)
        outcome = services.notification_receive(
            body=body, signature=providers.sign(PAYSIM_SECRET, body)
        )
        assert outcome == NotificationOutcome.MISMATCH
    assert Payment.applicant_objects.get(pk=payment.pk).status == PaymentStatus.OPEN
    assert not Application.applicant_objects.filter(draft=draft).exists()


def test_duplicate_and_late_notifications(paysim_member):
    draft, _token = bewohnerpark_draft(paysim_member)
    payment = services.payment_start(draft=draft, base_url=NO_PLATFORM)
    declined = transaction_body(payment, status="FAILED", paid=False)
    sign = lambda body: providers.sign(PAYSIM_SECRET, body)  # noqa: E731
    assert services.notification_receive(body=declined, signature=sign(declined)) == "applied"
    assert services.notification_receive(body=declined, signature=sign(declined)) == "duplicate"
    # Money that arrives after a failure was reported still counts: the draft is submitted.
    paid = transaction_body(payment)
    assert services.notification_receive(body=paid, signature=sign(paid)) == "applied"
    assert services.notification_receive(body=paid, signature=sign(paid)) == "duplicate"
    assert Application.applicant_objects.filter(draft=draft).count() == 1
    # A failure reported after the payment arrived changes nothing.
    assert services.notification_receive(body=declined, signature=sign(declined)) == "conflict"
    assert Payment.applicant_objects.get(pk=payment.pk).status == PaymentStatus.PAID


def test_status_is_polled_when_no_notification_comes(paysim_member, paysim_notifications):
    paysim_notifications.settings(notifications="drop")
    draft, _token = bewohnerpark_draft(paysim_member)
    payment = services.payment_start(draft=draft, base_url=NO_PLATFORM)
    choose(payment.payment_url, "paid")
    assert services.payments_poll() == 0  # too early: a notification may still come
    later = timezone.now() + datetime.timedelta(minutes=5)
    assert services.payments_poll(now=later) == 1
    assert Payment.applicant_objects.get(pk=payment.pk).application_id is not None


def test_provider_down_keeps_everything(paysim, paysim_member):
    draft, _token = bewohnerpark_draft(paysim_member)
    connect(paysim_member, paysim, base_url="https://127.0.0.1:9")
    with pytest.raises(services.PaymentUnavailable) as down:
        services.payment_start(draft=draft, base_url=NO_PLATFORM)
    assert "nicht erreichbar" in down.value.message
    assert "nichts abgebucht" in down.value.message
    payment = Payment.applicant_objects.get(draft=draft)
    assert payment.status == PaymentStatus.NOT_STARTED
    draft.refresh_from_db()
    assert draft.data
    assert not draft.is_submitted


def test_unreadable_client_key_is_a_provider_problem_not_a_leak(paysim_member, caplog):
    """A key stored under another SECRET_KEY cannot be read: nothing is sent, nothing lost."""
    from openkommune.payments.models import ProviderConfig

    draft, _token = bewohnerpark_draft(paysim_member)
    ProviderConfig.applicant_objects.filter(tenant=paysim_member).update(
        client_key_encrypted="gAAAAAB-not-readable"
    )
    with pytest.raises(services.PaymentUnavailable):
        services.payment_start(draft=draft, base_url=NO_PLATFORM)
    payment = Payment.applicant_objects.get(draft=draft)
    assert payment.status == PaymentStatus.NOT_STARTED
    assert "client certificate and key" in payment.problem
    assert "PRIVATE KEY" not in caplog.text


def test_payment_after_draft_expiry_is_flagged_for_refund(paysim_member):
    draft, _token = bewohnerpark_draft(paysim_member)
    payment = services.payment_start(draft=draft, base_url=NO_PLATFORM)
    Draft.applicant_objects.filter(pk=draft.pk).update(
        resume_token_expires_at=timezone.now() - datetime.timedelta(days=1)
    )
    from openkommune.submissions.services import drafts_delete_expired

    assert drafts_delete_expired() == 1
    choose(payment.payment_url, "paid")
    payment = services.payment_refresh(Payment.applicant_objects.get(pk=payment.pk))
    assert payment.status == PaymentStatus.PAID
    assert payment.needs_refund
    assert "Ablauf" in payment.problem
    assert AuditRecord._base_manager.filter(action="payment.needs_refund").exists()


def test_answers_changed_after_paying_flag_the_payment(paysim_member):
    draft, _token = bewohnerpark_draft(paysim_member)
    payment = services.payment_start(draft=draft, base_url=NO_PLATFORM)
    draft.data = draft.data | {"laufzeit": "24"}  # in another tab, after the pay page opened
    draft.save()
    choose(payment.payment_url, "paid")
    payment = services.payment_refresh(payment)
    assert payment.needs_refund
    assert payment.application_id is None
    assert not Application.applicant_objects.filter(draft=draft).exists()


def test_fee_depends_on_the_answers(paysim_member):
    draft, _token = sondernutzung_draft(
        paysim_member, nutzungsart="strassenfest", gemeinnuetzig=False
    )
    payment = services.payment_start(draft=draft, base_url=NO_PLATFORM)
    # 10.00 + 120 m x 8.5 m x 2 days x 0.10 €
    assert payment.amount == Decimal("214.00")
    assert payment.computation["lines"][1]["detail"] == "1020 m² × 2 Tage × 0,10 €"
    free, _token = sondernutzung_draft(paysim_member, gemeinnuetzig=True)
    with pytest.raises(services.PaymentError):
        services.payment_start(draft=free, base_url=NO_PLATFORM)


def test_clerk_refund_goes_through_the_provider(paysim_member, django_user_model):
    draft, _token = bewohnerpark_draft(paysim_member)
    payment = services.payment_start(draft=draft, base_url=NO_PLATFORM)
    choose(payment.payment_url, "paid")
    payment = services.payment_refresh(payment)
    with pytest.raises(services.PaymentError):
        services.payment_refund(payment=payment, actor=None, reason=" ")
    refunded = services.payment_refund(payment=payment, actor=None, reason="Antrag zurückgenommen")
    assert refunded.status == PaymentStatus.REFUNDED
    record = AuditRecord._base_manager.get(
        action="payment.refund", object_id=str(payment.public_id)
    )
    assert record.after["reason"] == "Antrag zurückgenommen"
    info = providers.Client(ProviderConfig.applicant_objects.get(tenant=paysim_member)).status(
        payment.provider_payment_id
    )
    assert info.status == PaymentStatus.REFUNDED


def test_connection_is_checked_and_audited(paysim_member):
    fields = {
        "provider": "pmpayment",
        "base_url": "kein-link",
        "originator_id": "15003000",
        "endpoint_id": "BEWOHNERPARKEN",
        "secret_reference": "OPENKOMMUNE_PAYMENT_SECRET_TEST",
        "haushaltsstelle": "",
        "kassenzeichen_prefix": "MD",
    }
    with pytest.raises(services.PaymentError) as refused:
        services.provider_config_set(tenant=paysim_member, actor=None, **fields)
    assert {"base_url", "haushaltsstelle"} <= set(refused.value.fields)
    assert ProviderConfig.applicant_objects.get(tenant=paysim_member).provider == "epaybl"
    good = fields | {"base_url": "https://pay.example.org", "haushaltsstelle": "1.2.3"}
    config = services.provider_config_set(tenant=paysim_member, actor=None, **good)
    assert config.provider == "pmpayment"
    assert AuditRecord._base_manager.filter(action="payment_config.update").count() == 1
    # The secret may be entered (write-only, stored encrypted), but not a short one.
    with pytest.raises(services.PaymentError) as short:
        services.provider_config_set(tenant=paysim_member, actor=None, secret="x", **good)
    assert "secret" in short.value.fields
