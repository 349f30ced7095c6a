from django.urls import path

from openkommune.reports.views import outbox, procurement, reports

app_name = "reports"
urlpatterns = [
    path("", reports.overview, name="overview"),
    path("abdeckung/", reports.coverage, name="coverage"),
    path("entwicklung/", reports.membership, name="membership"),
    path("ozg-fortschritt/", reports.ozg_progress, name="ozg_progress"),
    path("beschaffung/", procurement.procurement, name="procurement"),
    path("postausgang/", outbox.outbox_list, name="outbox"),
    path("postausgang/<uuid:public_id>/erneut/", outbox.outbox_retry, name="outbox_retry"),
]
