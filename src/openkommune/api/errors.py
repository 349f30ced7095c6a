"""The project's one API error shape: {"error": {"code", "message", "fields"}}."""

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


class ApiError(HttpError):
    """Raise from a handler to answer with a specific code and German message."""

    def __init__(self, status_code: int, code: str, message: str, fields=None):
        super().__init__(status_code, message)
        self.code = code
        self.fields = fields or {}


def _field_name(loc) -> str:
    # ninja locations look like ("query", "plz") or ("body", "payload", "name")
    parts = [str(p) for p in loc if p not in {"query", "path", "body", "header", "payload"}]
    return ".".join(parts) or "__all__"


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(ValidationError)
    def _validation(request, exc: ValidationError):
        fields: dict[str, list[str]] = {}
        for err in exc.errors:
            fields.setdefault(_field_name(err.get("loc", ())), []).append(err.get("msg", ""))
        return api.create_response(
            request,
            error_body("validation_error", "Die Eingabe ist ungültig.", fields),
            status=422,
        )

    @api.exception_handler(Http404)
    def _not_found(request, exc):
        return api.create_response(request, error_body("not_found", "Nicht gefunden."), status=404)

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request, exc):
        return api.create_response(
            request, error_body("not_authenticated", "Anmeldung erforderlich."), status=401
        )

    @api.exception_handler(HttpError)
    def _http_error(request, exc: HttpError):
        code = getattr(exc, "code", None) or {
            400: "bad_request",
            401: "not_authenticated",
            403: "permission_denied",
            404: "not_found",
            409: "conflict",
            422: "validation_error",
        }.get(exc.status_code, "error")
        return api.create_response(
            request,
            error_body(code, str(exc.message), getattr(exc, "fields", None)),
            status=exc.status_code,
        )
