"""The one CSV/XLSX reader and writer: limits enforced while streaming, bombs refused
quickly with bounded memory, German errors with line numbers, formula escaping."""

import datetime
import io
import time
import tracemalloc
import zipfile
from decimal import Decimal

import openpyxl  # imported up front: the first import is not part of a refusal
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from openkommune.core import tables
from openkommune.core.tables import (
    TableError,
    TableLimits,
    check_xlsx_archive,
    iter_rows,
    read_records,
    safe_text,
    table_response,
    write_csv,
    write_xlsx,
)
from tests.core import spreadsheet_bombs as bombs

COLUMNS = ("name", "wert")


def refused(data, **kwargs) -> tuple[TableError, float, int]:
    """The error, the CPU seconds (work done, not wall clock) and the peak of traced memory
    (bytes) of reading `data`, read twice: timed without tracing (tracemalloc slows every
    allocation), then traced."""
    started = time.process_time()
    with pytest.raises(TableError) as caught:
        read_records(data, columns=COLUMNS, required=COLUMNS, **kwargs)
    seconds = time.process_time() - started
    tracemalloc.start()
    try:
        with pytest.raises(TableError):
            read_records(data, columns=COLUMNS, required=COLUMNS, **kwargs)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return caught.value, seconds, peak


@pytest.mark.parametrize(
    ("bomb", "message"),
    [
        ("declared_dimension", "Zeile 10002: Die Datei enthält mehr als 10000 leere Zeilen."),
        ("many_rows", "xl/worksheets/sheet1.xml: mehr als 48 MB"),
        ("huge_shared_strings", "xl/sharedStrings.xml: mehr als 8 MB"),
        ("entity_expansion", "Dokumenttyp-Deklaration (xl/sharedStrings.xml)"),
        ("wide_rows", "Zeile 15002: Die Datei enthält mehr als 10000 leere Zeilen."),
    ],
)
def test_spreadsheet_bombs_are_refused_quickly_with_bounded_memory(bomb, message):
    data = bombs.all_bombs(COLUMNS)[bomb]
    assert len(data) < 400_000
    error, seconds, peak = refused(data)
    assert message in error.errors[0]
    # Refusal speed with a generous bound (shared, noisy machines), not a benchmark.
    assert seconds < 2
    assert peak < 200 * 1024 * 1024


def test_a_document_type_in_any_part_is_refused_before_parsing():
    # Expat (2.4+) would stop a "billion laughs" only after ~8 MB of expansion per part, in
    # seconds and with ~100 MB of memory; a DTD in a sheet is refused just the same.
    laughs = bombs.entity_expansion(COLUMNS)
    with zipfile.ZipFile(io.BytesIO(laughs)) as archive:
        shared = archive.read("xl/sharedStrings.xml").decode()
    assert "<!DOCTYPE" in shared
    sheet = [
        '<?xml version="1.0"?><!-- a comment first --><!DOCTYPE worksheet SYSTEM "x.dtd">',
        bombs.SHEET_START.split("?>", 1)[1],
        "<sheetData>",
        bombs.header_row(COLUMNS),
        "</sheetData></worksheet>",
    ]
    error, seconds, _peak = refused(bombs.build_xlsx(sheet))
    assert error.errors == [
        "Die XLSX-Datei enthält eine Dokumenttyp-Deklaration (xl/worksheets/sheet1.xml) und "
        "wird nicht gelesen. Bitte speichern Sie die Datei neu oder als CSV."
    ]
    assert seconds < 2


def _sheet_with_entity(prologue: str = '<?xml version="1.0" encoding="UTF-8"?>') -> str:
    return (
        f'{prologue}<!DOCTYPE worksheet [<!ENTITY kreis "Börde">]>'
        + bombs.SHEET_START.split("?>", 1)[1]
        + "<sheetData>"
        + bombs.header_row(COLUMNS)
        + '<row r="2"><c r="A2" t="inlineStr"><is><t>&kreis;</t></is></c></row>'
        + "</sheetData></worksheet>"
    )


def test_a_document_type_is_refused_whatever_the_part_is_called():
    # openpyxl opens the sheet the relationships name, `.dat` as well as `.xml`; before the
    # fix only `.xml` and `.rels` parts were checked and the entity was expanded.
    error, _seconds, _peak = refused(bombs.build_xlsx([_sheet_with_entity()], sheet="s.dat"))
    assert error.errors == [
        "Die XLSX-Datei enthält eine Dokumenttyp-Deklaration (xl/worksheets/s.dat) und "
        "wird nicht gelesen. Bitte speichern Sie die Datei neu oder als CSV."
    ]


@pytest.mark.parametrize("encoding", ["utf-32", "utf-32-be"])
def test_a_part_whose_prologue_does_not_parse_is_refused(encoding):
    # A parser that knows more encodings than the scan (libxml2 reads UTF-32) would see the
    # document type the scan could not; such a part is refused by name before openpyxl runs.
    sheet = _sheet_with_entity('<?xml version="1.0"?>').encode(encoding)
    buffer = io.BytesIO(bombs.build_xlsx([bombs.SHEET_START, "</worksheet>"]))
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("xl/worksheets/sheet2.xml", sheet)
    error, _seconds, _peak = refused(buffer.getvalue())
    assert error.errors == [
        "Ein Teil der XLSX-Datei (xl/worksheets/sheet2.xml) ist kein lesbares XML; die Datei "
        "wird nicht gelesen. Bitte speichern Sie die Datei neu oder als CSV."
    ]


def test_binary_parts_and_utf16_parts_are_accepted():
    # Every part is scanned now; an ordinary XLSX may hold images and printer settings.
    sheet = [
        bombs.SHEET_START,
        "<sheetData>",
        bombs.header_row(COLUMNS),
        "</sheetData></worksheet>",
    ]
    utf16 = "".join(sheet).replace("UTF-8", "UTF-16").encode("utf-16")
    extra = {
        "xl/media/image1.png": b"\x89PNG\r\n\x1a\n" + bytes(range(256)),
        "xl/printerSettings/printerSettings1.bin": "Drucker".encode("utf-16-le") + bytes(64),
        "docProps/empty.bin": b"",
        "customXml/item1.xml": utf16,
    }
    data = bombs.build_xlsx(sheet, extra=extra)
    assert list(iter_rows(data)) == [(1, ["name", "wert"])]


def test_rows_are_streamed_and_counted_while_reading():
    # With the unpacked-size checks lifted, the million rows are still not read: the row
    # limit stops the stream right after it is passed.
    loose = TableLimits(
        max_rows=5_000, max_sheet_bytes=10**9, max_unpacked_bytes=10**9, max_compression_ratio=10**6
    )
    error, seconds, peak = refused(bombs.many_rows(COLUMNS), limits=loose)
    assert error.line == 5_002
    assert error.errors == ["Zeile 5002: Die Datei hat mehr als 5000 Zeilen."]
    assert seconds < 2
    assert peak < 200 * 1024 * 1024


def test_declared_dimension_is_not_trusted():
    sheet = [
        bombs.SHEET_START,
        '<dimension ref="A1:XFD1048576"/><sheetData>',
        bombs.header_row(COLUMNS),
        (
            '<row r="2"><c r="A2" t="inlineStr"><is><t>Börde</t></is></c>'
            '<c r="B2"><v>12.5</v></c></row>'
        ),
        "</sheetData></worksheet>",
    ]
    rows = list(iter_rows(bombs.build_xlsx(sheet)))
    assert rows == [(1, ["name", "wert"]), (2, ["Börde", "12.5"])]


def test_rows_are_not_padded_to_their_last_empty_cell():
    # openpyxl pads a row to its last cell: one empty `<c r="XFD2"/>` made 16,384 cells of
    # each row (500 such rows took seconds). The rows the limits allow are read quickly: CPU
    # time, so that a busy machine does not fail the test.
    started = time.process_time()
    rows = list(iter_rows(bombs.wide_rows(COLUMNS, data_rows=5_000, blank_rows=10_000)))
    assert time.process_time() - started < 2
    assert len(rows) == 5_001
    assert rows[1] == (2, ["1"])
    assert rows[-1] == (5_001, ["1"])


def _one_row_sheet(cells: str) -> bytes:
    sheet = [bombs.SHEET_START, "<sheetData>", bombs.header_row(COLUMNS)]
    return bombs.build_xlsx([*sheet, f'<row r="2">{cells}</row>', "</sheetData></worksheet>"])


@pytest.mark.parametrize(
    "cells",
    [
        '<c r="A2"><v>1</v></c><c r="E2"><v>5</v></c>',  # column max + 1
        '<c r="A2"><v>1</v></c><c r="F2"><v>6</v></c>',
        '<c r="A2"><v>1</v></c><c r="XFD2"><v>0</v></c>',
        '<c r="XFD2" t="inlineStr"><is><t>x</t></is></c>',
    ],
)
def test_a_value_right_of_the_column_limit_is_too_many_columns(cells):
    with pytest.raises(TableError) as caught:
        list(iter_rows(_one_row_sheet(cells), limits=TableLimits(max_columns=4)))
    assert caught.value.errors == ["Zeile 2: Die Zeile hat mehr als 4 Spalten."]


def test_empty_cells_right_of_the_column_limit_are_ignored():
    cells = (
        '<c r="A2"><v>1</v></c><c r="D2"><v>4</v></c><c r="E2"/>'
        '<c r="XFD2" t="inlineStr"><is><t></t></is></c>'
    )
    rows = list(iter_rows(_one_row_sheet(cells), limits=TableLimits(max_columns=4)))
    assert rows == [(1, ["name", "wert"]), (2, ["1", "", "", "4"])]


def test_compression_ratio_is_checked_before_parsing():
    data = bombs.build_xlsx(
        [bombs.SHEET_START, "<sheetData>", " " * (2 * 1024 * 1024), "</sheetData></worksheet>"]
    )
    with pytest.raises(TableError, match="ungewöhnlich stark gepackt"):
        check_xlsx_archive(data)
    # The same file passes with a ratio limit it keeps.
    check_xlsx_archive(data, TableLimits(max_compression_ratio=10**6))


def test_total_unpacked_size_and_number_of_parts_are_limited():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number in range(3):
            archive.writestr(f"xl/worksheets/sheet{number}.xml", "x" * 600_000)
    data = buffer.getvalue()
    with pytest.raises(TableError, match="alle Teile: mehr als 1 MB"):
        check_xlsx_archive(data, TableLimits(max_unpacked_bytes=1024 * 1024))
    with pytest.raises(TableError, match="keine gültige XLSX-Datei"):
        check_xlsx_archive(data, TableLimits(max_zip_entries=2))


@pytest.mark.parametrize(
    ("data", "limits", "message"),
    [
        (b"", TableLimits(), "Die Datei ist leer."),
        (b" \n\n", TableLimits(), "Die Datei ist leer."),
        (b"name;wert\n" + b"x;1\n" * 10, TableLimits(max_bytes=40), "größer als 0 KB"),
        (b"name;wert\n" + b"x;1\n" * 4, TableLimits(max_rows=3), "Zeile 5: Die Datei hat mehr"),
        (b"name;wert\nx;" + b"y" * 50 + b"\n", TableLimits(max_cell_chars=20), "Zeile 2: Eine"),
        (b"name;wert\n" + b";" * 30 + b"x\n", TableLimits(max_columns=10), "Zeile 2: Die Zeile"),
        (
            b"name;wert\n" + b";\n" * 30 + b"x;y\n",
            TableLimits(max_blank_rows=5),
            "Zeile 7: Die Datei enthält mehr als 5",
        ),
        (b"name;wert\nx\x00;1\n", TableLimits(), "keine CSV- oder XLSX-Datei"),
        (
            b"name;wert\nx;" + b"y" * 140_000 + b"\n",
            TableLimits(max_cell_chars=200_000),
            "Zeile 2: Die CSV-Datei ist fehlerhaft",
        ),
        (b"PK\x03\x04kaputt", TableLimits(), "keine gültige XLSX-Datei"),
        (b"name;foo\nx;y\n", TableLimits(), "Zeile 1: Es fehlen die Spalten wert."),
    ],
)
def test_limits_and_bad_files_give_german_errors(data, limits, message):
    with pytest.raises(TableError) as caught:
        read_records(data, columns=COLUMNS, required=COLUMNS, limits=limits)
    assert message in "\n".join(caught.value.errors)


def test_file_objects_are_read_only_up_to_the_byte_limit():
    source = io.BytesIO(b"name;wert\n" + b"x;1\n" * 1000)
    with pytest.raises(TableError, match="größer als 1 KB"):
        read_records(source, columns=COLUMNS, required=COLUMNS, limits=TableLimits(max_bytes=1024))
    assert source.tell() == 1025


def test_encodings_delimiters_and_line_numbers():
    latin = 'Name,Wert\r\n\r\nGröße,"1,5"\r\n'.encode("cp1252")
    assert read_records(latin, columns=COLUMNS, required=COLUMNS) == [
        (3, {"name": "Größe", "wert": "1,5"})
    ]
    # A comma inside quotes does not make the file comma-separated.
    bom = '\ufeffname;wert\n"a, b, c";2\n'.encode()
    assert read_records(bom, columns=COLUMNS, required=COLUMNS) == [
        (2, {"name": "a, b, c", "wert": "2"})
    ]


def test_unknown_and_missing_columns_are_reported_together():
    with pytest.raises(TableError) as caught:
        read_records(b"\nname;farbe\n", columns=COLUMNS, required=COLUMNS)
    assert caught.value.line == 2
    assert caught.value.errors == [
        "Zeile 2: Es fehlen die Spalten wert.",
        "Zeile 2: Unbekannte Spalten farbe (erlaubt: name, wert).",
    ]


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("=SUMME(A1)", "'=SUMME(A1)"),
        ("+1+1", "'+1+1"),
        ("@x", "'@x"),
        ("-x", "'-x"),
        ("-5", "-5"),
        ("-1.234,56", "-1.234,56"),
        ("'=x", "''=x"),
        ("'text", "'text"),
        ("Börde", "Börde"),
        ("\t=1+1", "'\t=1+1"),  # OWASP: a tab or carriage return may start a formula too
        ("\r@x", "'\r@x"),
        ("'\tx", "''\tx"),
        ("\n=1", "'\n=1"),
        ("\r\n", "\r\n"),  # blank: no formula, and stays blank
    ],
)
def test_formula_injection_is_escaped(text, escaped):
    assert safe_text(text) == escaped


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(
            st.text(alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00")),
            min_size=2,
            max_size=2,
        ),
        max_size=5,
    )
)
def test_csv_round_trip_for_arbitrary_text(rows):
    data = write_csv(COLUMNS, rows)
    expected = [(n, row) for n, row in enumerate(rows, 2)]
    # Blank rows are skipped (but keep their number); trailing blank cells are dropped.
    expected = [
        (n, [*row[:1], row[1]] if row[1].strip() else row[:1])
        for n, row in expected
        if any(cell.strip() for cell in row)
    ]
    got = list(iter_rows(data, unescape=True))
    assert got[0] == (1, list(COLUMNS))
    assert got[1:] == expected


def test_xlsx_round_trip_keeps_text_and_numbers():
    rows = [["=HYPERLINK()", 12.5], ["01234", None], ["\t=1+1", "\r@x"]]
    data = write_xlsx(COLUMNS, rows, title="T" * 40)
    # openpyxl writes through lxml (a dependency since the XRechnung checks), which keeps a
    # CR as a character reference; a plain CR in XML text would be read back as LF.
    assert list(iter_rows(data))[3] == (4, ["'\t=1+1", "'\r@x"])
    assert list(iter_rows(data, unescape=True)) == [
        (1, ["name", "wert"]),
        (2, ["=HYPERLINK()", "12.5"]),
        (3, ["01234"]),
        (4, ["\t=1+1", "\r@x"]),
    ]
    csv_data = write_csv(COLUMNS, [["\t=1+1", "\r@x"]])
    assert b"'\t=1+1;\"'\r@x\"" in csv_data
    assert list(iter_rows(csv_data, unescape=True))[1] == (2, ["\t=1+1", "\r@x"])
    assert load_workbook(io.BytesIO(data)).active.title == "T" * 31


def test_csv_download_has_bom_semicolons_and_escaped_formulas():
    response = table_response(
        format="csv",
        filename="t",
        headers=["Kreis", "Anteil (%)"],
        rows=[["Börde", 12.5], ["=HYPERLINK()", None]],
        title="T",
    )
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    assert text.splitlines() == ["Kreis;Anteil (%)", "Börde;12,5", "'=HYPERLINK();"]
    assert response["Content-Disposition"] == 'attachment; filename="t.csv"'
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_download_names_are_quoted_as_rfc_5987():
    response = table_response(
        format="csv", filename='Übersicht "Börde"', headers=["a"], rows=[], title="T"
    )
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%C3%9Cbersicht%20%22B%C3%B6rde%22.csv"
    )


def test_xlsx_report_layout():
    data = write_xlsx(
        ["Datum", "Betrag"],
        [[datetime.date(2025, 3, 5), Decimal("12.50")], ["=x", None]],
        title="Bericht",
        heading="Nachweis",
        preamble=[["Kreis", "=Börde"], ["Erstellt", datetime.date(2025, 4, 1)]],
        totals=["Summe", Decimal("12.50")],
        number_formats={datetime.date: "DD.MM.YYYY", Decimal: '#,##0.00 "€"'},
        widths=(14, 20),
    )
    sheet = load_workbook(io.BytesIO(data)).active
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["Nachweis", None],
        ["Kreis", "'=Börde"],
        ["Erstellt", datetime.datetime(2025, 4, 1)],
        [None, None],
        ["Datum", "Betrag"],
        [datetime.datetime(2025, 3, 5), 12.5],
        ["'=x", None],
        ["Summe", 12.5],
    ]
    assert (sheet["A1"].font.b, sheet["A1"].font.sz) == (True, 14)
    assert [sheet.cell(5, column).font.b for column in (1, 2)] == [True, True]
    assert [sheet.cell(8, column).font.b for column in (1, 2)] == [True, True]
    assert not sheet["A6"].font.b
    assert [sheet[name].number_format for name in ("B3", "A6", "B6", "B8")] == [
        "DD.MM.YYYY", "DD.MM.YYYY", '#,##0.00 "€"', '#,##0.00 "€"'
    ]  # fmt: skip
    assert [sheet.column_dimensions[letter].width for letter in "AB"] == [14, 20]
    # A plain table (an export) keeps a plain header.
    plain = load_workbook(io.BytesIO(write_xlsx(["a"], [["b"]], title="T"))).active
    assert not plain["A1"].font.b


def test_xlsx_download_is_readable():
    response = table_response(
        format="xlsx",
        filename="t",
        headers=["Kreis", "Einwohner"],
        rows=[["Börde", 170000]],
        title="Abdeckung",
    )
    assert response["Content-Type"] == tables.XLSX_TYPE
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["Kreis", "Einwohner"],
        ["Börde", 170000],
    ]
    assert response["Content-Disposition"] == 'attachment; filename="t.xlsx"'
    with pytest.raises(ValueError, match="ods"):
        table_response(format="ods", filename="t", headers=[], rows=[], title="T")


def test_xlsx_dates_and_numbers_read_as_the_spreadsheet_shows_them():
    workbook = openpyxl.Workbook()
    workbook.active.append(["name", "wert"])
    workbook.active.append([datetime.date(2024, 3, 1), 899.999])
    workbook.create_sheet("Zweite").append(["nicht", "gelesen"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert list(iter_rows(buffer.getvalue())) == [
        (1, ["name", "wert"]),
        (2, ["2024-03-01", "899.999"]),
    ]
