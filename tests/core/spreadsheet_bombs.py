"""Hostile XLSX files for the import tests, built with zipfile (no binary fixtures).

Each is small on disk and would cost the server far more when read naively:

* `declared_dimension`: ~1.5 KB; the sheet declares `A1:XFD1048576` and has a cell there, so
  a reader trusting the dimension pads a million rows to 16,384 columns;
* `many_rows`: millions of tiny rows (~80 MB of sheet XML) packed into a few hundred KB;
* `huge_shared_strings`: a shared-strings part of ~24 MB packed into a few dozen KB, which
  openpyxl would load completely before the first row;
* `entity_expansion`: "billion laughs" — a shared-strings part whose document type declares
  nested entities that expand to 3 GB of text (expat stops only after ~8 MB of expansion);
* `wide_rows`: ~40 KB; every row has one empty cell in the last column (`XFD`), so a reader
  that pads rows out to their last cell makes 16,384 cells of each: 5,000 data rows (a value
  in column A) and then more blank rows than allowed.
"""

from __future__ import annotations

import functools
import io
import zipfile

_OFFICE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_OFFICE}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/{{sheet}}" ContentType="{_OFFICE}.worksheet+xml"/>'
    "{shared}"
    "</Types>"
)
_SHARED_TYPE = (
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Tabelle1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/{sheet}"/>'
    "{shared}</Relationships>"
)
_SHARED_REL = (
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/sharedStrings" Target="sharedStrings.xml"/>'
)
SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def header_row(columns) -> str:
    cells = "".join(
        f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{name}</t></is></c>'
        for i, name in enumerate(columns)
    )
    return f'<row r="1">{cells}</row>'


def build_xlsx(sheet_parts, shared_parts=None, *, sheet="sheet1.xml", extra=None) -> bytes:
    """An XLSX whose first sheet (`xl/worksheets/<sheet>`) is the concatenation of
    `sheet_parts` (strings, written one by one so a huge part never sits in memory),
    optionally a shared-strings part and `extra` parts ({name: bytes})."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        shared = shared_parts is not None
        types = _CONTENT_TYPES.format(shared=_SHARED_TYPE if shared else "", sheet=sheet)
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        rels = _WORKBOOK_RELS.format(shared=_SHARED_REL if shared else "", sheet=sheet)
        archive.writestr("xl/_rels/workbook.xml.rels", rels)
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
        for name, parts in ((f"xl/worksheets/{sheet}", sheet_parts),
                            ("xl/sharedStrings.xml", shared_parts)):  # fmt: skip
            if parts is None:
                continue
            with archive.open(name, "w", force_zip64=True) as part:
                for text in parts:
                    part.write(text.encode("utf-8"))
    return buffer.getvalue()


@functools.cache
def declared_dimension(columns: tuple[str, ...]) -> bytes:
    return build_xlsx(
        [
            SHEET_START,
            '<dimension ref="A1:XFD1048576"/><sheetData>',
            header_row(columns),
            '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>',
            "</sheetData></worksheet>",
        ]
    )


def _many_rows(columns, rows):
    yield SHEET_START + "<sheetData>" + header_row(columns)
    chunk = "<row><c><v>1</v></c></row>" * 10_000
    for _ in range(rows // 10_000):
        yield chunk
    yield "</sheetData></worksheet>"


@functools.cache
def many_rows(columns: tuple[str, ...], rows: int = 3_000_000) -> bytes:
    return build_xlsx(_many_rows(columns, rows))


def _shared_strings(count):
    yield (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    )
    chunk = "<si><t>a</t></si>" * 10_000
    for _ in range(count // 10_000):
        yield chunk
    yield "</sst>"


@functools.cache
def huge_shared_strings(columns: tuple[str, ...], count: int = 1_500_000) -> bytes:
    sheet = [SHEET_START, "<sheetData>", header_row(columns), "</sheetData></worksheet>"]
    return build_xlsx(sheet, _shared_strings(count))


def _laughs() -> str:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    ]
    return f"<!DOCTYPE sst [{''.join(entities)}]>"


@functools.cache
def entity_expansion(columns: tuple[str, ...]) -> bytes:
    sheet = [
        SHEET_START,
        "<sheetData>",
        header_row(columns),
        '<row r="2"><c r="A2" t="s"><v>0</v></c></row>',
        "</sheetData></worksheet>",
    ]
    shared = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        _laughs(),
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">',
        "<si><t>&lol9;</t></si></sst>",
    ]
    return build_xlsx(sheet, shared)


def _wide_rows(columns, data_rows, blank_rows):
    yield SHEET_START + "<sheetData>" + header_row(columns)
    for number in range(2, data_rows + 2):
        yield f'<row r="{number}"><c><v>1</v></c><c r="XFD{number}"/></row>'
    for number in range(data_rows + 2, data_rows + blank_rows + 2):
        yield f'<row r="{number}"><c r="XFD{number}"/></row>'
    yield "</sheetData></worksheet>"


@functools.cache
def wide_rows(columns: tuple[str, ...], data_rows: int = 5_000, blank_rows: int = 10_001) -> bytes:
    return build_xlsx(_wide_rows(columns, data_rows, blank_rows))


def all_bombs(columns) -> dict[str, bytes]:
    columns = tuple(columns)
    return {
        "declared_dimension": declared_dimension(columns),
        "many_rows": many_rows(columns),
        "huge_shared_strings": huge_shared_strings(columns),
        "entity_expansion": entity_expansion(columns),
        "wide_rows": wide_rows(columns),
    }
