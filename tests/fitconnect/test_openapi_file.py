"""docs/api/fit-connect-openapi.json lists exactly the routes under /fit-connect/."""

import json
from pathlib import Path

from django.urls import resolve

from openkommune.fitconnect import urls

SPEC = Path(__file__).resolve().parents[2] / "docs" / "api" / "fit-connect-openapi.json"
SAMPLE = "00000000-0000-4000-8000-000000000000"


def _path(template: str) -> str:
    for name in ("destinationId", "submissionId", "attachmentId", "caseId", "kid"):
        template = template.replace("{" + name + "}", SAMPLE)
    template = template.replace("{formKey}", "testantrag").replace("{version}", "1")
    return "/fit-connect" + template


def test_every_documented_operation_is_served():
    spec = json.loads(SPEC.read_text())
    assert spec["openapi"].startswith("3.")
    for template, operations in spec["paths"].items():
        view = resolve(_path(template)).func
        allowed = view.methods
        for method in operations:
            assert method.upper() in allowed, f"{method.upper()} {template}"
        assert set(allowed) == {m.upper() for m in operations}, template


def test_every_route_is_documented():
    spec = json.loads(SPEC.read_text())
    documented = {resolve(_path(t)).url_name for t in spec["paths"]}
    assert documented == {pattern.name for pattern in urls.urlpatterns}
