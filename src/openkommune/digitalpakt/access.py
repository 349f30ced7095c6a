"""Who may see the DigitalPakt budgets: shared by the page views and the API."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from openkommune.accounts.access import LoginRequired
from openkommune.digitalpakt import selectors
from openkommune.tenancy.selectors import current_tenant, user_is_cooperative_staff


def budget_viewer(request) -> tuple[bool, object]:
    """(is cooperative staff, the member tenant or None). Raises LoginRequired (pages: login
    redirect, API: 401) or PermissionDenied (403) for anyone not allowed."""
    if not request.user.is_authenticated:
        raise LoginRequired
    is_staff = user_is_cooperative_staff(request.user)
    tenant = current_tenant(request)
    if not is_staff and not selectors.user_may_view_budgets(request.user, tenant=tenant):
        raise PermissionDenied(
            _("Die DigitalPakt-Budgets sind den Schulträgern und der Genossenschaft vorbehalten.")
        )
    return is_staff, tenant
