"""API schemas shared by every app. `openkommune.api.schemas` re-exports them; apps below the
api layer import from here, since import-linter forbids them to import `openkommune.api`."""

from ninja import Schema


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]


class ErrorOut(Schema):
    error: ErrorDetail
