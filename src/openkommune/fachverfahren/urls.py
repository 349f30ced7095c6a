from django.urls import path

from openkommune.fachverfahren import views

app_name = "fachverfahren"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("kosten/", views.charges, name="charges"),
    path("<uuid:public_id>/", views.detail, name="detail"),
]
