"""Reading the members' staff login providers (public by purpose: the login page lists
them)."""

from __future__ import annotations

from openkommune.core.oidc import Provider
from openkommune.staffsso.models import StaffLoginProvider
from openkommune.tenancy.models import Organisation
from openkommune.tenancy.scoping import scope

SESSION_KEY = "openkommune.staff_oidc"
# The organisation whose provider the pending login goes to.
SESSION_PENDING_ORGANISATION = "openkommune.staff_oidc.organisation"
# Set after a login through a member's provider: the organisation it is limited to.
SESSION_ORGANISATION = "openkommune.staff_sso"


def _members():
    return Organisation.objects.filter(is_active=True, is_cooperative=False)


def active_providers() -> list[StaffLoginProvider]:
    """The switched-on providers of active members, for the login page."""
    with scope(tenants=_members()):
        return list(
            StaffLoginProvider.objects.filter(is_active=True)
            .select_related("tenant")
            .order_by("tenant__name")
        )


def provider_of(organisation: Organisation, *, active_only: bool = True):
    """The member's provider (None without one, or when switched off and `active_only`)."""
    with scope(tenant=organisation):
        found = StaffLoginProvider.objects.filter(tenant=organisation).first()
    if found is None or (active_only and not found.is_active):
        return None
    return found


def member_by_public_id(public_id) -> Organisation | None:
    return _members().filter(public_id=public_id).first()


def oidc_provider(provider: StaffLoginProvider) -> Provider:
    return Provider(
        issuer=provider.issuer,
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        scopes=f"openid profile email {provider.role_claim}",
        session_key=SESSION_KEY,
    )
