"""Goods receipts and incoming supplier invoices of a member: receive, match, release.

1. **Goods receipt** (`goods_receipt_record`): what arrived of an ordered call-off, per line;
   never more than ordered in total.
2. **Receipt of an invoice** (`supplier_invoice_receive`): an XRechnung in UBL or CII syntax
   (`incoming_xrechnung`), refused with the EN 16931 / XRechnung rules it breaks and nothing
   stored; then assigned to the member's ordered call-off its order reference (BT-13) names,
   addressed to the member's Leitweg-ID (BT-10) and from the call-off's supplier.
3. **Three-way match** (`three_way_match`): each invoice line against the ordered line
   (article number BT-155, else the description) and what was received: quantities
   (invoiced so far ≤ received ≤ ordered), unit prices (tolerance
   `INVOICE_PRICE_TOLERANCE_PERCENT`), the invoice's net total against the ordered price of
   what it bills (tolerance `INVOICE_TOTAL_TOLERANCE_EUR`). Deviations are flagged, not
   refused: the invoice is stored with its findings.
4. **Payment release** (`supplier_invoice_release`): by a member administrator who neither
   received the invoice nor recorded a goods receipt of the call-off (four eyes); with
   deviations only with a written reason. Or the invoice is rejected with a reason.

Every change writes an audit record in the member's trail; a refused control is recorded
too (`procurement.refused`, see `calloffs.records_refusals`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from openkommune.core.formatting import format_money, format_number
from openkommune.procurement import incoming_xrechnung
from openkommune.procurement.calloffs import (
    APPROVER_ROLE,
    CALLER_ROLES,
    Refused,
    _person,
    _require_role,
    records_refusals,
)
from openkommune.procurement.constants import CallOffStatus
from openkommune.procurement.models import (
    CallOff,
    CallOffLine,
    GoodsReceipt,
    GoodsReceiptLine,
    SupplierInvoice,
    SupplierInvoiceLine,
)
from openkommune.procurement.selectors import procurement_settings
from openkommune.procurement.xrechnung import XRechnungError
from openkommune.tenancy.models import Organisation
from openkommune.tenancy.scoping import scope
from openkommune.tenancy.services import audit_record

CENT = Decimal("0.01")


def _require_clerk(actor, tenant: Organisation) -> None:
    _require_role(
        actor, tenant, CALLER_ROLES,
        _("Wareneingänge und Rechnungen erfassen Beschäftigte des Mitglieds."),
    )  # fmt: skip


def _locked_call_off(tenant: Organisation, call_off: CallOff) -> CallOff:
    with scope(tenant=tenant):
        return (
            CallOff.objects.select_for_update()
            .select_related("supplier", "contract")
            .get(pk=call_off.pk, tenant=tenant)
        )


# --- goods receipt ----------------------------------------------------------------------------


def received_quantities(call_off: CallOff) -> dict[int, int]:
    """Units received so far per call-off line id."""
    with scope(tenant=call_off.tenant):
        rows = (
            GoodsReceiptLine.objects.filter(
                tenant_id=call_off.tenant_id, call_off_line__call_off=call_off
            )
            .values("call_off_line_id")
            .annotate(total=Sum("quantity"))
        )
        return {row["call_off_line_id"]: row["total"] for row in rows}


@transaction.atomic
def goods_receipt_record(
    *,
    tenant: Organisation,
    actor,
    call_off: CallOff,
    quantities: dict[int, int],
    received_on: datetime.date,
    delivery_note: str = "",
    note: str = "",
) -> GoodsReceipt:
    """Record a delivery of an ordered call-off: `quantities` maps call-off line ids to
    units received now (0 or missing: none). Refused (nothing stored) unless the call-off is
    ordered, something arrived, nothing beyond what was ordered, and not in the future."""
    _require_clerk(actor, tenant)
    call_off = _locked_call_off(tenant, call_off)
    if call_off.status != CallOffStatus.ORDERED:
        raise ValidationError(
            _("Wareneingänge gibt es nur für bestellte Abrufe; %(reference)s ist „%(status)s“.")
            % {"reference": call_off.reference, "status": call_off.get_status_display()}
        )
    if received_on > timezone.localdate():
        raise ValidationError(_("Das Eingangsdatum liegt in der Zukunft."))
    with scope(tenant=tenant):
        lines = {
            line.pk: line
            for line in CallOffLine.objects.filter(tenant=tenant, call_off=call_off).select_related(
                "item"
            )
        }
    unknown = set(quantities) - set(lines)
    if unknown:
        raise ValidationError(_("Eine Position gehört nicht zu diesem Abruf."))
    if any(quantity < 0 for quantity in quantities.values()):
        raise ValidationError(_("Mengen können nicht negativ sein."))
    if not any(quantities.values()):
        raise ValidationError(_("Geben Sie bei mindestens einer Position eine Menge ein."))
    before = received_quantities(call_off)
    problems = []
    for line_id, quantity in quantities.items():
        line = lines[line_id]
        if before.get(line_id, 0) + quantity > line.quantity:
            problems.append(
                _(
                    "%(item)s: bestellt %(ordered)s, erhalten bisher %(before)s – %(now)s "
                    "weitere wären mehr als bestellt."
                )
                % {
                    "item": line.item.description,
                    "ordered": line.quantity,
                    "before": before.get(line_id, 0),
                    "now": quantity,
                }
            )
    if problems:
        raise ValidationError(problems)
    with scope(tenant=tenant):
        receipt = GoodsReceipt.objects.create(
            tenant=tenant,
            call_off=call_off,
            received_on=received_on,
            delivery_note=delivery_note.strip(),
            note=note.strip(),
            recorded_by=_person(actor),
        )
        for line_id, quantity in quantities.items():
            if quantity:
                GoodsReceiptLine.objects.create(
                    tenant=tenant, receipt=receipt, call_off_line=lines[line_id], quantity=quantity
                )
    audit_record(
        tenant=tenant,
        actor=actor,
        action="goods_receipt.record",
        obj=call_off,
        after={
            "receipt": str(receipt.public_id),
            "received_on": received_on.isoformat(),
            "delivery_note": receipt.delivery_note,
            "lines": {lines[k].item.article_number: v for k, v in quantities.items() if v},
        },
    )
    _rematch_open_invoices(tenant, call_off)
    return receipt


# --- three-way match --------------------------------------------------------------------------


@dataclass(frozen=True)
class Tolerances:
    price_percent: Decimal
    total_euros: Decimal

    @classmethod
    def from_settings(cls) -> Tolerances:
        return cls(
            price_percent=Decimal(str(settings.INVOICE_PRICE_TOLERANCE_PERCENT)),
            total_euros=Decimal(str(settings.INVOICE_TOTAL_TOLERANCE_EUR)),
        )


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _find_order_line(line, order_lines: list[CallOffLine]) -> CallOffLine | None:
    if line.seller_item_id:
        for order_line in order_lines:
            if order_line.item.article_number == line.seller_item_id:
                return order_line
    wanted = line.description.strip().casefold()
    for order_line in order_lines:
        if order_line.item.description.strip().casefold() == wanted:
            return order_line
    return None


def _invoiced_before(invoice: SupplierInvoice) -> dict[int, Decimal]:
    """Units billed per call-off line by the call-off's other invoices (not rejected)."""
    rows = (
        SupplierInvoiceLine.objects.filter(
            tenant_id=invoice.tenant_id,
            invoice__call_off_id=invoice.call_off_id,
            call_off_line__isnull=False,
        )
        .exclude(invoice__status=SupplierInvoice.Status.REJECTED)
        .exclude(invoice_id=invoice.pk)
        .values("call_off_line_id")
        .annotate(total=Sum("quantity"))
    )
    return {row["call_off_line_id"]: row["total"] for row in rows}


def three_way_match(invoice: SupplierInvoice, tolerances: Tolerances | None = None) -> dict:
    """Order ↔ goods receipt ↔ invoice for a stored invoice (read in the member's scope);
    assigns each invoice line its order line. The result: {"ok", "findings", "lines",
    "expected_net", "invoice_net", "tolerances"}; a finding is {"code", "message"}."""
    tolerances = tolerances or Tolerances.from_settings()
    call_off = invoice.call_off
    order_lines = list(
        CallOffLine.objects.filter(tenant_id=call_off.tenant_id, call_off=call_off).select_related(
            "item"
        )
    )
    received = received_quantities(call_off)
    before = _invoiced_before(invoice)
    findings: list[dict] = []
    rows: list[dict] = []
    billed: dict[int, Decimal] = {}
    expected_net = Decimal("0.00")

    def flag(code: str, message: str) -> None:
        findings.append({"code": code, "message": message})

    if invoice.supplier_id != call_off.supplier_id:
        flag("supplier", _("Die Rechnung kommt nicht vom Lieferanten des Abrufs."))
    supplier_vat = invoice.supplier.vat_id.replace(" ", "")
    if (
        supplier_vat
        and invoice.seller_vat_id
        and invoice.seller_vat_id.replace(" ", "") != supplier_vat
    ):
        flag(
            "seller",
            _(
                "Die USt-IdNr. des Verkäufers (BT-31) %(invoice)s ist nicht die des "
                "Lieferanten (%(supplier)s)."
            )
            % {"invoice": invoice.seller_vat_id, "supplier": invoice.supplier.vat_id},
        )
    for line in invoice.lines.all():
        order_line = _find_order_line(line, order_lines)
        if line.call_off_line_id != (order_line.pk if order_line else None):
            line.call_off_line = order_line
            line.save(update_fields=["call_off_line"])
        row = {
            "line_id": line.line_id,
            "description": line.description,
            "invoiced": _qty(line.quantity),
            "invoice_price": line.unit_price,
            "line_total": line.line_total,
            "order_line": None,
            "ordered": None,
            "received": None,
            "order_price": None,
            "deviations": [],
        }
        rows.append(row)
        where = _("Position %(id)s (%(name)s)") % {"id": line.line_id, "name": line.description}
        if order_line is None:
            message = _("%(where)s wurde nicht bestellt.") % {"where": where}
            row["deviations"].append(message)
            flag("not_ordered", message)
            continue
        ordered_price = (
            _money(order_line.line_total / order_line.quantity)
            if order_line.quantity
            else order_line.unit_price
        )
        row.update(
            order_line=order_line.pk,
            ordered=order_line.quantity,
            received=received.get(order_line.pk, 0),
            order_price=order_line.unit_price,
        )
        billed[order_line.pk] = billed.get(order_line.pk, Decimal("0")) + line.quantity
        expected_net += _money(order_line.line_total * line.quantity / order_line.quantity)
        allowed = ordered_price * tolerances.price_percent / 100
        if abs(line.unit_price - ordered_price) > allowed:
            message = _(
                "%(where)s: Preis %(invoiced)s € statt bestellt %(ordered)s € je Einheit."
            ) % {
                "where": where,
                "invoiced": format_money(line.unit_price, currency=False),
                "ordered": format_money(ordered_price, currency=False),
            }
            row["deviations"].append(message)
            flag("price", message)
        if abs(line.quantity * line.unit_price - line.line_total) > CENT:
            message = _("%(where)s: Menge × Preis ergibt nicht den Positionsbetrag.") % {
                "where": where
            }
            row["deviations"].append(message)
            flag("line_amount", message)
    for order_line in order_lines:
        if order_line.pk not in billed:
            continue
        total_billed = before.get(order_line.pk, Decimal("0")) + billed[order_line.pk]
        got = received.get(order_line.pk, 0)
        name = order_line.item.description
        if total_billed > order_line.quantity:
            message = _("%(name)s: berechnet %(billed)s, bestellt nur %(ordered)s.") % {
                "name": name,
                "billed": _qty(total_billed),
                "ordered": order_line.quantity,
            }
            flag("over_order", message)
            _add_row_deviation(rows, order_line, message)
        if total_billed > got:
            message = _(
                "%(name)s: berechnet %(billed)s, erhalten erst %(received)s (Wareneingang)."
            ) % {"name": name, "billed": _qty(total_billed), "received": got}
            flag("over_receipt", message)
            _add_row_deviation(rows, order_line, message)
    if abs(invoice.net_total - expected_net) > tolerances.total_euros:
        flag(
            "total",
            _(
                "Nettobetrag der Rechnung %(invoice)s € statt %(expected)s € nach den "
                "Bestellpreisen (Abweichung %(diff)s €)."
            )
            % {
                "invoice": format_money(invoice.net_total, currency=False),
                "expected": format_money(expected_net, currency=False),
                "diff": format_money(invoice.net_total - expected_net, currency=False),
            },
        )
    return {
        "ok": not findings,
        "findings": findings,
        "lines": rows,
        "expected_net": expected_net,
        "invoice_net": invoice.net_total,
        "tolerances": {
            "price_percent": tolerances.price_percent,
            "total_euros": tolerances.total_euros,
        },
    }


def _qty(value: Decimal) -> str:
    """A quantity as people read it: "10", "2,5"."""
    exact = value.to_integral_value() if value == value.to_integral_value() else value.normalize()
    return format_number(exact, grouping=False)


def _add_row_deviation(rows: list[dict], order_line: CallOffLine, message: str) -> None:
    for row in rows:
        if row["order_line"] == order_line.pk:
            row["deviations"].append(message)
            return


def _store_match(invoice: SupplierInvoice) -> dict:
    result = three_way_match(invoice)
    invoice.match = result
    invoice.matched_at = timezone.now()
    invoice.save(update_fields=["match", "matched_at"])
    return result


def _rematch_open_invoices(tenant: Organisation, call_off: CallOff) -> None:
    """A new goods receipt changes the match of the call-off's invoices still open."""
    with scope(tenant=tenant):
        for invoice in SupplierInvoice.objects.filter(
            tenant=tenant, call_off=call_off, status=SupplierInvoice.Status.RECEIVED
        ).select_related("call_off"):
            _store_match(invoice)


# --- receiving --------------------------------------------------------------------------------


@transaction.atomic
def supplier_invoice_receive(*, tenant: Organisation, actor, data: bytes) -> SupplierInvoice:
    """Receive an XRechnung (UBL or CII). Refused, nothing stored, with a ValidationError
    naming every rule broken (XRechnungError messages) or why it cannot be assigned."""
    _require_clerk(actor, tenant)
    try:
        parsed = incoming_xrechnung.read(data)
    except XRechnungError as error:
        raise ValidationError(error.problems) from error
    problems = []
    with scope(tenant=tenant):
        member_settings = procurement_settings(tenant=tenant)
    if member_settings.leitweg_id and parsed.buyer_reference != member_settings.leitweg_id:
        problems.append(
            _(
                "Empfang: Die Rechnung ist an die Leitweg-ID %(invoice)s adressiert (BT-10), "
                "Ihre ist %(own)s."
            )
            % {"invoice": parsed.buyer_reference, "own": member_settings.leitweg_id}
        )
    if parsed.currency != "EUR":
        problems.append(
            _("Empfang: Abrufe werden in Euro bestellt; die Rechnung ist in %(currency)s (BT-5).")
            % {"currency": parsed.currency}
        )
    call_off = None
    if not parsed.order_reference:
        problems.append(
            _("Empfang: Die Rechnung nennt keine Bestellreferenz (BT-13), also keinen Abruf.")
        )
    else:
        with scope(tenant=tenant):
            call_off = (
                CallOff.objects.filter(tenant=tenant, reference=parsed.order_reference)
                .select_related("supplier")
                .first()
            )
        if call_off is None:
            problems.append(
                _("Empfang: Die Bestellreferenz (BT-13) %(reference)s ist kein Abruf Ihres Hauses.")
                % {"reference": parsed.order_reference}
            )
        elif call_off.status != CallOffStatus.ORDERED:
            problems.append(
                _("Empfang: Der Abruf %(reference)s ist „%(status)s“, nicht bestellt.")
                % {"reference": call_off.reference, "status": call_off.get_status_display()}
            )
    if problems:
        raise ValidationError(problems)
    call_off = _locked_call_off(tenant, call_off)
    with scope(tenant=tenant):
        if SupplierInvoice.objects.filter(
            tenant=tenant, supplier=call_off.supplier, number=parsed.number
        ).exists():
            raise ValidationError(
                _("Die Rechnung %(number)s von %(supplier)s liegt schon vor.")
                % {"number": parsed.number, "supplier": call_off.supplier.name}
            )
        try:
            with transaction.atomic():
                invoice = SupplierInvoice.objects.create(
                    tenant=tenant,
                    call_off=call_off,
                    supplier=call_off.supplier,
                    number=parsed.number,
                    issue_date=parsed.issue_date,
                    due_date=parsed.due_date,
                    syntax=parsed.syntax,
                    currency=parsed.currency,
                    buyer_reference=parsed.buyer_reference,
                    order_reference=parsed.order_reference,
                    seller_name=parsed.seller.name[:300],
                    seller_vat_id=parsed.seller.vat_id[:40],
                    net_total=parsed.tax_basis_total,
                    tax_total=parsed.tax_total or Decimal("0"),
                    gross_total=parsed.grand_total,
                    due_amount=parsed.due_amount,
                    document=data,
                    received_by=_person(actor),
                )
        except IntegrityError as error:
            raise ValidationError(_("Diese Rechnung des Lieferanten liegt schon vor.")) from error
        for line in parsed.lines:
            quantity = line.quantity or Decimal("0")
            price = line.unit_price or Decimal("0")
            if line.base_quantity:
                price = price / line.base_quantity
            SupplierInvoiceLine.objects.create(
                tenant=tenant,
                invoice=invoice,
                line_id=line.line_id[:50],
                description=line.description[:500],
                seller_item_id=line.seller_item_id[:100],
                quantity=quantity,
                unit_code=line.unit_code[:3],
                unit_price=price,
                line_total=line.line_total or Decimal("0"),
                vat_rate=line.vat_rate,
            )
        result = _store_match(invoice)
    audit_record(
        tenant=tenant,
        actor=actor,
        action="supplier_invoice.receive",
        obj=invoice,
        after={
            "number": invoice.number,
            "call_off": call_off.reference,
            "syntax": invoice.syntax,
            "net": str(invoice.net_total),
            "gross": str(invoice.gross_total),
            "match_ok": result["ok"],
            "findings": [finding["code"] for finding in result["findings"]],
        },
    )
    return invoice


# --- decision ---------------------------------------------------------------------------------


def _locked_invoice(tenant: Organisation, invoice: SupplierInvoice) -> SupplierInvoice:
    with scope(tenant=tenant):
        return (
            SupplierInvoice.objects.select_for_update()
            .select_related("call_off", "supplier")
            .get(pk=invoice.pk, tenant=tenant)
        )


def _require_open(invoice: SupplierInvoice) -> None:
    if invoice.status != SupplierInvoice.Status.RECEIVED:
        raise ValidationError(
            _("Die Rechnung %(number)s ist schon „%(status)s“.")
            % {"number": invoice.number, "status": invoice.get_status_display()}
        )


def release_blockers(invoice: SupplierInvoice, actor) -> list[str]:
    """Why `actor` may not release the invoice (four eyes), empty when they may."""
    person = _person(actor)
    if person is None:
        return []
    reasons = []
    if invoice.received_by_id == person.pk:
        reasons.append(_("Sie haben die Rechnung erfasst."))
    with scope(tenant=invoice.tenant):
        recorded = GoodsReceipt.objects.filter(
            tenant_id=invoice.tenant_id, call_off_id=invoice.call_off_id, recorded_by=person
        ).exists()
    if recorded:
        reasons.append(_("Sie haben den Wareneingang des Abrufs erfasst."))
    return reasons


@records_refusals
@transaction.atomic
def supplier_invoice_release(
    *, tenant: Organisation, actor, invoice: SupplierInvoice, note: str = ""
) -> SupplierInvoice:
    """Release the invoice for payment (a member administrator, not who received the invoice
    or the goods: four eyes). The match is computed again; with deviations a reason is
    required and recorded."""
    _require_role(
        actor, tenant, {APPROVER_ROLE},
        _("Rechnungen gibt die Mitgliedsverwaltung zur Zahlung frei."),
    )  # fmt: skip
    invoice = _locked_invoice(tenant, invoice)
    _require_open(invoice)
    blockers = release_blockers(invoice, actor)
    if blockers:
        raise Refused(
            _("Vier-Augen-Prinzip: Freigeben muss eine andere Person. %(reasons)s")
            % {"reasons": " ".join(blockers)},
            invoice,
        )
    with scope(tenant=tenant):
        result = _store_match(invoice)
    note = note.strip()
    if not result["ok"] and not note:
        raise ValidationError(
            _(
                "Der Abgleich hat Abweichungen. Begründen Sie die Freigabe trotz "
                "Abweichungen, oder weisen Sie die Rechnung zurück."
            )
        )
    invoice.status = SupplierInvoice.Status.RELEASED
    invoice.decided_by = _person(actor)
    invoice.decided_at = timezone.now()
    invoice.decision_note = note
    with scope(tenant=tenant):
        invoice.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_record(
        tenant=tenant,
        actor=actor,
        action="supplier_invoice.release",
        obj=invoice,
        before={"status": SupplierInvoice.Status.RECEIVED},
        after={
            "status": invoice.status,
            "match_ok": result["ok"],
            "findings": [finding["code"] for finding in result["findings"]],
            "note": note,
            "amount": str(invoice.due_amount),
        },
    )
    return invoice


@transaction.atomic
def supplier_invoice_reject(
    *, tenant: Organisation, actor, invoice: SupplierInvoice, note: str
) -> SupplierInvoice:
    """Reject the invoice (back to the supplier); a reason is required."""
    _require_clerk(actor, tenant)
    if not note.strip():
        raise ValidationError(_("Bitte begründen Sie die Zurückweisung."))
    invoice = _locked_invoice(tenant, invoice)
    _require_open(invoice)
    invoice.status = SupplierInvoice.Status.REJECTED
    invoice.decided_by = _person(actor)
    invoice.decided_at = timezone.now()
    invoice.decision_note = note.strip()
    with scope(tenant=tenant):
        invoice.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_record(
        tenant=tenant,
        actor=actor,
        action="supplier_invoice.reject",
        obj=invoice,
        before={"status": SupplierInvoice.Status.RECEIVED},
        after={"status": invoice.status, "note": invoice.decision_note},
    )
    return invoice
