"""The e-mail that takes the order document (PDF) of an ordered call-off to the supplier.

Ordering (`calloffs.call_off_order`) records an `OrderMail` row in its own transaction: to
the supplier's e-mail address, with a copy (Cc and Reply-To) to the member's order e-mail
from its procurement settings, or to the person who ordered when none is set, so the
member sees what went out and the supplier's answer reaches the member, not the
platform's no-reply sender. The job (`tasks.send_order_mail`, ids only) runs after the
commit, renders the PDF and sends it. A supplier without an e-mail address gets no e-mail:
the row says so and the member's call-off page asks the member to send the PDF.

Sending goes through the platform's outbox (`core.outbox`: German rendering, retries with
backoff). It is idempotent (a row that is not `pending` is never sent again; the row is
locked while sending, so two workers cannot both send it). A row that used up its attempts
is `failed`: logged as an error, recorded in the member's audit trail (`order_mail.failed`),
listed in the admin, where an operator can start a new round (`order_mail_retry`).
"""

from __future__ import annotations

from django.core.mail import EmailMessage
from django.db import transaction

from openkommune.core import jobs, outbox
from openkommune.procurement.constants import OrderMailStatus
from openkommune.procurement.documents import order_filename, order_pdf
from openkommune.procurement.models import CallOff, OrderMail
from openkommune.procurement.selectors import procurement_settings
from openkommune.tenancy.scoping import scope
from openkommune.tenancy.services import audit_record

MAIL_FIELDS = ("status", "recipient", "copy_to", "attempts")
# The job of `tasks.py`, found by name (`core.jobs`).
ORDER_MAIL_JOB = "procurement.order_mail"


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


def _job_args(row: OrderMail) -> tuple:
    return (row.tenant_id, str(row.public_id))


def _enqueue_on_commit(row: OrderMail) -> None:
    jobs.enqueue_on_commit(ORDER_MAIL_JOB, *_job_args(row))


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
    }
    copies = [row.copy_to] if row.copy_to else []
    return outbox.render_email(
        "procurement/email/order",
        context,
        to=[row.recipient],
        cc=copies,
        reply_to=copies,
        attachments=[(order_filename(call_off), order_pdf(call_off), "application/pdf")],
    )


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
        before = _state(row)
        status = outbox.deliver_row(
            row,
            build_order_email,
            job=ORDER_MAIL_JOB,
            args=_job_args(row),
            label=f"Order e-mail {row.public_id} of call-off {row.call_off.reference}",
        )
        if status == OrderMailStatus.SENT:
            audit_record(
                tenant=row.call_off.tenant,
                actor=None,
                action="order_mail.sent",
                obj=row,
                before=before,
                after=_state(row),
            )
        elif status == OrderMailStatus.FAILED:
            audit_record(
                tenant=row.call_off.tenant,
                actor=None,
                action="order_mail.failed",
                obj=row,
                after={**_state(row), "error": row.last_error[:500]},
            )
        return status


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
        outbox.restart_row(row)
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
