from django.urls import path

from openkommune.fitconnect import views

app_name = "fitconnect"

urlpatterns = [
    path("token", views.token, name="token"),
    path(".well-known/jwks.json", views.jwks, name="jwks"),
    path(
        "schemas/<str:form_key>/<int:number>/data.schema.json",
        views.data_schema,
        name="data_schema",
    ),
    path("v1/destinations/<str:destination_id>", views.destination, name="destination"),
    path(
        "v1/destinations/<str:destination_id>/keys/<str:kid>",
        views.destination_key,
        name="destination_key",
    ),
    path("v1/submissions", views.submissions, name="submissions"),
    path("v1/submissions/<str:submission_id>", views.submission, name="submission"),
    path(
        "v1/submissions/<str:submission_id>/attachments/<str:attachment_id>",
        views.attachment,
        name="attachment",
    ),
    path("v1/cases/<str:case_id>/events", views.events, name="events"),
    path(
        "v1/submissions/<str:submission_id>/events",
        views.submission_events,
        name="submission_events",
    ),
]
