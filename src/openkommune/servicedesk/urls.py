from django.urls import path

from openkommune.servicedesk import views

app_name = "servicedesk"

urlpatterns = [
    path("", views.ticket_list, name="list"),
    path("neu/", views.ticket_new, name="new"),
    path("bericht/", views.report, name="report"),
    path("bewertung/<str:token>/", views.satisfaction, name="satisfaction"),
    path("<uuid:public_id>/", views.ticket_detail, name="detail"),
    path("anhang/<uuid:public_id>/", views.attachment, name="attachment"),
]
