"""`openkommune backup` and `openkommune restore` on the configured engine (both CI passes).

Applications with attachments and case events are made through the real services in a
committed copy of the test database, backed up, and restored into a fresh database and an
empty private file store; `verify_audit` must pass there and every file must come back with
its hash. A damaged backup (changed or missing file, broken manifest) and a non-empty target
are refused before anything is changed.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tarfile
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from openkommune.cases.models import Case, CaseDocument, CaseEvent
from openkommune.cases.services import case_add_document, case_add_note, case_assign
from openkommune.core.backup import applied_migrations, storage_names
from openkommune.core.files import private_storage
from openkommune.submissions.models import Application, Attachment
from openkommune.submissions.services import application_submit, draft_attach_file
from openkommune.tenancy.constants import Role
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from tests.cases.factories import clerk_of
from tests.submissions.factories import PDF_BYTES, TEXT_BYTES, fill, make_offer, start, upload
from tests.support.databases import connected_to, scratch_database, table_count


def _stored_files() -> dict[str, str]:
    """Every file of the private store with its SHA-256."""
    storage = private_storage()
    hashes = {}
    for name in storage_names(storage):
        with storage.open(name, "rb") as stream:
            hashes[name] = hashlib.sha256(stream.read()).hexdigest()
    return hashes


def _make_data() -> None:
    """Two applications with attachments, each with a case that clerks worked on."""
    offer = make_offer()
    clerk = clerk_of(offer.tenant, role=Role.CLERK)
    for number in range(2):
        draft, _token = start(offer)
        fill(draft, f"Antragstellerin {number}")
        draft_attach_file(
            draft=draft, path="nachweis", uploaded_file=upload(f"nachweis-{number}.pdf", PDF_BYTES)
        )
        application = application_submit(draft=draft, idempotency_key=f"backup-{number}")
        with scopes_disabled():
            case = Case.objects.get(application=application)
        case_assign(tenant=offer.tenant, actor=clerk, case=case, assignee=clerk)
        case_add_note(tenant=offer.tenant, actor=clerk, case=case, text=f"Notiz {number}")
        case_add_document(
            tenant=offer.tenant,
            actor=clerk,
            case=case,
            uploaded_file=upload(f"vermerk-{number}.txt", TEXT_BYTES + str(number).encode()),
        )


def _counts() -> dict[str, int]:
    with scopes_disabled():
        return {
            "applications": Application.objects.count(),
            "attachments": Attachment.objects.count(),
            "case_events": CaseEvent.objects.count(),
            "case_documents": CaseDocument.objects.count(),
        }


def _recorded_hashes() -> dict[str, str]:
    """The hash the database records for each stored attachment and case document."""
    with scopes_disabled():
        rows = [
            *Attachment.objects.values_list("storage_name", "sha256"),
            *CaseDocument.objects.values_list("storage_name", "sha256"),
        ]
    return dict(rows)


@pytest.fixture(scope="module")
def source(django_db_setup, django_db_blocker, tmp_path_factory):
    """A committed copy of the test database with data made through the services, backed up
    as a folder and as a tar file; yields what the restored installation must equal."""
    folder = tmp_path_factory.mktemp("backup-source")
    with (
        django_db_blocker.unblock(),
        scratch_database("ops_source", folder, copy_of_test_database=True) as name,
        override_settings(
            PRIVATE_MEDIA_ROOT=folder / "private",
            VIRUS_SCANNER="openkommune.submissions.virus_scan.NoOpScanner",
        ),
        connected_to(name),
    ):
        _make_data()
        call_command("backup", str(folder / "backup"), verbosity=0)
        call_command("backup", str(folder / "backup.tar.gz"), verbosity=0)
        expected = {
            "counts": _counts(),
            "files": _stored_files(),
            "recorded": _recorded_hashes(),
            "migrations": applied_migrations(),
        }
    assert expected["counts"]["attachments"] == 2
    assert expected["counts"]["case_documents"] == 2
    assert expected["counts"]["case_events"] >= 8
    # Every file the database refers to was in the store when it was backed up.
    assert expected["recorded"].items() <= expected["files"].items()
    return {"dir": folder / "backup", "tar": folder / "backup.tar.gz", **expected}


@pytest.fixture
def fresh(django_db_blocker, tmp_path):
    """An empty database and an empty private file store, in use for the test's block."""
    with (
        django_db_blocker.unblock(),
        scratch_database("ops_restore", tmp_path) as name,
        override_settings(PRIVATE_MEDIA_ROOT=tmp_path / "restored-private"),
        connected_to(name),
    ):
        yield tmp_path / "restored-private"


@pytest.mark.parametrize("kind", ["dir", "tar"])
def test_restore_into_a_fresh_database_keeps_chains_and_files(source, fresh, kind, capsys):
    assert table_count() == 0

    call_command("restore", str(source[kind]))

    assert _counts() == source["counts"]
    assert applied_migrations() == source["migrations"]
    call_command("verify_audit")
    assert "Prüfprotokolle intakt: 1 Ketten" in capsys.readouterr().out
    restored = _stored_files()
    assert restored == source["files"]
    assert _recorded_hashes().items() <= restored.items()
    # The restore is on the operator audit log of the restored installation.
    with scopes_disabled():
        record = AuditRecord.objects.get(action="backup.restore")
    assert record.after["files"] == len(source["files"])


def test_force_restores_over_an_installation(source, fresh):
    call_command("restore", str(source["dir"]), verbosity=0)
    get_user_model().objects.create_user(email="nach-der-sicherung@example.org")
    name = sorted(source["files"])[0]
    (fresh / name).write_bytes(b"changed after the backup")

    call_command("restore", str(source["dir"]), "--force", verbosity=0)

    assert not get_user_model().objects.filter(email="nach-der-sicherung@example.org").exists()
    assert _counts() == source["counts"]
    assert _stored_files() == source["files"]


def test_manifest_lists_every_file_with_hash_size_and_schema_state(source):
    manifest = json.loads((source["dir"] / "manifest.json").read_text())
    listed = {entry["path"].removeprefix("files/"): entry for entry in manifest["files"]}
    assert {name: entry["sha256"] for name, entry in listed.items()} == source["files"]
    for name, entry in listed.items():
        assert entry["size"] == (source["dir"] / "files" / name).stat().st_size
    dump = source["dir"] / manifest["database"]["path"]
    assert manifest["database"]["sha256"] == hashlib.sha256(dump.read_bytes()).hexdigest()
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["migrations"] == source["migrations"]
    assert manifest["app_version"]
    assert manifest["created_at"]
    with tarfile.open(source["tar"]) as archive:
        assert "manifest.json" in archive.getnames()


def _copy(source, tmp_path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(source["dir"], target)
    return target


def _first_file(backup: Path) -> Path:
    return next(path for path in sorted((backup / "files").rglob("*")) if path.is_file())


def _assert_nothing_restored(fresh_files: Path) -> None:
    assert table_count() == 0
    assert not fresh_files.exists() or not any(fresh_files.rglob("*"))


def test_a_changed_file_is_refused_before_anything_is_restored(source, fresh, tmp_path):
    backup = _copy(source, tmp_path)
    changed = _first_file(backup)
    changed.write_bytes(changed.read_bytes() + b"x")

    with pytest.raises(CommandError, match=r"Prüfsumme von files/.* stimmt nicht"):
        call_command("restore", str(backup), verbosity=0)
    _assert_nothing_restored(fresh)


def test_a_changed_database_dump_is_refused(source, fresh, tmp_path):
    backup = _copy(source, tmp_path)
    manifest = json.loads((backup / "manifest.json").read_text())
    dump = backup / manifest["database"]["path"]
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))

    with pytest.raises(CommandError, match="Prüfsumme von database"):
        call_command("restore", str(backup), verbosity=0)
    _assert_nothing_restored(fresh)


def test_a_missing_file_is_refused(source, fresh, tmp_path):
    backup = _copy(source, tmp_path)
    _first_file(backup).unlink()

    with pytest.raises(CommandError, match=r"unvollständig: files/.* fehlt"):
        call_command("restore", str(backup), verbosity=0)
    _assert_nothing_restored(fresh)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda text: text[: len(text) // 2], "kein gültiges JSON"),
        (lambda text: text.replace('"files/', '"../', 1), "keinen gültigen Pfad"),
        (lambda text: text.replace('"sha256": "', '"sha256": "zz', 1), "SHA-256"),
    ],
    ids=["truncated", "path-outside", "bad-hash"],
)
def test_a_corrupt_manifest_is_refused(source, fresh, tmp_path, damage, message):
    backup = _copy(source, tmp_path)
    manifest = backup / "manifest.json"
    manifest.write_text(damage(manifest.read_text()))

    with pytest.raises(CommandError, match=f"manifest.json\\) ist beschädigt: .*{message}"):
        call_command("restore", str(backup), verbosity=0)
    _assert_nothing_restored(fresh)


@pytest.mark.django_db
def test_a_database_that_is_not_empty_is_refused_without_force(source, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    before = _counts()

    with pytest.raises(CommandError, match=r"nicht leer .*Nichts wurde verändert.*--force"):
        call_command("restore", str(source["dir"]), verbosity=0)
    assert _counts() == before
    assert not (tmp_path / "private").exists()


def test_backup_refuses_to_overwrite(source):
    with pytest.raises(CommandError, match="gibt es schon"):
        call_command("backup", str(source["dir"]), verbosity=0)
