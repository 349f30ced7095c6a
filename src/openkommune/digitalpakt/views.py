"""Pages of the DigitalPakt ledger. Thin: forms in, selectors and services out.

Who sees what: people of a member organisation see its budgets and ledgers; its member
administrators and cooperative staff book entries; cooperative staff see every Schulträger
through the named cross-tenant reads in `selectors`.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from openkommune.accounts.access import login_or_redirect
from openkommune.core.files import download_response
from openkommune.core.forms import (
    add_service_errors,
    render_form,
    submit_form,
    submit_form_result,
)
from openkommune.core.tables import XLSX_TYPE
from openkommune.digitalpakt import selectors, services
from openkommune.digitalpakt.access import budget_viewer
from openkommune.digitalpakt.forms import (
    AllocationForm,
    BudgetOpenForm,
    ChargeForm,
    CorrectionForm,
    FundingCategoryForm,
    PaymentForm,
    ProofOfUseForm,
    schooltraeger_choices,
)
from openkommune.digitalpakt.models import (
    FundingCategory,
    FundingProgramme,
    SchoolAuthorityBudget,
)
from openkommune.digitalpakt.proof_of_use import proof_of_use_xlsx
from openkommune.procurement.models import CallOff
from openkommune.tenancy.selectors import user_is_cooperative_staff

ENTRIES_PER_PAGE = 50


def _ledger(request, public_id) -> selectors.Ledger:
    is_staff, tenant = budget_viewer(request)
    try:
        if is_staff:
            return selectors.ledger_get_for_cooperative(public_id=public_id)
        return selectors.ledger_get(tenant=tenant, public_id=public_id)
    except SchoolAuthorityBudget.DoesNotExist:
        raise Http404(_("Dieses Budget gibt es nicht.")) from None


@login_or_redirect
@require_http_methods(["GET", "POST"])
def index(request):
    is_staff, tenant = budget_viewer(request)
    programmes = selectors.programme_list()
    may_open = is_staff or (
        tenant is not None and selectors.user_may_book(request.user, tenant=tenant)
    )
    form = None
    if may_open:
        form = BudgetOpenForm(
            request.POST or None,
            programmes=programmes,
            schooltraeger=schooltraeger_choices() if is_staff else None,
        )
    if request.method == "POST" and form is None:
        raise PermissionDenied(
            _("Budgets eröffnen die Mitgliedsverwaltung oder die Genossenschaft.")
        )
    if form is not None:
        budget = submit_form_result(
            request,
            form,
            lambda: services.budget_open(
                tenant=form.cleaned_data["organisation"] if is_staff else tenant,
                actor=request.user,
                programme=form.cleaned_data["programme"],
            ),
            success=_("Das Budget ist eröffnet."),
        )
        if budget is not None:
            return redirect("digitalpakt:ledger", public_id=budget.public_id)
    if is_staff:
        overviews = selectors.budgets_across_members()
    else:
        overviews = [
            selectors.BudgetOverview(b, selectors.budget_balance(b))
            for b in selectors.budget_list(tenant=tenant)
        ]
    context = {
        "is_staff": is_staff,
        "tenant": tenant,
        "overviews": overviews,
        "programmes": programmes,
        "form": form,
    }
    return render(
        request, "digitalpakt/index.html", context, status=422 if form and form.errors else 200
    )


@login_or_redirect
@require_GET
def ledger(request, public_id):
    ledger = _ledger(request, public_id)
    return _ledger_page(request, ledger, request.GET.get("seite"), ProofOfUseForm())


def _ledger_page(request, ledger: selectors.Ledger, page_number, proof_form, status=200):
    page = Paginator(ledger.entries, ENTRIES_PER_PAGE).get_page(page_number)
    context = {
        "ledger": ledger,
        "budget": ledger.budget,
        "balance": ledger.balance,
        "page": page,
        "may_book": selectors.user_may_book(request.user, tenant=ledger.budget.tenant),
        "totals": ledger.entry_totals,
        "proof_form": proof_form,
    }
    return render(request, "digitalpakt/ledger.html", context, status=status)


def _call_off(ledger: selectors.Ledger, public_id: str) -> CallOff | None:
    known = [*ledger.chargeable, *(p.call_off for p in ledger.positions)]
    return next((c for c in known if str(c.public_id) == public_id), None)


ACTIONS = {
    "allocate": (
        AllocationForm,
        gettext_lazy("Zuweisung buchen"),
        gettext_lazy("Die Zuweisung ist gebucht."),
    ),
    "charge": (
        ChargeForm,
        gettext_lazy("Abruf dem Programm belasten"),
        gettext_lazy("Der Abruf ist dem Programm belastet."),
    ),
    "pay": (PaymentForm, gettext_lazy("Zahlung buchen"), gettext_lazy("Die Zahlung ist gebucht.")),
    "correct": (
        CorrectionForm,
        gettext_lazy("Korrektur buchen"),
        gettext_lazy("Die Korrektur ist gebucht."),
    ),
}


def _book(action: str, request, ledger: selectors.Ledger, data: dict):
    common = {"tenant": ledger.budget.tenant, "actor": request.user, "budget": ledger.budget}
    if action == "allocate":
        return services.budget_allocate(
            **common, amount=data["amount"], booked_on=data["booked_on"], text=data["text"],
            notice_reference=data.get("notice_reference", ""),
        )  # fmt: skip
    call_off = _call_off(ledger, data.get("call_off") or "")
    if action == "charge":
        if call_off is None:
            raise ValidationError({"call_off": _("Bitte einen Abruf aus der Liste wählen.")})
        return services.call_off_charge(**common, call_off=call_off, booked_on=data["booked_on"])
    if action == "pay":
        if call_off is None:
            raise ValidationError({"call_off": _("Bitte einen Abruf aus der Liste wählen.")})
        return services.payment_record(
            **common,
            call_off=call_off,
            amount=data["amount"],
            booked_on=data["booked_on"],
            invoice_reference=data["invoice_reference"],
        )
    return services.ledger_correct(
        **common,
        corrects=data["corrects"],
        amount=data["amount"],
        booked_on=data["booked_on"],
        text=data["text"],
        call_off=call_off,
    )


@login_or_redirect
@require_http_methods(["GET", "POST"])
def book(request, public_id, action: str):
    ledger = _ledger(request, public_id)
    if not selectors.user_may_book(request.user, tenant=ledger.budget.tenant):
        raise PermissionDenied(
            _("Buchungen nehmen die Mitgliedsverwaltung oder die Genossenschaft vor.")
        )
    form_class, title, done = ACTIONS[action]
    kwargs = {}
    if action == "charge":
        kwargs["call_offs"] = ledger.chargeable
    elif action == "pay":
        kwargs["positions"] = ledger.payable
    elif action == "correct":
        kwargs["positions"] = ledger.positions
    form = form_class(request.POST or None, **kwargs)
    if submit_form(
        request, form, lambda: _book(action, request, ledger, form.cleaned_data), success=done
    ):
        return redirect("digitalpakt:ledger", public_id=ledger.budget.public_id)
    context = {
        "ledger": ledger,
        "budget": ledger.budget,
        "balance": ledger.balance,
        "title": title,
        "action": action,
    }
    return render_form(request, "digitalpakt/book.html", form, context)


@login_or_redirect
@require_GET
def proof_of_use(request, public_id):
    ledger = _ledger(request, public_id)
    form = ProofOfUseForm(request.GET)
    if not form.is_valid():
        return _ledger_page(request, ledger, 1, form, status=400)
    start, end = form.cleaned_data["von"], form.cleaned_data["bis"]
    rows = selectors.proof_of_use_rows(ledger, start=start, end=end)
    content = proof_of_use_xlsx(
        ledger, rows, start=start, end=end, notices=selectors.funding_notices(ledger)
    )
    name = f"verwendungsnachweis-{ledger.budget.programme.code}-{ledger.budget.public_id}.xlsx"
    return download_response(filename=name, content_type=XLSX_TYPE, content=content)


# --- funding categories: the cooperative's staff (before: only in the admin) -----------------


def _require_category_staff(request) -> None:
    if not user_is_cooperative_staff(request.user):
        raise PermissionDenied(_("Förderkategorien pflegt die Genossenschaft."))


@login_or_redirect
@require_GET
def category_list(request):
    _require_category_staff(request)
    programmes = FundingProgramme.objects.prefetch_related("categories").order_by("name")
    page = Paginator(programmes, 10).get_page(request.GET.get("seite"))
    return render(request, "digitalpakt/categories.html", {"page": page})


def _programme_or_404(public_id) -> FundingProgramme:
    programme = FundingProgramme.objects.filter(public_id=public_id).first()
    if programme is None:
        raise Http404(_("Dieses Förderprogramm gibt es nicht."))
    return programme


def _category_or_404(pk) -> FundingCategory:
    category = FundingCategory.objects.select_related("programme").filter(pk=pk).first()
    if category is None:
        raise Http404(_("Diese Kategorie gibt es nicht."))
    return category


@login_or_redirect
@require_http_methods(["GET", "POST"])
def category_edit(request, public_id=None, pk=None):
    _require_category_staff(request)
    category = _category_or_404(pk) if pk is not None else None
    programme = category.programme if category else _programme_or_404(public_id)
    initial = (
        {"name": category.name, "cpv_prefixes": ", ".join(map(str, category.cpv_prefixes))}
        if category
        else {}
    )
    form = FundingCategoryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.funding_category_save(
                actor=request.user,
                programme=programme,
                category=category,
                name=form.cleaned_data["name"],
                cpv_prefixes=form.cleaned_data["cpv_prefixes"].replace(";", ",").split(","),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Die Kategorie ist gespeichert."))
            return redirect("digitalpakt:categories")
    context = {"programme": programme, "category": category}
    return render_form(request, "digitalpakt/category_form.html", form, context)


@login_or_redirect
@require_http_methods(["GET", "POST"])
def category_delete(request, pk):
    _require_category_staff(request)
    category = _category_or_404(pk)
    if request.method == "GET":
        return render(request, "digitalpakt/category_delete.html", {"category": category})
    services.funding_category_delete(actor=request.user, category=category)
    messages.success(request, _("Die Kategorie ist gelöscht."))
    return redirect("digitalpakt:categories")
