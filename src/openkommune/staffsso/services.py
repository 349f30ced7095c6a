"""Staff login through a member's own OpenID provider (issue 15 part 5, docs/identity.md).

`staff_login(request, provider, claims)` maps the ID token's claims to a platform account of
that member only: the directory's person (`sub`) is linked to one account; a first login
links an account that is staff of this member and of no other organisation (found by the
verified e-mail address), or creates one. The roles of the account in this member follow
the role claim each login (granted and revoked, audited as `membership.grant/revoke`);
without any role the login is refused. No cross-member login: an account with a role in
another organisation (or the cooperative's admin) is never logged in through a member's
provider. The second factor is still asked after the login, unless the member declared
that its provider enforces one **and** the ID token's `amr` names one (`mfa`, `otp`,
`hwk`, `swk`, `sc`)."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.contrib.auth import login as django_login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openkommune.core.oidc import OIDCError, forget_cached
from openkommune.staffsso.models import StaffIdentity, StaffLoginProvider
from openkommune.staffsso.selectors import SESSION_ORGANISATION
from openkommune.tenancy.constants import ACTIVE_ORGANISATION_SESSION_KEY, Role
from openkommune.tenancy.models import Membership, Organisation
from openkommune.tenancy.scoping import scope, scopes_disabled
from openkommune.tenancy.selectors import user_can_manage_members
from openkommune.tenancy.services import audit_record, membership_grant, membership_revoke
from openkommune.twofactor.constants import Method
from openkommune.twofactor.services import second_factor_mark_done

logger = logging.getLogger(__name__)

AUTH_BACKEND = "django.contrib.auth.backends.ModelBackend"
MFA_METHODS = {"mfa", "otp", "hwk", "swk", "sc"}
EDITABLE = (
    "is_active",
    "label",
    "issuer",
    "client_id",
    "role_claim",
    "clerk_value",
    "admin_value",
    "enforces_mfa",
)


def _roles(provider: StaffLoginProvider, claims: dict) -> set[str]:
    value = claims.get(provider.role_claim)
    values = {value} if isinstance(value, str) else set(value or [])
    roles = set()
    if provider.clerk_value in values:
        roles.add(Role.CLERK.value)
    if provider.admin_value in values:
        roles.add(Role.MEMBER_ADMIN.value)
    return roles


def _other_organisations(user, organisation: Organisation) -> bool:
    with scopes_disabled():
        return Membership.objects.filter(user=user).exclude(tenant=organisation).exists()


def _refuse(reason: str) -> None:
    raise OIDCError(reason)


def staff_login_failed(*, organisation: Organisation, reason: str) -> None:
    audit_record(
        tenant=organisation,
        actor=None,
        action="staff_sso.login_failed",
        obj=organisation,
        after={"reason": reason},
    )


def _account(provider: StaffLoginProvider, claims: dict, organisation: Organisation):
    """The account the directory's person maps to: linked before, or linked/created now."""
    identity = StaffIdentity.objects.filter(provider=provider, subject=claims["sub"]).first()
    if identity is not None:
        return identity, identity.user
    email = str(claims.get("email") or "").strip()
    if not email or claims.get("email_verified") is not True:
        _refuse("email_not_verified")
    user_model = get_user_model()
    user = user_model.objects.filter(email__iexact=email).first()
    if user is not None:
        with scope(tenant=organisation):
            is_staff_here = Membership.objects.filter(tenant=organisation, user=user).exists()
        # Never take over a citizen's account or another organisation's staff account.
        if not is_staff_here:
            _refuse("foreign_account")
    else:
        user = user_model.objects.create_user(
            email=email,
            first_name=str(claims.get("given_name") or "")[:150],
            last_name=str(claims.get("family_name") or "")[:150],
        )
        user.set_unusable_password()
        user.save(update_fields=["password"])
    identity = StaffIdentity.objects.create(
        tenant=organisation, provider=provider, subject=claims["sub"], user=user
    )
    return identity, user


@transaction.atomic
def staff_login(request, provider: StaffLoginProvider, claims: dict):
    """Log the person of `claims` (checked by `core.oidc.complete`) in for the provider's
    member, with the roles of the claim. Raises `OIDCError` with a reason (nothing logged
    in, nothing linked or created then: the transaction is rolled back)."""
    organisation = provider.tenant
    roles = _roles(provider, claims)
    with scope(tenant=organisation):
        identity, user = _account(provider, claims, organisation)
        if not user.is_active:
            _refuse("account_inactive")
        if user.is_superuser or user.is_staff or _other_organisations(user, organisation):
            _refuse("cross_member")
        if not roles:
            _refuse("no_role")
        held = {m.role: m for m in Membership.objects.filter(tenant=organisation, user=user)}
        for role in roles - set(held):
            membership_grant(tenant=organisation, actor=None, user=user, role=role)
        for role in set(held) - roles:
            membership_revoke(tenant=organisation, actor=None, membership=held[role])
        identity.last_login_at = timezone.now()
        identity.save(update_fields=["last_login_at"])
        amr = claims.get("amr") or []
        provider_mfa = provider.enforces_mfa and bool(MFA_METHODS & set(amr))
        audit_record(
            tenant=organisation,
            actor=user,
            action="staff_sso.login",
            obj=identity,
            after={"roles": sorted(roles), "second_factor_by_provider": provider_mfa},
        )
    django_login(request, user, backend=AUTH_BACKEND)
    request.session[SESSION_ORGANISATION] = organisation.pk
    request.session[ACTIVE_ORGANISATION_SESSION_KEY] = str(organisation.public_id)
    if provider_mfa:
        second_factor_mark_done(request, method=Method.SSO_MFA)
    return user


def staff_login_provider_set(*, tenant: Organisation, actor, client_secret: str = "", **fields):
    """Create or change the member's provider (member administrators; `actor=None` is the
    platform itself, e.g. the demo loader). An empty `client_secret` keeps the stored one.
    Audited without the secret."""
    if actor is not None and not user_can_manage_members(actor, tenant=tenant):
        raise ValidationError(_("Sie dürfen die Anmeldung dieser Organisation nicht ändern."))
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValueError(f"Unknown fields: {sorted(unknown)}")
    with scope(tenant=tenant), transaction.atomic():
        provider = StaffLoginProvider.objects.select_for_update().filter(tenant=tenant).first()
        before = None
        if provider is None:
            if not client_secret:
                raise ValidationError(
                    {"client_secret": _("Bitte geben Sie das Client-Geheimnis an.")}
                )
            provider = StaffLoginProvider(tenant=tenant)
        else:
            before = {name: getattr(provider, name) for name in EDITABLE}
        for name, value in fields.items():
            setattr(provider, name, value)
        if client_secret:
            provider.client_secret = client_secret
        provider.updated_at = timezone.now()
        provider.save()
        after = {name: getattr(provider, name) for name in EDITABLE}
        after["client_secret_changed"] = bool(client_secret)
        audit_record(
            tenant=tenant,
            actor=actor,
            action="staff_sso.provider_set",
            obj=provider,
            before=before,
            after=after,
        )
    forget_cached(provider.issuer)
    return provider
