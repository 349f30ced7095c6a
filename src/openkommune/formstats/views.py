"""Pages of the use statistics (ADR 0036): cooperative staff see every member's use of the
forms, a member's clerks and administrators only their own applications. Counts below 5
arrive suppressed from the selectors."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from openkommune.accounts.access import back_office, cooperative_staff_page
from openkommune.forms.models import FormDefinition
from openkommune.formstats import selectors
from openkommune.formstats.constants import SMALL_COUNT_LIMIT


def _period(request) -> int:
    try:
        days = int(request.GET.get("tage", 30))
    except ValueError:
        days = 30
    return days if days in selectors.PERIODS else 30


def _context(request, **extra) -> dict:
    days = _period(request)
    return {
        "days": days,
        "periods": selectors.PERIODS,
        "since": selectors.period_start(days),
        "limit": SMALL_COUNT_LIMIT,
        **extra,
    }


def _known_form(key: str) -> None:
    if not FormDefinition.objects.filter(key=key).exists():
        raise Http404(_("Dieses Formular gibt es nicht."))


@cooperative_staff_page
@require_GET
def staff_overview(request):
    context = _context(request, scope_label=_("alle Mitglieder"), member=None)
    context["rows"] = selectors.form_usage_across_members(since=context["since"])
    return render(request, "formstats/overview.html", context)


@cooperative_staff_page
@require_GET
def staff_form(request, key: str):
    _known_form(key)
    context = _context(request, scope_label=_("alle Mitglieder"), member=None)
    context["detail"] = selectors.form_detail_across_members(form_key=key, since=context["since"])
    return render(request, "formstats/form.html", context)


@back_office
@require_GET
def member_overview(request, *, tenant):
    context = _context(request, scope_label=tenant.name, member=tenant)
    context["rows"] = selectors.form_usage_of_member(tenant=tenant, since=context["since"])
    return render(request, "formstats/overview.html", context)


@back_office
@require_GET
def member_form(request, key: str, *, tenant):
    _known_form(key)
    context = _context(request, scope_label=tenant.name, member=tenant)
    context["detail"] = selectors.form_detail_of_member(
        tenant=tenant, form_key=key, since=context["since"]
    )
    return render(request, "formstats/form.html", context)
