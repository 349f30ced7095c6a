"""The member administrators' FIT-Connect pages, mounted at `schnittstellen/fit-connect/`
(kept apart from `urls.py`, whose routes are the Submission API of the OpenAPI file)."""

from django.urls import path

from openkommune.fitconnect import admin_views

app_name = "fitconnect_admin"

urlpatterns = [
    path("", admin_views.overview, name="overview"),
    path("zustellpunkt/neu/", admin_views.destination_create, name="destination_create"),
    path(
        "zustellpunkt/<uuid:destination_id>/schluessel/",
        admin_views.key_rotate,
        name="key_rotate",
    ),
    path(
        "zustellpunkt/<uuid:destination_id>/callback/",
        admin_views.callback_edit,
        name="callback_edit",
    ),
    path(
        "zustellpunkt/<uuid:destination_id>/callback/entfernen/",
        admin_views.callback_remove,
        name="callback_remove",
    ),
    path("extern/neu/", admin_views.external_create, name="external_create"),
    path("extern/<int:route_pk>/secret/", admin_views.external_secret, name="external_secret"),
    path("extern/<int:route_pk>/wiederholen/", admin_views.external_retry, name="external_retry"),
    path("client/neu/", admin_views.client_create, name="client_create"),
    path("client/<uuid:client_id>/widerrufen/", admin_views.client_revoke, name="client_revoke"),
]
