"""The access decorators for pages, shared by every app with pages for logged-in people: a
pure helper module, importable from above like `services`. Who counts as cooperative staff
is decided once, in `tenancy.selectors.acts_for_cooperative` / `user_is_cooperative_staff`.

- `login_or_redirect` + `LoginRequired`: a view (or an access check it calls) raises
  `LoginRequired` when nobody is logged in; the decorator sends the visitor to the login.
  The API answers it with 401 and `PermissionDenied` with 403, once, in `api.errors`.
- `require_login` raises `LoginRequired`; `logged_in_page`: anonymous visitors go to the
  login, the view decides the rest.
- `cooperative_staff_page`: cooperative staff and superusers (else 403).
- `member_admin_page`: member administrators of the acting organisation (else 403).
- `back_office`: clerks and member administrators of the acting organisation (else 404).
- `applicant_page` + `private`: the applicant's pages about one application, reached with
  the secret status link too, so never cached, never indexed and never passed on.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from openkommune.tenancy.constants import Role
from openkommune.tenancy.selectors import (
    acts_for_cooperative,
    current_roles,
    current_tenant,
    user_has_role,
)


class LoginRequired(Exception):
    """Nobody is logged in: pages redirect to the login (`login_or_redirect`), the API 401."""


def login_or_redirect(view):
    """Turn `LoginRequired` raised by the view into a redirect to the login page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except LoginRequired:
            return redirect_to_login(request.get_full_path())

    return wrapper


def require_login(request) -> None:
    """Raise `LoginRequired` when nobody is logged in (pages: login, API: 401)."""
    if not request.user.is_authenticated:
        raise LoginRequired


def logged_in_page(view):
    """Anonymous visitors go to the login page; who may see what the view decides."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


def member_admin_page(view):
    """Anonymous visitors go to the login; anyone without the member-administrator role in
    the organisation they act for gets 403. The view receives that organisation as
    `tenant` (from the membership, never from the request)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        tenant = current_tenant(request)
        if tenant is None or not user_has_role(request.user, tenant=tenant, role=Role.MEMBER_ADMIN):
            raise PermissionDenied(_("Diese Seite ist der Mitgliedsverwaltung vorbehalten."))
        return view(request, *args, tenant=tenant, **kwargs)

    return wrapper


def cooperative_staff_page(view):
    """Anonymous visitors go to the login; anyone who does not act for the cooperative
    (its staff, superusers) gets 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not acts_for_cooperative(request.user):
            raise PermissionDenied(_("Diese Seite ist der Genossenschaft vorbehalten."))
        return view(request, *args, **kwargs)

    return wrapper


BACK_OFFICE_ROLES = frozenset({Role.CLERK, Role.MEMBER_ADMIN})


def back_office(view):
    """Resolve the acting organisation; 404 for anyone who is not its clerk or member
    administrator (citizens, cooperative staff, other roles), login for anonymous."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        tenant = current_tenant(request)
        if tenant is None or not BACK_OFFICE_ROLES.intersection(current_roles(request)):
            raise Http404(_("Diese Seite gibt es nicht."))
        return view(request, *args, tenant=tenant, **kwargs)

    return never_cache(wrapper)


def private(response, *, referrer_policy: str = "no-referrer"):
    """A page reached with a secret link: never pass the link on, never index the page."""
    response["Referrer-Policy"] = referrer_policy
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def applicant_page(find, *, referrer_policy: str = "no-referrer", get_only: bool = False):
    """Decorator for the applicant's pages about one application: `find(request, reference)`
    gives (application, token to repeat in links) for its applicant (user, `?token=`,
    session) or raises `DoesNotExist`, then 404. The view receives (request, application,
    token, ...); its response is `private` with `referrer_policy`, never cached, and with
    `get_only` answers GET (and HEAD) only."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, reference, *args, **kwargs):
            try:
                application, token = find(request, reference)
            except ObjectDoesNotExist:
                raise Http404(_("Diesen Antrag gibt es nicht.")) from None
            response = view(request, application, token, *args, **kwargs)
            return private(response, referrer_policy=referrer_policy)

        return never_cache(require_GET(wrapper) if get_only else wrapper)

    return decorate
