"""The proof of use (Verwendungsnachweis) of one budget as an XLSX workbook.

Layout: a header block (programme, Schulträger, period, shares), one row per payment with
date, supplier, invoice number, call-off reference, amount, federal and own share, and a
totals row whose sums equal the ledger's (numbers are written as numbers with a € format,
never as text, so the sums can be checked in the spreadsheet).
"""

from __future__ import annotations

import datetime
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from openkommune.digitalpakt.ledger import ZERO
from openkommune.digitalpakt.selectors import Ledger, ProofOfUseRow

EURO_FORMAT = '#,##0.00 "€"'
DATE_FORMAT = "DD.MM.YYYY"
COLUMNS = (
    "Zahlungsdatum",
    "Lieferant",
    "Rechnungsnummer",
    "Abruf",
    "Betrag (Euro)",
    "Bundesanteil (Euro)",
    "Eigenanteil (Euro)",
    "Buchungstext",
)
TABLE_HEADER_ROW = 8


def _safe(text: str) -> str:
    # Spreadsheet formula injection: a cell must never start as a formula.
    return "'" + text if text[:1] in {"=", "+", "-", "@"} else text


def _period(start: datetime.date | None, end: datetime.date | None) -> str:
    if start is None and end is None:
        return "alle Zahlungen"
    left = start.strftime("%d.%m.%Y") if start else "Beginn"
    right = end.strftime("%d.%m.%Y") if end else "heute"
    return f"{left} bis {right}"


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
    sheet.title = "Verwendungsnachweis"
    sheet.append(["Verwendungsnachweis"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["Förderprogramm", programme.name])
    sheet.append(["Schulträger", _safe(budget.tenant.name)])
    sheet.append(["Zeitraum", _period(start, end)])
    sheet.append(
        [
            "Förderquote",
            f"{programme.federal_share:.0f} % Bund / {programme.own_share:.0f} % Eigenanteil",
        ]
    )
    sheet.append(["Erstellt am", datetime.date.today()])
    sheet["B6"].number_format = DATE_FORMAT
    sheet.append([])
    sheet.append(list(COLUMNS))
    for cell in sheet[TABLE_HEADER_ROW]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(
            [
                row.booked_on,
                _safe(row.supplier),
                _safe(row.invoice_reference),
                _safe(row.call_off_reference),
                row.amount,
                row.federal_part,
                row.own_part,
                _safe(row.text),
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
    sheet.append(["Summe", "", "", "", *totals, f"{len(rows)} Zahlungen"])
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
