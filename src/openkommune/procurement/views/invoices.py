"""Pages of members for goods receipts and supplier invoices (XRechnung in): record a
delivery, upload an invoice (refused with the rules it breaks), list invoices (filter, sort,
pages), read one with its three-way match, release it for payment after a confirmation
(four eyes) or reject it. Everything is read in the member's scope: another member's
invoice answers 404 like a missing one."""

from __future__ import annotations

import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openkommune.accounts.access import login_or_redirect
from openkommune.core.files import download_response
from openkommune.procurement import selectors, supplier_invoices
from openkommune.procurement.access import is_approver, member_tenant
from openkommune.procurement.constants import CallOffStatus
from openkommune.procurement.forms import (
    GoodsReceiptForm,
    InvoiceDecisionForm,
    SupplierInvoiceFilterForm,
    SupplierInvoiceUploadForm,
)
from openkommune.procurement.incoming_xrechnung import MAX_BYTES
from openkommune.procurement.models import CallOff, SupplierInvoice
from openkommune.tenancy.scoping import scope

PAGE_SIZE = 25
SORTS = {
    "-eingang": ("-received_at", "-id"),
    "eingang": ("received_at", "id"),
    "faellig": ("due_date", "received_at"),
    "-betrag": ("-due_amount", "-id"),
    "lieferant": ("supplier__name", "-received_at"),
}


def _call_off_or_404(tenant, reference) -> CallOff:
    try:
        return selectors.call_off_get(tenant=tenant, reference=reference)
    except CallOff.DoesNotExist as error:
        raise Http404(_("Diesen Abruf gibt es nicht.")) from error


def _invoice_or_404(tenant, public_id) -> SupplierInvoice:
    with scope(tenant=tenant):
        invoice = (
            SupplierInvoice.objects.filter(tenant=tenant, public_id=public_id)
            .select_related("call_off", "supplier", "received_by", "decided_by")
            .first()
        )
    if invoice is None:
        raise Http404(_("Diese Rechnung gibt es nicht."))
    return invoice


# --- goods receipt ----------------------------------------------------------------------------


@login_or_redirect
@require_http_methods(["GET", "POST"])
def goods_receipt(request, reference):
    tenant = member_tenant(request)
    call_off = _call_off_or_404(tenant, reference)
    if call_off.status != CallOffStatus.ORDERED:
        raise Http404(_("Wareneingänge gibt es nur für bestellte Abrufe."))
    lines = list(selectors.call_off_lines(call_off))
    received = supplier_invoices.received_quantities(call_off)
    form = GoodsReceiptForm(
        request.POST or None,
        lines=lines,
        received=received,
        initial={"received_on": selectors.today()},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                supplier_invoices.goods_receipt_record(
                    tenant=tenant,
                    actor=request.user,
                    call_off=call_off,
                    quantities=form.quantities(),
                    received_on=form.cleaned_data["received_on"],
                    delivery_note=form.cleaned_data["delivery_note"],
                    note=form.cleaned_data["note"],
                )
            except (ValidationError, PermissionDenied) as error:
                form.add_error(None, getattr(error, "messages", [str(error)]))
            else:
                messages.success(request, _("Der Wareneingang ist erfasst."))
                return redirect("procurement:call_off_detail", call_off.reference)
        status = 422
    context = {
        "call_off": call_off,
        "form": form,
        "line_fields": [form[n] for _l, n in form.line_fields],
    }
    return render(request, "procurement/member/goods_receipt.html", context, status=status)


# --- supplier invoices ------------------------------------------------------------------------


@login_or_redirect
@require_GET
def invoice_list(request):
    tenant = member_tenant(request)
    form = SupplierInvoiceFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    with scope(tenant=tenant):
        invoices = SupplierInvoice.objects.filter(tenant=tenant).select_related(
            "call_off", "supplier"
        )
        if data.get("status"):
            invoices = invoices.filter(status=data["status"])
        if data.get("abgleich") == "ok":
            invoices = invoices.filter(match__ok=True)
        elif data.get("abgleich") == "abweichung":
            invoices = invoices.filter(match__ok=False)
        invoices = invoices.order_by(*SORTS[data.get("sortierung") or "-eingang"])
        page = Paginator(invoices, PAGE_SIZE).get_page(request.GET.get("seite"))
    query = request.GET.copy()
    query.pop("seite", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "procurement/member/supplier_invoice_list.html", context)


@login_or_redirect
@require_http_methods(["GET", "POST"])
def invoice_upload(request):
    tenant = member_tenant(request)
    form = SupplierInvoiceUploadForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            upload = form.cleaned_data["datei"]
            if upload.size > MAX_BYTES:
                form.add_error("datei", _("Die Datei ist größer als 5 MB."))
            else:
                try:
                    invoice = supplier_invoices.supplier_invoice_receive(
                        tenant=tenant, actor=request.user, data=upload.read()
                    )
                except (ValidationError, PermissionDenied) as error:
                    problems = getattr(error, "messages", [str(error)])
                    form.add_error(
                        "datei",
                        _("Die Rechnung wurde nicht angenommen; die Gründe stehen unten."),
                    )
                else:
                    messages.success(
                        request,
                        _("Die Rechnung %(number)s ist eingegangen und abgeglichen.")
                        % {"number": invoice.number},
                    )
                    return redirect("procurement:supplier_invoice_detail", invoice.public_id)
    context = {"form": form, "problems": problems}
    return render(
        request, "procurement/member/supplier_invoice_upload.html", context, status=status
    )


def _detail(request, tenant, invoice, *, status=200, form=None):
    person = request.user
    with scope(tenant=tenant):
        lines = list(invoice.lines.all())
    blockers = supplier_invoices.release_blockers(invoice, person)
    context = {
        "invoice": invoice,
        "lines": lines,
        "match": invoice.match or {},
        "may_release": is_approver(request)
        and not blockers
        and invoice.status == SupplierInvoice.Status.RECEIVED,
        "blockers": blockers,
        "form": form or InvoiceDecisionForm(),
    }
    return render(
        request, "procurement/member/supplier_invoice_detail.html", context, status=status
    )


@login_or_redirect
@require_GET
def invoice_detail(request, public_id):
    tenant = member_tenant(request)
    return _detail(request, tenant, _invoice_or_404(tenant, public_id))


@login_or_redirect
@require_http_methods(["GET", "POST"])
def invoice_release(request, public_id):
    """GET asks for the confirmation (with the match result); POST releases."""
    tenant = member_tenant(request)
    invoice = _invoice_or_404(tenant, public_id)
    form = InvoiceDecisionForm(request.POST or None)
    if request.method == "GET":
        context = {"invoice": invoice, "match": invoice.match or {}, "form": form}
        return render(request, "procurement/member/supplier_invoice_release.html", context)
    if form.is_valid():
        try:
            supplier_invoices.supplier_invoice_release(
                tenant=tenant, actor=request.user, invoice=invoice, note=form.cleaned_data["note"]
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, getattr(error, "messages", [str(error)]))
        else:
            messages.success(
                request,
                _("Die Rechnung %(number)s ist zur Zahlung freigegeben.")
                % {"number": invoice.number},
            )
            return redirect("procurement:supplier_invoice_detail", invoice.public_id)
    context = {"invoice": invoice, "match": invoice.match or {}, "form": form}
    return render(request, "procurement/member/supplier_invoice_release.html", context, status=422)


@login_or_redirect
@require_POST
def invoice_reject(request, public_id):
    tenant = member_tenant(request)
    invoice = _invoice_or_404(tenant, public_id)
    form = InvoiceDecisionForm(request.POST)
    if form.is_valid():
        try:
            supplier_invoices.supplier_invoice_reject(
                tenant=tenant, actor=request.user, invoice=invoice, note=form.cleaned_data["note"]
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error("note", getattr(error, "messages", [str(error)]))
        else:
            messages.success(
                request,
                _("Die Rechnung %(number)s ist zurückgewiesen.") % {"number": invoice.number},
            )
            return redirect("procurement:supplier_invoice_detail", invoice.public_id)
    return _detail(request, tenant, invoice, status=422, form=form)


@login_or_redirect
@require_GET
def invoice_document(request, public_id):
    tenant = member_tenant(request)
    invoice = _invoice_or_404(tenant, public_id)
    return download_response(
        content=bytes(invoice.document),
        filename=f"eingangsrechnung-{re.sub(r'[^A-Za-z0-9._-]', '_', invoice.number)}.xml",
        content_type="application/xml",
    )
