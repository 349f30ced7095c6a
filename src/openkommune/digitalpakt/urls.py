from django.urls import path

from openkommune.digitalpakt import views

app_name = "digitalpakt"

urlpatterns = [
    path("", views.index, name="index"),
    path("<uuid:public_id>/", views.ledger, name="ledger"),
    path("<uuid:public_id>/zuweisung/", views.book, {"action": "allocate"}, name="allocate"),
    path("<uuid:public_id>/belasten/", views.book, {"action": "charge"}, name="charge"),
    path("<uuid:public_id>/zahlung/", views.book, {"action": "pay"}, name="pay"),
    path("<uuid:public_id>/korrektur/", views.book, {"action": "correct"}, name="correct"),
    path("<uuid:public_id>/verwendungsnachweis.xlsx", views.proof_of_use, name="proof_of_use"),
]
