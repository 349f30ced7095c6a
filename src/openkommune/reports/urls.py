from django.urls import path

from openkommune.reports import procurement_views, views

app_name = "reports"
urlpatterns = [
    path("abdeckung/", views.coverage, name="coverage"),
    path("entwicklung/", views.membership, name="membership"),
    path("ozg-fortschritt/", views.ozg_progress, name="ozg_progress"),
    path("beschaffung/", procurement_views.procurement, name="procurement"),
]
