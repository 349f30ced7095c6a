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


def _project_schemas():
    from ninja import Schema

    import openkommune.api.main  # noqa: F401 - imports every app's API

    seen, pending = [], list(Schema.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("openkommune."):
            seen.append(cls)
    return seen


def test_every_api_schema_has_its_own_name():
    # Components are keyed by class name: two classes of one name document each other's shape.
    by_name: dict[str, set[str]] = {}
    for cls in _project_schemas():
        by_name.setdefault(cls.__name__, set()).add(f"{cls.__module__}.{cls.__qualname__}")
    duplicates = {name: paths for name, paths in by_name.items() if len(paths) > 1}
    assert not duplicates


def test_the_generator_refuses_two_different_schemas_of_one_name():
    from ninja import NinjaAPI, Schema

    from openkommune.api.openapi import DuplicateSchemaName, OpenKommuneSchema

    def make(field):
        return type("ItemOut", (Schema,), {"__annotations__": {field: str}})

    first, second = make("title"), make("article_number")

    class FirstOut(Schema):
        item: first

    class SecondOut(Schema):
        item: second

    api = NinjaAPI(urls_namespace="duplicate-probe")
    api.get("/a", response=FirstOut)(lambda request: None)
    api.get("/b", response=SecondOut)(lambda request: None)
    with pytest.raises(DuplicateSchemaName, match="ItemOut"):
        OpenKommuneSchema(api, "")


def test_contract_items_document_the_contract_item_shape():
    schema = json.loads(openapi_document())
    response = schema["paths"]["/api/v1/procurement/contracts/{contract_id}/items"]["get"]
    items = response["responses"]["200"]["content"]["application/json"]["schema"]["items"]
    component = schema["components"]["schemas"][items["$ref"].rsplit("/", 1)[1]]
    assert {"article_number", "tiers", "supplier"} <= set(component["properties"])


def test_every_operation_with_a_body_documents_413_and_422():
    schema = json.loads(openapi_document())
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if "requestBody" in operation:
                assert {"413", "422"} <= set(operation["responses"]), f"{method} {path}"
