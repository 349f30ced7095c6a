from django.urls import path

from openkommune.bundling.views import manage, rounds

app_name = "bundling"

urlpatterns = [
    path("", rounds.round_list, name="list"),
    path("neu/", manage.round_create, name="create"),
    path("<uuid:public_id>/", rounds.round_detail, name="detail"),
    path("<uuid:public_id>/bearbeiten/", manage.round_edit, name="edit"),
    path("<uuid:public_id>/bedarf/", rounds.demand, name="demand"),
    path("<uuid:public_id>/ergebnis/", rounds.result, name="result"),
    path("<uuid:public_id>/ergebnis.<str:fmt>", rounds.result_export, name="result_export"),
    path("<uuid:public_id>/schliessen/", manage.round_close, name="close"),
    path("<uuid:public_id>/auswerten/", manage.round_evaluate, name="evaluate"),
    path("<uuid:public_id>/vergeben/", manage.round_award, name="award"),
    path("<uuid:public_id>/positionen/neu/", manage.item_add, name="item_add"),
    path(
        "<uuid:public_id>/positionen/aus-vertrag/",
        manage.items_from_contract,
        name="items_from_contract",
    ),
    path(
        "<uuid:public_id>/positionen/<uuid:item_id>/entfernen/",
        manage.item_remove,
        name="item_remove",
    ),
    path(
        "<uuid:public_id>/positionen/<uuid:item_id>/angebot/",
        manage.offer_add,
        name="offer_add",
    ),
    path(
        "<uuid:public_id>/positionen/<uuid:item_id>/angebote/<uuid:catalog_item_id>/entfernen/",
        manage.offer_remove,
        name="offer_remove",
    ),
]
