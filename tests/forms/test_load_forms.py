"""The `load_forms` command: new versions for changed files, idempotent, all or nothing."""

import json
import re
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from openkommune.forms.constants import FormVersionStatus
from openkommune.forms.management.commands.load_forms import DEFINITIONS_DIR
from openkommune.forms.models import FormDefinition, FormVersion
from openkommune.forms.services import form_version_create
from tests.forms.helpers import FIXTURES, field, raw_form

pytestmark = pytest.mark.django_db


def load(folder: Path, *args) -> list[str]:
    out = StringIO()
    call_command("load_forms", "--dir", str(folder), *args, stdout=out)
    return out.getvalue().splitlines()


@pytest.fixture
def folder(tmp_path) -> Path:
    shutil.copy(FIXTURES / "hundesteuer.json", tmp_path / "hundesteuer.json")
    (tmp_path / "zweites.json").write_text(
        json.dumps(raw_form(field("name"), key="zweites_test")), encoding="utf-8"
    )
    return tmp_path


def versions(key: str) -> list[tuple[int, str]]:
    return list(FormVersion.objects.filter(form__key=key).values_list("number", "status"))


def test_first_load_creates_and_publishes(folder):
    assert load(folder) == [
        "hundesteuer_test: Version 1 angelegt und veröffentlicht",
        "zweites_test: Version 1 angelegt und veröffentlicht",
    ]
    assert versions("hundesteuer_test") == [(1, FormVersionStatus.PUBLISHED)]
    assert FormVersion.objects.get(form__key="zweites_test").data_schema["type"] == "object"


def test_second_load_changes_nothing(folder):
    load(folder)
    assert load(folder) == [
        "hundesteuer_test: Version 1 unverändert",
        "zweites_test: Version 1 unverändert",
    ]
    assert (
        FormVersion.objects.filter(form__key__in=["hundesteuer_test", "zweites_test"]).count() == 2
    )


def test_a_changed_file_becomes_the_next_version(folder):
    load(folder)
    raw = json.loads((folder / "zweites.json").read_text())
    raw["title"] = "Geänderter Titel"
    (folder / "zweites.json").write_text(json.dumps(raw))
    assert "zweites_test: Version 2 angelegt und veröffentlicht" in load(folder)
    assert versions("zweites_test") == [(1, "published"), (2, "published")]
    assert FormDefinition.objects.get(key="zweites_test").title == "Geänderter Titel"


def test_an_equal_draft_is_published(folder):
    raw = json.loads((folder / "zweites.json").read_text())
    form_version_create(actor=None, definition=raw)
    assert "zweites_test: Version 1 veröffentlicht" in load(folder)
    assert versions("zweites_test") == [(1, "published")]


def test_broken_json_names_file_and_line_and_saves_nothing(folder):
    (folder / "kaputt.json").write_text('{"format": 1,\n  "key": }', encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        load(folder)
    message = str(caught.value)
    assert message.startswith("Formulare nicht geladen, nichts wurde gespeichert:")
    assert "kaputt.json: kein gültiges JSON (Zeile 2, Spalte 10: Expecting value)." in message
    assert not FormDefinition.objects.filter(key__in=["hundesteuer_test", "zweites_test"]).exists()


def test_invalid_definition_names_file_and_problem(folder):
    raw = raw_form(field("c", "choice"), key="drittes_test")
    (folder / "drittes.json").write_text(json.dumps(raw), encoding="utf-8")
    (folder / "latin1.json").write_bytes('{"title": "Gebühr"}'.encode("latin-1"))
    with pytest.raises(CommandError) as caught:
        load(folder)
    message = str(caught.value)
    assert "drittes.json: Feld „c“: Ein Auswahlfeld braucht „choices“" in message
    assert "latin1.json: Die Datei ist nicht in UTF-8 kodiert." in message
    assert not FormDefinition.objects.filter(key="hundesteuer_test").exists()


def test_two_files_with_one_key_are_refused(folder):
    shutil.copy(folder / "zweites.json", folder / "zweites_kopie.json")
    expected = re.escape("zweites_kopie.json: Der Schlüssel „zweites_test“ steht schon in")
    with pytest.raises(CommandError, match=expected):
        load(folder)


def test_dry_run_saves_nothing(folder):
    assert load(folder, "--dry-run") == [
        "hundesteuer_test: Version 1 würde angelegt und veröffentlicht",
        "zweites_test: Version 1 würde angelegt und veröffentlicht",
        "Probelauf: nichts wurde gespeichert.",
    ]
    assert not FormDefinition.objects.filter(key__in=["hundesteuer_test", "zweites_test"]).exists()


def test_missing_and_empty_folders(tmp_path):
    with pytest.raises(CommandError, match="Ordner nicht gefunden"):
        load(tmp_path / "fehlt")
    assert load(tmp_path) == [f"Keine Formulardefinitionen in {tmp_path}."]


def test_the_shipped_definitions_are_loaded_and_stay_unchanged():
    # tests/conftest.py loaded them for the session; loading again must change nothing.
    files = sorted(DEFINITIONS_DIR.glob("*.json"))
    assert files, "forms/definitions/ ships the cooperative's forms"
    before = FormVersion.objects.count()
    lines = load(DEFINITIONS_DIR)
    assert len(lines) == len(files)
    assert all(line.endswith("unverändert") for line in lines)
    assert FormVersion.objects.count() == before
