from django.urls import path

from openkommune.digitalpakt import views

app_name = "digitalpakt"

urlpatterns = [
    path("", views.index, name="index"),
    path("kategorien/", views.category_list, name="categories"),
    path("kategorien/<uuid:public_id>/neu/", views.category_edit, name="category_create"),
    path("kategorien/<int:pk>/bearbeiten/", views.category_edit, name="category_edit"),
    path("kategorien/<int:pk>/loeschen/", views.category_delete, name="category_delete"),
    path("<uuid:public_id>/", views.ledger, name="ledger"),
    path("<uuid:public_id>/zuweisung/", views.book, {"action": "allocate"}, name="allocate"),
    path("<uuid:public_id>/belasten/", views.book, {"action": "charge"}, name="charge"),
    path("<uuid:public_id>/zahlung/", views.book, {"action": "pay"}, name="pay"),
    path("<uuid:public_id>/korrektur/", views.book, {"action": "correct"}, name="correct"),
    path("<uuid:public_id>/verwendungsnachweis.xlsx", views.proof_of_use, name="proof_of_use"),
]
