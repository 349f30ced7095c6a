"""Site-wide pages. Each reads through the selectors of the apps it shows."""

from django.conf import settings
from django.shortcuts import render

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
