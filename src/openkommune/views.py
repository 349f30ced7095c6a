"""Site-wide pages. Each reads through the selectors of the apps it shows."""

import json
import uuid

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from openkommune.catalog import selectors as catalog_selectors
from openkommune.core.read_cache import Topic, cached_read
from openkommune.regions import selectors as region_selectors
from openkommune.tenancy import selectors as tenancy_selectors


def home(request):
    figures = cached_read(
        "start_page",
        (),
        topics=(Topic.CATALOG, Topic.REGIONS, Topic.ORGANISATIONS),
        compute=_start_page_figures,
    )
    return render(request, "home.html", figures)


def _start_page_figures() -> dict:
    """The start page's figures: they change only with an import or a new member."""
    catalog = catalog_selectors.catalog_counts()
    counts = {
        "gemeinden": region_selectors.region_counts()["gemeinde"],
        "ozg_leistungen": catalog.ozg_leistungen,
        "leika_services": catalog.leika_services,
        "members": tenancy_selectors.member_count(),
    }
    return {"counts": counts, "themenfelder": list(catalog_selectors.themenfeld_list())}


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
