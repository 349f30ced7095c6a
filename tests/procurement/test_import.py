"""Catalogue import from CSV and XLSX: row-level validation, line numbers, all-or-nothing."""

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from openkommune.procurement import services
from openkommune.procurement.constants import TierMode
from openkommune.procurement.io import CatalogImportError
from openkommune.procurement.models import CatalogItem
from tests.procurement.factories import ContractFactory, LotFactory, SupplierFactory

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
        "Zeile 5, Spalte preis: „zehn“ ist kein Betrag ≥ 0 (z. B. 899,00).",
        "Zeile 5, Spalte staffeln: Staffel 1: Der Preis „x“ ist kein Betrag ≥ 0.",
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
