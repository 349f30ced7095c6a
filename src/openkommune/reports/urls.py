from django.urls import path

from openkommune.reports.views import procurement, reports

app_name = "reports"
urlpatterns = [
    path("", reports.overview, name="overview"),
    path("abdeckung/", reports.coverage, name="coverage"),
    path("entwicklung/", reports.membership, name="membership"),
    path("ozg-fortschritt/", reports.ozg_progress, name="ozg_progress"),
    path("beschaffung/", procurement.procurement, name="procurement"),
]
