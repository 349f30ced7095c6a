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
    path("", include("openkommune.regions.urls")),
    path("leistungen/suche/", include("openkommune.search.urls")),
    path("leistungen/", include("openkommune.catalog.urls")),
    path("genossenschaft/mitglieder/", include("openkommune.members.urls")),
    path("genossenschaft/", include("openkommune.reports.urls")),
    path("antrag/", include("openkommune.submissions.urls")),
    path("antrag/", include("openkommune.cases.urls.citizen")),
    path("formulare/", include("openkommune.forms.urls")),
    path("beschaffung/", include("openkommune.procurement.urls")),
    path("beschaffung/buendelung/", include("openkommune.bundling.urls")),
    path("beschaffung/digitalpakt/", include("openkommune.digitalpakt.urls")),
    path("behoerde/", include("openkommune.cases.urls")),
    path("schnittstellen/", include("openkommune.delivery.urls")),
    path("konto/zwei-faktor/", include("openkommune.twofactor.urls")),
    path("konto/unternehmenskonto/", include("openkommune.companies.urls")),
    path("konto/", include("openkommune.accounts.urls")),
    path("barrierefreiheit/", views.accessibility, name="accessibility"),
    path("datenquellen/", views.sources, name="sources"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
]

if settings.BENCH_BASELINE:  # bench/load.py only, never in a real installation
    urlpatterns.append(path("bench/baseline/", views.bench_baseline, name="bench_baseline"))
