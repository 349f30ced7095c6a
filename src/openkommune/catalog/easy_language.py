"""Leichte Sprache: one page about the platform and one for each of the cooperative's six
online forms (src/openkommune/forms/definitions). The texts are German by nature — Leichte
Sprache is a form of German — so they live in templates, not in the message catalogue; in the
English interface the pages say so (docs/translation.md).

A page belongs to a Leistung by the LeiKa keys of its form (`leika_keys` in the form's
definition): the catalogue knows those keys, not the forms app, which sits above it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EasyLanguagePage:
    slug: str
    title: str  # in Leichte Sprache, with Mediopunkt in long compounds
    leika_keys: frozenset[str]

    @property
    def template(self) -> str:
        return f"catalog/leichte_sprache/{self.slug}.html"


PAGES = (
    EasyLanguagePage(
        "hunde-steuer",
        "Hund an·melden oder ab·melden",
        frozenset({"99102013000000", "99102013002000", "99102013010000"}),
    ),
    EasyLanguagePage(
        "sperr-muell",
        "Sperr·müll ab·holen lassen",
        frozenset({"99001009000000", "99001009004000", "99001009004002"}),
    ),
    EasyLanguagePage(
        "bewohner-park-ausweis",
        "Bewohner·park·ausweis",
        frozenset({"99108001000000", "99108001001000", "99108001020000"}),
    ),
    EasyLanguagePage(
        "gewerbe-anmeldung",
        "Gewerbe an·melden",
        frozenset({"99050012000000", "99050012104000"}),
    ),
    EasyLanguagePage(
        "baum-faellung",
        "Einen Baum fällen",
        frozenset({"99093003000000", "99093003001000", "99093003001002"}),
    ),
    EasyLanguagePage(
        "sonder-nutzung",
        "Die Straße für etwas anderes nutzen",
        frozenset({"99108012000000", "99108012005000", "99108012005001"}),
    ),
)

BY_SLUG = {page.slug: page for page in PAGES}


def page_for_leika_keys(keys) -> EasyLanguagePage | None:
    """The Leichte Sprache page of a Leistung with these LeiKa keys, if there is one."""
    keys = set(keys)
    return next((page for page in PAGES if page.leika_keys & keys), None)
