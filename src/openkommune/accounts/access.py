"""Access checks for pages of member administrators, shared by the apps that have such pages
(accounts, cases, delivery): a pure helper module, importable from above like `services`."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from openkommune.tenancy.constants import Role
from openkommune.tenancy.selectors import current_tenant, user_has_role


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
