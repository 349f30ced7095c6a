from django.urls import path

from openkommune.procurement.views import exports, invoices, member, staff

app_name = "procurement"

CONTRACT = "vertraege/<uuid:public_id>/"
# References are "AB-2026-X7K2Q9": a slug. `str` would also pass a NUL (%00) to the query,
# which PostgreSQL refuses with a 500 instead of the 404 due.
CALL_OFF = "abrufe/<slug:reference>/"

urlpatterns = [
    path("", member.index, name="index"),
    # cooperative staff
    path("vertraege/", staff.contract_list, name="contract_list"),
    path("vertraege/neu/", staff.contract_create, name="contract_create"),
    path(CONTRACT, staff.contract_detail, name="contract_detail"),
    path(CONTRACT + "bearbeiten/", staff.contract_edit, name="contract_edit"),
    path(CONTRACT + "nutzung/", staff.contract_usage, name="contract_usage"),
    path(CONTRACT + "lose/neu/", staff.lot_edit, name="lot_create"),
    path(CONTRACT + "lose/<uuid:lot_id>/bearbeiten/", staff.lot_edit, name="lot_edit"),
    path(CONTRACT + "lose/<uuid:lot_id>/loeschen/", staff.lot_delete, name="lot_delete"),
    path(CONTRACT + "artikel/neu/", staff.item_edit, name="item_create"),
    path(CONTRACT + "artikel/<uuid:item_id>/bearbeiten/", staff.item_edit, name="item_edit"),
    path(CONTRACT + "artikel/<uuid:item_id>/loeschen/", staff.item_delete, name="item_delete"),
    path(CONTRACT + "import/", staff.catalog_import, name="catalog_import"),
    path(CONTRACT + "dokumente/neu/", staff.document_upload, name="document_upload"),
    path(
        CONTRACT + "dokumente/<uuid:document_id>/",
        staff.document_download,
        name="document_download",
    ),
    path(
        CONTRACT + "dokumente/<uuid:document_id>/loeschen/",
        staff.document_delete,
        name="document_delete",
    ),
    path("lieferanten/", staff.supplier_list, name="supplier_list"),
    path("lieferanten/neu/", staff.supplier_edit, name="supplier_create"),
    path(
        "lieferanten/<uuid:supplier_id>/bearbeiten/",
        staff.supplier_edit,
        name="supplier_edit",
    ),
    # members
    path("katalog/", member.catalog, name="catalog"),
    path("katalog/<uuid:item_id>/abrufen/", member.cart_add, name="cart_add"),
    path("abrufe/", member.call_off_list, name="call_off_list"),
    path("rechnungen/", member.invoice_list, name="invoice_list"),
    path("rechnungen/<uuid:public_id>/xrechnung.xml", member.invoice_xml, name="invoice_xml"),
    path(CALL_OFF, member.call_off_detail, name="call_off_detail"),
    path(CALL_OFF + "angaben/", member.call_off_details, name="call_off_details"),
    path(CALL_OFF + "positionen/<uuid:item_id>/", member.line_update, name="line_update"),
    path(CALL_OFF + "positionen/<uuid:item_id>/entfernen/", member.line_remove, name="line_remove"),
    path(CALL_OFF + "einreichen/", member.call_off_submit, name="call_off_submit"),
    path(CALL_OFF + "freigeben/", member.call_off_approve, name="call_off_approve"),
    path(CALL_OFF + "ablehnen/", member.call_off_reject, name="call_off_reject"),
    path(CALL_OFF + "bestellen/", member.call_off_order, name="call_off_order"),
    path(CALL_OFF + "stornieren/", member.call_off_cancel, name="call_off_cancel"),
    path(CALL_OFF + "bestellung.pdf", member.call_off_pdf, name="call_off_pdf"),
    path(CALL_OFF + "teilen/", member.call_off_share, name="call_off_share"),
    path(CALL_OFF + "wareneingang/", invoices.goods_receipt, name="goods_receipt"),
    path("eingangsrechnungen/", invoices.invoice_list, name="supplier_invoice_list"),
    path("eingangsrechnungen/neu/", invoices.invoice_upload, name="supplier_invoice_upload"),
    path(
        "eingangsrechnungen/<uuid:public_id>/",
        invoices.invoice_detail,
        name="supplier_invoice_detail",
    ),
    path(
        "eingangsrechnungen/<uuid:public_id>/freigeben/",
        invoices.invoice_release,
        name="supplier_invoice_release",
    ),
    path(
        "eingangsrechnungen/<uuid:public_id>/zurueckweisen/",
        invoices.invoice_reject,
        name="supplier_invoice_reject",
    ),
    path(
        "eingangsrechnungen/<uuid:public_id>/xrechnung.xml",
        invoices.invoice_document,
        name="supplier_invoice_document",
    ),
    path("abrufe/export.<str:fmt>", exports.call_offs, name="call_off_export"),
    path("vertraege/export.<str:fmt>", exports.contracts, name="contract_export"),
    path("einstellungen/", member.settings_edit, name="settings"),
    path("einstellungen/freigabegrenze/", member.threshold_decide, name="threshold_decide"),
    path("freigaben-vertretung/", staff.deputy_approvals, name="deputy_approvals"),
    path(
        "freigaben-vertretung/<uuid:member_id>/<slug:reference>/",
        staff.deputy_decide,
        name="deputy_decide",
    ),
]
