"""Pages of the back office under `behoerde/`. Other parts of the back office append their
patterns below (messages and notices, retention settings, statistics, service settings)."""

from django.urls import path, re_path

from openkommune.cases.views import cases, messages, retention, service_settings, statistics

app_name = "cases"

urlpatterns = [
    path("eingang/", cases.inbox, name="inbox"),
    path("vorgang/<uuid:public_id>/", cases.case_detail, name="case_detail"),
    path("vorgang/<uuid:public_id>/status/", cases.case_transition, name="case_transition"),
    path("vorgang/<uuid:public_id>/zuweisung/", cases.case_assign, name="case_assign"),
    path("vorgang/<uuid:public_id>/wiedervorlage/", cases.case_follow_up, name="case_follow_up"),
    path("vorgang/<uuid:public_id>/notiz/", cases.case_note, name="case_note"),
    path("vorgang/<uuid:public_id>/dokument/", cases.case_document_add, name="case_document_add"),
    path(
        "vorgang/<uuid:public_id>/dokument/<uuid:document_id>/",
        cases.case_document,
        name="case_document",
    ),
    path(
        "vorgang/<uuid:public_id>/anlage/<uuid:attachment_id>/",
        cases.case_attachment,
        name="case_attachment",
    ),
    path(
        "vorgang/<uuid:public_id>/eingangsbestaetigung/",
        cases.case_receipt,
        name="case_receipt",
    ),
]

# --- messages and notices (views_messages) ---------------------------------------------------

urlpatterns += [
    path(
        "vorgang/<uuid:public_id>/nachrichten/",
        messages.case_messages,
        name="messages",
    ),
    path(
        "vorgang/<uuid:public_id>/nachrichten/datei/<uuid:attachment_id>/",
        messages.case_message_attachment,
        name="message_attachment",
    ),
    path(
        "vorgang/<uuid:public_id>/bescheid/",
        messages.case_notice_create,
        name="notice_create",
    ),
    path(
        "vorgang/<uuid:public_id>/bescheid/<uuid:notice_id>/pdf/",
        messages.case_notice_pdf,
        name="notice_pdf",
    ),
]

# Retention settings (member administrators) and anonymous statistics (cooperative staff).

urlpatterns += [
    path("aufbewahrung/", retention.retention_settings, name="retention_settings"),
    re_path(
        r"^aufbewahrung/(?P<key>[0-9]{5}|alle)/$",
        retention.retention_edit,
        name="retention_edit",
    ),
    path("statistik/", statistics.statistics, name="statistics"),
]

# Deadline and notice template per service (member administrators).

urlpatterns += [
    path("leistungen/", service_settings.service_settings_list, name="service_settings"),
    re_path(
        r"^leistungen/(?P<key>[0-9]{5})/frist/$",
        service_settings.service_deadline_edit,
        name="service_deadline_edit",
    ),
    re_path(
        r"^leistungen/(?P<key>[0-9]{5})/bescheidvorlage/$",
        service_settings.notice_template_edit,
        name="notice_template_edit",
    ),
]
