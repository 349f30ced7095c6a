"""Pages of cooperative staff: contracts, suppliers, lots, catalogue items with price tiers,
catalogue import, documents and usage. Thin: forms in, services and selectors out."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from openkommune.accounts.access import login_or_redirect
from openkommune.core.files import download_response
from openkommune.core.forms import flash_outcome, render_form, submit_form, submit_form_result
from openkommune.core.page_sections import page_sections
from openkommune.procurement import selectors, services
from openkommune.procurement.access import require_staff
from openkommune.procurement.calloffs import call_offs_awaiting_deputy
from openkommune.procurement.forms import (
    CatalogImportForm,
    CatalogItemForm,
    ContractFilterForm,
    ContractForm,
    DecisionForm,
    DocumentForm,
    LotForm,
    SupplierForm,
)
from openkommune.procurement.io import COLUMNS, CatalogImportError
from openkommune.procurement.models import (
    FrameworkContract,
    Supplier,
)
from openkommune.procurement.uploads import extension_for
from openkommune.tenancy.scoping import scope
from openkommune.tenancy.selectors import acts_for_cooperative, current_tenant, organisation_get

PAGE_SIZE = 25


def _contract_or_404(public_id) -> FrameworkContract:
    try:
        return selectors.contract_get(public_id=public_id)
    except FrameworkContract.DoesNotExist as error:
        raise Http404(_("Diesen Rahmenvertrag gibt es nicht.")) from error


def _staff_contract(request, public_id) -> FrameworkContract:
    """The contract of a staff page: cooperative staff only, else the login or 403; 404 for
    an unknown contract."""
    require_staff(request)
    return _contract_or_404(public_id)


def _part_or_404(parts, public_id):
    """A lot, item or document of the contract (`parts`: its related manager), else 404."""
    try:
        return parts.get(public_id=public_id)
    except (ObjectDoesNotExist, ValidationError, ValueError) as error:
        raise Http404 from error


@login_or_redirect
@require_GET
def contract_list(request):
    require_staff(request)
    form = ContractFilterForm(request.GET or None)
    contracts = selectors.contract_list()
    sort = ContractFilterForm.SORTS["nummer"]
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            contracts = contracts.filter(
                Q(number__icontains=data["q"]) | Q(title__icontains=data["q"])
            )
        if data["laeuft_am"]:
            contracts = contracts.filter(
                starts_on__lte=data["laeuft_am"], ends_on__gte=data["laeuft_am"]
            )
        if data["status"]:
            contracts = selectors.contract_filter_status(contracts, data["status"])
        sort = ContractFilterForm.SORTS.get(data["sortierung"] or "nummer")
    page = Paginator(contracts.order_by(*sort), PAGE_SIZE).get_page(request.GET.get("seite"))
    rows = []
    for c in page:
        usage = selectors.contract_usage(c)
        rows.append(
            {"contract": c, "status": selectors.contract_status(c, usage=usage), "usage": usage}
        )
    return render(
        request, "procurement/staff/contract_list.html", {"form": form, "page": page, "rows": rows}
    )


@login_or_redirect
@require_http_methods(["GET", "POST"])
def contract_create(request):
    require_staff(request)
    form = ContractForm(request.POST or None)
    contract = submit_form_result(
        request,
        form,
        lambda: services.contract_create(
            actor=request.user,
            suppliers=form.cleaned_data["suppliers"],
            named_callers=form.cleaned_data["named_callers"],
            **form.service_fields(),
        ),
    )
    if contract is not None:
        messages.success(request, _("Der Rahmenvertrag %s ist angelegt.") % contract.number)
        return redirect("procurement:contract_detail", contract.public_id)
    return render_form(request, "procurement/staff/contract_form.html", form)


@login_or_redirect
@require_http_methods(["GET", "POST"])
def contract_edit(request, public_id):
    contract = _staff_contract(request, public_id)
    form = ContractForm(request.POST or None, instance=contract)

    def save():
        services.contract_update(
            actor=request.user,
            contract=contract,
            suppliers=form.cleaned_data["suppliers"],
            named_callers=form.cleaned_data["named_callers"],
            **form.service_fields(),
        )

    if submit_form(request, form, save, success=_("Der Rahmenvertrag ist gespeichert.")):
        return redirect("procurement:contract_detail", contract.public_id)
    return render_form(
        request,
        "procurement/staff/contract_form.html",
        form,
        {"contract": _contract_or_404(public_id)},
    )


@login_or_redirect
@require_GET
def contract_detail(request, public_id):
    contract = _staff_contract(request, public_id)
    items = Paginator(selectors.item_list(contract=contract), PAGE_SIZE).get_page(
        request.GET.get("seite")
    )
    usage = selectors.contract_usage(contract)
    context = {
        "contract": contract,
        "status": selectors.contract_status(contract, usage=usage),
        "usage": usage,
        "callers": selectors.caller_description(contract),
        "lots": contract.lots.all(),
        "items": items,
        "documents": contract.documents.all(),
        # What higher apps show here: the working groups' decisions on the contract.
        "sections": page_sections("procurement.contract", request, contract),
    }
    return render(request, "procurement/staff/contract_detail.html", context)


@login_or_redirect
@require_GET
def contract_usage(request, public_id):
    contract = _staff_contract(request, public_id)
    context = {
        "contract": contract,
        "usage": selectors.contract_usage(contract),
        "per_member": selectors.contract_usage_across_members(contract),
    }
    return render(request, "procurement/staff/contract_usage.html", context)


# --- lots ----------------------------------------------------------------------------------


@login_or_redirect
@require_http_methods(["GET", "POST"])
def lot_edit(request, public_id, lot_id=None):
    contract = _staff_contract(request, public_id)
    lot = _part_or_404(contract.lots, lot_id) if lot_id else None
    form = LotForm(request.POST or None, instance=lot)

    def save():
        if lot is None:
            services.lot_create(actor=request.user, contract=contract, **form.cleaned_data)
        else:
            services.lot_update(actor=request.user, lot=lot, **form.cleaned_data)

    if submit_form(request, form, save, success=_("Das Los ist gespeichert.")):
        return redirect("procurement:contract_detail", contract.public_id)
    return render_form(
        request, "procurement/staff/lot_form.html", form, {"contract": contract, "lot": lot}
    )


@login_or_redirect
@require_http_methods(["GET", "POST"])
def lot_delete(request, public_id, lot_id):
    contract = _staff_contract(request, public_id)
    lot = _part_or_404(contract.lots, lot_id)
    return _delete_or_confirm(
        request,
        contract,
        lambda: services.lot_delete(actor=request.user, lot=lot),
        success=_("Das Los ist gelöscht."),
        title=_("Los wirklich löschen?"),
        text=_("„%(lot)s“ wird gelöscht; die Artikel des Loses bleiben im Vertrag, ohne Los.")
        % {"lot": lot},
        confirm=_("Ja, Los löschen"),
    )


def _delete_or_confirm(request, contract, delete, *, success, title, text, confirm):
    """POST deletes a part of the contract (a refusal is flashed) and goes back to the
    contract; GET asks first."""
    if request.method == "POST":
        flash_outcome(request, delete, success=success)
        return redirect("procurement:contract_detail", contract.public_id)
    context = {"title": title, "text": text, "confirm": confirm, "contract": contract}
    return render(request, "procurement/staff/confirm.html", context)


# --- catalogue items ------------------------------------------------------------------------


@login_or_redirect
@require_http_methods(["GET", "POST"])
def item_edit(request, public_id, item_id=None):
    contract = _staff_contract(request, public_id)
    item = _part_or_404(contract.items, item_id) if item_id else None
    initial = {"valid_from": contract.starts_on} if item is None else None
    form = CatalogItemForm(request.POST or None, instance=item, contract=contract, initial=initial)

    def save():
        fields, tiers = form.service_fields(), form.cleaned_data["tiers"]
        if item is None:
            services.catalog_item_create(
                actor=request.user, contract=contract, tiers=tiers, **fields
            )
        else:
            services.catalog_item_update(actor=request.user, item=item, tiers=tiers, **fields)
        messages.success(request, _("Der Artikel %s ist gespeichert.") % fields["article_number"])

    if submit_form(request, form, save):
        return redirect("procurement:contract_detail", contract.public_id)
    return render_form(
        request, "procurement/staff/item_form.html", form, {"contract": contract, "item": item}
    )


@login_or_redirect
@require_http_methods(["GET", "POST"])
def item_delete(request, public_id, item_id):
    contract = _staff_contract(request, public_id)
    item = _part_or_404(contract.items, item_id)
    return _delete_or_confirm(
        request,
        contract,
        lambda: services.catalog_item_delete(actor=request.user, item=item),
        success=_("Der Artikel ist gelöscht."),
        title=_("Artikel wirklich löschen?"),
        text=_("„%(item)s“ und seine Preisstaffeln werden gelöscht.") % {"item": item},
        confirm=_("Ja, Artikel löschen"),
    )


@login_or_redirect
@require_http_methods(["GET", "POST"])
def catalog_import(request, public_id):
    contract = _staff_contract(request, public_id)
    form = CatalogImportForm(request.POST or None, request.FILES or None)
    errors = result = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                result = services.catalog_import(
                    actor=request.user, contract=contract, file=form.cleaned_data["datei"]
                )
            except CatalogImportError as error:
                errors, status = error.errors, 422
        else:
            status = 422
    context = {
        "form": form,
        "contract": contract,
        "errors": errors,
        "result": result,
        "columns": COLUMNS,
    }
    return render(request, "procurement/staff/catalog_import.html", context, status=status)


# --- documents ------------------------------------------------------------------------------


@login_or_redirect
@require_http_methods(["GET", "POST"])
def document_upload(request, public_id):
    contract = _staff_contract(request, public_id)
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.document_upload(
                actor=request.user,
                contract=contract,
                title=form.cleaned_data["titel"],
                file=form.cleaned_data["datei"],
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error("datei", message)
        else:
            messages.success(request, _("Das Dokument ist gespeichert."))
            return redirect("procurement:contract_detail", contract.public_id)
    return render_form(
        request, "procurement/staff/document_form.html", form, {"contract": contract}
    )


@login_or_redirect
@require_GET
def document_download(request, public_id, document_id):
    """Staff, and members who may call off the contract, download its documents."""
    if not request.user.is_authenticated:
        require_staff(request)
    contract = _contract_or_404(public_id)
    if not acts_for_cooperative(request.user) and not selectors.may_call_off(
        contract, current_tenant(request)
    ):
        raise Http404
    document = _part_or_404(contract.documents, document_id)
    filename = f"{document.title}.{extension_for(document.content_type)}"
    return download_response(
        file=document.file.open("rb"), filename=filename, content_type=document.content_type
    )


@login_or_redirect
@require_http_methods(["GET", "POST"])
def document_delete(request, public_id, document_id):
    contract = _staff_contract(request, public_id)
    document = _part_or_404(contract.documents, document_id)
    return _delete_or_confirm(
        request,
        contract,
        lambda: services.document_delete(actor=request.user, document=document),
        success=_("Das Dokument ist gelöscht."),
        title=_("Dokument wirklich löschen?"),
        text=_("„%(title)s“ wird endgültig gelöscht.") % {"title": document.title},
        confirm=_("Ja, Dokument löschen"),
    )


# --- suppliers ------------------------------------------------------------------------------


@login_or_redirect
@require_GET
def supplier_list(request):
    require_staff(request)
    page = Paginator(selectors.supplier_list(), PAGE_SIZE).get_page(request.GET.get("seite"))
    return render(request, "procurement/staff/supplier_list.html", {"page": page})


@login_or_redirect
@require_http_methods(["GET", "POST"])
def supplier_edit(request, supplier_id=None):
    require_staff(request)
    supplier = None
    if supplier_id:
        try:
            supplier = selectors.supplier_get(public_id=supplier_id)
        except Supplier.DoesNotExist as error:
            raise Http404 from error
    form = SupplierForm(request.POST or None, instance=supplier)

    def save():
        if supplier is None:
            services.supplier_create(actor=request.user, **form.cleaned_data)
        else:
            services.supplier_update(actor=request.user, supplier=supplier, **form.cleaned_data)

    if submit_form(request, form, save, success=_("Der Lieferant ist gespeichert.")):
        return redirect("procurement:supplier_list")
    return render_form(
        request, "procurement/staff/supplier_form.html", form, {"supplier": supplier}
    )


@login_or_redirect
@require_GET
def deputy_approvals(request):
    """Call-offs stuck in "Zur Freigabe": no administrator of the member may decide them."""
    require_staff(request)
    page = Paginator(call_offs_awaiting_deputy(), 25).get_page(request.GET.get("seite"))
    return render(
        request,
        "procurement/staff/deputy_approvals.html",
        {"page": page, "form": DecisionForm()},
    )


@login_or_redirect
@require_http_methods(["POST"])
def deputy_decide(request, member_id, reference):
    require_staff(request)
    try:
        member = organisation_get(public_id=member_id)
        with scope(tenant=member):
            call_off = selectors.call_off_get(tenant=member, reference=reference)
    except ObjectDoesNotExist as error:
        raise Http404(_("Diesen Abruf gibt es nicht.")) from error
    form = DecisionForm(request.POST)
    approve = request.POST.get("entscheidung") == "freigeben"
    if form.is_valid():
        decide = services.call_off_approve if approve else services.call_off_reject
        try:
            decide(
                tenant=member, actor=request.user, call_off=call_off, note=form.cleaned_data["note"]
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(
                request,
                (
                    _("Der Abruf %s ist stellvertretend freigegeben.")
                    if approve
                    else _("Der Abruf %s ist stellvertretend abgelehnt.")
                )
                % call_off.reference,
            )
    else:
        messages.error(request, " ".join(m for ms in form.errors.values() for m in ms))
    return redirect("procurement:deputy_approvals")
