from django.urls import path

from openkommune.fachverfahren import views

app_name = "fachverfahren"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("kosten/", views.charges, name="charges"),
    path("neu/", views.fachverfahren_new, name="new"),
    path("abonnements/", views.subscriptions, name="subscriptions"),
    path("abonnements/neu/", views.subscription_new, name="subscription_new"),
    path("abonnements/<uuid:public_id>/beenden/", views.subscription_end, name="subscription_end"),
    path("<uuid:public_id>/bearbeiten/", views.fachverfahren_edit, name="edit"),
    path("<uuid:public_id>/", views.detail, name="detail"),
]
