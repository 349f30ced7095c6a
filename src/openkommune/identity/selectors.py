"""What other apps ask about a citizen's BundID login (the level of this session, the
verified attributes for prefilling)."""

from __future__ import annotations

from openkommune.identity.constants import EIDAS_NAMES, FIELD_LABELS, TrustLevel
from openkommune.identity.models import CitizenIdentity

SESSION_LEVEL = "bundid_level"


def session_level(request) -> int:
    """The trust level of this session's login: 0 without a BundID login."""
    return level_of_session(request.user, request.session)


def level_of_session(user, session) -> int:
    """The trust level of the BundID login of `user` kept in `session`; 0 without one."""
    if user is None or not user.is_authenticated or session is None:
        return 0
    try:
        return int(session.get(SESSION_LEVEL) or 0)
    except (TypeError, ValueError):
        return 0


def level_name(level: int) -> str:
    if not level:
        return ""
    return str(EIDAS_NAMES[TrustLevel(level)])


def identity_of(user) -> CitizenIdentity | None:
    if user is None or not user.is_authenticated:
        return None
    return CitizenIdentity.objects.filter(user=user).first()


def identity_attributes(request) -> dict[str, dict]:
    """{field: {"value", "level", "label"}} from the identity of this session's BundID
    login; empty without one. Each value carries the level it was verified at (never above
    the session's level)."""
    return session_identity_attributes(request.user, request.session)


def session_identity_attributes(user, session) -> dict[str, dict]:
    """`identity_attributes` for a user and session (a prefill source has no request)."""
    level = level_of_session(user, session)
    identity = identity_of(user) if level else None
    if identity is None:
        return {}
    return {
        name: {
            "value": item.get("value", ""),
            "level": min(int(item.get("level", 0)), level),
            "label": str(FIELD_LABELS.get(name, name)),
        }
        for name, item in identity.attributes.items()
        if name != "bpk2"
    }
