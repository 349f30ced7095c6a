"""The member administrator's management of their organisation's people: add someone by
e-mail with a role (inviting them when they have no account yet), and take a role away.

Built on `tenancy.services.membership_grant/revoke` (which check the actor's right and write
the audit records); this module adds what the page needs on top: the account lookup or
invitation, the e-mail, the roles a member administrator may hand out, and the rule that an
organisation never loses its last member administrator here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from openkommune.accounts.models import User
from openkommune.accounts.services import user_create
from openkommune.accounts.tokens import account_activation_token
from openkommune.tenancy.constants import Role
from openkommune.tenancy.models import Membership, Organisation
from openkommune.tenancy.scoping import scope
from openkommune.tenancy.selectors import membership_list
from openkommune.tenancy.services import membership_grant, membership_revoke

# What a member administrator hands out; the cooperative role only cooperative staff (admin).
ASSIGNABLE_ROLES = (Role.CLERK, Role.MEMBER_ADMIN)


class LastMemberAdmin(ValidationError):
    """Taking this role would leave the organisation without a member administrator."""


@dataclass(frozen=True)
class AddedMember:
    user: User
    membership: Membership
    invited: bool  # the account was created now and waits for its password


@dataclass(frozen=True)
class OrganisationPerson:
    user: User
    memberships: tuple[Membership, ...]

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(m.role for m in self.memberships)


def organisation_people(*, tenant: Organisation) -> list[OrganisationPerson]:
    """Everyone with a role in `tenant`, by e-mail address; needs the tenant's scope."""
    grouped: dict[int, list[Membership]] = {}
    users: dict[int, User] = {}
    for membership in membership_list(tenant=tenant).order_by("user__email", "role"):
        grouped.setdefault(membership.user_id, []).append(membership)
        users[membership.user_id] = membership.user
    return [OrganisationPerson(users[uid], tuple(ms)) for uid, ms in grouped.items()]


def organisation_role_held(*, tenant: Organisation, email: str, role: str) -> bool:
    """Whether the person with this e-mail address holds `role` in `tenant`."""
    if not email:
        return False
    with scope(tenant=tenant):
        return Membership.objects.filter(
            tenant=tenant, role=role, user__email__iexact=email
        ).exists()


def _activation_url(user: User, base_url: str) -> str:
    path = reverse(
        "accounts:signup_activate",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": account_activation_token.make_token(user),
        },
    )
    return base_url.rstrip("/") + path


def _send_role_mail(*, user: User, tenant: Organisation, role: str, base_url: str) -> None:
    # An account that awaits its setup gets the link that sets it up (again, when an earlier
    # link expired). A deactivated one gets no link: it was switched off on purpose, and only
    # the platform's operators switch it on again.
    context = {
        "organisation": tenant.name,
        "role": str(Role(role).label),
        "login_url": base_url.rstrip("/") + reverse("accounts:login"),
        "activation_url": _activation_url(user, base_url) if user.awaits_setup else "",
        "deactivated": not user.is_active and not user.awaits_setup,
    }
    send_mail(
        subject=str(_("Ihr Zugang zu OpenKommune")),
        message=render_to_string("accounts/org_role_email.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )


@transaction.atomic
def organisation_member_add(
    *, tenant: Organisation, actor, email: str, role: str, base_url: str
) -> AddedMember:
    """Give the person with this e-mail address `role` in `tenant`; create an inactive
    account (set up through the link in the e-mail) when there is none. A deactivated
    account gets the role but stays deactivated. The e-mail goes out after the commit; the
    page must answer the same in every case (`AddedMember.invited` is for the caller's
    records, not for the page), so that it does not reveal who has an account."""
    if role not in ASSIGNABLE_ROLES:
        raise ValidationError({"role": _("Bitte wählen Sie eine der angebotenen Rollen.")})
    email = User.objects.normalize_email((email or "").strip())
    user = User.objects.filter(email__iexact=email).first()
    invited = user is None
    if invited:
        user = user_create(actor=actor, email=email, password=None, is_active=False)
    membership = membership_grant(tenant=tenant, actor=actor, user=user, role=role)
    transaction.on_commit(
        lambda: _send_role_mail(user=user, tenant=tenant, role=role, base_url=base_url)
    )
    return AddedMember(user, membership, invited)


@transaction.atomic
def organisation_role_revoke(*, tenant: Organisation, actor, email: str, role: str) -> Membership:
    """Take `role` from the person with this e-mail address in `tenant`.

    `Membership.DoesNotExist` when they do not hold it there (also for people of other
    organisations); `LastMemberAdmin` for the organisation's last member administrator, so
    that nobody locks the organisation out of its own administration.
    """
    if role not in ASSIGNABLE_ROLES:
        raise PermissionDenied(_("Diese Rolle verwaltet nur die Genossenschaft."))
    with scope(tenant=tenant):
        membership = (
            Membership.objects.select_for_update()
            .select_related("user")
            .get(tenant=tenant, role=role, user__email__iexact=(email or "").strip())
        )
        if role == Role.MEMBER_ADMIN:
            # Lock every admin row: two admins removing each other at once must not both win.
            admins = list(Membership.objects.select_for_update().filter(tenant=tenant, role=role))
            if len(admins) <= 1:
                raise LastMemberAdmin(
                    _(
                        "%(email)s ist die letzte Person mit der Rolle Mitgliedsverwaltung. "
                        "Geben Sie die Rolle zuerst einer weiteren Person."
                    )
                    % {"email": membership.user.email}
                )
        membership_revoke(tenant=tenant, actor=actor, membership=membership)
    return membership
