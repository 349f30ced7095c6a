"""One id per request, in the response header `X-Request-ID` and in every log record.

`RequestIdMiddleware` (the first middleware) takes a valid `X-Request-ID` from the proxy or
makes one, keeps it in a context variable for the request's duration and returns it; the
logging filter `log_filters.RequestIdFilter` copies it into each record, so a request's lines
(and gunicorn's access line, which reads the response header) can be found together.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

from django.core.signals import request_finished

HEADER = "X-Request-ID"
# The path as the access log may show it, left in the WSGI environ for gunicorn's logger:
# URL parts that are credentials (password-reset and sign-up links) replaced.
LOG_PATH_KEY = "openkommune.log_path"
SECRET_URL_KWARGS = frozenset({"token", "uidb64"})
REDACTED = "[redacted]"
# A proxy's id is kept only if it is short and plain: it goes into every log line.
_VALID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$")
_current: ContextVar[str | None] = ContextVar("openkommune_request_id", default=None)


def current_request_id() -> str | None:
    return _current.get()


def request_id_from(value: str | None) -> str:
    """The given id when it is valid, else a new random one."""
    if value and _VALID.match(value):
        return value
    return uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_from(request.META.get("HTTP_X_REQUEST_ID"))
        request.request_id = request_id
        # Kept until the response is closed (`request_finished`): Django logs a 4xx/5xx
        # answer after the middleware returned, and that line belongs to the request too.
        _current.set(request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        request.META[LOG_PATH_KEY] = loggable_path(request)
        return response


def loggable_path(request) -> str:
    """The request's path without its query string and with secret URL parts replaced."""
    path = request.path_info
    match = getattr(request, "resolver_match", None)
    if match is not None:
        for name, value in match.kwargs.items():
            if name in SECRET_URL_KWARGS and value:
                path = path.replace(f"/{value}/", f"/{REDACTED}/")
    return path


def forget_request_id(**kwargs) -> None:
    """`request_finished` receiver: lines after the response carry no request's id."""
    _current.set(None)


request_finished.connect(forget_request_id, dispatch_uid="openkommune.request_id")
