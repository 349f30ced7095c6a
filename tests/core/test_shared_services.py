"""The shared services of `core`: private files, the e-mail outbox, the PDF renderer."""

from __future__ import annotations

import datetime
import os

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import InMemoryStorage
from django.db import transaction
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from openkommune.core import files, jobs, outbox, pdf
from openkommune.core.env import env_json
from tests.submissions.factories import pdf_objects, pdf_text


@pytest.fixture
def private_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


def test_private_files_live_under_the_private_root_without_a_url(private_root):
    name = files.save_private("proofs", b"%PDF-1.7 test", suffix=".pdf")
    assert (private_root / name).read_bytes() == b"%PDF-1.7 test"
    assert oct((private_root / name).stat().st_mode & 0o777) == oct(0o600)
    assert files.read_private(name) == b"%PDF-1.7 test"
    with pytest.raises(ValueError, match="not accessible via a URL"):
        files.private_storage().url(name)
    files.delete_private(name)
    assert not (private_root / name).exists()


def test_the_private_storage_is_switched_by_configuration_only(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    assert isinstance(files.private_storage(), InMemoryStorage)
    name = files.save_private("proofs", b"abc")
    assert files.read_private(name) == b"abc"


def test_storage_options_come_as_a_json_object(monkeypatch):
    monkeypatch.setenv("OK_TEST_OPTIONS", '{"bucket_name": "akten", "querystring_auth": true}')
    assert env_json("OK_TEST_OPTIONS", {}) == {"bucket_name": "akten", "querystring_auth": True}
    monkeypatch.setenv("OK_TEST_OPTIONS", "[1, 2]")
    with pytest.raises(ImproperlyConfigured):
        env_json("OK_TEST_OPTIONS", {})
    monkeypatch.delenv("OK_TEST_OPTIONS")
    assert env_json("OK_TEST_OPTIONS", {"a": 1}) == {"a": 1}
    assert "OK_TEST_OPTIONS" not in os.environ


@pytest.mark.parametrize("stored", [True, False])
def test_a_download_names_the_file_per_rfc_5987_and_is_not_sniffed_or_cached(private_root, stored):
    if stored:
        name = files.save_private("proofs", b"Inhalt")
        response = files.download_response(
            storage_name=name, filename="Bescheid Müller.txt", content_type="text/plain"
        )
        body = b"".join(response.streaming_content)
    else:
        response = files.download_response(
            content=b"Inhalt", filename="Bescheid Müller.txt", content_type="text/plain"
        )
        body = response.content
    assert body == b"Inhalt"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''Bescheid%20M%C3%BCller.txt" in disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert "sandbox" in response["Content-Security-Policy"]


def test_an_e_mail_is_rendered_in_german_with_its_attachment():
    with translation.override("en"):
        message = outbox.render_email(
            "procurement/email/order",
            {
                "call_off": {"reference": "AB-2026-0001"},
                "buyer": {"name": "Gemeinde Musterstadt"},
                "contract": {"title": "Bürobedarf"},
                "supplier": {"name": "Lieferant GmbH"},
                "reply_to": "",
                "is_demo": False,
            },
            to=["bestellung@lieferant.example.org"],
            attachments=[("Bestellung.pdf", b"%PDF-1.7", "application/pdf")],
        )
    assert "Bestellung" in message.subject
    assert "\n" not in message.subject
    assert message.to == ["bestellung@lieferant.example.org"]
    assert message.attachments[0][0] == "Bestellung.pdf"
    assert outbox.PLATFORM_NAME in message.body


@jobs.job("tests.probe")
def probe_job(value: str) -> str:
    return value


@pytest.mark.django_db
def test_a_job_is_queued_by_name_with_the_change_and_deferred(
    django_capture_on_commit_callbacks,
):
    """On the database queue the job's row is written in the transaction that owes it
    (ADR 0018): workers see it with the change, never before; nothing waits for the commit."""
    later = timezone.now() + datetime.timedelta(minutes=4)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        jobs.enqueue_on_commit("tests.probe", "eins", run_after=later)
        [job] = DBTaskResult.objects.filter(task_path__endswith="probe_job")
    assert callbacks == []
    assert job.args_kwargs["args"] == ["eins"]
    assert job.run_after == later
    assert job.status == "READY"


@pytest.mark.django_db
def test_a_job_of_a_rolled_back_change_is_never_queued():
    class Abort(Exception):
        pass

    def queue_then_fail():
        with transaction.atomic():
            jobs.enqueue_on_commit("tests.probe", "zwei")
            assert DBTaskResult.objects.filter(task_path__endswith="probe_job").exists()
            raise Abort

    with pytest.raises(Abort):
        queue_then_fail()
    assert not DBTaskResult.objects.filter(task_path__endswith="probe_job").exists()


@pytest.mark.django_db
def test_other_backends_get_the_job_after_the_commit(settings, django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    from django.tasks import task_backends

    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        jobs.enqueue_on_commit("tests.probe", "drei")
    assert len(callbacks) == 1
    assert task_backends["default"].results == []
    callbacks[0]()
    assert [result.args for result in task_backends["default"].results] == [["drei"]]
    assert not DBTaskResult.objects.exists()


def test_the_backoff_grows_four_fold():
    delays = [outbox.retry_delay(n).total_seconds() for n in range(1, outbox.MAX_ATTEMPTS)]
    assert delays == [60, 240, 960, 3840]


def test_a_pdf_is_pdf_ua_in_german():
    document = pdf.html_to_pdf(
        '<html lang="de"><head><title>Probe</title></head><body><h1>Grüße</h1></body></html>',
        identifier="AB-1",
    )
    assert document.startswith(b"%PDF")
    assert 'pdfuaid:part="1"' in pdf_text(document)
    objects = pdf_objects(document)
    assert "/Lang (de)" in objects
    assert "/StructTreeRoot" in objects


def test_only_app_configs_import_a_tasks_module():
    """Services queue jobs by name (`core.jobs`): imports run tasks -> services, never back,
    not even hidden inside a function."""
    import ast
    from pathlib import Path

    import openkommune

    offenders = []
    root = Path(openkommune.__file__).parent
    for path in root.rglob("*.py"):
        if path.name == "apps.py" or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            if any(
                n.startswith("openkommune.") and n.endswith(("tasks", "email_tasks")) for n in names
            ):
                offenders.append(f"{path.relative_to(root)}:{node.lineno}")
    assert offenders == []
