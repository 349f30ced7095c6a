from django.urls import path

from openkommune.companies import views

app_name = "companies"

urlpatterns = [
    path("anmelden/", views.start, name="start"),
    path("rueckkehr/", views.callback, name="callback"),
]
