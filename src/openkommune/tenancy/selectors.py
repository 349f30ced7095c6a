"""Reads of the tenancy app, including the few named reads that cross tenants.

Functions here that use `scopes_disabled()` read only what the user may see anyway (their own
memberships, across their organisations); anything else goes through the active scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from openkommune.tenancy.constants import Role
from openkommune.tenancy.models import AuditRecord, Membership, Organisation
from openkommune.tenancy.scoping import scopes_disabled


@dataclass(frozen=True)
class OrganisationRoles:
    """One organisation of a user with the roles they hold there."""

    organisation: Organisation
    roles: tuple[str, ...] = field(default_factory=tuple)

    @property
    def role_labels(self) -> list[str]:
        return [str(Role(role).label) for role in self.roles]


def user_memberships(user) -> list[Membership]:
    """All memberships of the user in active organisations, across tenants (their own)."""
    if user is None or not user.is_authenticated:
        return []
    with scopes_disabled():
        memberships = (
            Membership.objects.filter(user=user, tenant__is_active=True)
            .select_related("tenant")
            .order_by("tenant__name", "tenant_id", "role")
        )
        return list(memberships)


def user_organisations(user) -> list[OrganisationRoles]:
    """The user's organisations, each with its roles, in a stable order (by name)."""
    grouped: dict[int, OrganisationRoles] = {}
    for membership in user_memberships(user):
        entry = grouped.get(membership.tenant_id)
        roles = (*entry.roles, membership.role) if entry else (membership.role,)
        grouped[membership.tenant_id] = OrganisationRoles(membership.tenant, roles)
    return list(grouped.values())


def user_roles(user, *, tenant: Organisation) -> set[str]:
    return {m.role for m in user_memberships(user) if m.tenant_id == tenant.pk}


def user_has_role(user, *, tenant: Organisation, role: str) -> bool:
    return role in user_roles(user, tenant=tenant)


def user_is_cooperative_staff(user) -> bool:
    """Staff of the cooperative: the cooperative-staff role in the cooperative organisation."""
    return any(
        m.role == Role.COOPERATIVE_STAFF and m.tenant.is_cooperative for m in user_memberships(user)
    )


def acts_for_cooperative(actor) -> bool:
    """The one check for the cooperative's rights: the system (`None`), cooperative staff,
    and superusers (the platform operator, who bootstraps the cooperative before it has
    staff). With a request's user (never None; anonymous is False) it is the page check."""
    return actor is None or actor.is_superuser or user_is_cooperative_staff(actor)


def require_cooperative_staff(actor, message: str | None = None) -> None:
    """PermissionDenied with `message` (German) unless `acts_for_cooperative(actor)`."""
    if not acts_for_cooperative(actor):
        raise PermissionDenied(message or _("Nur Beschäftigte der Genossenschaft dürfen das."))


def user_is_citizen(user) -> bool:
    """A logged-in person without any membership."""
    return bool(user and user.is_authenticated) and not user_memberships(user)


def user_can_manage_members(user, *, tenant: Organisation) -> bool:
    """Member administrators of the tenant and cooperative staff may change its members."""
    return user_is_cooperative_staff(user) or user_has_role(
        user, tenant=tenant, role=Role.MEMBER_ADMIN
    )


def current_tenant(request) -> Organisation | None:
    """The organisation the request acts for, set by `TenantScopeMiddleware`."""
    return getattr(request, "tenant", None)


def current_roles(request) -> tuple[str, ...]:
    """The user's roles in the current organisation (empty for citizens and anonymous)."""
    return getattr(request, "tenant_roles", ())


def organisation_get(*, public_id: UUID | str) -> Organisation:
    """Raises `Organisation.DoesNotExist` (also for a malformed id)."""
    try:
        return Organisation.objects.get(public_id=public_id)
    except (ValidationError, ValueError, TypeError) as error:
        raise Organisation.DoesNotExist(str(error)) from error


def organisation_list(*, include_inactive: bool = False) -> QuerySet[Organisation]:
    organisations = Organisation.objects.all()
    return organisations if include_inactive else organisations.filter(is_active=True)


def cooperative_get() -> Organisation | None:
    return Organisation.objects.filter(is_cooperative=True).first()


def membership_list(*, tenant: Organisation) -> QuerySet[Membership]:
    """Members of the tenant; needs an active scope that includes it."""
    return Membership.objects.filter(tenant=tenant).select_related("user")


def audit_record_list(*, tenant: Organisation) -> QuerySet[AuditRecord]:
    """The tenant's audit trail, newest first; needs an active scope that includes it."""
    return AuditRecord.objects.filter(tenant=tenant).select_related("actor")
