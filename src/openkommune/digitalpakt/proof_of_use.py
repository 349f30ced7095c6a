"""The proof of use (Verwendungsnachweis) of one budget as an XLSX workbook.

Layout: a header block (programme, Schulträger, period, shares), one row per payment with
date, supplier, invoice number, call-off reference, amount, federal and own share, and a
totals row whose sums equal the ledger's (numbers are written as numbers with a € format,
never as text, so the sums can be checked in the spreadsheet).
"""

from __future__ import annotations

import datetime
import io

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from openpyxl import Workbook
from openpyxl.styles import Font

from openkommune.core.formatting import format_date
from openkommune.core.tables import safe_text
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
    gettext_lazy("Betrag (Euro)"),
    gettext_lazy("Bundesanteil (Euro)"),
    gettext_lazy("Eigenanteil (Euro)"),
    gettext_lazy("Buchungstext"),
)
TABLE_HEADER_ROW = 8


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
) -> bytes:
    budget = ledger.budget
    programme = budget.programme
    workbook = Workbook()
    sheet = workbook.active
    title = _("Verwendungsnachweis")
    sheet.title = title[:31]
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([_("Förderprogramm"), programme.name])
    sheet.append([_("Schulträger"), safe_text(budget.tenant.name)])
    sheet.append([_("Zeitraum"), _period(start, end)])
    sheet.append(
        [
            _("Förderquote"),
            _("%(federal)s %% Bund / %(own)s %% Eigenanteil")
            % {
                "federal": f"{programme.federal_share:.0f}",
                "own": f"{programme.own_share:.0f}",
            },
        ]
    )
    sheet.append([_("Erstellt am"), datetime.date.today()])
    sheet["B6"].number_format = DATE_FORMAT
    sheet.append([])
    sheet.append([str(column) for column in COLUMNS])
    for cell in sheet[TABLE_HEADER_ROW]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(
            [
                row.booked_on,
                safe_text(row.supplier),
                safe_text(row.invoice_reference),
                safe_text(row.call_off_reference),
                row.amount,
                row.federal_part,
                row.own_part,
                safe_text(row.text),
            ]
        )
        current = sheet.max_row
        sheet.cell(current, 1).number_format = DATE_FORMAT
        for column in (5, 6, 7):
            sheet.cell(current, column).number_format = EURO_FORMAT
    totals = [
        sum((r.amount for r in rows), ZERO),
        sum((r.federal_part for r in rows), ZERO),
        sum((r.own_part for r in rows), ZERO),
    ]
    count = ngettext("%(n)d Zahlung", "%(n)d Zahlungen", len(rows)) % {"n": len(rows)}
    sheet.append([_("Summe"), "", "", "", *totals, count])
    last = sheet.max_row
    for column in range(1, 9):
        sheet.cell(last, column).font = Font(bold=True)
    for column in (5, 6, 7):
        sheet.cell(last, column).number_format = EURO_FORMAT
    for letter, width in zip("ABCDEFGH", (14, 32, 20, 18, 16, 18, 18, 40), strict=True):
        sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
