"""The cooperative's invoices to its members, issued as XRechnung 3.0 (`xrechnung`).

Issued by the cooperative's staff (`member_invoice_create`, audited in the member's trail);
every XRechnung rule is checked before anything is stored, so an invoice that could not be
sent as a valid XRechnung is refused with the rules it breaks (German, "BR-DE-15: …").
The XML is written on each download from the stored invoice and the cooperative's current
seller data (`member_invoice_xml`).
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from openkommune.procurement import xrechnung
from openkommune.procurement.models import MemberInvoice, MemberInvoiceLine
from openkommune.tenancy.models import Organisation
from openkommune.tenancy.scoping import scope, scopes_disabled
from openkommune.tenancy.selectors import cooperative_get, require_cooperative_staff
from openkommune.tenancy.services import audit_record


def _buyer(tenant: Organisation, email: str) -> xrechnung.Party:
    return xrechnung.Party(
        name=tenant.name,
        street=tenant.street,
        postcode=tenant.postcode,
        city=tenant.city,
        email=email,
    )


def _document(
    *, tenant, number, issue_date, due_date, buyer_reference, buyer_email, lines, note
) -> xrechnung.Invoice:
    cooperative = cooperative_get()
    if cooperative is None:
        raise ValidationError(_("Die Genossenschaft ist noch nicht angelegt."))
    invoice_settings = settings.COOPERATIVE_INVOICE
    return xrechnung.Invoice(
        number=number,
        issue_date=issue_date,
        due_date=due_date,
        buyer_reference=buyer_reference,
        seller=xrechnung.seller_from_settings(cooperative),
        buyer=_buyer(tenant, buyer_email),
        iban=invoice_settings.get("iban", ""),
        bic=invoice_settings.get("bic", ""),
        lines=lines,
        note=note,
    )


def _line(raw: dict, index: int) -> xrechnung.Line:
    try:
        return xrechnung.Line(
            description=str(raw["description"]).strip(),
            quantity=Decimal(str(raw["quantity"])),
            unit_code=str(raw.get("unit_code") or "C62"),
            unit_price=Decimal(str(raw["unit_price"])),
            vat_rate=Decimal(str(raw["vat_rate"])),
        )
    except (KeyError, InvalidOperation) as error:
        raise ValidationError(
            _("Position %(index)s: Bezeichnung, Menge, Preis und Steuersatz sind nötig.")
            % {"index": index}
        ) from error


@transaction.atomic
def member_invoice_create(
    *,
    actor,
    tenant: Organisation,
    number: str,
    issue_date: datetime.date,
    due_date: datetime.date,
    buyer_reference: str,
    buyer_email: str,
    lines: list[dict],
    note: str = "",
) -> MemberInvoice:
    """Issue an invoice to the member; refused (ValidationError naming each XRechnung rule,
    nothing stored) when it could not be a valid XRechnung."""
    require_cooperative_staff(actor, _("Rechnungen an Mitglieder stellt die Genossenschaft."))
    parsed = [_line(raw, index) for index, raw in enumerate(lines, start=1)]
    document = _document(
        tenant=tenant, number=number.strip(), issue_date=issue_date, due_date=due_date,
        buyer_reference=buyer_reference.strip(), buyer_email=buyer_email.strip(),
        lines=parsed, note=note.strip(),
    )  # fmt: skip
    problems = xrechnung.check_data(document)
    if problems:
        raise ValidationError(problems)
    # Numbers are unique across members; only existence is read.
    with scopes_disabled():
        taken = MemberInvoice.objects.filter(number=document.number).exists()
    if taken:
        raise ValidationError(_("Diese Rechnungsnummer ist schon vergeben."))
    with scope(tenant=tenant):
        invoice = MemberInvoice.objects.create(
            tenant=tenant,
            number=document.number,
            issue_date=issue_date,
            due_date=due_date,
            buyer_reference=document.buyer_reference,
            buyer_email=document.buyer.email,
            note=document.note,
            created_by=actor if actor is not None and actor.is_authenticated else None,
            is_demo=tenant.is_demo,
        )
        for line in parsed:
            MemberInvoiceLine.objects.create(
                tenant=tenant,
                invoice=invoice,
                description=line.description,
                quantity=line.quantity,
                unit_code=line.unit_code,
                unit_price=line.unit_price,
                vat_rate=line.vat_rate,
                line_total=line.total,
            )
        # The whole document, written and checked once before it counts as issued.
        xrechnung.to_xml(document)
    audit_record(
        tenant=tenant,
        actor=actor,
        action="member_invoice.create",
        obj=invoice,
        after={
            "number": invoice.number,
            "net": str(document.net_total),
            "gross": str(document.grand_total),
        },
    )
    return invoice


def member_invoice_xml(invoice: MemberInvoice) -> bytes:
    """The XRechnung of a stored invoice (read it in the member's scope)."""
    lines = [
        xrechnung.Line(
            description=line.description,
            quantity=line.quantity,
            unit_code=line.unit_code,
            unit_price=line.unit_price,
            vat_rate=line.vat_rate,
        )
        for line in invoice.lines.all()
    ]
    return xrechnung.to_xml(
        _document(
            tenant=invoice.tenant, number=invoice.number, issue_date=invoice.issue_date,
            due_date=invoice.due_date, buyer_reference=invoice.buyer_reference,
            buyer_email=invoice.buyer_email, lines=lines, note=invoice.note,
        )
    )  # fmt: skip
