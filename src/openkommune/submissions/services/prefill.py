"""Where a new draft's prefilled values come from: a small registry of sources, each giving
values for the form's applicant roles (`forms.engine.prefill`) with its named origin.

Built in: the BundID login of the session ("aus Ihrem BundID-Konto", `identity_prefill`;
a locked origin for values confirmed with the online ID: they win over the others, are shown
read-only and cannot be changed by a post, `engine.keep_locked`), the place the applicant
chose on the service page (postcode and town of the address, "aus Ihrer Angabe zum Wohnort")
and the logged-in person's account (name, address, e-mail, phone, "aus Ihrem Konto")."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from openkommune.forms.engine import Origin, Prefill
from openkommune.regions.models import Region
from openkommune.submissions.services.identity_prefill import bundid_values


@dataclass(frozen=True)
class PrefillContext:
    """What a source may use: the person starting (None when anonymous), the request's
    session (a login's attributes live there) and the place chosen for the application."""

    user: object | None
    session: object | None
    gemeinde: Region
    postcode: str


PrefillSource = Callable[[PrefillContext], Iterable[Prefill]]
_SOURCES: dict[str, PrefillSource] = {}


def register_prefill_source(name: str, source: PrefillSource) -> None:
    """Add (or replace) a source under `name`; called from an app's `ready()`."""
    _SOURCES[name] = source


def prefill_sources() -> dict[str, PrefillSource]:
    return dict(_SOURCES)


def prefill_values(context: PrefillContext) -> list[Prefill]:
    """Every source's values, in registration order (the engine puts locked origins first)."""
    values: list[Prefill] = []
    for source in _SOURCES.values():
        values.extend(source(context))
    return values


def account_origin() -> Origin:
    return Origin("konto", _("aus Ihrem Konto"))


def place_origin() -> Origin:
    return Origin("wohnort", _("aus Ihrer Angabe zum Wohnort"))


def _account_values(context: PrefillContext) -> list[Prefill]:
    user = context.user
    if user is None:
        return []
    origin = account_origin()
    first, last = user.first_name.strip(), user.last_name.strip()
    values = [
        Prefill("given_name", first, origin),
        Prefill("family_name", last, origin),
        Prefill("name", " ".join(part for part in (first, last) if part), origin),
        Prefill("email", user.email, origin),
        Prefill("phone", user.phone, origin),
    ]
    if user.street and user.postcode and user.city:
        address = {
            "street": user.street,
            "house_number": user.house_number,
            "postcode": user.postcode,
            "city": user.city,
        }
        values.append(Prefill("address", address, origin))
    return values


def _place_values(context: PrefillContext) -> list[Prefill]:
    # "Magdeburg, Landeshauptstadt" -> "Magdeburg": how people write their town.
    town = context.gemeinde.name.split(",")[0].strip()
    return [Prefill("address", {"postcode": context.postcode, "city": town}, place_origin())]


# BundID first (its account data is confirmed), then the account: a whole stored address
# beats the postcode and town of the place.
register_prefill_source("bundid", bundid_values)
register_prefill_source("konto", _account_values)
register_prefill_source("wohnort", _place_values)
