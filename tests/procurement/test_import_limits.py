"""Spreadsheet bombs on the contract article import (service and page): refused quickly
with a German message and bounded memory (of the Python objects and of the whole process),
nothing written, read outside any transaction, other writers not blocked meanwhile."""

import openpyxl  # noqa: F401 (imported up front: the first import is not part of a refusal)
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from openkommune.procurement import services
from openkommune.procurement.io import COLUMNS, CatalogImportError
from openkommune.procurement.models import CatalogItem
from tests.core import spreadsheet_bombs as bombs
from tests.core.import_guard import (
    assert_bombs_refused_in_subprocess,
    assert_writes_succeed_while_reading,
    committed_staff,
    measured,
    page_upload,
    transaction_depth_while_reading,
)
from tests.procurement.factories import ContractFactory

MESSAGES = {
    "declared_dimension": "Zeile 10002: Die Datei enthält mehr als 10000 leere Zeilen.",
    "many_rows": "Die XLSX-Datei ist entpackt zu groß (xl/worksheets/sheet1.xml",
    "huge_shared_strings": "Die XLSX-Datei ist entpackt zu groß (xl/sharedStrings.xml",
    "entity_expansion": "Die XLSX-Datei enthält eine Dokumenttyp-Deklaration (xl/sharedStrings",
    "wide_rows": "Zeile 15002: Die Datei enthält mehr als 10000 leere Zeilen.",
}
GOOD = b"artikelnummer;beschreibung;cpv;preis\nNB-14;Notebook 14 Zoll;30213100-6;899,00\n"


@pytest.mark.django_db
@pytest.mark.parametrize("bomb", sorted(MESSAGES))
def test_bombs_are_refused_quickly_and_outside_a_transaction(bomb, staff, monkeypatch):
    contract = ContractFactory()
    data = bombs.all_bombs(COLUMNS)[bomb]
    with transaction_depth_while_reading(monkeypatch) as depths:
        error, seconds, peak = measured(
            lambda: services.catalog_import(actor=staff, contract=contract, file=data)
        )
    assert isinstance(error, CatalogImportError)
    assert MESSAGES[bomb] in error.errors[0]
    assert seconds < 2  # CPU seconds: bounded work, not a benchmark
    assert peak < 200 * 1024 * 1024
    assert depths == [0, 0]  # read twice (timed, then traced), each time outside
    assert not CatalogItem.objects.exists()


@pytest.mark.django_db
def test_good_file_is_read_before_the_transaction(staff, monkeypatch):
    contract = ContractFactory()
    with transaction_depth_while_reading(monkeypatch) as depths:
        result = services.catalog_import(actor=staff, contract=contract, file=GOOD)
    assert result.created == 1
    # Before the fix the whole import, reading included, ran in one transaction.
    assert depths == [0]


@pytest.mark.django_db
@pytest.mark.parametrize("bomb", sorted(MESSAGES))
def test_page_refuses_a_bomb_with_a_german_message(client, staff, bomb):
    contract = ContractFactory()
    client.force_login(staff)
    upload = SimpleUploadedFile("katalog.xlsx", bombs.all_bombs(COLUMNS)[bomb])
    response = client.post(
        reverse("procurement:catalog_import", args=[contract.public_id]), {"datei": upload}
    )
    assert response.status_code == 422
    assert MESSAGES[bomb] in response.content.decode()
    assert not CatalogItem.objects.exists()


def test_page_refuses_bombs_with_bounded_process_memory(django_db_setup, tmp_path):
    assert_bombs_refused_in_subprocess("procurement", bombs.all_bombs(COLUMNS), MESSAGES, tmp_path)


def test_other_writes_succeed_while_a_bomb_is_read(django_db_setup, django_db_blocker, monkeypatch):
    # No test transaction (it would hold SQLite's write lock): the rows are committed and
    # removed again, as the browser tests do (a transactional test would empty the reference
    # data). Before the fix the import read its file inside its transaction.
    data = bombs.declared_dimension(COLUMNS)
    with django_db_blocker.unblock(), committed_staff() as staff:
        contract = ContractFactory()
        suppliers = list(contract.suppliers.all())
        try:
            url = reverse("procurement:catalog_import", args=[contract.public_id])
            response = assert_writes_succeed_while_reading(
                monkeypatch, page_upload(staff, url, data)
            )
            assert response.status_code == 422
            assert MESSAGES["declared_dimension"] in response.content.decode()
            assert not CatalogItem.objects.filter(contract=contract).exists()
        finally:
            contract.delete()
            for supplier in suppliers:
                supplier.delete()
