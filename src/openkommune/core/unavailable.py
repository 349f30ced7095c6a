"""A German 503 instead of a 500 traceback while the database cannot be reached.

`handler500` (set in `openkommune.urls`) is `server_error`: when the exception that ended the
request is a lost or refused database connection (`OperationalError`/`InterfaceError`, also as
the cause of another error), pages get `503.html` ("Dienst vorübergehend nicht verfügbar")
and the API its JSON error, both with `Retry-After`. The request itself changed nothing: the
transaction it was in never committed. With `CONN_HEALTH_CHECKS` the next request opens a
fresh connection, so the service recovers by itself once PostgreSQL is back.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token
from django.views.defaults import server_error as django_server_error

RETRY_AFTER_SECONDS = 30
# What a lost or refused database connection raises (also caught by `job_worker`).
DATABASE_ERRORS = (OperationalError, InterfaceError)


def is_database_unavailable(error: BaseException | None) -> bool:
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, DATABASE_ERRORS):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def unavailable_response(request) -> HttpResponse:
    if request.path.startswith("/api/"):
        # The API's one error shape (openkommune.api.errors.error_body).
        message = _("Der Dienst ist vorübergehend nicht verfügbar. Bitte später erneut versuchen.")
        response = JsonResponse(
            {"error": {"code": "service_unavailable", "message": message, "fields": {}}},
            status=503,
        )
    else:
        # Without a request context: no session, no user, nothing that needs the database.
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


@requires_csrf_token
def server_error(request, template_name="500.html"):
    if is_database_unavailable(sys.exc_info()[1]):
        return unavailable_response(request)
    return django_server_error(request, template_name)
