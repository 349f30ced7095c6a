"""The project's one API error shape: {"error": {"code", "message", "fields"}}."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from openkommune.accounts.access import LoginRequired
from openkommune.api.input import body_too_large_error


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


# Pydantic's messages are English; clients and their users get German ones.
_PATTERN_MESSAGES = {
    r"^[0-9]{5}$": gettext_lazy("Bitte genau fünf Ziffern angeben."),
    r"^[0-9]{8}$": gettext_lazy("Bitte genau acht Ziffern angeben."),
    r"^[0-9]{12}$": gettext_lazy("Bitte genau zwölf Ziffern angeben."),
}
_TYPE_MESSAGES = {
    "missing": gettext_lazy("Diese Angabe fehlt."),
    "string_too_short": gettext_lazy("Bitte mindestens {min_length} Zeichen angeben."),
    "string_too_long": gettext_lazy("Bitte höchstens {max_length} Zeichen angeben."),
    "int_parsing": gettext_lazy("Bitte eine ganze Zahl angeben."),
    "int_type": gettext_lazy("Bitte eine ganze Zahl angeben."),
    "greater_than_equal": gettext_lazy("Der Wert muss mindestens {ge} sein."),
    "greater_than": gettext_lazy("Der Wert muss größer als {gt} sein."),
    "less_than_equal": gettext_lazy("Der Wert darf höchstens {le} sein."),
    "less_than": gettext_lazy("Der Wert muss kleiner als {lt} sein."),
    "bool_parsing": gettext_lazy("Bitte true oder false angeben."),
    "json_invalid": gettext_lazy("Der Inhalt ist kein gültiges JSON."),
    "uuid_parsing": gettext_lazy("Bitte eine gültige UUID angeben."),
    "date_from_datetime_parsing": gettext_lazy("Bitte ein Datum im Format JJJJ-MM-TT angeben."),
    "date_parsing": gettext_lazy("Bitte ein Datum im Format JJJJ-MM-TT angeben."),
}


def german_message(error: dict) -> str:
    kind = error.get("type", "")
    context = error.get("ctx") or {}
    if kind == "string_pattern_mismatch":
        return str(
            _PATTERN_MESSAGES.get(
                context.get("pattern", ""), _("Die Angabe hat nicht das erwartete Format.")
            )
        )
    if kind == "value_error" and context.get("error"):
        # Our own validators raise ValueError with a German message.
        return str(context["error"])
    template = _TYPE_MESSAGES.get(kind)
    if template is None:
        return _("Die Angabe ist ungültig.")
    try:
        return str(template).format(**context)
    except (KeyError, IndexError):
        return _("Die Angabe ist ungültig.")


def _field_name(loc) -> str:
    # ninja locations look like ("query", "plz") or ("body", "payload", "name")
    parts = [str(p) for p in loc if p not in {"query", "path", "body", "header", "payload"}]
    return ".".join(parts) or "__all__"


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(ValidationError)
    def _validation(request, exc: ValidationError):
        fields: dict[str, list[str]] = {}
        for err in exc.errors:
            fields.setdefault(_field_name(err.get("loc", ())), []).append(german_message(err))
        return api.create_response(
            request,
            error_body("validation_error", _("Die Eingabe ist ungültig."), fields),
            status=422,
        )

    @api.exception_handler(Http404)
    def _not_found(request, exc):
        return api.create_response(
            request, error_body("not_found", _("Nicht gefunden.")), status=404
        )

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request, exc):
        return api.create_response(
            request, error_body("not_authenticated", _("Anmeldung erforderlich.")), status=401
        )

    @api.exception_handler(LoginRequired)
    def _login_required(request, exc):
        # The access checks shared with the pages (accounts.access) raise it; pages redirect.
        return _unauthenticated(request, exc)

    @api.exception_handler(PermissionDenied)
    def _permission_denied(request, exc):
        message = str(exc) or _("Keine Berechtigung.")
        return api.create_response(request, error_body("permission_denied", message), status=403)

    @api.exception_handler(RequestDataTooBig)
    def _too_big(request, exc):
        # Django's own cap (DATA_UPLOAD_MAX_MEMORY_SIZE), behind the per-endpoint limits.
        return _http_error(request, body_too_large_error(settings.DATA_UPLOAD_MAX_MEMORY_SIZE))

    @api.exception_handler(HttpError)
    def _http_error(request, exc: HttpError):
        if isinstance(exc.__cause__, HttpError):
            # ninja wraps whatever the body parser raises into a 400 "Cannot parse request
            # body"; the parser's own error (openkommune.api.input) says what is wrong.
            exc = exc.__cause__
        code = getattr(exc, "code", None) or {
            400: "bad_request",
            401: "not_authenticated",
            403: "permission_denied",
            404: "not_found",
            409: "conflict",
            413: "request_too_large",
            422: "validation_error",
        }.get(exc.status_code, "error")
        return api.create_response(
            request,
            error_body(code, str(exc.message), getattr(exc, "fields", None)),
            status=exc.status_code,
        )
