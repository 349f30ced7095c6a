from django.urls import path

from openkommune.studio.views import codelists, editor, fim, gate, preview, sharing

app_name = "studio"

_V = "<slug:key>/<int:number>/"

urlpatterns = [
    path("", editor.index, name="index"),
    path("neu/", editor.form_new, name="new"),
    path("fim-import/", fim.fim_import, name="fim_import"),
    path("fim-import/<uuid:public_id>/", fim.fim_reimport, name="fim_reimport"),
    path("codelisten/", codelists.code_list_index, name="code_lists"),
    path("codelisten/hochladen/", codelists.code_list_upload, name="code_list_upload"),
    path("codelisten/<uuid:public_id>/", codelists.code_list_detail, name="code_list"),
    path(
        "codelisten/version/<uuid:public_id>/",
        codelists.code_list_version_detail,
        name="code_list_version",
    ),
    path("formular-import/", sharing.form_import, name="form_import"),
    path("<slug:key>/", editor.form_detail, name="form"),
    path("<slug:key>/vergleich/", editor.compare, name="compare"),
    path("<slug:key>/export/", sharing.form_export, name="form_export"),
    path(_V, editor.version_detail, name="version"),
    path(_V + "formular/", editor.settings_edit, name="settings"),
    path(_V + "schritt-neu/", editor.step_new, name="step_new"),
    path(_V + "schritt/<slug:step_id>/", editor.step_edit, name="step_edit"),
    path(_V + "<str:parent>/<slug:parent_id>/neu/<str:kind>/", editor.item_new, name="item_new"),
    path(_V + "element/<slug:item_id>/", editor.item_edit, name="item_edit"),
    path(
        _V + "element/<slug:item_id>/codeliste/", codelists.field_code_list, name="field_code_list"
    ),
    path(_V + "verschieben/", editor.move, name="move"),
    path(_V + "loeschen/<str:what>/<slug:target_id>/", editor.delete, name="delete"),
    path(_V + "neuer-entwurf/", editor.new_draft, name="new_draft"),
    path(_V + "zur-pruefung/", editor.submit_review, name="submit_review"),
    path(_V + "zurueck-in-bearbeitung/", editor.return_to_draft, name="return_to_draft"),
    path(_V + "veroeffentlichen/", editor.publish, name="publish"),
    path(_V + "zurueckziehen/", editor.retire, name="retire"),
    path(_V + "vorschau/", preview.preview, name="preview"),
    path(_V + "importbericht/", fim.fim_report, name="fim_report"),
    path(_V + "pruefung-starten/", gate.gate_start, name="gate_start"),
    path(_V + "pruefung/<uuid:run_id>/", gate.gate_run, name="gate_run"),
    path(_V + "pruefung/<uuid:run_id>/stand/", gate.gate_run_state, name="gate_run_state"),
]
