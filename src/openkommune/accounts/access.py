"""Access checks for pages of member administrators and of the back office, shared by the
apps that have such pages (accounts, cases, delivery): a pure helper module, importable from
above like `services`."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from openkommune.tenancy.constants import Role
from openkommune.tenancy.selectors import current_roles, current_tenant, user_has_role


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
