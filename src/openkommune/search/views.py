import math
import re

from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from openkommune.regions import selectors as region_selectors
from openkommune.regions import services as region_services
from openkommune.regions.constants import POSTCODE_PATTERN
from openkommune.search import selectors
from openkommune.search.forms import SearchForm

PAGE_SIZE = 10
EXAMPLES = ["Personalausweis beantragen", "Hund anmelden", "Kita-Platz", "Wohnsitz ummelden"]


@require_GET
def results(request):
    """Search results for an everyday query, with Themenfeld facets and pages. GET only, so
    every result page is a link."""
    form = SearchForm(request.GET or None)
    context = {"form": form, "query": "", "examples": EXAMPLES, "result": None}
    if form.is_bound and form.is_valid() and form.cleaned_data["q"].strip():
        query = form.cleaned_data["q"].strip()
        # A postcode typed into the search: the visitor's place, shown on the start page.
        if re.fullmatch(POSTCODE_PATTERN, query) and region_selectors.gemeinden_for_postcode_cached(
            postcode=query
        ):
            region_services.place_remember(request.session, postcode=query)
            return redirect(reverse("home") + "#ihr-ort")
        # Facet and page come from our own links; anything else is ignored, not an error.
        themenfeld = _positive_int(request.GET.get("themenfeld"))
        page = _positive_int(request.GET.get("seite")) or 1
        result = selectors.service_search(
            query=query, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, themenfeld=themenfeld
        )
        pages = max(1, math.ceil(result.total / PAGE_SIZE))
        if page > pages:  # a stale link past the end: show the last page instead of nothing
            page = pages
            result = selectors.service_search(
                query=query, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, themenfeld=themenfeld
            )
        facets = [
            {"id": facet.official_id, "name": facet.name, "count": count}
            for facet, count in result.facets.items()
        ]
        context.update(
            fallback=selectors.fallback_choices() if result.no_good_match else None,
            query=query,
            result=result,
            themenfeld=themenfeld,
            facets=facets,
            all_count=sum(f["count"] for f in facets),
            page=page,
            pages=pages,
            first_rank=(page - 1) * PAGE_SIZE + 1,
        )
    return render(request, "search/results.html", context)


def _positive_int(value: str | None) -> int | None:
    if value and value.isdigit() and len(value) <= 6 and int(value) > 0:
        return int(value)
    return None
