from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from openkommune import views
from openkommune.api.main import api
from openkommune.core import health, metrics

# A lost database connection gives the German 503 page (or the API's JSON), not a 500.
handler500 = "openkommune.core.unavailable.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("ort-vergessen/", views.place_forget, name="place_forget"),
    path("", include("openkommune.regions.urls")),
    path("leistungen/suche/", include("openkommune.search.urls")),
    path("leistungen/", include("openkommune.catalog.urls")),
    path("genossenschaft/mitglieder/", include("openkommune.members.urls")),
    path("genossenschaft/formular-studio/", include("openkommune.studio.urls")),
    path("", include("openkommune.formstats.urls")),
    path("genossenschaft/", include("openkommune.website.urls")),
    path("genossenschaft/fachverfahren/", include("openkommune.fachverfahren.urls")),
    path("genossenschaft/servicedesk/", include("openkommune.servicedesk.urls")),
    path("genossenschaft/arbeitskreise/", include("openkommune.workinggroups.urls")),
    path("genossenschaft/druckkonzept/", include("openkommune.printplanner.urls")),
    path("genossenschaft/", include("openkommune.reports.urls")),
    path("antrag/", include("openkommune.submissions.urls")),
    path("antrag/", include("openkommune.cases.urls.citizen")),
    path("formulare/", include("openkommune.forms.urls")),
    path("beschaffung/", include("openkommune.procurement.urls")),
    path("beschaffung/buendelung/", include("openkommune.bundling.urls")),
    path("beschaffung/digitalpakt/", include("openkommune.digitalpakt.urls")),
    path("", include("openkommune.payments.urls")),
    path("behoerde/", include("openkommune.cases.urls")),
    path("schnittstellen/fit-connect/", include("openkommune.fitconnect.admin_urls")),
    path("schnittstellen/zustellwege/", include("openkommune.fitconnect.health_views")),
    path("schnittstellen/", include("openkommune.delivery.urls")),
    path("konto/bundid/", include("openkommune.identity.urls")),
    path("konto/zwei-faktor/", include("openkommune.twofactor.urls")),
    path("konto/unternehmenskonto/", include("openkommune.companies.urls")),
    path("konto/beschaeftigte/", include("openkommune.staffsso.urls")),
    path("konto/", include("openkommune.accounts.urls")),
    path("barrierefreiheit/", views.accessibility, name="accessibility"),
    path("datenquellen/", views.sources, name="sources"),
    # Leichte Sprache (German only): the platform and the six services of the platform's forms.
    path("leichte-sprache/", include("openkommune.catalog.easy_language_urls")),
    # The language switch: a form POST to Django's set_language (works without JavaScript).
    path("sprache/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    # FIT-Connect-compatible Submission API (docs/fit-connect.md): FITKO's paths and shapes.
    # Its Swagger UI and OpenAPI file, outside the routes fitconnect/urls.py keeps equal to it.
    path("fit-connect/v1/", include("openkommune.fitconnect.docs")),
    path("fit-connect/", include("openkommune.fitconnect.urls")),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
]

if settings.BENCH_BASELINE:  # bench/load.py only, never in a real installation
    urlpatterns.append(path("bench/baseline/", views.bench_baseline, name="bench_baseline"))
