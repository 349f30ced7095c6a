"""The e-mail that takes the order document (PDF) of an ordered call-off to the supplier.

Ordering (`calloffs.call_off_order`) records an `OrderMail` row in its own transaction: to
the supplier's e-mail address, with a copy (Cc and Reply-To) to the member's order e-mail
from its procurement settings, or to the person who ordered when none is set, so the
member sees what went out and the supplier's answer reaches the member, not the
platform's no-reply sender. The job (`tasks.send_order_mail`, ids only) runs after the
commit, renders the PDF and sends it. A supplier without an e-mail address gets no e-mail:
the row says so and the member's call-off page asks the member to send the PDF.

Sending is idempotent (a row that is not `pending` is never sent again; the row is locked
while sending, so two workers cannot both send it) and retried with backoff (1, 4, 16,
64 minutes). After `ORDER_MAIL_MAX_ATTEMPTS` the row is `failed`: logged as an error,
recorded in the member's audit trail (`order_mail.failed`), listed in the admin, where an
operator can start a new round (`order_mail_retry`). Delivery is at least once: a crash
between the mail server's "accepted" and our commit can send the e-mail twice.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from openkommune.procurement.constants import (
    ORDER_MAIL_MAX_ATTEMPTS,
    ORDER_MAIL_RETRY_BASE_SECONDS,
    OrderMailStatus,
)
from openkommune.procurement.documents import order_filename, order_pdf
from openkommune.procurement.models import CallOff, OrderMail
from openkommune.procurement.selectors import procurement_settings
from openkommune.tenancy.scoping import scope
from openkommune.tenancy.services import audit_record

logger = logging.getLogger(__name__)

PLATFORM_NAME = "OpenKommune"
MAIL_FIELDS = ("status", "recipient", "copy_to", "attempts")


def retry_delay(attempts: int) -> datetime.timedelta:
    """Wait after failed attempt `attempts` (1-based): 1, 4, 16, 64 minutes."""
    return datetime.timedelta(seconds=ORDER_MAIL_RETRY_BASE_SECONDS * 4 ** (attempts - 1))


def _state(row: OrderMail) -> dict:
    return {name: getattr(row, name) for name in MAIL_FIELDS}


# --- owing the e-mail (inside the order's transaction) -----------------------------------


def order_mail_owe(*, call_off: CallOff, actor) -> OrderMail:
    """Record the order e-mail of a call-off just ordered and send it after the commit.
    Without a supplier address the row is `no_address` and nothing is sent."""
    tenant = call_off.tenant
    recipient = (call_off.supplier.email or "").strip()
    with scope(tenant=tenant):
        copy_to = procurement_settings(tenant=tenant).order_email.strip()
        if not copy_to and actor is not None and actor.is_authenticated:
            copy_to = (actor.email or "").strip()
        row, created = OrderMail.objects.get_or_create(
            call_off=call_off,
            defaults={
                "tenant": tenant,
                "recipient": recipient,
                "copy_to": copy_to,
                "status": OrderMailStatus.PENDING if recipient else OrderMailStatus.NO_ADDRESS,
            },
        )
    if created:
        audit_record(
            tenant=tenant, actor=actor, action="order_mail.owe", obj=row, after=_state(row)
        )
        if row.status == OrderMailStatus.PENDING:
            _enqueue_on_commit(row)
    return row


def _enqueue_on_commit(row: OrderMail, *, run_after=None) -> None:
    args = (row.tenant_id, str(row.public_id))
    transaction.on_commit(lambda: _enqueue(*args, run_after=run_after))


def _enqueue(tenant_id: int, public_id: str, *, run_after=None) -> None:
    from openkommune.procurement.tasks import send_order_mail

    task = send_order_mail
    # A backend that cannot defer (the immediate one) retries at once; the attempt limit
    # still ends the loop.
    if run_after is not None and task.get_backend().supports_defer:
        task = task.using(run_after=run_after)
    task.enqueue(tenant_id, public_id)


# --- the message ---------------------------------------------------------------------------


def build_order_email(row: OrderMail) -> EmailMessage:
    """The e-mail with the order PDF attached (inside a scope of the row's tenant)."""
    call_off = row.call_off
    is_demo = bool(call_off.is_demo or call_off.tenant.is_demo)
    context = {
        "call_off": call_off,
        "buyer": call_off.tenant,
        "contract": call_off.contract,
        "supplier": call_off.supplier,
        "reply_to": row.copy_to,
        "is_demo": is_demo,
        "platform_name": PLATFORM_NAME,
    }
    with translation.override("de"):
        subject = render_to_string("procurement/email/order_subject.txt", context)
        body = render_to_string("procurement/email/order_body.txt", context)
    copies = [row.copy_to] if row.copy_to else []
    message = EmailMessage(
        subject=" ".join(subject.split()),
        body=body.strip() + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[row.recipient],
        cc=copies,
        reply_to=copies,
    )
    message.attach(order_filename(call_off), order_pdf(call_off), "application/pdf")
    return message


# --- sending (the job) ---------------------------------------------------------------------


def order_mail_deliver(*, tenant_id: int, order_mail_public_id: str) -> str:
    """Send the order e-mail now. Returns the row's status afterwards ("missing" when the
    row is gone). Never raises for a failed send: it records the attempt and schedules the
    next one, or gives up."""
    with scope(tenant=tenant_id), transaction.atomic():
        row = (
            OrderMail.objects.select_for_update(of=("self",))
            .select_related("call_off__tenant", "call_off__supplier", "call_off__contract")
            .filter(public_id=order_mail_public_id)
            .first()
        )
        if row is None:
            return "missing"
        if row.status != OrderMailStatus.PENDING:
            return row.status
        row.attempts += 1
        try:
            build_order_email(row).send()
        except Exception as error:  # PDF, templates or the mail server: retry
            return _record_failure(row, error)
        before = _state(row)
        row.status = OrderMailStatus.SENT
        row.sent_at = timezone.now()
        row.next_attempt_at = None
        row.last_error = ""
        row.save()
        audit_record(
            tenant=row.call_off.tenant,
            actor=None,
            action="order_mail.sent",
            obj=row,
            before=before,
            after=_state(row),
        )
        return row.status


def _record_failure(row: OrderMail, error: Exception) -> str:
    row.last_error = f"{type(error).__name__}: {error}"[:2000]
    if row.attempts >= ORDER_MAIL_MAX_ATTEMPTS:
        row.status = OrderMailStatus.FAILED
        row.next_attempt_at = None
        row.save()
        audit_record(
            tenant=row.call_off.tenant,
            actor=None,
            action="order_mail.failed",
            obj=row,
            after={**_state(row), "error": row.last_error[:500]},
        )
        logger.error(
            "Order e-mail %s of call-off %s given up after %d attempts: %s",
            row.public_id,
            row.call_off.reference,
            row.attempts,
            row.last_error,
        )
        return row.status
    row.next_attempt_at = timezone.now() + retry_delay(row.attempts)
    row.save()
    logger.warning(
        "Order e-mail %s of call-off %s attempt %d failed, next at %s: %s",
        row.public_id,
        row.call_off.reference,
        row.attempts,
        row.next_attempt_at.isoformat(),
        row.last_error,
    )
    _enqueue_on_commit(row, run_after=row.next_attempt_at)
    return row.status


# --- the operator's new round (admin) --------------------------------------------------------


def order_mail_retry(*, actor, order_mail: OrderMail) -> OrderMail:
    """Give a failed order e-mail, or one that had no supplier address, a new round of
    attempts. The supplier's current address is used, so an operator can correct the
    supplier's e-mail first. A row still without an address stays as it is."""
    with scope(tenant=order_mail.tenant_id), transaction.atomic():
        row = (
            OrderMail.objects.select_for_update(of=("self",))
            .select_related("call_off__supplier", "call_off__tenant")
            .get(pk=order_mail.pk)
        )
        if row.status not in (OrderMailStatus.FAILED, OrderMailStatus.NO_ADDRESS):
            return row
        recipient = (row.call_off.supplier.email or "").strip()
        if not recipient:
            return row
        before = _state(row)
        row.recipient = recipient
        row.status = OrderMailStatus.PENDING
        row.attempts = 0
        row.next_attempt_at = None
        row.save()
        audit_record(
            tenant=row.call_off.tenant,
            actor=actor,
            action="order_mail.retry",
            obj=row,
            before=before,
            after=_state(row),
        )
        _enqueue_on_commit(row)
        return row
