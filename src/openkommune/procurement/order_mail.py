"""The e-mail that takes the order document (PDF) of an ordered call-off to the supplier.

Ordering (`calloffs.call_off_order`) records the e-mail in the platform's one outbox
(`core.outbox`) in its own transaction: to the supplier's e-mail address, with a copy (Cc
and Reply-To) to the member's order e-mail from its procurement settings, or to the person
who ordered when none is set, so the member sees what went out and the supplier's answer
reaches the member, not the platform's no-reply sender. The outbox's job (ids only) runs
after the commit, renders the PDF and sends it. A supplier without an e-mail address gets
no e-mail: the row is `no_address` and the member's call-off page asks the member to send
the PDF.

The outbox sends once (the row is locked while sending), retries with backoff and, when the
attempts are used up, marks the row `failed`: logged as an error, recorded in the member's
audit trail (`order_mail.failed`), listed in the cooperative's outbox page in the admin,
where staff can start a new round once the cause is fixed; the supplier's current address is
read again then (`order_mail.retry`).
"""

from __future__ import annotations

from django.core.mail import EmailMessage
from django.utils.translation import gettext_lazy as _

from openkommune.core import outbox
from openkommune.core.models import OutboxMail
from openkommune.procurement.constants import ORDER_MAIL_KIND
from openkommune.procurement.documents import order_filename, order_pdf
from openkommune.procurement.models import CallOff
from openkommune.procurement.selectors import procurement_settings
from openkommune.tenancy.scoping import scope
from openkommune.tenancy.services import audit_record


def _supplier_address(call_off: CallOff) -> str:
    return (call_off.supplier.email or "").strip()


# --- owing the e-mail (inside the order's transaction) -----------------------------------


def order_mail_owe(*, call_off: CallOff, actor) -> OutboxMail:
    """Record the order e-mail of a call-off just ordered and send it after the commit.
    Without a supplier address the row is `no_address` and nothing is sent."""
    tenant = call_off.tenant
    with scope(tenant=tenant):
        copy_to = procurement_settings(tenant=tenant).order_email.strip()
    if not copy_to and actor is not None and actor.is_authenticated:
        copy_to = (actor.email or "").strip()
    row, created = outbox.owe(
        kind=ORDER_MAIL_KIND,
        tenant=tenant,
        subject=call_off,
        recipient=_supplier_address(call_off),
        copy_to=copy_to,
        dedupe_key=f"{ORDER_MAIL_KIND}:{call_off.public_id}",
    )
    if created:
        audit_record(
            tenant=tenant,
            actor=actor,
            action="order_mail.owe",
            obj=row,
            after={"status": row.status, "recipient": row.recipient, "copy_to": row.copy_to},
        )
    return row


# --- the message (built by the outbox's job) -------------------------------------------------


def build_order_email(row: OutboxMail) -> EmailMessage:
    """The e-mail with the order PDF attached."""
    with scope(tenant=row.tenant_id):
        call_off = CallOff.objects.select_related("tenant", "supplier", "contract").get(
            pk=row.subject_id
        )
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


outbox.register(
    ORDER_MAIL_KIND,
    build=build_order_email,
    audit="order_mail",
    label=_("Bestell-E-Mail an den Lieferanten"),
    reference=lambda row: row.subject.reference,
    current_recipient=lambda row: _supplier_address(row.subject),
)
