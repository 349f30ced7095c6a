from django.urls import path

from openkommune.twofactor import views

app_name = "twofactor"

urlpatterns = [
    path("", views.challenge, name="challenge"),
    path("wiederherstellung/", views.recovery, name="recovery"),
    path("codes/", views.recovery_codes, name="recovery_codes"),
    path("verwalten/", views.manage, name="manage"),
    path("verwalten/neue-codes/", views.renew_codes, name="renew_codes"),
    path("verwalten/schluessel/", views.webauthn_add, name="webauthn_add"),
    path("schluessel/", views.webauthn_login, name="webauthn_login"),
]
