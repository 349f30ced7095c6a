"""The cooperative's anonymous statistics of the back office (`behoerde/statistik/`): counts
per month, service and status across all members, small counts suppressed. Cooperative staff
only; nobody sees a case from here."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from openkommune.accounts.access import cooperative_staff_page
from openkommune.cases.selectors.statistics import SMALL_COUNT_LIMIT, case_statistics_across_members

PAGE_SIZE = 50


@cooperative_staff_page
@require_GET
def statistics(request):
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("jahr", this_year))
    except ValueError:
        year = this_year
    if not 2000 <= year <= this_year + 1:
        year = this_year
    ozg_id = request.GET.get("leistung", "").strip()
    ozg_id = ozg_id if ozg_id.isdigit() and len(ozg_id) == 5 else ""
    stats = case_statistics_across_members(year=year, ozg_id=ozg_id)
    page = Paginator(stats.rows, PAGE_SIZE).get_page(request.GET.get("seite"))
    context = {
        "stats": stats,
        "page": page,
        "ozg_id": ozg_id,
        "page_links": {"jahr": year, "leistung": ozg_id},
        "limit": SMALL_COUNT_LIMIT,
    }
    return render(request, "cases/statistics.html", context)
