"""Spreadsheet bombs on the member register import (service, page and command): refused
quickly with a German message and bounded memory (of the Python objects and of the whole
process), nothing written, read outside any transaction, other writers not blocked meanwhile."""

import openpyxl  # noqa: F401 (imported up front: the first import is not part of a refusal)
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from openkommune.members.io import COLUMNS, MemberImportError, import_members
from openkommune.members.models import CooperativeMember, MembershipPeriod
from openkommune.tenancy.models import Organisation
from tests.accounts.factories import UserFactory
from tests.core import spreadsheet_bombs as bombs
from tests.core.import_guard import (
    assert_bombs_refused_in_subprocess,
    assert_writes_succeed_while_reading,
    committed_staff,
    measured,
    page_upload,
    transaction_depth_while_reading,
)

MESSAGES = {
    "declared_dimension": "Zeile 10002: Die Datei enthält mehr als 10000 leere Zeilen.",
    "many_rows": "Die XLSX-Datei ist entpackt zu groß (xl/worksheets/sheet1.xml",
    "huge_shared_strings": "Die XLSX-Datei ist entpackt zu groß (xl/sharedStrings.xml",
    "entity_expansion": "Die XLSX-Datei enthält eine Dokumenttyp-Deklaration (xl/sharedStrings",
    "wide_rows": "Zeile 15002: Die Datei enthält mehr als 10000 leere Zeilen.",
}


def _state():
    return (
        Organisation.objects.count(),
        CooperativeMember.objects.count(),
        MembershipPeriod.objects.count(),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("bomb", sorted(MESSAGES))
def test_bombs_are_refused_quickly_and_outside_a_transaction(bomb, monkeypatch):
    data = bombs.all_bombs(COLUMNS)[bomb]
    before = _state()
    with transaction_depth_while_reading(monkeypatch) as depths:
        error, seconds, peak = measured(lambda: import_members(actor=None, data=data))
    assert isinstance(error, MemberImportError)
    assert MESSAGES[bomb] in error.errors[0]
    assert seconds < 2  # CPU seconds: bounded work, not a benchmark
    assert peak < 200 * 1024 * 1024
    assert depths == [0, 0]  # read twice (timed, then traced), each time outside
    assert _state() == before


@pytest.mark.django_db
def test_good_file_is_read_before_the_transaction(monkeypatch):
    data = "name;art;ags_oder_ars;beitritt\nKID Magdeburg GmbH;kommunales Unternehmen;;2009-12-22\n"
    with transaction_depth_while_reading(monkeypatch) as depths:
        result = import_members(actor=None, data=data.encode())
    assert result.members_created == 1
    assert depths == [0]


@pytest.mark.django_db
@pytest.mark.parametrize("bomb", sorted(MESSAGES))
def test_page_refuses_a_bomb_with_a_german_message(client, bomb):
    client.force_login(UserFactory(cooperative_staff=True))
    upload = SimpleUploadedFile(
        "register.xlsx", bombs.all_bombs(COLUMNS)[bomb], content_type="application/zip"
    )
    response = client.post(reverse("members:import"), {"datei": upload})
    assert response.status_code == 422
    assert MESSAGES[bomb] in response.content.decode()
    assert not CooperativeMember.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("bomb", sorted(MESSAGES))
def test_command_refuses_a_bomb(tmp_path, bomb):
    source = tmp_path / "register.xlsx"
    source.write_bytes(bombs.all_bombs(COLUMNS)[bomb])
    with pytest.raises(CommandError) as caught:
        call_command("import_members", str(source), verbosity=0)
    assert MESSAGES[bomb] in str(caught.value)
    assert not CooperativeMember.objects.exists()


def test_page_refuses_bombs_with_bounded_process_memory(django_db_setup, tmp_path):
    assert_bombs_refused_in_subprocess("members", bombs.all_bombs(COLUMNS), MESSAGES, tmp_path)


def test_other_writes_succeed_while_a_bomb_is_read(django_db_setup, django_db_blocker, monkeypatch):
    # No test transaction (it would hold SQLite's write lock): the rows are committed and
    # removed again, as the browser tests do (a transactional test would empty the reference
    # data). Before the fix the import read its file inside its transaction.
    data = bombs.declared_dimension(COLUMNS)
    with django_db_blocker.unblock(), committed_staff() as staff:
        response = assert_writes_succeed_while_reading(
            monkeypatch, page_upload(staff, reverse("members:import"), data)
        )
        assert response.status_code == 422
        assert MESSAGES["declared_dimension"] in response.content.decode()
        assert not CooperativeMember.objects.exists()
