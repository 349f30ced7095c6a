"""Sections that higher apps add to the pages of lower apps: a framework contract's page
(procurement) lists the working groups' decisions about it, yet procurement sits below the
working groups in the layer contract and cannot import them. An app registers a builder for a
page in a module `page_sections.py`, discovered like Django's `admin.py` modules, and the
lower app's view asks for the sections of its page (ADR 0038). Same shape as
`accounts.sections` for the account overview."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class PageSection:
    """A template included on the page with the context its builder made."""

    template_name: str
    context: dict


# The builder gets the request and the page's object; None leaves the section out.
SectionBuilder = Callable[[HttpRequest, object], PageSection | None]
_BUILDERS: dict[str, dict[str, SectionBuilder]] = {}


def register(page: str, name: str, builder: SectionBuilder) -> None:
    """Add (or replace, on a repeated import) the section `name` of the page `page`
    ("procurement.contract")."""
    _BUILDERS.setdefault(page, {})[name] = builder


def page_sections(page: str, request: HttpRequest, obj) -> list[PageSection]:
    autodiscover_modules("page_sections")
    builders = sorted(_BUILDERS.get(page, {}).items())
    sections = (builder(request, obj) for _name, builder in builders)
    return [section for section in sections if section is not None]
