"""Helpers for the per-import tests of spreadsheet bombs (see `spreadsheet_bombs`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import tracemalloc
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

from openkommune.core import tables


def _raised(call) -> Exception:
    try:
        call()
    except Exception as error:
        return error
    raise AssertionError("the import was not refused")


def measured(call):
    """(exception raised by `call()`, CPU seconds, peak traced bytes). `call` runs twice:
    its CPU time (the work done, not the wall clock, which a busy machine stretches) measured
    without tracing (tracemalloc slows every allocation several times over), then traced."""
    started = time.process_time()
    error = _raised(call)
    seconds = time.process_time() - started
    tracemalloc.start()
    try:
        _raised(call)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return error, seconds, peak


@contextmanager
def transaction_depth_while_reading(monkeypatch):
    """Yields a list that receives, for every file the table reader opens, how many atomic
    blocks are open beyond those open when the block started (0: read outside any
    transaction the import opened, so other writers are not blocked meanwhile)."""
    baseline = len(connection.atomic_blocks)
    depths: list[int] = []
    original = tables._read_source

    def recording(source, limits):
        depths.append(len(connection.atomic_blocks) - baseline)
        return original(source, limits)

    monkeypatch.setattr(tables, "_read_source", recording)
    yield depths


REPO_ROOT = Path(__file__).resolve().parents[2]


def page_imports_in_subprocess(page: str, uploads: dict[str, bytes], tmp_path) -> dict:
    """Upload each file through the import page `page` (see `import_child`) in one fresh
    process against the test database; returns its report per file, with `growth_mb`: the
    process's peak resident memory during the upload above its resident memory before."""
    files = {}
    for name, data in uploads.items():
        files[name] = str(tmp_path / f"{name}.xlsx")
        Path(files[name]).write_bytes(data)
    spec = {"page": page, "database": str(connection.settings_dict["NAME"]), "files": files}
    done = subprocess.run(
        [sys.executable, "-m", "tests.core.import_child", json.dumps(spec)],
        cwd=REPO_ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "openkommune.settings"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    reports = json.loads(done.stdout.strip().splitlines()[-1])
    for report in reports.values():
        report["growth_mb"] = (report["peak_rss_kb"] - report["rss_before_kb"]) / 1024
    return reports


def assert_bombs_refused_in_subprocess(page: str, uploads: dict[str, bytes], messages, tmp_path):
    """Every bomb uploaded through the page in a fresh process: refused with its German
    message after less than 2 s of CPU time (a bomb read to its end takes minutes), the
    process growing by less than 200 MB (C allocations of the XML parser and zlib included,
    not only the Python objects tracemalloc sees)."""
    reports = page_imports_in_subprocess(page, uploads, tmp_path)
    assert sorted(reports) == sorted(messages)
    for bomb, report in reports.items():
        assert report["status"] == 422, bomb
        assert messages[bomb] in report["content"], bomb
        assert report["seconds"] < 2, bomb
        assert report["growth_mb"] < 200, (bomb, report["growth_mb"])


@contextmanager
def paused_while_reading(monkeypatch):
    """Makes the table reader pause after the first row of an XLSX file until the test sets
    the returned `resume` event; `reading` is set when it pauses. Lets a test write to the
    database from another thread while an import is part-way through reading its file."""
    reading, resume = threading.Event(), threading.Event()
    original = tables._xlsx_rows

    def pausing(data, limits):
        rows = original(data, limits)
        first = next(rows, None)
        if first is not None:
            yield first
        reading.set()
        assert resume.wait(timeout=30), "the test never resumed the reader"
        yield from rows

    monkeypatch.setattr(tables, "_xlsx_rows", pausing)
    try:
        yield reading, resume
    finally:
        resume.set()


def run_in_thread(call) -> tuple[threading.Thread, dict]:
    """Start `call()` in a thread with its own database connection (closed at its end);
    the dict receives "result" or "error"."""
    outcome: dict = {}

    def target():
        try:
            outcome["result"] = call()
        except BaseException as error:  # reported to the test, which asserts on it
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, outcome


@contextmanager
def short_lock_wait():
    """While the block runs, this thread's SQLite connection waits at most one second for a
    lock (instead of 20), so a writer blocked by an open transaction fails fast with
    "database is locked". PostgreSQL: a one-second lock timeout likewise."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA busy_timeout = 1000")
        else:
            cursor.execute("SET lock_timeout = '1s'")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("PRAGMA busy_timeout = 20000")
            else:
                cursor.execute("SET lock_timeout = 0")


def assert_writes_succeed_while_reading(monkeypatch, upload) -> object:
    """Runs `upload()` (an import through its page, returning the response) in a thread and,
    while its table reader is paused part-way through the file, creates member organisations
    (each with its audit record) in this thread, committed one by one; a write blocked by a
    transaction the import holds fails within a second ("database is locked"). Call it with
    database access unblocked and no test transaction (rows are committed); the rows written
    here are removed again. Returns the import's response."""
    from openkommune.tenancy.constants import OrganisationKind
    from openkommune.tenancy.models import AuditRecord, Organisation
    from openkommune.tenancy.scoping import scopes_disabled
    from openkommune.tenancy.services import organisation_create

    assert not connection.in_atomic_block, "needs committed writes, not a test transaction"
    with scopes_disabled():
        last_audit = AuditRecord.objects.order_by("-pk").values_list("pk", flat=True).first()
    created = []
    try:
        with paused_while_reading(monkeypatch) as (reading, resume):
            thread, outcome = run_in_thread(upload)
            assert reading.wait(timeout=60), outcome.get("error")
            with short_lock_wait():
                for number in range(3):
                    name = f"Schreibtest während des Imports {number}"
                    created.append(
                        organisation_create(
                            actor=None,
                            name=name,
                            short_name=name,
                            kind=OrganisationKind.GEMEINDE,
                            city="Magdeburg",
                        )
                    )
            resume.set()
            thread.join(timeout=60)
        assert not thread.is_alive()
        assert "error" not in outcome, outcome.get("error")
        with scopes_disabled():
            assert Organisation.objects.filter(pk__in=[o.pk for o in created]).count() == 3
        return outcome["result"]
    finally:
        with scopes_disabled():
            # Audit records are append-only in the application; raw delete of this test's.
            AuditRecord.objects.filter(pk__gt=last_audit or 0)._raw_delete(using="default")
            Organisation.objects.filter(pk__in=[o.pk for o in created]).delete()


@contextmanager
def committed_staff():
    """A cooperative staff user, committed (so a thread's connection sees it) and removed at
    the end. Call with database access unblocked and no test transaction."""
    from openkommune.tenancy.scoping import scopes_disabled
    from tests.accounts.factories import UserFactory

    with scopes_disabled():
        user = UserFactory(cooperative_staff=True)
        cooperative = user.memberships.get().tenant
    try:
        yield user
    finally:
        with scopes_disabled():
            user.delete()
            cooperative.delete()


def page_upload(user, url: str, data: bytes):
    """A callable that logs `user` in with a fresh test client and uploads `data` to `url`."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    def upload():
        client = Client()
        client.force_login(user)
        return client.post(url, {"datei": SimpleUploadedFile("tabelle.xlsx", data)})

    return upload
