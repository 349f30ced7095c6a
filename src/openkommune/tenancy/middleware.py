"""Activates the tenant scope for each request from the logged-in user's membership.

The tenant is never taken from the request body or query string: only from the session's
active organisation, and only if the user is a member of it (else their first organisation).
Anonymous users and citizens get an empty scope: tenant-owned queries return nothing.
"""

from openkommune.tenancy.constants import ACTIVE_ORGANISATION_SESSION_KEY
from openkommune.tenancy.scoping import scope
from openkommune.tenancy.selectors import user_organisations


class TenantScopeMiddleware:
    """Must come after AuthenticationMiddleware (it reads `request.user`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.tenant = None
        request.tenant_roles = ()
        request.user_organisations = []
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            organisations = user_organisations(user)
            request.user_organisations = organisations
            wanted = request.session.get(ACTIVE_ORGANISATION_SESSION_KEY)
            chosen = next(
                (o for o in organisations if str(o.organisation.public_id) == wanted),
                organisations[0] if organisations else None,
            )
            if chosen is not None:
                request.tenant = chosen.organisation
                request.tenant_roles = chosen.roles
        # Template responses are rendered inside get_response, so still within the scope.
        with scope(tenant=request.tenant):
            return self.get_response(request)
