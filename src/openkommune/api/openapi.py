import json


def openapi_document() -> str:
    """The OpenAPI document as committed in docs/api/openapi.json (stable key order)."""
    from openkommune.api.main import api

    schema = api.get_openapi_schema(path_prefix="/api/v1")
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
