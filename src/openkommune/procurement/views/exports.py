"""Downloads of procurement tables as CSV or XLSX with typed cells (dates as dates, amounts
and quantities as numbers): a member's call-offs, the cooperative's framework contracts.
Round results are downloaded from the bundling app (`bundling.views.rounds.result_export`)."""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from openkommune.accounts.access import login_or_redirect
from openkommune.core.table_writing import FORMATS, TYPED_FORMATS, table_response
from openkommune.procurement import selectors
from openkommune.procurement.access import member_tenant, require_staff
from openkommune.procurement.constants import ContractStatus


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise Http404(_("Dieses Format gibt es nicht."))
    return fmt


def _day(moment):
    return timezone.localtime(moment).date() if moment else None


@login_or_redirect
@require_GET
def call_offs(request, fmt):
    """The member's call-offs (optionally of one status, `?status=`), newest first."""
    fmt = _format(fmt)
    tenant = member_tenant(request)
    status = request.GET.get("status") or None
    rows = [
        [
            call_off.reference,
            call_off.get_status_display(),
            call_off.contract.number,
            call_off.supplier.name,
            _day(call_off.created_at),
            _day(call_off.submitted_at),
            _day(call_off.ordered_at),
            call_off.quantity_total,
            call_off.total,
            call_off.buyer_reference,
            call_off.origin,
        ]
        for call_off in selectors.call_off_list(tenant=tenant, status=status)
    ]
    headers = [
        _("Abrufnummer"), _("Status"), _("Rahmenvertrag"), _("Lieferant"), _("angelegt am"),
        _("eingereicht am"), _("bestellt am"), _("Menge"), _("Gesamtwert (Euro, netto)"),
        _("Ihr Zeichen"), _("Herkunft"),
    ]  # fmt: skip
    return table_response(
        format=fmt, filename="abrufe", headers=headers, rows=rows, title=_("Abrufe"),
        number_formats=TYPED_FORMATS,
    )  # fmt: skip


@login_or_redirect
@require_GET
def contracts(request, fmt):
    """Every framework contract with its term, maximum and committed volume (staff)."""
    fmt = _format(fmt)
    require_staff(request)
    rows = []
    for contract in selectors.contract_list():
        usage = selectors.contract_usage(contract)
        rows.append(
            [
                contract.number,
                contract.title,
                contract.get_legal_basis_display(),
                contract.starts_on,
                contract.ends_on,
                contract.max_value,
                contract.max_quantity,
                usage.used_value,
                usage.used_quantity,
                float(usage.percent) if usage.share.is_finite() else None,
                str(ContractStatus(selectors.contract_status(contract, usage=usage)).label),
                ", ".join(supplier.name for supplier in contract.suppliers.all()),
            ]
        )
    headers = [
        _("Vertragsnummer"), _("Bezeichnung"), _("Rechtsgrundlage"), _("Laufzeit ab"),
        _("Laufzeit bis"), _("Höchstwert (Euro, netto)"), _("Höchstmenge"),
        _("gebunden (Euro, netto)"), _("gebundene Menge"), _("ausgeschöpft (%)"), _("Status"),
        _("Lieferanten"),
    ]  # fmt: skip
    return table_response(
        format=fmt, filename="rahmenvertraege", headers=headers, rows=rows,
        title=_("Rahmenverträge"), number_formats=TYPED_FORMATS,
    )  # fmt: skip
