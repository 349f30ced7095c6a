"""Who may open which procurement page (used by the views and the API; no business rules).

Staff pages need the cooperative-staff role (or a superuser, the platform operator); member
pages a clerk or member_admin role in the organisation the request acts for.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from openkommune.accounts.access import LoginRequired
from openkommune.procurement.calloffs import APPROVER_ROLE, CALLER_ROLES
from openkommune.tenancy.selectors import acts_for_cooperative, current_roles, current_tenant


def require_staff(request) -> None:
    if not request.user.is_authenticated:
        raise LoginRequired
    if not acts_for_cooperative(request.user):
        raise PermissionDenied(_("Diese Seite ist der Genossenschaft vorbehalten."))


def member_tenant(request):
    """The organisation the user calls off for; else login or 403."""
    if not request.user.is_authenticated:
        raise LoginRequired
    tenant = current_tenant(request)
    roles = set(current_roles(request))
    if tenant is None or tenant.is_cooperative or not roles & {str(r) for r in CALLER_ROLES}:
        raise PermissionDenied(
            _(
                "Abrufe sind Beschäftigten eines Mitglieds (Sachbearbeitung, "
                "Mitgliedsverwaltung) vorbehalten."
            )
        )
    return tenant


def is_approver(request) -> bool:
    return str(APPROVER_ROLE) in set(current_roles(request))


def require_approver(request):
    tenant = member_tenant(request)
    if not is_approver(request):
        raise PermissionDenied(_("Diese Seite ist der Mitgliedsverwaltung vorbehalten."))
    return tenant
