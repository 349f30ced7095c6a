"""The applicant's pages about messages and notices, next to the status page under
`antrag/<reference>/` (mounted with `path("antrag/", include("openkommune.cases.urls.citizen"))`
in the site's urls.py, namespace `mailbox`)."""

from django.urls import re_path

from openkommune.cases.views import citizen

app_name = "mailbox"

# Same shape as submissions/urls.py; the selectors check it (anything else answers 404).
REFERENCE = r"(?P<reference>[0-9]{4}-[0-9A-Za-z]{2}-[0-9A-Za-z]{4}-[0-9A-Za-z]{4})"

urlpatterns = [
    re_path(rf"^{REFERENCE}/nachrichten/$", citizen.messages, name="messages"),
    re_path(
        rf"^{REFERENCE}/nachrichten/datei/(?P<attachment_id>[0-9a-f-]{{36}})/$",
        citizen.message_attachment,
        name="message_attachment",
    ),
    re_path(rf"^{REFERENCE}/bescheide/$", citizen.notice_list, name="notices"),
    re_path(
        rf"^{REFERENCE}/bescheide/(?P<notice_id>[0-9a-f-]{{36}})/$",
        citizen.notice_pdf,
        name="notice_pdf",
    ),
]
