"""Pages of the citizen journey under `antrag/`. The names `status` (with `reference`) and
`resume` (with `public_id`) are also the targets of links in e-mails (`links.py`)."""

from django.urls import path, re_path

from openkommune.submissions import application_views, views

app_name = "submissions"

OZG_ID = r"(?P<ozg_id>[0-9]{5})"
# Checked by the selectors (references.normalise_reference); anything else answers 404.
REFERENCE = r"(?P<reference>[0-9]{4}-[0-9A-Za-z]{2}-[0-9A-Za-z]{4}-[0-9A-Za-z]{4})"

urlpatterns = [
    re_path(rf"^{OZG_ID}/$", views.start, name="start"),
    path("fortsetzen/<uuid:public_id>/", views.resume, name="resume"),
    path("entwurf/<uuid:public_id>/pruefen/", views.check, name="check"),
    path("entwurf/<uuid:public_id>/absenden/", views.submit, name="submit"),
    path("entwurf/<uuid:public_id>/gespeichert/", views.saved, name="saved"),
    path(
        "entwurf/<uuid:public_id>/datei/<uuid:attachment_id>/",
        views.draft_attachment,
        name="draft_attachment",
    ),
    path("entwurf/<uuid:public_id>/<slug:step_id>/", views.step, name="step"),
    re_path(rf"^{REFERENCE}/eingang/$", application_views.receipt, name="receipt"),
    re_path(rf"^{REFERENCE}/eingang/pdf/$", application_views.receipt_pdf, name="receipt_pdf"),
    re_path(rf"^{REFERENCE}/status/$", application_views.status, name="status"),
    re_path(
        rf"^{REFERENCE}/datei/(?P<attachment_id>[0-9a-f-]{{36}})/$",
        application_views.application_attachment,
        name="application_attachment",
    ),
]
