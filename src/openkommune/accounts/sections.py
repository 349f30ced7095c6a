"""Sections that higher apps add to the account overview ("Meine Anträge" comes from the
submissions app). The accounts app sits low in the layer contract and cannot import them,
so an app registers its section in a module `account_sections.py`, discovered like Django's
`admin.py` modules."""

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class OverviewSection:
    """A template included on the overview with the context the section's function built."""

    template_name: str
    context: dict


SectionBuilder = Callable[[HttpRequest], OverviewSection | None]
_BUILDERS: dict[str, SectionBuilder] = {}


def register(name: str, builder: SectionBuilder) -> None:
    """Add (or replace, on a repeated import) the section `name`; `builder` returns None to
    leave the section out for this request."""
    _BUILDERS[name] = builder


def overview_sections(request: HttpRequest) -> list[OverviewSection]:
    # Imports each installed app's account_sections module once; later calls are no-ops.
    autodiscover_modules("account_sections")
    sections = (builder(request) for _name, builder in sorted(_BUILDERS.items()))
    return [section for section in sections if section is not None]
