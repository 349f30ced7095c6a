"""State changes of the delivery app: API keys. Atomic, each with its audit record.

The secret of a key leaves the platform once, as the return value of `api_key_create`;
neither the database nor the audit trail holds it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openkommune.delivery.keys import key_hash, new_key
from openkommune.delivery.models import ApiKey
from openkommune.tenancy.constants import Role
from openkommune.tenancy.models import Organisation
from openkommune.tenancy.scoping import scope
from openkommune.tenancy.selectors import user_has_role
from openkommune.tenancy.services import audit_record, snapshot

API_KEY_FIELDS = ("name", "prefix", "created_by", "revoked_at")
NAME_MAX_LENGTH = ApiKey._meta.get_field("name").max_length
# `last_used_at` is written at most this often per key, so that a busy client does not turn
# every read into a write.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=5)


@dataclass(frozen=True)
class CreatedKey:
    api_key: ApiKey
    secret: str  # the whole key: shown once, never stored


def _require_member_admin(actor, tenant: Organisation) -> None:
    if actor is None:
        return  # the system (tests, the demo loader)
    if not user_has_role(actor, tenant=tenant, role=Role.MEMBER_ADMIN):
        raise PermissionDenied(_("Nur die Mitgliedsverwaltung darf API-Schlüssel verwalten."))


@transaction.atomic
def api_key_create(*, tenant: Organisation, actor, name: str) -> CreatedKey:
    _require_member_admin(actor, tenant)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Bitte geben Sie eine Bezeichnung ein.")})
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(
            {"name": _("Bitte höchstens %(n)d Zeichen angeben.") % {"n": NAME_MAX_LENGTH}}
        )
    prefix, secret = new_key()
    with scope(tenant=tenant):
        api_key = ApiKey.objects.create(
            tenant=tenant,
            name=name,
            prefix=prefix,
            secret_sha256=key_hash(secret),
            created_by=actor if actor is not None and actor.is_authenticated else None,
        )
    audit_record(
        tenant=tenant,
        actor=actor,
        action="api_key.create",
        obj=api_key,
        after=snapshot(api_key, API_KEY_FIELDS),
    )
    return CreatedKey(api_key, secret)


@transaction.atomic
def api_key_revoke(*, tenant: Organisation, actor, api_key: ApiKey) -> ApiKey:
    """Revoke a key of `tenant` (another tenant's key: `ApiKey.DoesNotExist`). Revoking a
    revoked key changes nothing."""
    _require_member_admin(actor, tenant)
    with scope(tenant=tenant):
        api_key = ApiKey.objects.select_for_update().get(pk=api_key.pk)
    if api_key.revoked_at is not None:
        return api_key
    before = snapshot(api_key, API_KEY_FIELDS)
    api_key.revoked_at = timezone.now()
    api_key.save(update_fields=["revoked_at"])
    audit_record(
        tenant=tenant,
        actor=actor,
        action="api_key.revoke",
        obj=api_key,
        before=before,
        after=snapshot(api_key, API_KEY_FIELDS),
    )
    return api_key


def api_key_mark_used(api_key: ApiKey) -> None:
    """Record that the key was just used (shown on the key list). A usage timestamp, not a
    change anybody made: no audit record; one conditional UPDATE, no lock."""
    now = timezone.now()
    if api_key.last_used_at is not None and now - api_key.last_used_at < LAST_USED_RESOLUTION:
        return
    with scope(tenant=api_key.tenant_id):
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    api_key.last_used_at = now
