from django.urls import path

from openkommune.delivery import views

app_name = "delivery"

urlpatterns = [
    path("schluessel/", views.key_list, name="key_list"),
    path("schluessel/neu/", views.key_create, name="key_create"),
    path("schluessel/<uuid:public_id>/widerrufen/", views.key_revoke, name="key_revoke"),
    path("vorgang/<uuid:public_id>/export/", views.case_export, name="case_export"),
]
