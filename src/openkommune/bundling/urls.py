from django.urls import path

from openkommune.bundling.views import manage as views_manage
from openkommune.bundling.views import rounds as views

app_name = "bundling"

urlpatterns = [
    path("", views.round_list, name="list"),
    path("neu/", views_manage.round_create, name="create"),
    path("<uuid:public_id>/", views.round_detail, name="detail"),
    path("<uuid:public_id>/bearbeiten/", views_manage.round_edit, name="edit"),
    path("<uuid:public_id>/bedarf/", views.demand, name="demand"),
    path("<uuid:public_id>/ergebnis/", views.result, name="result"),
    path("<uuid:public_id>/schliessen/", views_manage.round_close, name="close"),
    path("<uuid:public_id>/auswerten/", views_manage.round_evaluate, name="evaluate"),
    path("<uuid:public_id>/positionen/neu/", views_manage.item_add, name="item_add"),
    path(
        "<uuid:public_id>/positionen/aus-vertrag/",
        views_manage.items_from_contract,
        name="items_from_contract",
    ),
    path(
        "<uuid:public_id>/positionen/<uuid:item_id>/entfernen/",
        views_manage.item_remove,
        name="item_remove",
    ),
    path(
        "<uuid:public_id>/positionen/<uuid:item_id>/angebot/",
        views_manage.offer_add,
        name="offer_add",
    ),
    path(
        "<uuid:public_id>/positionen/<uuid:item_id>/angebote/<uuid:catalog_item_id>/entfernen/",
        views_manage.offer_remove,
        name="offer_remove",
    ),
]
