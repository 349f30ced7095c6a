"""Reads of fees and payments: the fee shown on the service page, the payment of an
application (receipt, case, API), the day's bookings for the Kasse and the reconciliation."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from openkommune.core.read_cache import Topic, cached_read
from openkommune.core.timezone import local_start_of_day
from openkommune.payments import fees
from openkommune.payments.constants import PaymentStatus
from openkommune.payments.models import (
    FeeNotice,
    FeeSchedule,
    Payment,
    PaymentNotification,
    ProviderConfig,
)


def local_day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    return local_start_of_day(day), local_start_of_day(day + datetime.timedelta(days=1))


def fee_schedule_for(*, tenant_id: int, form_key: str) -> FeeSchedule | None:
    return FeeSchedule.applicant_objects.filter(tenant_id=tenant_id, form_key=form_key).first()


def fee_schedule_for_cached(*, tenant_id: int, form_key: str) -> FeeSchedule | None:
    """`fee_schedule_for` from the read cache (ADR 0014), kept in the process too: what the
    API's submit asks after every submission (nearly always: no fee). `fee_schedule_set`,
    the only writer, gives `Topic.SERVICE_SETTINGS` a new version in its transaction, so a
    changed fee is seen by the next request. Nobody may change the instance returned."""
    return cached_read(
        "fee_schedule",
        (tenant_id, form_key),
        topics=(Topic.SERVICE_SETTINGS,),
        compute=lambda: fee_schedule_for(tenant_id=tenant_id, form_key=form_key),
        in_process=True,
    )


def fee_description(*, tenant_id: int, form_key: str) -> dict | None:
    """The fee in sentences (service page), or None when the member charges none."""
    schedule = fee_schedule_for(tenant_id=tenant_id, form_key=form_key)
    if schedule is None:
        return None
    return {"schedule": schedule, "sentences": fees.describe(schedule.rule)}


def payment_for_application(application) -> Payment | None:
    """The payment that paid for the application (the latest one linked to it)."""
    return (
        Payment.applicant_objects.filter(application_id=application.pk)
        .order_by("-paid_at", "-created_at")
        .first()
    )


def fee_notice_for_application(application, *, public_id=None) -> FeeNotice | None:
    """The application's current fee notice (the latest not cancelled; with `public_id`
    that one, cancelled or not)."""
    rows = FeeNotice.applicant_objects.filter(application_id=application.pk).select_related(
        "application"
    )
    if public_id is not None:
        return rows.filter(public_id=public_id).first()
    return rows.exclude(status="cancelled").order_by("-issued_at").first()


def fee_notices_for_application(application) -> list[FeeNotice]:
    return list(
        FeeNotice.applicant_objects.filter(application_id=application.pk).order_by("-issued_at")
    )


def open_fee_notices_for_user(user, *, limit: int = 50) -> list[FeeNotice]:
    """The open fee notices of the user's applications (the account overview), due first."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        FeeNotice.applicant_objects.filter(application__user=user, status="open")
        .select_related("application")
        .order_by("due_on", "kassenzeichen")[:limit]
    )


def payments_for_notice(notice) -> list[Payment]:
    return list(Payment.applicant_objects.filter(fee_notice=notice).order_by("-created_at"))


def payments_for_draft(draft) -> list[Payment]:
    return list(
        Payment.applicant_objects.filter(draft_public_id=draft.public_id).order_by("-created_at")
    )


def provider_config_for(tenant) -> ProviderConfig | None:
    return ProviderConfig.objects.filter(tenant=tenant).first()


def provider_config_for_tenant_id(tenant_id: int) -> ProviderConfig | None:
    """For the applicant's pages (no tenant scope): the member's connection."""
    return ProviderConfig.applicant_objects.filter(tenant_id=tenant_id).first()


@dataclass(frozen=True)
class Booking:
    kassenzeichen: str
    haushaltsstelle: str
    objektnummer: str
    amount: Decimal
    paid_at: datetime.datetime
    transaction_id: str
    method: str
    reference: str  # the application's Aktenzeichen ("" when not submitted)
    purpose: str
    status: str


def bookings_of_day(*, tenant, day: datetime.date) -> list[Booking]:
    """Payments of the member received on `day` (local time): what the Kasse books. A refund
    later does not remove the booking of the day it was paid (it is a booking of its own)."""
    start, end = local_day_bounds(day)
    rows = (
        Payment.objects.filter(tenant=tenant, paid_at__gte=start, paid_at__lt=end)
        .select_related("application")
        .order_by("paid_at", "kassenzeichen")
    )
    return [
        Booking(
            kassenzeichen=p.kassenzeichen,
            haushaltsstelle=p.haushaltsstelle,
            objektnummer=p.objektnummer,
            amount=p.amount,
            paid_at=p.paid_at,
            transaction_id=p.transaction_id,
            method=p.method,
            reference=p.application.reference if p.application_id else "",
            purpose=p.purpose,
            status=p.status,
        )
        for p in rows
    ]


def bookings_total(bookings: list[Booking]) -> Decimal:
    return sum((b.amount for b in bookings), Decimal("0.00"))


@dataclass(frozen=True)
class Mismatch:
    payment: Payment
    problem: str


@dataclass(frozen=True)
class NoticeMatch:
    notice: FeeNotice
    payment: Payment


def reconciliation(*, tenant, day: datetime.date) -> dict:
    """The day's bookings against what needs a look: paid payments without an application,
    payments flagged for refund, notifications refused (wrong signature, amount or
    reference), open payments nobody settled; the day's payments of fee notices matched to
    their notice by Kassenzeichen (and amount), and the notices overdue and unpaid."""
    start, end = local_day_bounds(day)
    bookings = bookings_of_day(tenant=tenant, day=day)
    mismatches = []
    for payment in Payment.objects.filter(tenant=tenant, created_at__lt=end).filter(
        needs_refund=True, refunded_at__isnull=True
    ):
        mismatches.append(Mismatch(payment, payment.problem or "zu erstatten"))
    for payment in Payment.objects.filter(
        tenant=tenant,
        status=PaymentStatus.PAID,
        application__isnull=True,
        needs_refund=False,
        paid_at__lt=end,
    ):
        mismatches.append(Mismatch(payment, "bezahlt, aber kein Antrag eingereicht"))
    # Payments of fee notices, matched to their notice by the Kassenzeichen.
    notice_matches = []
    notice_payments = list(
        Payment.objects.filter(
            tenant=tenant, paid_at__gte=start, paid_at__lt=end, fee_notice__isnull=False
        ).order_by("paid_at")
    )
    notices = {
        n.kassenzeichen: n
        for n in FeeNotice.objects.filter(
            tenant=tenant, kassenzeichen__in=[p.kassenzeichen for p in notice_payments]
        ).select_related("application")
    }
    for payment in notice_payments:
        notice = notices.get(payment.kassenzeichen)
        if notice is None:
            mismatches.append(Mismatch(payment, "Kassenzeichen passt zu keinem Gebührenbescheid"))
        elif notice.amount != payment.amount:
            mismatches.append(Mismatch(payment, "Betrag weicht vom Gebührenbescheid ab"))
        else:
            notice_matches.append(NoticeMatch(notice, payment))
    overdue = list(
        FeeNotice.objects.filter(tenant=tenant, status="open", due_on__lt=day)
        .select_related("application")
        .order_by("due_on", "kassenzeichen")[:200]
    )
    refused = list(
        PaymentNotification.objects.filter(
            tenant=tenant, received_at__gte=start, received_at__lt=end
        )
        .exclude(outcome__in=["applied", "duplicate"])
        .select_related("payment")
    )
    return {
        "bookings": bookings,
        "total": bookings_total(bookings),
        "count": len(bookings),
        "mismatches": mismatches,
        "refused_notifications": refused,
        "notice_matches": notice_matches,
        "overdue_notices": overdue,
    }
