"""Site-wide pages. Each reads through the selectors of the apps it shows."""

import json
import uuid

from django.conf import settings
from django.contrib import messages
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from openkommune.catalog import selectors as catalog_selectors
from openkommune.catalog.constants import LageKind
from openkommune.core.read_cache import Topic, cached_read
from openkommune.regions import selectors as region_selectors
from openkommune.regions import services as region_services
from openkommune.regions.forms import PostcodeForm
from openkommune.search import selectors as search_selectors


@require_safe
def home(request):
    """The start page, built around what citizens come for: the search, what is online for
    their place (the postcode they gave here or on a service page, kept in the session),
    their Gemeinde, the most used services, the Lebenslagen and the Themenfelder."""
    form = PostcodeForm(request.GET if "plz" in request.GET else None)
    form.fields["plz"].label = _("Ihre Postleitzahl")
    if form.is_bound and form.is_valid():
        region_services.place_remember(
            request.session, postcode=form.cleaned_data["plz"], ars=request.GET.get("ars", "")
        )
        return redirect(reverse("home") + "#ihr-ort")
    place = region_selectors.place_remembered(request.session)
    gemeinde = place.gemeinde if place is not None else None
    if place is not None and not form.is_bound:
        form.fields["plz"].label = _("Andere Postleitzahl")
    context = cached_read(
        "start_page", (get_language(),), topics=(Topic.CATALOG,), compute=_start_page_lists
    ) | {
        "form": form,
        "place": place,
        "local": catalog_selectors.local_authority(gemeinde=gemeinde) if gemeinde else None,
        "online": catalog_selectors.online_services_for_place(gemeinde=gemeinde)
        if gemeinde
        else None,
    }
    return render(request, "home.html", context, status=400 if form.errors else 200)


def _start_page_lists() -> dict:
    """The start page's lists: they change only with a catalogue import."""
    fallback = search_selectors.fallback_choices()
    unternehmenslagen = catalog_selectors.lage_list(kind=LageKind.UNTERNEHMENSLAGE)
    return {
        "most_used": fallback.most_used,
        "lebenslagen": fallback.lebenslagen,
        "unternehmenslagen": list(unternehmenslagen.order_by("name")),
        "themenfelder": list(catalog_selectors.themenfeld_list()),
    }


@require_POST
def place_forget(request):
    """ "Ort vergessen": the start page asks for a postcode again."""
    region_services.place_forget(request.session)
    messages.success(request, _("Ihre Postleitzahl ist vergessen."))
    return redirect("home")


def accessibility(request):
    return render(
        request,
        "pages/accessibility.html",
        {"accessibility_contact": settings.ACCESSIBILITY_CONTACT},
    )


def sources(request):
    return render(
        request, "pages/sources.html", {"gebietsstand": region_selectors.current_gebietsstand()}
    )


# The table `bench/load.py` creates in its own database; nothing else uses it.
BENCH_BASELINE_TABLE = "bench_baseline"


@csrf_exempt
def bench_baseline(request):
    """The load benchmark's baseline: the request's JSON body stored as one row with one raw
    INSERT, on the same server and middleware as every page. Routed only when
    `OPENKOMMUNE_BENCH_BASELINE` is set (see urls.py)."""
    body = json.loads(request.body)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {BENCH_BASELINE_TABLE} (reference, body) VALUES (%s, %s)",  # noqa: S608
            [str(uuid.uuid4()), json.dumps(body)],
        )
    return JsonResponse({"status": "ok"}, status=201)
