"""Catalogue import from CSV and XLSX: row-level validation, line numbers, all-or-nothing."""

import io
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from openkommune.procurement import services
from openkommune.procurement.constants import TierMode
from openkommune.procurement.io import CatalogImportError
from openkommune.procurement.models import CatalogItem
from openkommune.procurement.pricing import parse_tier_lines
from tests.procurement.factories import ContractFactory, LotFactory, SupplierFactory
from tests.translation_probe import is_marked, marked_translations

pytestmark = pytest.mark.django_db

HEADER = [
    "artikelnummer",
    "beschreibung",
    "cpv",
    "preis",
    "staffeln",
    "staffelart",
    "einheit",
    "los",
]
GOOD_ROWS = [
    [
        "NB-14",
        "Notebook 14 Zoll",
        "30213100-6",
        "899,00",
        "10: 849,00 | 50: 799,00",
        "alle",
        "Stück",
        "1",
    ],
    ["MON-24", "Monitor 24 Zoll", "30231000-7", "189.50", "", "angestoßen", "", ""],
]


def _csv(rows, header=HEADER) -> bytes:
    lines = [";".join(header)] + [";".join(row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _xlsx(rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def contract():
    contract = ContractFactory()
    LotFactory(contract=contract, number=1, title="Hardware")
    return contract


@pytest.mark.parametrize("build", [_csv, _xlsx])
def test_good_file_imports_items_with_tiers(staff, contract, build):
    result = services.catalog_import(actor=staff, contract=contract, file=build(GOOD_ROWS))
    assert (result.rows, result.created, result.updated) == (2, 2, 0)
    notebook = CatalogItem.objects.get(article_number="NB-14")
    assert [(t.min_quantity, t.unit_price) for t in notebook.tiers.all()] == [
        (0, Decimal("899.00")),
        (10, Decimal("849.00")),
        (50, Decimal("799.00")),
    ]
    assert notebook.lot.number == 1
    assert notebook.valid_from == contract.starts_on
    monitor = CatalogItem.objects.get(article_number="MON-24")
    assert monitor.tier_mode == TierMode.INCREMENTAL
    assert monitor.unit == "Stück"


def test_reimport_updates_and_replaces_tiers(staff, contract):
    services.catalog_import(actor=staff, contract=contract, file=_csv(GOOD_ROWS))
    changed = [["NB-14", "Notebook 14 Zoll (neu)", "30213100-6", "879,00", "", "", "", ""]]
    result = services.catalog_import(actor=staff, contract=contract, file=_csv(changed))
    assert (result.created, result.updated) == (0, 1)
    notebook = CatalogItem.objects.get(article_number="NB-14")
    assert notebook.description == "Notebook 14 Zoll (neu)"
    assert [(t.min_quantity, t.unit_price) for t in notebook.tiers.all()] == [
        (0, Decimal("879.00"))
    ]


BAD_ROWS = [
    GOOD_ROWS[0],
    ["", "Ohne Nummer", "30213100-6", "10", "", "", "", ""],
    ["X-1", "Falscher CPV", "3021310-6", "10", "", "", "", ""],
    ["X-2", "Falscher Preis", "30213100-6", "zehn", "5: x", "jede", "", "7"],
    GOOD_ROWS[1],
    ["NB-14", "Doppelt", "30213100-6", "1", "", "", "", ""],
]


@pytest.mark.parametrize("build", [_csv, _xlsx])
def test_bad_rows_are_reported_with_line_numbers_and_nothing_is_written(staff, contract, build):
    with pytest.raises(CatalogImportError) as error:
        services.catalog_import(actor=staff, contract=contract, file=build(BAD_ROWS))
    assert error.value.errors == [
        "Zeile 3, Spalte artikelnummer: Dieser Wert fehlt.",
        "Zeile 4, Spalte cpv: „3021310-6“ hat nicht die Form 12345678-9.",
        "Zeile 5, Spalte preis: „zehn“ ist kein Betrag ≥ 0 mit höchstens zwei "
        "Nachkommastellen (z. B. 899,00).",
        "Zeile 5, Spalte staffeln: Staffel 1: Der Preis „x“ ist kein Betrag ≥ 0 mit höchstens "
        "zwei Nachkommastellen.",
        "Zeile 5, Spalte staffelart: Bitte „alle“ oder „angestoßen“ angeben.",
        "Zeile 5, Spalte los: Los 7 gibt es in diesem Vertrag nicht.",
        "Zeile 7, Spalte artikelnummer: „NB-14“ steht schon in Zeile 2.",
    ]
    assert not CatalogItem.objects.exists()


def test_blank_lines_keep_the_line_numbers(staff, contract):
    data = _csv(GOOD_ROWS).replace(b"\nMON-24", b"\n\n;;;;\nMON-24")
    data += b"Y;Kaputt;123;1;;;;\n"
    with pytest.raises(CatalogImportError) as error:
        services.catalog_import(actor=staff, contract=contract, file=data)
    assert error.value.errors == ["Zeile 6, Spalte cpv: „123“ hat nicht die Form 12345678-9."]


def test_supplier_column_is_required_when_the_contract_has_several(staff):
    first, second = SupplierFactory(name="Alpha GmbH"), SupplierFactory(name="Beta GmbH")
    contract = ContractFactory(suppliers=[first, second])
    header = ["artikelnummer", "beschreibung", "cpv", "preis", "lieferant"]
    rows = [["A", "a", "30213100-6", "1", ""], ["B", "b", "30213100-6", "1", "Gamma"],
            ["C", "c", "30213100-6", "1", "beta gmbh"]]  # fmt: skip
    with pytest.raises(CatalogImportError) as error:
        services.catalog_import(actor=staff, contract=contract, file=_csv(rows, header))
    assert error.value.errors == [
        "Zeile 2, Spalte lieferant: Der Vertrag hat mehrere Lieferanten; bitte einen angeben.",
        "Zeile 3, Spalte lieferant: „Gamma“ ist kein Lieferant dieses Vertrags.",
    ]
    services.catalog_import(actor=staff, contract=contract, file=_csv(rows[2:], header))
    assert CatalogItem.objects.get().supplier == second


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Die Datei ist leer."),
        (b"name;preis\nx;1\n", "Zeile 1: Es fehlen die Spalten artikelnummer, beschreibung, cpv."),
        (b"PK\x03\x04kaputt", "Die Datei ist keine gültige XLSX-Datei."),
        (b"\x00\x01\x02binary", "Die Datei ist keine CSV- oder XLSX-Datei."),
    ],
)
def test_unreadable_files_get_a_clear_message(staff, contract, data, message):
    with pytest.raises(CatalogImportError) as error:
        services.catalog_import(actor=staff, contract=contract, file=data)
    assert error.value.errors[0] == message


def test_windows_1252_csv_is_read(staff, contract):
    data = _csv([["K-1", "Kabel für Bildschirm", "30231000-7", "9,90", "", "", "", ""]])
    services.catalog_import(actor=staff, contract=contract, file=data.decode().encode("cp1252"))
    assert CatalogItem.objects.get().description == "Kabel für Bildschirm"


# --- XLSX numbers and damaged sheets ----------------------------------------------------------


def _damaged_sheet(data: bytes) -> bytes:
    """The workbook with its first sheet's XML cut in half (the archive itself is intact)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = content[: len(content) // 2]
            target.writestr(info, content)
    return out.getvalue()


def test_xlsx_prices_with_more_than_cents_are_refused_like_in_csv(staff, contract):
    rows = [
        ["A-1", "Gut", "30213100-6", 849.5, "", "", "", ""],
        ["A-2", "Zu genau", "30213100-6", 899.999, "", "", "", ""],
    ]
    with pytest.raises(CatalogImportError) as xlsx_error:
        services.catalog_import(actor=staff, contract=contract, file=_xlsx(rows))
    csv_rows = [[str(cell).replace(".", ",") for cell in row] for row in rows]
    with pytest.raises(CatalogImportError) as csv_error:
        services.catalog_import(actor=staff, contract=contract, file=_csv(csv_rows))
    assert xlsx_error.value.errors == [
        "Zeile 3, Spalte preis: „899.999“ ist kein Betrag ≥ 0 mit höchstens zwei "
        "Nachkommastellen (z. B. 899,00)."
    ]
    assert csv_error.value.errors == [
        "Zeile 3, Spalte preis: „899,999“ ist kein Betrag ≥ 0 mit höchstens zwei "
        "Nachkommastellen (z. B. 899,00)."
    ]
    assert not CatalogItem.objects.exists()


def test_xlsx_numbers_are_read_as_the_spreadsheet_shows_them(staff, contract):
    # 0.1 + 0.2 is 0.30000000000000004 in binary; the spreadsheet shows (and means) 0,30.
    rows = [["A-1", "Formel", "30213100-6", 0.1 + 0.2, "", "", "", 1.0]]
    services.catalog_import(actor=staff, contract=contract, file=_xlsx(rows))
    item = CatalogItem.objects.get()
    assert item.tiers.get().unit_price == Decimal("0.30")
    assert item.lot.number == 1


def test_a_damaged_xlsx_sheet_gets_a_clear_message(staff, contract):
    with pytest.raises(CatalogImportError) as error:
        services.catalog_import(
            actor=staff, contract=contract, file=_damaged_sheet(_xlsx(GOOD_ROWS))
        )
    assert error.value.errors == [
        "Die erste Tabelle der XLSX-Datei ist beschädigt und lässt sich nicht lesen. Bitte "
        "speichern Sie die Datei neu (oder als CSV) und laden Sie sie erneut hoch."
    ]
    assert not CatalogItem.objects.exists()


def test_a_damaged_xlsx_sheet_uploaded_on_the_page_is_an_error_not_a_crash(client, staff, contract):
    client.force_login(staff)
    upload = SimpleUploadedFile("katalog.xlsx", _damaged_sheet(_xlsx(GOOD_ROWS)))
    response = client.post(
        reverse("procurement:catalog_import", args=[contract.public_id]), {"datei": upload}
    )
    assert response.status_code == 422
    assert "ist beschädigt und lässt sich nicht lesen" in response.content.decode()


# --- gettext ------------------------------------------------------------------------------------


def test_import_and_tier_messages_are_translatable(staff, contract):
    rows = [["", "x", "kaputt", "zehn", "5: x | ohne", "jede", "", "7"]]
    with marked_translations(), pytest.raises(CatalogImportError) as error:
        services.catalog_import(actor=staff, contract=contract, file=_csv(rows))
    assert len(error.value.errors) == 7
    assert all(is_marked(message) for message in error.value.errors), error.value.errors
    with marked_translations():
        errors = [
            *parse_tier_lines("zehn: 1\n1: x\n1: 2\n1: 3\nkein Doppelpunkt")[1],
            *parse_tier_lines("")[1],
            *parse_tier_lines("5: 1")[1],
        ]
        unreadable = []
        for data in (b"", b"name;preis\nx;1\n", b"PK\x03\x04kaputt", b"\x00\x01binary"):
            with pytest.raises(CatalogImportError) as failed:
                services.catalog_import(actor=staff, contract=contract, file=data)
            unreadable += failed.value.errors
    assert len(errors) == 6
    assert all(is_marked(message) for message in errors + unreadable), errors + unreadable
