"""The history of one call-off as its member sees it: the member's own audit records about
the call-off, its goods receipts and its supplier invoices, oldest first, in words.

Read in the member's scope only (the records are the member's tenant's), so a member sees
the trail of its own call-offs and nothing of another member's.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from openkommune.procurement.models import CallOff, SupplierInvoice
from openkommune.tenancy.models import AuditRecord

ACTION_LABELS = {
    "call_off.create": _("Entwurf angelegt"),
    "call_off.award": _("aus einer Bündelungsrunde angelegt"),
    "call_off.add_line": _("Position hinzugefügt"),
    "call_off.update_line": _("Menge geändert"),
    "call_off.remove_line": _("Position entfernt"),
    "call_off.update_details": _("Angaben geändert"),
    "call_off.share": _("Entwurf geteilt"),
    "call_off.submit": _("eingereicht"),
    "call_off.approve": _("freigegeben"),
    "call_off.reject": _("abgelehnt"),
    "call_off.order": _("bestellt"),
    "call_off.cancel": _("storniert"),
    "procurement.refused": _("Schritt verweigert"),
    "goods_receipt.record": _("Wareneingang erfasst"),
    "supplier_invoice.receive": _("Rechnung eingegangen"),
    "supplier_invoice.release": _("Rechnung zur Zahlung freigegeben"),
    "supplier_invoice.reject": _("Rechnung zurückgewiesen"),
}


@dataclass(frozen=True)
class TrailEntry:
    at: object
    who: str
    what: str
    detail: str


def _detail(record: AuditRecord) -> str:
    after = record.after or {}
    for key in ("reason", "note"):
        if after.get(key):
            return str(after[key])
    if record.action.startswith("supplier_invoice.") and after.get("number"):
        return str(after["number"])
    if after.get("delivery_note"):
        return str(after["delivery_note"])
    return ""


def call_off_trail(call_off: CallOff) -> list[TrailEntry]:
    """Audit records of the call-off and of its invoices, oldest first (call it in the
    member's scope)."""
    invoice_ids = [
        str(public_id)
        for public_id in SupplierInvoice.objects.filter(
            tenant_id=call_off.tenant_id, call_off=call_off
        ).values_list("public_id", flat=True)
    ]
    records = (
        AuditRecord.objects.filter(tenant_id=call_off.tenant_id)
        .filter(
            object_type__in=("procurement.calloff", "procurement.supplierinvoice"),
            object_id__in=[str(call_off.public_id), *invoice_ids],
        )
        .select_related("actor")
        .order_by("created_at", "id")
    )
    entries = []
    for record in records:
        actor = record.actor
        who = (actor.get_full_name() or actor.email) if actor is not None else str(_("System"))
        entries.append(
            TrailEntry(
                at=record.created_at,
                who=who,
                what=str(ACTION_LABELS.get(record.action, record.action)),
                detail=_detail(record),
            )
        )
    return entries
