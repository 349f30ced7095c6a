from django.urls import path

from openkommune.procurement.views import member as views
from openkommune.procurement.views import staff as staff_views

app_name = "procurement"

CONTRACT = "vertraege/<uuid:public_id>/"
# References are "AB-2026-X7K2Q9": a slug. `str` would also pass a NUL (%00) to the query,
# which PostgreSQL refuses with a 500 instead of the 404 due.
CALL_OFF = "abrufe/<slug:reference>/"

urlpatterns = [
    path("", views.index, name="index"),
    # cooperative staff
    path("vertraege/", staff_views.contract_list, name="contract_list"),
    path("vertraege/neu/", staff_views.contract_create, name="contract_create"),
    path(CONTRACT, staff_views.contract_detail, name="contract_detail"),
    path(CONTRACT + "bearbeiten/", staff_views.contract_edit, name="contract_edit"),
    path(CONTRACT + "nutzung/", staff_views.contract_usage, name="contract_usage"),
    path(CONTRACT + "lose/neu/", staff_views.lot_edit, name="lot_create"),
    path(CONTRACT + "lose/<uuid:lot_id>/bearbeiten/", staff_views.lot_edit, name="lot_edit"),
    path(CONTRACT + "lose/<uuid:lot_id>/loeschen/", staff_views.lot_delete, name="lot_delete"),
    path(CONTRACT + "artikel/neu/", staff_views.item_edit, name="item_create"),
    path(CONTRACT + "artikel/<uuid:item_id>/bearbeiten/", staff_views.item_edit, name="item_edit"),
    path(
        CONTRACT + "artikel/<uuid:item_id>/loeschen/", staff_views.item_delete, name="item_delete"
    ),
    path(CONTRACT + "import/", staff_views.catalog_import, name="catalog_import"),
    path(CONTRACT + "dokumente/neu/", staff_views.document_upload, name="document_upload"),
    path(
        CONTRACT + "dokumente/<uuid:document_id>/",
        staff_views.document_download,
        name="document_download",
    ),
    path(
        CONTRACT + "dokumente/<uuid:document_id>/loeschen/",
        staff_views.document_delete,
        name="document_delete",
    ),
    path("lieferanten/", staff_views.supplier_list, name="supplier_list"),
    path("lieferanten/neu/", staff_views.supplier_edit, name="supplier_create"),
    path(
        "lieferanten/<uuid:supplier_id>/bearbeiten/",
        staff_views.supplier_edit,
        name="supplier_edit",
    ),
    # members
    path("katalog/", views.catalog, name="catalog"),
    path("katalog/<uuid:item_id>/abrufen/", views.cart_add, name="cart_add"),
    path("abrufe/", views.call_off_list, name="call_off_list"),
    path(CALL_OFF, views.call_off_detail, name="call_off_detail"),
    path(CALL_OFF + "angaben/", views.call_off_details, name="call_off_details"),
    path(CALL_OFF + "positionen/<uuid:item_id>/", views.line_update, name="line_update"),
    path(CALL_OFF + "positionen/<uuid:item_id>/entfernen/", views.line_remove, name="line_remove"),
    path(CALL_OFF + "einreichen/", views.call_off_submit, name="call_off_submit"),
    path(CALL_OFF + "freigeben/", views.call_off_approve, name="call_off_approve"),
    path(CALL_OFF + "ablehnen/", views.call_off_reject, name="call_off_reject"),
    path(CALL_OFF + "bestellen/", views.call_off_order, name="call_off_order"),
    path(CALL_OFF + "stornieren/", views.call_off_cancel, name="call_off_cancel"),
    path(CALL_OFF + "bestellung.pdf", views.call_off_pdf, name="call_off_pdf"),
    path("einstellungen/", views.settings_edit, name="settings"),
]
