"""Pages of the Fachverfahren catalogue: the public catalogue and its entries, and what
members pay (staff: every member; member administrators: their own)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from openkommune.accounts.access import logged_in_page
from openkommune.core import tables
from openkommune.fachverfahren import selectors
from openkommune.fachverfahren.constants import PAGE_SIZE
from openkommune.fachverfahren.models import Fachverfahren
from openkommune.tenancy.constants import Role
from openkommune.tenancy.selectors import acts_for_cooperative, current_tenant, user_has_role


@require_GET
def catalogue(request):
    sort = request.GET.get("sortierung", "name")
    if sort not in selectors.SORTS:
        sort = "name"
    page = Paginator(selectors.fachverfahren_list(sort=sort), PAGE_SIZE).get_page(
        request.GET.get("seite")
    )
    return render(request, "fachverfahren/catalogue.html", {"page": page, "sort": sort})


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
    return render(request, "fachverfahren/detail.html", {"row": row, "subscribers": subscribers})


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
