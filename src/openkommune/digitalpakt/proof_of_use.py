"""The proof of use (Verwendungsnachweis) of one budget as an XLSX workbook.

Layout: a header block (programme, Schulträger, period, shares, funding notices), one row
per payment with date, supplier, invoice number, call-off reference, funding category,
amount, federal and own share, and a totals row whose sums equal the ledger's (numbers are
written as numbers with a € format, never as text, so the sums can be checked in the
spreadsheet).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from openkommune.core.formatting import format_date, format_money
from openkommune.core.tables import write_xlsx
from openkommune.digitalpakt.ledger import ZERO
from openkommune.digitalpakt.selectors import Ledger, ProofOfUseRow

EURO_FORMAT = '#,##0.00 "€"'
DATE_FORMAT = "DD.MM.YYYY"
# Lazy: the workbook is written in the language of the request that downloads it.
COLUMNS = (
    gettext_lazy("Zahlungsdatum"),
    gettext_lazy("Lieferant"),
    gettext_lazy("Rechnungsnummer"),
    gettext_lazy("Abruf"),
    gettext_lazy("Förderkategorie"),
    gettext_lazy("Betrag (Euro)"),
    gettext_lazy("Bundesanteil (Euro)"),
    gettext_lazy("Eigenanteil (Euro)"),
    gettext_lazy("Buchungstext"),
)


def _period(start: datetime.date | None, end: datetime.date | None) -> str:
    if start is None and end is None:
        return _("alle Zahlungen")
    left = format_date(start) if start else _("Beginn")
    right = format_date(end) if end else _("heute")
    return _("%(start)s bis %(end)s") % {"start": left, "end": right}


def proof_of_use_xlsx(
    ledger: Ledger,
    rows: list[ProofOfUseRow],
    *,
    start: datetime.date | None,
    end: datetime.date | None,
    notices=(),
) -> bytes:
    budget = ledger.budget
    programme = budget.programme
    title = _("Verwendungsnachweis")
    shares = _("%(federal)s %% Bund / %(own)s %% Eigenanteil") % {
        "federal": f"{programme.federal_share:.0f}",
        "own": f"{programme.own_share:.0f}",
    }
    preamble = [
        [_("Förderprogramm"), programme.name],
        [_("Schulträger"), budget.tenant.name],
        [_("Zeitraum"), _period(start, end)],
        [_("Förderquote"), shares],
        [_("Erstellt am"), datetime.date.today()],
        [
            _("Zuwendungsbescheide"),
            "; ".join(
                (
                    _("Az. %(reference)s vom %(date)s über %(amount)s")
                    if notice.reference
                    else _("ohne Aktenzeichen vom %(date)s über %(amount)s")
                )
                % {
                    "reference": notice.reference,
                    "date": format_date(notice.booked_on),
                    "amount": format_money(notice.amount),
                }
                for notice in notices
            )
            or _("keine Zuweisung gebucht"),
        ],
    ]
    payments = [
        [
            row.booked_on,
            row.supplier,
            row.invoice_reference,
            row.call_off_reference,
            row.category,
            row.amount,
            row.federal_part,
            row.own_part,
            row.text,
        ]
        for row in rows
    ]
    count = ngettext("%(n)d Zahlung", "%(n)d Zahlungen", len(rows)) % {"n": len(rows)}
    totals = [
        _("Summe"),
        "",
        "",
        "",
        "",
        sum((r.amount for r in rows), ZERO),
        sum((r.federal_part for r in rows), ZERO),
        sum((r.own_part for r in rows), ZERO),
        count,
    ]
    # Text cells are escaped against formulas by the writer.
    return write_xlsx(
        [str(column) for column in COLUMNS],
        payments,
        title=title,
        heading=title,
        preamble=preamble,
        totals=totals,
        number_formats={datetime.date: DATE_FORMAT, Decimal: EURO_FORMAT},
        widths=(14, 32, 20, 18, 28, 16, 18, 18, 40),
    )
