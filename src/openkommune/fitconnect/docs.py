"""Readable documentation of the Submission API: Swagger UI over the hand-written OpenAPI file.

Kept out of fitconnect/urls.py on purpose: that module lists exactly the FIT-Connect routes
docs/api/fit-connect-openapi.json documents (tests/fitconnect/test_openapi_file.py).
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.views.decorators.http import require_GET

from openkommune.core.api_docs import render_swagger

SPEC_PATH = settings.BASE_DIR / "docs" / "api" / "fit-connect-openapi.json"


@require_GET
def openapi(request: HttpRequest) -> HttpResponse:
    return HttpResponse(SPEC_PATH.read_bytes(), content_type="application/json")


@require_GET
def docs(request: HttpRequest) -> HttpResponse:
    return render_swagger(
        request,
        title="OpenKommune – FIT-Connect Submission API",
        openapi_url=reverse("fitconnect_openapi"),
    )


urlpatterns = [
    path("openapi.json", openapi, name="fitconnect_openapi"),
    path("docs", docs, name="fitconnect_docs"),
]
