import json

from django.utils.translation import gettext as _
from ninja.openapi.schema import OpenAPISchema

from openkommune.core.api_policy import body_limit_of
from openkommune.core.schemas import ErrorOut


class DuplicateSchemaName(Exception):
    """Two different schemas would share one name in `components/schemas`: one would silently
    document the other's endpoints."""


class OpenKommuneSchema(OpenAPISchema):
    """ninja's OpenAPI document, plus what the api layer adds to every operation
    (`openkommune.api.input`), and refusing two different schemas under one name."""

    def responses(self, operation):
        result = super().responses(operation)
        if not self._takes_body(operation):
            return result
        error = self._error_schema(operation)
        limit = body_limit_of(operation.view_func)
        result.setdefault(
            413,
            {
                "description": _(
                    "Der Inhalt ist größer als %(limit)d Bytes (Code `request_too_large`)."
                )
                % {"limit": limit},
                "content": error,
            },
        )
        result.setdefault(
            422,
            {
                "description": _(
                    "Ungültige Eingabe, auch ungültiges UTF-8, einzelne Surrogate oder "
                    "NUL-Zeichen in Texten."
                ),
                "content": error,
            },
        )
        return result

    def _takes_body(self, operation) -> bool:
        return bool(self.request_body(operation))

    def _error_schema(self, operation) -> dict:
        model = operation._create_response_model(ErrorOut)
        schema, _required = self._create_schema_from_model(model, mode="serialization")
        return {self.api.renderer.media_type: {"schema": schema}}

    def add_schema_definitions(self, definitions: dict) -> None:
        for name, definition in definitions.items():
            known = self.schemas.get(name)
            if known is not None and known != definition:
                raise DuplicateSchemaName(
                    f"Two different API schemas are called {name!r}; rename one of them."
                )
        super().add_schema_definitions(definitions)


def openapi_document() -> str:
    """The OpenAPI document as committed in docs/api/openapi.json (stable key order)."""
    # Imported here: `api.main` imports this module for `OpenKommuneSchema`.
    from openkommune.api.main import api

    schema = api.get_openapi_schema(path_prefix="/api/v1")
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
