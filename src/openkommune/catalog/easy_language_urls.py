"""The Leichte Sprache pages at /leichte-sprache/ (catalog.easy_language); URL names without
a namespace, as the header and footer link them from every page."""

from django.urls import path

from openkommune.catalog import views

urlpatterns = [
    path("", views.easy_language_index, name="easy_language"),
    path("<slug:slug>/", views.easy_language_service, name="easy_language_service"),
]
