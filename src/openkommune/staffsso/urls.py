from django.urls import path

from openkommune.staffsso import views

app_name = "staffsso"

urlpatterns = [
    path("<uuid:organisation>/anmelden/", views.start, name="start"),
    path("rueckkehr/", views.callback, name="callback"),
    path("einrichten/", views.settings_page, name="settings"),
]
