"""State changes of user accounts. Platform-level: their audit records have no tenant."""

from django.db import transaction

from openkommune.accounts.models import User
from openkommune.tenancy.services import audit_record, snapshot

# What a person keeps in the account for online forms (prefill "aus Ihrem Konto").
CONTACT_FIELDS = ("first_name", "last_name", "phone", "street", "house_number", "postcode", "city")
USER_FIELDS = (
    "email",
    "first_name",
    "last_name",
    "is_active",
    "is_staff",
    "is_demo",
    "phone",
    "street",
    "house_number",
    "postcode",
    "city",
)


@transaction.atomic
def user_create(*, actor, email: str, password: str | None, **fields) -> User:
    """Create an account. `password=None` leaves it unusable (set through password reset)."""
    user = User.objects.create_user(email=email, password=password, **fields)
    audit_record(
        tenant=None,
        actor=actor,
        action="user.create",
        obj=user,
        after=snapshot(user, USER_FIELDS),
    )
    return user


@transaction.atomic
def user_update(*, actor, user: User, password: str | None = None, **changes) -> User:
    """Change account fields and optionally the password; no write if nothing changes.

    The audit record names a password change but never holds a hash.
    """
    before = snapshot(user, USER_FIELDS)
    for name, value in changes.items():
        if name not in USER_FIELDS:
            raise TypeError(f"Unknown user field: {name}")
        setattr(user, name, value)
    after = snapshot(user, USER_FIELDS)
    # A given password is always set, even when it equals the current one: the new salt
    # changes the hash, which invalidates password-reset links built from it.
    password_changed = password is not None
    if password_changed:
        user.set_password(password)
    if after == before and not password_changed:
        return user
    user.save()
    changed = [name for name in USER_FIELDS if before[name] != after[name]]
    audit_record(
        tenant=None,
        actor=actor,
        action="user.update",
        obj=user,
        before={name: before[name] for name in changed},
        after={name: after[name] for name in changed}
        | ({"password": "geändert"} if password_changed else {}),
    )
    return user


def user_contact_details_set(*, actor, user: User, **details) -> User:
    """The person's own name, address and phone number (`CONTACT_FIELDS`), audited as
    `user.update`; nothing is written when nothing changed."""
    unknown = set(details) - set(CONTACT_FIELDS)
    if unknown:
        raise TypeError(f"Not a contact detail: {', '.join(sorted(unknown))}")
    return user_update(actor=actor, user=user, **details)
