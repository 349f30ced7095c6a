"""Errors shared by every app. The API turns them into the project's one error shape."""

from ninja.errors import HttpError


class ApiError(HttpError):
    """Raise from an API handler to answer with a specific code, German message and fields
    (`openkommune.api.errors` renders `code` and `fields`); here so that every app's router
    can raise it."""

    def __init__(self, status_code: int, code: str, message: str, fields=None):
        super().__init__(status_code, message)
        self.code = code
        self.fields = fields or {}


class DomainError(Exception):
    """Base of an app's service errors: a German `message` for the page or the API, a
    stable `code`, and `fields` (form field or data path -> messages) where fields are at
    fault."""

    code = "error"

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None):
        self.message = str(message)
        self.fields = dict(fields or {})
        super().__init__(self.message)


class OfficialFileError(Exception):
    """An official reference file (GV100AD, catalogue CSV, postcode list) cannot be imported.

    Carries the file and line so the operator can find the problem; raised before anything
    is written, or inside the import transaction so that nothing is kept.
    """

    def __init__(self, message: str, *, path=None, line: int | None = None):
        self.message = message
        self.path = path
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}"
            if self.line is not None:
                where += f", Zeile {self.line}"
            where += ": "
        return f"{where}{self.message}"
