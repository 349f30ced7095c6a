"""The one writer of CSV and XLSX tables (downloads and exports); `core.tables` reads them.

Text cells that a spreadsheet would run as a formula (starting with = + - @, a tab or a
carriage return, as OWASP's "CSV injection" guidance lists, or a line feed) get a leading apostrophe
(`safe_text`); `unescape` undoes it for our own exports read back.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from django.http import HttpResponse

from openkommune.core.files import download_response

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
FORMATS = ("csv", "xlsx")
# A line feed too: XML turns a carriage return into one, so an XLSX cell escaped for "\r"
# comes back starting with "'\n", and `unescape` must know it.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_NUMBER = re.compile(r"[+-]?\d[\d.,]*")
_ESCAPED = re.compile(r"'+[=+\-@\t\r\n]")


def safe_text(text: str) -> str:
    """Text that a spreadsheet shows as text, never runs as a formula (numbers and blank
    text stay)."""
    stripped = text.lstrip("'")
    if stripped[:1] in _FORMULA_START and text.strip() and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def unescape(text: str) -> str:
    """Undo `safe_text` of our own exports."""
    return text[1:] if _ESCAPED.match(text) else text


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, float | Decimal):
        return str(value).replace(".", ",")
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return safe_text(str(value))


def write_csv(headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """UTF-8 with BOM (Excel then opens it as UTF-8), `;`, CRLF."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([_csv_cell(str(header)) for header in headers])
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def write_xlsx(
    headers: Sequence[str],
    rows: Iterable[Sequence],
    *,
    title: str,
    heading: str = "",
    preamble: Iterable[Sequence] = (),
    totals: Sequence | None = None,
    number_formats: Mapping[type, str] | None = None,
    widths: Sequence[float] = (),
) -> bytes:
    """One sheet (named `title`); strings stay text cells (keys keep their leading zeros).

    A report adds: `heading` (a bold title line) and `preamble` rows (e.g. label and value)
    above the table, then a blank line and a bold header; `totals`, a bold last row;
    `number_formats` per value type (e.g. {datetime.date: "DD.MM.YYYY"}, dates before
    datetimes count as dates); `widths` of the columns from A on."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    for number, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = width
    formats = number_formats or {}
    report = bool(heading or preamble or totals is not None)

    def cells(values: Sequence, font=None) -> list:
        if not formats and font is None:
            return [_xlsx_cell(value) for value in values]
        row = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=_xlsx_cell(value))
            for kind, number_format in formats.items():
                if isinstance(value, kind):
                    cell.number_format = number_format
                    break
            if font is not None:
                cell.font = font
            row.append(cell)
        return row

    if heading:
        sheet.append(cells([heading], Font(bold=True, size=14)))
    for row in preamble:
        sheet.append(cells(row))
    if heading or preamble:
        sheet.append([])
    sheet.append(cells([str(header) for header in headers], Font(bold=True) if report else None))
    for row in rows:
        sheet.append(cells(row))
    if totals is not None:
        sheet.append(cells(totals, Font(bold=True)))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str):
        return safe_text(value)
    return value


# Typed cells of exports: dates as dates, amounts as numbers with two places.
TYPED_FORMATS = {datetime.date: "DD.MM.YYYY", Decimal: "#,##0.00"}


def table_response(
    *,
    format: str,
    filename: str,
    headers: Sequence[str],
    rows: Iterable[Sequence],
    title: str,
    number_formats: Mapping[type, str] | None = None,
) -> HttpResponse:
    """A download of the table (`core.files.download_response`: RFC 5987 file name,
    `no-store`). `filename` without extension; `format` is "csv" or "xlsx";
    `number_formats` as for `write_xlsx` (e.g. `TYPED_FORMATS`)."""
    if format not in FORMATS:
        raise ValueError(f"Unknown export format {format!r}.")
    if format == "csv":
        content, content_type = write_csv(headers, rows), CSV_TYPE
    else:
        content = write_xlsx(headers, rows, title=title, number_formats=number_formats)
        content_type = XLSX_TYPE
    return download_response(
        filename=f"{filename}.{format}", content_type=content_type, content=content
    )
