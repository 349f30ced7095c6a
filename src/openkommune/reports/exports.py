"""Every report table as a download: CSV (UTF-8 with BOM, `;`, for German Excel) or XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse
from openpyxl import Workbook

FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, float | Decimal):
        return str(value).replace(".", ",")
    if isinstance(value, date | datetime):
        return value.isoformat()
    text = str(value)
    # Spreadsheet formula injection: a cell must never start as a formula.
    if text[:1] in {"=", "+", "-", "@"} and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", "."))
    except ValueError:
        return False
    return True


def _xlsx_cell(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@"} and not _is_number(value):
        return "'" + value
    return value


def table_response(
    *, format: str, filename: str, headers: Sequence[str], rows: Iterable[Sequence], title: str
) -> HttpResponse:
    """A download of the table. `filename` without extension; `format` is "csv" or "xlsx"."""
    if format not in FORMATS:
        raise ValueError(f"Unknown export format {format!r}.")
    if format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerow(headers)
        for row in rows:
            writer.writerow([_csv_cell(value) for value in row])
        response = HttpResponse(
            ("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8"
        )
    else:
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = title[:31]
        sheet.append(list(headers))
        for row in rows:
            sheet.append([_xlsx_cell(value) for value in row])
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{format}"'
    return response
