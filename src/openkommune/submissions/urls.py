"""Pages of the citizen journey under `antrag/`. The names `status` (with `reference`) and
`resume` (with `public_id`) are also the targets of links in e-mails (`links.py`)."""

from django.urls import path, re_path

from openkommune.submissions.views import applications, drafts

app_name = "submissions"

OZG_ID = r"(?P<ozg_id>[0-9]{5})"
# Checked by the selectors (references.normalise_reference); anything else answers 404.
REFERENCE = r"(?P<reference>[0-9]{4}-[0-9A-Za-z]{2}-[0-9A-Za-z]{4}-[0-9A-Za-z]{4})"

urlpatterns = [
    re_path(rf"^{OZG_ID}/$", drafts.start, name="start"),
    path("fortsetzen/<uuid:public_id>/", drafts.resume, name="resume"),
    path("entwurf/<uuid:public_id>/pruefen/", drafts.check, name="check"),
    path("entwurf/<uuid:public_id>/absenden/", drafts.submit, name="submit"),
    path("entwurf/<uuid:public_id>/gespeichert/", drafts.saved, name="saved"),
    path(
        "entwurf/<uuid:public_id>/datei/<uuid:attachment_id>/",
        drafts.draft_attachment,
        name="draft_attachment",
    ),
    path("entwurf/<uuid:public_id>/<slug:step_id>/", drafts.step, name="step"),
    re_path(rf"^{REFERENCE}/eingang/$", applications.receipt, name="receipt"),
    re_path(rf"^{REFERENCE}/eingang/pdf/$", applications.receipt_pdf, name="receipt_pdf"),
    re_path(rf"^{REFERENCE}/status/$", applications.status, name="status"),
    re_path(
        rf"^{REFERENCE}/datei/(?P<attachment_id>[0-9a-f-]{{36}})/$",
        applications.application_attachment,
        name="application_attachment",
    ),
]
