from django.contrib import admin
from django.urls import include, path

from openkommune import views
from openkommune.api.main import api

urlpatterns = [
    path("", views.home, name="home"),
    path("", include("openkommune.regions.urls")),
    path("leistungen/suche/", include("openkommune.search.urls")),
    path("leistungen/", include("openkommune.catalog.urls")),
    path("genossenschaft/mitglieder/", include("openkommune.members.urls")),
    path("genossenschaft/", include("openkommune.reports.urls")),
    path("konto/", include("openkommune.accounts.urls")),
    path("barrierefreiheit/", views.accessibility, name="accessibility"),
    path("datenquellen/", views.sources, name="sources"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
