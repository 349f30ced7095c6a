"""Pages of members: catalogue, cart (a draft call-off), submit, approval, order and PDF,
own call-offs, settings. Every call-off is read in the member's scope: another member's
reference answers 404 like a missing one. Staff pages are in `views/staff.py`."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openkommune.accounts.access import LoginRequired, login_or_redirect
from openkommune.core.files import download_response
from openkommune.core.forms import add_service_errors, render_form
from openkommune.procurement import selectors, services
from openkommune.procurement.access import is_approver, member_tenant, require_approver
from openkommune.procurement.calloffs import CALLER_ROLES, needs_deputy
from openkommune.procurement.constants import CallOffStatus
from openkommune.procurement.documents import order_filename, order_pdf
from openkommune.procurement.forms import (
    CallOffDetailsForm,
    CallOffFilterForm,
    CatalogSearchForm,
    DecisionForm,
    ProcurementSettingsForm,
    QuantityForm,
)
from openkommune.procurement.invoices import member_invoice_xml
from openkommune.procurement.models import (
    CallOff,
    CallOffLine,
    CatalogItem,
    GoodsReceipt,
    MemberInvoice,
    SupplierInvoice,
)
from openkommune.procurement.trail import call_off_trail
from openkommune.tenancy.scoping import scope
from openkommune.tenancy.selectors import acts_for_cooperative, membership_list

PAGE_SIZE = 25


@login_or_redirect
@require_GET
def index(request):
    """Start of the procurement area: staff to the contracts, members to the catalogue."""
    if not request.user.is_authenticated:
        raise LoginRequired
    if acts_for_cooperative(request.user):
        return redirect("procurement:contract_list")
    member_tenant(request)
    return redirect("procurement:catalog")


@login_or_redirect
@require_GET
def catalog(request):
    tenant = member_tenant(request)
    contracts = selectors.contracts_callable_by(tenant, on=selectors.today()).order_by("number")
    form = CatalogSearchForm(request.GET or None, contracts=contracts)
    query = contract_id = ""
    if form.is_bound and form.is_valid():
        query, contract_id = form.cleaned_data["q"], form.cleaned_data["vertrag"]
    items = selectors.catalog_search(
        organisation=tenant, query=query, contract_public_id=contract_id or None
    )
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("seite"))
    drafts = selectors.call_off_list(tenant=tenant, status=CallOffStatus.DRAFT)
    context = {
        "form": form,
        "page": page,
        "contracts": contracts,
        "drafts": drafts,
        "query": query,
    }
    return render(request, "procurement/member/catalog.html", context)


@login_or_redirect
@require_POST
def cart_add(request, item_id):
    tenant = member_tenant(request)
    try:
        item = selectors.catalog_item_for_member(organisation=tenant, public_id=item_id)
    except CatalogItem.DoesNotExist as error:
        raise Http404(_("Diesen Artikel können Sie nicht abrufen.")) from error
    form = QuantityForm(request.POST)
    if not form.is_valid():
        for message in form.errors.get("menge", []):
            messages.error(request, f"{item.article_number}: {message}")
        return redirect(reverse("procurement:catalog") + f"#artikel-{item.public_id}")
    try:
        call_off = services.call_off_add_line(
            tenant=tenant, actor=request.user, item=item, quantity=form.cleaned_data["menge"]
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        return redirect("procurement:catalog")
    messages.success(
        request,
        _("%(quantity)s × %(item)s liegt im Abruf %(reference)s.")
        % {
            "quantity": form.cleaned_data["menge"],
            "item": item.description,
            "reference": call_off.reference,
        },
    )
    return redirect("procurement:call_off_detail", call_off.reference)


@login_or_redirect
@require_GET
def call_off_list(request):
    tenant = member_tenant(request)
    form = CallOffFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_bound and form.is_valid() else ""
    call_offs = selectors.call_off_list(tenant=tenant, status=status or None)
    page = Paginator(call_offs, PAGE_SIZE).get_page(request.GET.get("seite"))
    return render(request, "procurement/member/call_off_list.html", {"form": form, "page": page})


def _call_off_or_404(tenant, reference) -> CallOff:
    try:
        return selectors.call_off_get(tenant=tenant, reference=reference)
    except CallOff.DoesNotExist as error:
        raise Http404(_("Diesen Abruf gibt es nicht.")) from error


def _detail_context(request, tenant, call_off, **extra):
    lines = list(selectors.call_off_lines(call_off))
    guards = None
    if call_off.status == CallOffStatus.DRAFT and lines:
        guards = selectors.call_off_guards(call_off)
    settings_row = selectors.procurement_settings(tenant=tenant)
    contributors = list(call_off.contributors.all())
    shared_with = list(call_off.shared_with.all())
    is_owner = call_off.created_by_id == request.user.pk
    context = {
        "call_off": call_off,
        "lines": lines,
        "guards": guards,
        "is_approver": is_approver(request),
        # Four eyes: everyone who changed or submitted it may not decide it.
        "own": request.user.pk
        in {u.pk for u in contributors} | {call_off.created_by_id, call_off.submitted_by_id},
        "may_edit": call_off.status == CallOffStatus.DRAFT
        and (is_owner or request.user.pk in {u.pk for u in shared_with}),
        "is_owner": is_owner,
        "contributors": contributors,
        "shared_with": shared_with,
        "share_choices": (
            [
                m.user
                for m in membership_list(tenant=tenant)
                if m.role in {str(r) for r in CALLER_ROLES} and m.user_id != request.user.pk
            ]
            if is_owner and call_off.status == CallOffStatus.DRAFT
            else []
        ),
        "needs_deputy": needs_deputy(tenant, call_off),
        "approval_threshold": settings_row.approval_threshold,
        "details_form": CallOffDetailsForm(
            initial={
                "buyer_reference": call_off.buyer_reference,
                "delivery_address": call_off.delivery_address,
                "note": call_off.note,
            }
        ),
        "decision_form": DecisionForm(),
        "order_mail": (
            selectors.order_mail_for(call_off) if call_off.status == CallOffStatus.ORDERED else None
        ),
        "trail": call_off_trail(call_off),
    }
    if call_off.status == CallOffStatus.ORDERED:
        with scope(tenant=tenant):
            context["receipts"] = list(
                GoodsReceipt.objects.filter(tenant=tenant, call_off=call_off)
                .select_related("recorded_by")
                .prefetch_related("lines__call_off_line__item")
            )
            context["supplier_invoices"] = list(
                SupplierInvoice.objects.filter(tenant=tenant, call_off=call_off)
            )
    context.update(extra)
    return context


def _detail_page(request, tenant, call_off, *, status=200, **extra):
    context = _detail_context(request, tenant, call_off, **extra)
    return render(request, "procurement/member/call_off_detail.html", context, status=status)


def _refused(request, tenant, call_off, error):
    """The detail page again, with the reasons the service gave for refusing a step."""
    refusal = getattr(error, "messages", [str(error)])
    return _detail_page(request, tenant, call_off, status=422, refusal=refusal)


@login_or_redirect
@require_GET
def call_off_detail(request, reference):
    tenant = member_tenant(request)
    return _detail_page(request, tenant, _call_off_or_404(tenant, reference))


def _line_item(call_off, item_id) -> CatalogItem:
    try:
        return (
            CallOffLine.objects.select_related("item")
            .get(call_off=call_off, item__public_id=item_id)
            .item
        )
    except (CallOffLine.DoesNotExist, ValidationError, ValueError) as error:
        raise Http404 from error


def _service_error(request, error) -> None:
    for message in getattr(error, "messages", None) or [str(error)]:
        messages.error(request, message)


def _flash_step(request, step, *, success: str) -> bool:
    """Run the service call `step()`: `success` is flashed, or each message of its refusal.
    True when it went through."""
    try:
        step()
    except (ValidationError, PermissionDenied) as error:
        _service_error(request, error)
        return False
    messages.success(request, success)
    return True


@login_or_redirect
@require_POST
def line_update(request, reference, item_id):
    tenant = member_tenant(request)
    call_off = _call_off_or_404(tenant, reference)
    item = _line_item(call_off, item_id)
    form = QuantityForm(request.POST)
    if form.is_valid():
        _flash_step(
            request,
            lambda: services.call_off_line_update(
                tenant=tenant,
                actor=request.user,
                call_off=call_off,
                item=item,
                quantity=form.cleaned_data["menge"],
            ),
            success=_("Die Menge ist geändert."),
        )
    else:
        for message in form.errors.get("menge", []):
            messages.error(request, f"{item.article_number}: {message}")
    return redirect("procurement:call_off_detail", call_off.reference)


def _confirm_then(request, call_off, step, *, success, title, text, confirm):
    """GET asks first; POST runs the service call `step()` (a refusal is flashed) and goes
    back to the call-off."""
    if request.method == "GET":
        context = {"call_off": call_off, "title": title, "text": text, "confirm": confirm,
                   "action": request.path}  # fmt: skip
        return render(request, "procurement/member/confirm.html", context)
    _flash_step(request, step, success=success)
    return redirect("procurement:call_off_detail", call_off.reference)


@login_or_redirect
@require_http_methods(["GET", "POST"])
def line_remove(request, reference, item_id):
    tenant = member_tenant(request)
    call_off = _call_off_or_404(tenant, reference)
    item = _line_item(call_off, item_id)
    return _confirm_then(
        request,
        call_off,
        lambda: services.call_off_line_remove(
            tenant=tenant, actor=request.user, call_off=call_off, item=item
        ),
        success=_("Die Position ist entfernt."),
        title=_("Position wirklich entfernen?"),
        text=_("„%(item)s“ wird aus dem Abruf %(reference)s entfernt.")
        % {"item": item.description, "reference": call_off.reference},
        confirm=_("Ja, Position entfernen"),
    )


@login_or_redirect
@require_POST
def call_off_details(request, reference):
    tenant = member_tenant(request)
    call_off = _call_off_or_404(tenant, reference)
    form = CallOffDetailsForm(request.POST)
    if form.is_valid() and _flash_step(
        request,
        lambda: services.call_off_update_details(
            tenant=tenant, actor=request.user, call_off=call_off, **form.cleaned_data
        ),
        success=_("Die Angaben sind gespeichert."),
    ):
        return redirect("procurement:call_off_detail", call_off.reference)
    return _detail_page(request, tenant, call_off, status=422, details_form=form)


@login_or_redirect
@require_POST
def call_off_submit(request, reference):
    tenant = member_tenant(request)
    call_off = _call_off_or_404(tenant, reference)
    try:
        call_off = services.call_off_submit(tenant=tenant, actor=request.user, call_off=call_off)
    except (ValidationError, PermissionDenied) as error:
        return _refused(request, tenant, call_off, error)
    if call_off.status == CallOffStatus.AWAITING_APPROVAL:
        messages.success(
            request,
            _("Der Abruf %s ist eingereicht und wartet auf die Freigabe der Mitgliedsverwaltung.")
            % call_off.reference,
        )
    else:
        messages.success(
            request,
            _("Der Abruf %s ist geprüft und freigegeben; Sie können jetzt bestellen.")
            % call_off.reference,
        )
    return redirect("procurement:call_off_detail", call_off.reference)


def _decide(request, reference, approve: bool):
    tenant = require_approver(request)
    call_off = _call_off_or_404(tenant, reference)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, tenant, call_off, status=422, decision_form=form)
    if approve:
        decide, done = services.call_off_approve, _("Der Abruf %s ist freigegeben.")
    else:
        decide, done = services.call_off_reject, _("Der Abruf %s ist abgelehnt.")
    try:
        decide(tenant=tenant, actor=request.user, call_off=call_off, note=form.cleaned_data["note"])
        messages.success(request, done % call_off.reference)
    except (ValidationError, PermissionDenied) as error:
        if hasattr(error, "error_dict"):
            add_service_errors(form, error)
            return _detail_page(request, tenant, call_off, status=422, decision_form=form)
        _service_error(request, error)
    return redirect("procurement:call_off_detail", call_off.reference)


@login_or_redirect
@require_POST
def call_off_approve(request, reference):
    return _decide(request, reference, approve=True)


@login_or_redirect
@require_POST
def call_off_reject(request, reference):
    return _decide(request, reference, approve=False)


@login_or_redirect
@require_POST
def call_off_order(request, reference):
    tenant = member_tenant(request)
    call_off = _call_off_or_404(tenant, reference)
    try:
        call_off = services.call_off_order(tenant=tenant, actor=request.user, call_off=call_off)
    except (ValidationError, PermissionDenied) as error:
        return _refused(request, tenant, call_off, error)
    if call_off.supplier.email:
        messages.success(
            request,
            _(
                "Die Bestellung %(reference)s ist ausgelöst. Das Bestelldokument geht per "
                "E-Mail an den Lieferanten (%(email)s)."
            )
            % {"reference": call_off.reference, "email": call_off.supplier.email},
        )
    else:
        messages.warning(
            request,
            _(
                "Die Bestellung %s ist ausgelöst, aber für den Lieferanten ist keine "
                "E-Mail-Adresse hinterlegt: Das Bestelldokument wurde nicht gesendet. Bitte "
                "laden Sie es herunter und senden Sie es dem Lieferanten selbst."
            )
            % call_off.reference,
        )
    return redirect("procurement:call_off_detail", call_off.reference)


@login_or_redirect
@require_http_methods(["GET", "POST"])
def call_off_cancel(request, reference):
    tenant = member_tenant(request)
    call_off = _call_off_or_404(tenant, reference)
    return _confirm_then(
        request,
        call_off,
        lambda: services.call_off_cancel(tenant=tenant, actor=request.user, call_off=call_off),
        success=_("Der Abruf %s ist storniert.") % call_off.reference,
        title=_("Abruf wirklich stornieren?"),
        text=_("Der Abruf %(reference)s wird storniert und kann nicht mehr bestellt werden.")
        % {"reference": call_off.reference},
        confirm=_("Ja, Abruf stornieren"),
    )


@login_or_redirect
@require_GET
def call_off_pdf(request, reference):
    tenant = member_tenant(request)
    call_off = _call_off_or_404(tenant, reference)
    if call_off.status != CallOffStatus.ORDERED:
        raise Http404(_("Ein Bestelldokument gibt es erst nach der Bestellung."))
    return download_response(
        content=order_pdf(call_off),
        filename=order_filename(call_off),
        content_type="application/pdf",
    )


@login_or_redirect
@require_POST
def call_off_share(request, reference):
    """The owner shares the draft with the people ticked (the rest lose access)."""
    tenant = member_tenant(request)
    call_off = _call_off_or_404(tenant, reference)
    wanted = set(request.POST.getlist("personen"))
    people = [
        m.user
        for m in membership_list(tenant=tenant)
        if str(m.user_id) in wanted and m.role in {str(r) for r in CALLER_ROLES}
    ]
    try:
        services.call_off_share(
            tenant=tenant, actor=request.user, call_off=call_off, people=list(set(people))
        )
    except (ValidationError, PermissionDenied) as error:
        return _refused(request, tenant, call_off, error)
    if people:
        messages.success(
            request,
            _("Der Entwurf %(reference)s ist geteilt mit: %(people)s.")
            % {
                "reference": call_off.reference,
                "people": ", ".join(sorted({str(p) for p in people})),
            },
        )
    else:
        messages.success(
            request, _("Der Entwurf %s ist mit niemandem geteilt.") % call_off.reference
        )
    return redirect("procurement:call_off_detail", call_off.reference)


@login_or_redirect
@require_POST
def threshold_decide(request):
    """Another member administrator confirms or declines a requested raise."""
    tenant = require_approver(request)
    confirm = request.POST.get("entscheidung") == "bestaetigen"
    try:
        services.procurement_threshold_decide(tenant=tenant, actor=request.user, confirm=confirm)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(
            request,
            _("Die neue Freigabegrenze gilt.")
            if confirm
            else _("Die beantragte Freigabegrenze ist abgelehnt."),
        )
    return redirect("procurement:settings")


@login_or_redirect
@require_http_methods(["GET", "POST"])
def settings_edit(request):
    tenant = require_approver(request)
    current = selectors.procurement_settings(tenant=tenant)
    form = ProcurementSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            row = services.procurement_settings_update(
                tenant=tenant, actor=request.user, **form.cleaned_data
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, getattr(error, "messages", [str(error)]))
        else:
            messages.success(request, _("Die Beschaffungseinstellungen sind gespeichert."))
            if row.pending_threshold is not None and row.pending_threshold_by_id == request.user.pk:
                messages.warning(
                    request,
                    _(
                        "Die höhere Freigabegrenze gilt erst, wenn eine andere Person der "
                        "Mitgliedsverwaltung oder die Genossenschaft sie bestätigt "
                        "(Vier-Augen-Prinzip)."
                    ),
                )
            return redirect("procurement:settings")
    return render_form(
        request,
        "procurement/member/settings.html",
        form,
        {"tenant": tenant, "current": current},
    )


# --- the cooperative's invoices to the member (XRechnung) -------------------------------------


@login_or_redirect
@require_GET
def invoice_list(request):
    tenant = member_tenant(request)
    with scope(tenant=tenant):
        invoices = MemberInvoice.objects.filter(tenant=tenant).prefetch_related("lines")
        page = Paginator(invoices, PAGE_SIZE).get_page(request.GET.get("seite"))
        rows = [
            (invoice, sum((line.line_total for line in invoice.lines.all()), Decimal("0.00")))
            for invoice in page
        ]
    return render(request, "procurement/member/invoice_list.html", {"page": page, "rows": rows})


@login_or_redirect
@require_GET
def invoice_xml(request, public_id):
    tenant = member_tenant(request)
    with scope(tenant=tenant):
        invoice = MemberInvoice.objects.filter(tenant=tenant, public_id=public_id).first()
        if invoice is None:
            raise Http404(_("Diese Rechnung gibt es nicht."))
        content = member_invoice_xml(invoice)
    return download_response(
        content=content,
        filename=f"xrechnung-{invoice.number}.xml",
        content_type="application/xml",
    )
