from django.urls import path

from openkommune.reports.views import procurement as procurement_views
from openkommune.reports.views import reports as views

app_name = "reports"
urlpatterns = [
    path("abdeckung/", views.coverage, name="coverage"),
    path("entwicklung/", views.membership, name="membership"),
    path("ozg-fortschritt/", views.ozg_progress, name="ozg_progress"),
    path("beschaffung/", procurement_views.procurement, name="procurement"),
]
