import json
from pathlib import Path

import pytest

from openkommune.api.openapi import openapi_document

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "api" / "openapi.json"


def test_committed_openapi_matches_the_code():
    assert COMMITTED.exists(), "docs/api/openapi.json fehlt: `make openapi` ausführen"
    assert COMMITTED.read_text(encoding="utf-8") == openapi_document(), (
        "docs/api/openapi.json ist veraltet: `make openapi` ausführen und mitcommitten"
    )


@pytest.mark.django_db
def test_openapi_is_served(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    served = response.json()
    assert served["info"]["title"] == "OpenKommune API"
    assert "/api/v1/regions/resolve" in served["paths"]


def test_every_operation_documents_the_error_shape():
    schema = json.loads(openapi_document())
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            client_errors = [code for code in operation["responses"] if code.startswith("4")]
            assert client_errors, f"{method.upper()} {path} documents no 4xx response"
