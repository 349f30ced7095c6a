"""Reads of the delivery app.

`api_key_authenticate` is the one read here that starts without a tenant: the presented key
is the credential, as a session is for a person. It looks up exactly the row the key names
and returns it only if the whole key's hash matches; its tenant then scopes everything else.
"""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet

from openkommune.delivery.keys import key_matches, key_prefix
from openkommune.delivery.models import ApiKey
from openkommune.tenancy.models import Organisation
from openkommune.tenancy.scoping import scopes_disabled


def api_key_list(*, tenant: Organisation) -> QuerySet[ApiKey]:
    """The tenant's keys, active ones first, newest first; needs the tenant's scope."""
    return (
        ApiKey.objects.filter(tenant=tenant)
        .select_related("created_by")
        .order_by("revoked_at", "-created_at", "-id")
    )


def api_key_get(*, tenant: Organisation, public_id) -> ApiKey:
    """`ApiKey.DoesNotExist` for another tenant's key, a malformed id and a missing one."""
    try:
        uid = public_id if isinstance(public_id, UUID) else UUID(str(public_id))
    except (TypeError, ValueError, AttributeError):
        raise ApiKey.DoesNotExist("No such key.") from None
    return ApiKey.objects.get(tenant=tenant, public_id=uid)


def api_key_authenticate(key: str) -> ApiKey | None:
    """The active key the caller presented, with its tenant; None for anything else
    (malformed, unknown, wrong secret, revoked, organisation deactivated)."""
    prefix = key_prefix(key)
    if prefix is None:
        return None
    with scopes_disabled():
        api_key = ApiKey.objects.select_related("tenant").filter(prefix=prefix).first()
    if api_key is None or not key_matches(key, api_key.secret_sha256):
        return None
    if api_key.revoked_at is not None or not api_key.tenant.is_active:
        return None
    return api_key
