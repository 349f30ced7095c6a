"""Who may see which bundling page: shared by the page views and the API."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from openkommune.accounts.access import LoginRequired
from openkommune.bundling.selectors import user_may_enter_demand
from openkommune.tenancy.models import Organisation
from openkommune.tenancy.selectors import current_tenant, user_is_cooperative_staff


@dataclass(frozen=True)
class Viewer:
    is_staff: bool
    tenant: Organisation | None  # the member organisation acting, None for staff only

    @property
    def is_member(self) -> bool:
        return self.tenant is not None


def viewer_of(request) -> Viewer:
    """Cooperative staff or a person of a member organisation; LoginRequired / 403 else."""
    user = request.user
    if not user.is_authenticated:
        raise LoginRequired
    is_staff = user_is_cooperative_staff(user)
    tenant = current_tenant(request)
    member = tenant if user_may_enter_demand(user, tenant=tenant) else None
    if not is_staff and member is None:
        raise PermissionDenied(
            _("Diese Seite ist den Mitgliedern und der Genossenschaft vorbehalten.")
        )
    return Viewer(is_staff=is_staff, tenant=member)


def require_staff(viewer: Viewer) -> None:
    if not viewer.is_staff:
        raise PermissionDenied(_("Bündelungsrunden führt die Genossenschaft."))
