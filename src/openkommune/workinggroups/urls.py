from django.urls import path

from openkommune.workinggroups import views

app_name = "workinggroups"

GROUP = "<uuid:group_id>/"
MEETING = GROUP + "sitzungen/<uuid:meeting_id>/"
DECISION = GROUP + "beschluesse/<uuid:decision_id>/"
# Feed tokens are 43 URL-safe base64 characters: a slug.
TOKEN = "kalender/<slug:token>/"  # noqa: S105 (a URL pattern)

urlpatterns = [
    path("", views.group_list, name="group_list"),
    path("neu/", views.group_create, name="group_create"),
    path("kalender/", views.calendar_settings, name="calendar"),
    path(TOKEN + "arbeitskreise.ics", views.personal_feed, name="personal_feed"),
    path(TOKEN + "<uuid:group_id>.ics", views.group_feed, name="group_feed"),
    path(GROUP, views.group_detail, name="group_detail"),
    path(GROUP + "bearbeiten/", views.group_edit, name="group_edit"),
    path(GROUP + "teilnehmende/", views.participants, name="participants"),
    path(
        GROUP + "teilnehmende/<uuid:participant_id>/entfernen/",
        views.participant_remove,
        name="participant_remove",
    ),
    path(GROUP + "sitzungen/neu/", views.meeting_plan, name="meeting_plan"),
    path(MEETING, views.meeting_detail, name="meeting_detail"),
    path(MEETING + "bearbeiten/", views.meeting_edit, name="meeting_edit"),
    path(MEETING + "einladen/", views.meeting_invite, name="meeting_invite"),
    path(MEETING + "absagen/", views.meeting_cancel, name="meeting_cancel"),
    path(MEETING + "protokoll/genehmigen/", views.minutes_approve, name="minutes_approve"),
    path(
        MEETING + "tagesordnung/<uuid:item_id>/entfernen/",
        views.agenda_item_remove,
        name="agenda_item_remove",
    ),
    path(MEETING + "sitzung.ics", views.meeting_ics, name="meeting_ics"),
    path(MEETING + "beschluss/neu/", views.decision_create, name="meeting_decision_create"),
    path(GROUP + "dateien/", views.file_list, name="files"),
    path(GROUP + "dateien/<uuid:file_id>/", views.file_download, name="file_download"),
    path(GROUP + "dateien/<uuid:file_id>/loeschen/", views.file_delete, name="file_delete"),
    path(GROUP + "beschluesse/", views.decision_list, name="decisions"),
    path(GROUP + "beschluesse/neu/", views.decision_create, name="decision_create"),
    path(DECISION, views.decision_detail, name="decision_detail"),
    path(DECISION + "abschliessen/", views.decision_close, name="decision_close"),
]
