"""The order document (Bestellung) sent to the supplier, as an accessible PDF (PDF/UA-1).

Rendered from the ordered call-off on each download: once ordered, a call-off and its lines
no longer change, so the document is the same every time.
"""

from __future__ import annotations

from openkommune.core import pdf
from openkommune.procurement.constants import CallOffStatus
from openkommune.procurement.models import CallOff
from openkommune.procurement.selectors import call_off_lines, procurement_settings
from openkommune.tenancy.scoping import scope


def order_pdf(call_off: CallOff) -> bytes:
    """PDF bytes of the order; only for ordered call-offs (ValueError otherwise)."""
    if call_off.status != CallOffStatus.ORDERED:
        raise ValueError("Only an ordered call-off has an order document.")
    with scope(tenant=call_off.tenant_id):
        buyer_settings = procurement_settings(tenant=call_off.tenant)
    return pdf.render_pdf(
        "procurement/order_pdf.html",
        {
            "call_off": call_off,
            "lines": list(call_off_lines(call_off)),
            "buyer": call_off.tenant,
            "supplier": call_off.supplier,
            "contract": call_off.contract,
            # Where and how the supplier's XRechnung is addressed (BT-10, BT-49, BT-13).
            "buyer_settings": buyer_settings,
            "is_demo": call_off.is_demo or call_off.tenant.is_demo,
        },
    )


def order_filename(call_off: CallOff) -> str:
    return f"Bestellung-{call_off.reference}.pdf"
