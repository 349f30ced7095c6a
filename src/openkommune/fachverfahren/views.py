"""Pages of the Fachverfahren catalogue: the public catalogue and its entries, what members
pay (staff: every member; member administrators: their own), the subscriptions (staff: every
member's, with export; members: their own), and the staff's pages to create and change
entries, subscribe a member and end a subscription."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from openkommune.accounts.access import logged_in_page
from openkommune.core import tables
from openkommune.core.forms import render_form, submit_form_result
from openkommune.fachverfahren import selectors, services
from openkommune.fachverfahren.constants import PAGE_SIZE
from openkommune.fachverfahren.forms import (
    FachverfahrenForm,
    SubscriptionEndForm,
    SubscriptionForm,
)
from openkommune.fachverfahren.models import Fachverfahren, Subscription
from openkommune.tenancy.constants import Role
from openkommune.tenancy.selectors import (
    acts_for_cooperative,
    current_tenant,
    user_has_role,
    user_roles,
)


@require_GET
def catalogue(request):
    sort = request.GET.get("sortierung", "name")
    if sort not in selectors.SORTS:
        sort = "name"
    page = Paginator(selectors.fachverfahren_list(sort=sort), PAGE_SIZE).get_page(
        request.GET.get("seite")
    )
    staff = request.user.is_authenticated and acts_for_cooperative(request.user)
    context = {"page": page, "sort": sort, "staff": staff}
    return render(request, "fachverfahren/catalogue.html", context)


@require_GET
def detail(request, public_id):
    try:
        row = selectors.fachverfahren_get(public_id=public_id)
    except Fachverfahren.DoesNotExist:
        raise Http404(_("Dieses Fachverfahren gibt es nicht.")) from None
    staff = request.user.is_authenticated and acts_for_cooperative(request.user)
    if not row.is_active and not staff:
        raise Http404(_("Dieses Fachverfahren gibt es nicht."))
    subscribers = (
        selectors.subscribers(fachverfahren=row, on=timezone.localdate()) if staff else None
    )
    context = {"row": row, "subscribers": subscribers, "staff": staff}
    return render(request, "fachverfahren/detail.html", context)


CHARGE_HEADERS = [
    "Mitglied",
    "Fachverfahren",
    "Version",
    "Lizenzen",
    "Beginn",
    "Ende",
    "Tage im Jahr",
    "Preis pro Jahr (EUR)",
    "Betrag (EUR)",
]


def _charge_row(entry, line) -> list:
    subscription = line.subscription
    return [
        entry.member.name,
        subscription.fachverfahren.name,
        subscription.fachverfahren.version,
        subscription.quantity,
        subscription.starts_on,
        subscription.ends_on,
        line.days,
        subscription.fachverfahren.price_per_year,
        line.amount,
    ]


def _year(request) -> int:
    try:
        year = int(request.GET.get("jahr", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


@logged_in_page
@require_GET
def charges(request):
    """Staff see every member's charges; a member administrator sees the own member's."""
    year = _year(request)
    if acts_for_cooperative(request.user):
        members = selectors.member_charges(year=year)
        own = None
    else:
        tenant = current_tenant(request)
        if tenant is None or not user_has_role(request.user, tenant=tenant, role=Role.MEMBER_ADMIN):
            raise PermissionDenied(_("Diese Seite ist der Mitgliedsverwaltung vorbehalten."))
        own = selectors.own_charges(tenant=tenant, year=year)
        members = [own] if own.lines else []
    total = sum((entry.total for entry in members), start=selectors.Decimal("0.00"))
    fmt = request.GET.get("format")
    if fmt in tables.FORMATS:
        return tables.table_response(
            format=fmt,
            filename=f"fachverfahren-kosten-{year}",
            headers=CHARGE_HEADERS,
            rows=[_charge_row(entry, line) for entry in members for line in entry.lines],
            title=f"Kosten {year}",
        )
    context = {
        "year": year,
        "members": members,
        "own": own,
        "total": total,
        "years": range(year - 2, year + 2),
    }
    return render(request, "fachverfahren/charges.html", context)


# --- the cooperative's staff: catalogue entries ------------------------------------------


def _require_staff(request) -> None:
    if not acts_for_cooperative(request.user):
        raise PermissionDenied(_("Das dürfen nur Beschäftigte der Genossenschaft."))


@logged_in_page
@require_http_methods(["GET", "POST"])
def fachverfahren_new(request):
    _require_staff(request)
    form = FachverfahrenForm(request.POST or None)
    created = submit_form_result(
        request,
        form,
        lambda: services.fachverfahren_create(
            actor=request.user, **{name: form.cleaned_data[name] for name in form.Meta.fields}
        ),
        success=_("Das Fachverfahren ist angelegt."),
    )
    if created is not None:
        return redirect("fachverfahren:detail", public_id=created.public_id)
    return render_form(request, "fachverfahren/edit.html", form, {"row": None})


@logged_in_page
@require_http_methods(["GET", "POST"])
def fachverfahren_edit(request, public_id):
    _require_staff(request)
    try:
        row = selectors.fachverfahren_get(public_id=public_id)
    except Fachverfahren.DoesNotExist:
        raise Http404(_("Dieses Fachverfahren gibt es nicht.")) from None
    # The form edits a copy, so a refused change leaves `row` (the page's heading) as it was.
    form = FachverfahrenForm(request.POST or None, instance=Fachverfahren.objects.get(pk=row.pk))
    saved = submit_form_result(
        request,
        form,
        lambda: services.fachverfahren_update(
            fachverfahren=row,
            actor=request.user,
            **{name: form.cleaned_data[name] for name in form.Meta.fields},
        ),
        success=_("Die Änderungen sind gespeichert."),
    )
    if saved is not None:
        return redirect("fachverfahren:detail", public_id=row.public_id)
    return render_form(request, "fachverfahren/edit.html", form, {"row": row})


# --- subscriptions ---------------------------------------------------------------------------

SUBSCRIPTION_HEADERS = [
    "Mitglied",
    "Fachverfahren",
    "Version",
    "Lizenzen",
    "Beginn",
    "Ende",
    "Preis pro Jahr (EUR)",
    "läuft heute",
]


@logged_in_page
@require_GET
def subscriptions(request):
    """Staff: every member's subscriptions (filter by member, CSV/XLSX). A member's people:
    their own member's subscriptions."""
    staff = acts_for_cooperative(request.user)
    tenant = current_tenant(request)
    today = timezone.localdate()
    if staff:
        rows = selectors.subscription_list()
        members = sorted({row.tenant for row in rows}, key=lambda member: member.name)
        chosen = request.GET.get("mitglied", "")
        if chosen:
            rows = [row for row in rows if str(row.tenant.public_id) == chosen]
    else:
        if tenant is None or not user_roles(request.user, tenant=tenant):
            raise PermissionDenied(_("Diese Seite ist für Mitglieder der Genossenschaft."))
        rows, members, chosen = selectors.subscription_list(tenant=tenant), [], ""
    fmt = request.GET.get("format")
    if fmt in tables.FORMATS:
        return tables.table_response(
            format=fmt,
            filename=f"fachverfahren-abonnements-{today.isoformat()}",
            headers=SUBSCRIPTION_HEADERS,
            rows=[
                [
                    row.tenant.name,
                    row.fachverfahren.name,
                    row.fachverfahren.version,
                    row.quantity,
                    row.starts_on,
                    row.ends_on,
                    row.fachverfahren.price_per_year,
                    selectors.is_running(row, today),
                ]
                for row in rows
            ],
            title="Abonnements",
        )
    context = {
        "rows": [(row, selectors.is_running(row, today)) for row in rows],
        "staff": staff,
        "members": members,
        "chosen": chosen,
        "own": None if staff else tenant,
        "member_admin": tenant is not None
        and user_has_role(request.user, tenant=tenant, role=Role.MEMBER_ADMIN),
    }
    return render(request, "fachverfahren/subscriptions.html", context)


@logged_in_page
@require_http_methods(["GET", "POST"])
def subscription_new(request):
    _require_staff(request)
    initial = {}
    if request.GET.get("fachverfahren"):
        initial["fachverfahren"] = request.GET["fachverfahren"]
    form = SubscriptionForm(request.POST or None, initial=initial)
    created = submit_form_result(
        request,
        form,
        lambda: services.subscription_create(actor=request.user, **form.cleaned_data),
        success=_("Das Abonnement ist angelegt."),
    )
    if created is not None:
        return redirect("fachverfahren:subscriptions")
    return render_form(request, "fachverfahren/subscription_new.html", form)


@logged_in_page
@require_http_methods(["GET", "POST"])
def subscription_end(request, public_id):
    _require_staff(request)
    try:
        row = selectors.subscription_get(public_id=public_id)
    except (Subscription.DoesNotExist, ValueError):
        raise Http404(_("Dieses Abonnement gibt es nicht.")) from None
    form = SubscriptionEndForm(
        request.POST or None, initial={"ends_on": timezone.localdate().strftime("%d.%m.%Y")}
    )
    ended = submit_form_result(
        request,
        form,
        lambda: services.subscription_end(
            subscription=row, actor=request.user, ends_on=form.cleaned_data["ends_on"]
        ),
        success=_("Das Abonnement endet zum angegebenen Tag."),
    )
    if ended is not None:
        return redirect("fachverfahren:subscriptions")
    return render_form(request, "fachverfahren/subscription_end.html", form, {"subscription": row})
