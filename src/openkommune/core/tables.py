"""The one reader and writer of CSV and XLSX tables (imports and downloads).

Reading streams: a file is never unpacked or parsed as a whole into memory, and every limit
(`TableLimits`) is enforced while reading, so a hostile file is refused after a bounded
amount of work:

* bytes: at most `max_bytes` are read from the upload;
* XLSX: before openpyxl parses anything, the ZIP directory is checked — the number of parts,
  each part's and the total unpacked size (`ZipInfo.file_size`; Python's zipfile never
  inflates a part beyond its declared size) and the compression ratio. openpyxl then runs in
  read-only mode on the first sheet only, and the declared sheet dimension
  (`<dimension ref="A1:XFD1048576"/>`) is never read, so rows are not padded to it, nor to
  their last (maybe empty) cell: a row holds at most `max_columns` + 1 values;
* XLSX: a part with a document type declaration (`<!DOCTYPE`, which would carry the entity
  definitions of a "billion laughs" expansion) is refused before openpyxl parses it; OOXML
  parts never contain one. Every part is checked, whatever its name (openpyxl reads what the
  manifest names), and a part that may be XML but whose prologue does not parse is refused
  too. Only each part's prologue is inflated for this check;
* rows, blank rows, columns and cell length are counted as the rows arrive;
* CSV: the encoding is checked with an incremental decoder (UTF-8, with or without BOM, else
  Windows-1252 as German Excel saves it) and the text is parsed line by line.

Call the reader BEFORE opening a transaction: parsing takes time, and a transaction held
meanwhile blocks every other writer on SQLite. Errors are `TableError` with German messages
„Zeile 17: …“ (line numbers as a spreadsheet shows them; the header is line 1).

Writing (`core.table_writing`, its names importable from here): `write_csv` (UTF-8 with BOM,
`;`, CRLF for German Excel), `write_xlsx` and `table_response` for downloads. Text cells that
a spreadsheet would run as a formula get a leading apostrophe (`safe_text`);
`iter_rows(..., unescape=True)` undoes it, so our own exports can be imported again unchanged.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import xml.parsers.expat
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import BinaryIO

from django.utils.translation import gettext as _

# The writer lives next door; its names are part of this module's interface.
from openkommune.core.table_writing import (
    CSV_TYPE,
    FORMATS,
    XLSX_TYPE,
    safe_text,
    table_response,
    write_csv,
    write_xlsx,
)
from openkommune.core.table_writing import unescape as _unescape

__all__ = [
    "CSV_TYPE",
    "DEFAULT_LIMITS",
    "FORMATS",
    "XLSX_TYPE",
    "TableError",
    "TableLimits",
    "cell_text",
    "check_xlsx_archive",
    "check_xlsx_xml",
    "is_xlsx",
    "iter_rows",
    "read_records",
    "safe_text",
    "table_response",
    "write_csv",
    "write_xlsx",
]

MB = 1024 * 1024
_SHARED_STRINGS = "xl/sharedStrings.xml"
_RATIO_CHECKED_FROM = 1 * MB  # small parts may be compressed as well as they like


@dataclass(frozen=True)
class TableLimits:
    """What a table may contain; the defaults fit the imports, each may override some."""

    max_bytes: int = 5 * MB
    max_rows: int = 5_000  # data rows (not blank, not the header)
    max_blank_rows: int = 10_000
    max_columns: int = 100
    max_cell_chars: int = 10_000
    # XLSX parts, unpacked. Sheets are streamed; shared strings and the other parts (styles,
    # workbook) are parsed as a whole by openpyxl, hence their smaller limits.
    max_unpacked_bytes: int = 64 * MB
    max_sheet_bytes: int = 48 * MB
    max_shared_strings_bytes: int = 8 * MB
    max_other_part_bytes: int = 4 * MB
    max_compression_ratio: int = 100
    max_zip_entries: int = 200


DEFAULT_LIMITS = TableLimits()


class TableError(Exception):
    """A refused table. `line` is the spreadsheet line (None for the file as a whole);
    `errors` the German messages (the first one is this error's, with its line)."""

    def __init__(self, message: str, *, line: int | None = None, more: Sequence[str] = ()):
        self.line = line
        self.message = message
        first = (
            _("Zeile %(line)d: %(message)s") % {"line": line, "message": message}
            if line is not None
            else message
        )
        self.errors = [first, *more]
        super().__init__("\n".join(self.errors))


# --- reading ------------------------------------------------------------------------------


def _size_text(size: int) -> str:
    return f"{size // MB} MB" if size >= MB and size % MB == 0 else f"{size // 1024} KB"


def _read_source(source: bytes | BinaryIO, limits: TableLimits) -> bytes:
    data = source if isinstance(source, bytes) else source.read(limits.max_bytes + 1)
    if len(data) > limits.max_bytes:
        raise TableError(
            _("Die Datei ist größer als %(size)s.") % {"size": _size_text(limits.max_bytes)}
        )
    if not data.strip():
        raise TableError(_("Die Datei ist leer."))
    return data


def is_xlsx(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def iter_rows(
    source: bytes | BinaryIO, *, limits: TableLimits = DEFAULT_LIMITS, unescape: bool = False
) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of each non-blank row of a CSV or XLSX file (type from the
    content, never the name). Cells are text; XLSX numbers and dates are converted
    (`cell_text`). Raises TableError, also part-way through the iteration."""
    data = _read_source(source, limits)
    raw = _xlsx_rows(data, limits) if is_xlsx(data) else _csv_rows(data, limits)
    data_rows = blank_rows = 0
    for line, cells in raw:
        while cells and not cells[-1].strip():
            cells.pop()
        if not cells:
            blank_rows += 1
            if blank_rows > limits.max_blank_rows:
                raise TableError(
                    _("Die Datei enthält mehr als %(count)d leere Zeilen.")
                    % {"count": limits.max_blank_rows},
                    line=line,
                )
            continue
        data_rows += 1
        if data_rows > limits.max_rows + 1:  # + the header
            raise TableError(
                _("Die Datei hat mehr als %(rows)d Zeilen.") % {"rows": limits.max_rows},
                line=line,
            )
        if len(cells) > limits.max_columns:
            raise TableError(
                _("Die Zeile hat mehr als %(count)d Spalten.") % {"count": limits.max_columns},
                line=line,
            )
        for cell in cells:
            if len(cell) > limits.max_cell_chars:
                raise TableError(
                    _("Eine Zelle hat mehr als %(count)d Zeichen.")
                    % {"count": limits.max_cell_chars},
                    line=line,
                )
        yield line, [_unescape(cell) for cell in cells] if unescape else cells


def read_records(
    source: bytes | BinaryIO,
    *,
    columns: Sequence[str],
    required: Sequence[str],
    limits: TableLimits = DEFAULT_LIMITS,
    unescape: bool = False,
) -> list[tuple[int, dict[str, str]]]:
    """(line number, {column: stripped text}) of every data row of a table whose first
    non-blank row names its columns (case-insensitive, order free). Unknown or missing
    columns and an empty file raise TableError. The list is bounded by `limits`."""
    rows = iter_rows(source, limits=limits, unescape=unescape)
    first = next(rows, None)
    if first is None:
        raise TableError(_("Die Datei ist leer."))
    header_line, header_cells = first
    header = [cell.strip().lower() for cell in header_cells]
    errors = []
    missing = [column for column in required if column not in header]
    if missing:
        errors.append(
            _("Zeile %(line)d: Es fehlen die Spalten %(columns)s.")
            % {"line": header_line, "columns": ", ".join(missing)}
        )
    unknown = [column for column in header if column and column not in columns]
    if unknown:
        errors.append(
            _("Zeile %(line)d: Unbekannte Spalten %(columns)s (erlaubt: %(allowed)s).")
            % {"line": header_line, "columns": ", ".join(unknown), "allowed": ", ".join(columns)}
        )
    if errors:
        error = TableError(errors[0], more=errors[1:])
        error.line = header_line
        raise error
    records = []
    for line, cells in rows:
        padded = cells + [""] * (len(header) - len(cells))
        records.append((line, {name: padded[i].strip() for i, name in enumerate(header) if name}))
    return records


def cell_text(value) -> str:
    """A spreadsheet value as the text a user sees."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        # As the spreadsheet shows it (15 significant digits), never rounded to cents here:
        # 899.999 must be refused like "899,999" in a CSV file, not become 900.00. The 15
        # digits hide binary noise such as 0.1 + 0.2 = 0.30000000000000004.
        try:
            return format(Decimal(f"{value:.15g}"), "f")
        except InvalidOperation:  # inf or nan
            return str(value)
    return str(value).strip()


def _is_utf8(data: bytes) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    chunk = 1 * MB
    try:
        for start in range(0, len(data), chunk):
            decoder.decode(data[start : start + chunk])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _delimiter(first_line: str) -> str:
    # `;` (German Excel) or `,`, counted outside quoted text.
    counts = {";": 0, ",": 0}
    quoted = False
    for char in first_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    return ";" if counts[";"] > counts[","] else ","


def _csv_rows(data: bytes, limits: TableLimits) -> Iterator[tuple[int, list[str]]]:
    if b"\x00" in data:
        raise TableError(_("Die Datei ist keine CSV- oder XLSX-Datei."))
    # Excel in Germany saves CSV as Windows-1252.
    encoding = "utf-8-sig" if _is_utf8(data) else "cp1252"
    text = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, errors="replace", newline="")
    first_line = text.readline()
    while first_line and not first_line.strip():  # the delimiter is read off the header
        first_line = text.readline()
    text.seek(0)
    reader = csv.reader(text, delimiter=_delimiter(first_line))
    line = 0
    try:
        for line, row in enumerate(reader, start=1):
            yield line, row
    except csv.Error as error:
        raise TableError(
            _("Die CSV-Datei ist fehlerhaft: %(error)s") % {"error": error}, line=line + 1
        ) from error


def check_xlsx_archive(data: bytes, limits: TableLimits = DEFAULT_LIMITS) -> None:
    """Refuse an XLSX whose parts would unpack too large, before anything is inflated."""
    try:
        entries = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise TableError(_("Die Datei ist keine gültige XLSX-Datei.")) from error
    if len(entries) > limits.max_zip_entries:
        raise TableError(_("Die Datei ist keine gültige XLSX-Datei."))
    too_large = _(
        "Die XLSX-Datei ist entpackt zu groß (%(part)s: mehr als %(size)s). Bitte speichern "
        "Sie die Datei als CSV oder teilen Sie sie auf."
    )
    total = 0
    for entry in entries:
        if entry.filename == _SHARED_STRINGS:
            limit = limits.max_shared_strings_bytes
        elif entry.filename.startswith("xl/worksheets/"):
            limit = limits.max_sheet_bytes
        else:
            limit = limits.max_other_part_bytes
        if entry.file_size > limit:
            raise TableError(too_large % {"part": entry.filename, "size": _size_text(limit)})
        total += entry.file_size
        if total > limits.max_unpacked_bytes:
            raise TableError(
                too_large % {"part": _("alle Teile"), "size": _size_text(limits.max_unpacked_bytes)}
            )
        if (
            entry.file_size > _RATIO_CHECKED_FROM
            and entry.file_size > limits.max_compression_ratio * max(entry.compress_size, 1)
        ):
            raise TableError(
                _(
                    "Die XLSX-Datei ist ungewöhnlich stark gepackt (%(part)s) und wird nicht "
                    "gelesen. Bitte speichern Sie die Datei neu oder als CSV."
                )
                % {"part": entry.filename}
            )


class _Prologue(Exception):
    """Ends the prologue scan: `doctype` tells whether a DTD was declared."""

    def __init__(self, doctype: bool):
        self.doctype = doctype


def _has_doctype(part) -> bool | None:
    """Whether a part (a binary stream) declares a document type; None if its prologue is not
    well-formed XML (or in an encoding expat does not know). Expat reads only up to the root
    element's start tag, in small chunks; entities are never expanded here."""
    parser = xml.parsers.expat.ParserCreate()

    def doctype(*args):
        raise _Prologue(True)

    def root(*args):
        raise _Prologue(False)

    parser.StartDoctypeDeclHandler = doctype
    parser.StartElementHandler = root
    try:
        while chunk := part.read(16 * 1024):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _Prologue as found:
        return found.doctype
    except xml.parsers.expat.ExpatError:
        return None
    return None


def _may_be_xml(opening: bytes) -> bool:
    """Whether a part could be read as XML by some parser: after a byte order mark, NUL and
    white space (UTF-16/32 text) its first character is `<`. Images and printer settings
    (binary parts of an ordinary XLSX) start otherwise, and no XML parser reads them."""
    for mark in (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF8, codecs.BOM_UTF16_LE):
        opening = opening.removeprefix(mark)
    opening = opening.removeprefix(codecs.BOM_UTF16_BE)
    text = opening.lstrip(b"\x00 \t\r\n")
    return text[:1] == b"<" or (opening != b"" and text == b"") or text[:4] == b"\x4c\x6f\xa7\x94"


def check_xlsx_xml(data: bytes) -> None:
    """Refuse an XLSX with a DTD (entity expansion, "billion laughs") in any part, whatever
    its name: openpyxl reads the parts the manifest and relationships name. Its parser knows
    more encodings than this scan, so a part that may be XML but does not parse here is
    refused as well."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for entry in archive.infolist():
            with archive.open(entry) as part:
                doctype = _has_doctype(part)
            if doctype:
                message = _(
                    "Die XLSX-Datei enthält eine Dokumenttyp-Deklaration (%(part)s) und wird "
                    "nicht gelesen. Bitte speichern Sie die Datei neu oder als CSV."
                )
            elif doctype is None:
                with archive.open(entry) as part:
                    if not _may_be_xml(part.read(64 * 1024)):
                        continue  # binary: an image, printer settings
                message = _(
                    "Ein Teil der XLSX-Datei (%(part)s) ist kein lesbares XML; die Datei wird "
                    "nicht gelesen. Bitte speichern Sie die Datei neu oder als CSV."
                )
            else:
                continue
            raise TableError(message % {"part": entry.filename})


def _first_sheet(data: bytes):
    """(archive, first worksheet) in openpyxl's read-only mode, or (archive, None).

    `load_workbook(read_only=True)` would create every sheet, and each one scans its whole
    XML for a `<dimension>` element that may be missing (openpyxl 3.1 stops only at the end
    of `<sheetData>`): a sheet of millions of rows would be parsed completely before the first
    row. So the workbook is opened step by step, as `ExcelReader.read` does, and only the
    first sheet is created, without that scan and without a declared dimension.
    """
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    class StreamedSheet(ReadOnlyWorksheet):
        def _get_size(self):
            """Never read the declared dimension: rows are not padded to it."""

        def _get_row(self, row, min_col=1, max_col=None, values_only=True):
            """The values up to the last one present, never padded to the last (maybe empty)
            cell (`<c r="XFD1"/>` would make 16,384). A value right of `max_col` is put in
            `max_col`, so the column limit sees it."""
            values = []
            for cell in row:
                value, column = cell["value"], min(cell["column"], max_col)
                if value is None or value == "":
                    continue
                if column > len(values):
                    values.extend([None] * (column - len(values)))
                values[column - 1] = value
            return values

    reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True)
    try:
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)  # date formats of number cells
        for sheet, rel in reader.parser.find_sheets():
            if rel.target in reader.valid_files and "chartsheet" not in rel.Type:
                return reader.archive, StreamedSheet(
                    reader.wb, sheet.name, rel.target, reader.shared_strings
                )
    except Exception:
        reader.archive.close()
        raise
    return reader.archive, None


def _xlsx_rows(data: bytes, limits: TableLimits) -> Iterator[tuple[int, list[str]]]:
    check_xlsx_archive(data, limits)
    try:
        check_xlsx_xml(data)
    except (zipfile.BadZipFile, zlib.error, ValueError, OSError, EOFError, RuntimeError) as error:
        # RuntimeError: an encrypted part; NotImplementedError (a RuntimeError): its packing.
        raise TableError(_("Die Datei ist keine gültige XLSX-Datei.")) from error
    # openpyxl reports a broken archive or broken XML inside it as any of many exception
    # types (zip, XML parser, KeyError, ValueError, TypeError, ...); each is the file's fault
    # and gets the same clear message, never a server error.
    try:
        archive, sheet = _first_sheet(data)
    except Exception as error:
        raise TableError(_("Die Datei ist keine gültige XLSX-Datei.")) from error
    try:
        if sheet is None:
            raise TableError(_("Die XLSX-Datei enthält keine Tabelle."))
        # Rows are parsed lazily: a damaged sheet fails here, not when it is opened.
        # Rows missing from the sheet come as one shared tuple of None (blank, not expanded).
        rows = sheet.iter_rows(max_col=limits.max_columns + 1, values_only=True)
        for line, values in enumerate(rows, start=1):
            blank = values.count(None) == len(values)
            yield line, [] if blank else [cell_text(value) for value in values]
    except TableError:
        raise
    except Exception as error:
        raise TableError(
            _(
                "Die erste Tabelle der XLSX-Datei ist beschädigt und lässt sich nicht "
                "lesen. Bitte speichern Sie die Datei neu (oder als CSV) und laden Sie "
                "sie erneut hoch."
            )
        ) from error
    finally:
        archive.close()
