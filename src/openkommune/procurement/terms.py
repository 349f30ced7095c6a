"""Term rule of framework contracts (pure functions, no database).

A term runs from `starts_on` to `ends_on`, both days included (BGB §§ 187 Abs. 2, 188 Abs. 2):
N years from 1 January 2026 end on 31 December 2029 at the latest. `ends_on` one day later
is refused ("N years and a day").
"""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from openkommune.core.formatting import format_date
from openkommune.procurement.constants import MAX_TERM_YEARS, LegalBasis


def add_years(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day `years` later; 29 February becomes 1 March in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return datetime.date(day.year + years, 3, 1)


def latest_end(legal_basis: str, starts_on: datetime.date) -> datetime.date:
    years = MAX_TERM_YEARS[LegalBasis(legal_basis)]
    return add_years(starts_on, years) - datetime.timedelta(days=1)


def term_error(legal_basis: str, starts_on: datetime.date, ends_on: datetime.date) -> str | None:
    """A German message if the term is not allowed for the legal basis, else None."""
    if ends_on < starts_on:
        return _("Das Laufzeitende liegt vor dem Beginn.")
    limit = latest_end(legal_basis, starts_on)
    if ends_on > limit:
        basis = LegalBasis(legal_basis)
        return _(
            "Nach %(basis)s darf ein Rahmenvertrag höchstens %(years)s Jahre laufen: "
            "bei Beginn am %(start)s endet er spätestens am %(limit)s."
        ) % {
            "basis": basis.label,
            "years": MAX_TERM_YEARS[basis],
            "start": format_date(starts_on),
            "limit": format_date(limit),
        }
    return None
