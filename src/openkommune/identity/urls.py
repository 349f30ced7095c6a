from django.urls import path

from openkommune.identity import views

app_name = "identity"

urlpatterns = [
    path("metadata/", views.metadata, name="metadata"),
    path("anmelden/", views.login, name="login"),
    path("acs/", views.assertion_consumer, name="acs"),
    path("weiter/", views.resume, name="resume"),
    path("verknuepfen/", views.link, name="link"),
    path("logout/", views.single_logout, name="slo"),
    path("abmelden/", views.logout, name="logout"),
]
