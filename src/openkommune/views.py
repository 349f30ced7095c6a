"""Site-wide pages. Each reads through the selectors of the apps it shows."""

from django.conf import settings
from django.shortcuts import render

from openkommune.catalog import selectors as catalog_selectors
from openkommune.regions import selectors as region_selectors
from openkommune.tenancy import selectors as tenancy_selectors


def home(request):
    catalog = catalog_selectors.catalog_counts()
    counts = {
        "gemeinden": region_selectors.region_counts()["gemeinde"],
        "ozg_leistungen": catalog.ozg_leistungen,
        "leika_services": catalog.leika_services,
        "members": tenancy_selectors.member_count(),
    }
    return render(
        request,
        "home.html",
        {"counts": counts, "themenfelder": catalog_selectors.themenfeld_list()},
    )


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
