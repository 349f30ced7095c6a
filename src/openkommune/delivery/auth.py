"""Authentication of specialist systems (Fachverfahren) by API key.

`Authorization: Bearer okk_…`. A missing, malformed, unknown or revoked key answers 401 in
the project's error shape. The key's organisation is the tenant of the request: handlers run
their reads and writes inside `tenant_scope(request)`, never with a tenant from the request.
"""

from __future__ import annotations

from contextlib import contextmanager

from ninja.security import HttpBearer

from openkommune.delivery.models import ApiKey
from openkommune.delivery.selectors import api_key_authenticate
from openkommune.delivery.services import api_key_mark_used
from openkommune.tenancy.scoping import scope


class ApiKeyAuth(HttpBearer):
    openapi_scheme = "bearer"
    openapi_bearerFormat = "OpenKommune-API-Schlüssel (okk_…)"

    def authenticate(self, request, token: str) -> ApiKey | None:
        api_key = api_key_authenticate(token)
        if api_key is not None:
            api_key_mark_used(api_key)
        return api_key


@contextmanager
def tenant_scope(request):
    """The organisation of the request's key, with its tenant scope active."""
    api_key: ApiKey = request.auth
    with scope(tenant=api_key.tenant):
        yield api_key.tenant
