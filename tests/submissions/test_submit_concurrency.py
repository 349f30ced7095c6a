"""Concurrent submits, with real commits and one database connection per thread: a double
click from two tabs, and an API client retrying while its first request still runs. On
PostgreSQL the draft's row lock and the unique constraint decide; on SQLite the immediate
write transactions queue the writers. Either way: one application.

The rows are committed (each thread needs to see them), so the test removes everything it
created afterwards: the session's reference data must stay as it was for later tests.
"""

import threading

import pytest
from django.apps import apps
from django.db import connection, connections, transaction

from openkommune.submissions.models import Application, Draft
from openkommune.submissions.services import application_submit, application_submit_data
from tests.submissions.factories import MAGDEBURG_POSTCODE, fill, make_offer, start

THREADS = 4


def _tables_with_integer_ids() -> list[tuple[str, str]]:
    tables = []
    for model in apps.get_models():
        pk = model._meta.pk
        if (
            model._meta.managed
            and not model._meta.proxy
            and pk.get_internal_type()
            in {
                "AutoField",
                "BigAutoField",
            }
        ):
            tables.append((model._meta.db_table, pk.column))
    return sorted(set(tables))


@pytest.fixture
def committed(django_db_setup, django_db_blocker, settings, tmp_path, monkeypatch):
    """Autocommit database access for this test; every row it creates, in any table, is
    deleted afterwards (in one transaction: the foreign keys are checked at its end)."""
    from openkommune.submissions.services import hooks

    monkeypatch.setattr(hooks, "_submitted", [])  # see factories.submissions_only
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    with django_db_blocker.unblock():
        tables = _tables_with_integer_ids()
        marks = {}
        with connection.cursor() as cursor:
            for table, column in tables:
                cursor.execute(f"SELECT COALESCE(MAX({column}), 0) FROM {table}")  # noqa: S608
                marks[table] = cursor.fetchone()[0]
        try:
            yield
        finally:
            with transaction.atomic(), connection.cursor() as cursor:
                for table, column in tables:
                    cursor.execute(
                        f"DELETE FROM {table} WHERE {column} > %s",  # noqa: S608
                        [marks[table]],
                    )


def _run_together(target, count: int = THREADS) -> list:
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = target(index)
        except Exception as error:  # reported by the assertions below
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.mark.usefixtures("committed")
def test_concurrent_submits_of_one_draft_create_one_application():
    offer = make_offer()
    draft, _ = start(offer)
    fill(draft)

    def submit(index: int):
        own_copy = Draft.applicant_objects.get(pk=draft.pk)
        return application_submit(draft=own_copy, idempotency_key=f"tab-{index}").pk

    results = _run_together(submit)
    assert all(isinstance(result, int) for result in results), results
    assert len(set(results)) == 1
    assert Application.applicant_objects.filter(draft=draft).count() == 1


@pytest.mark.usefixtures("committed")
def test_concurrent_api_retries_with_one_key_create_one_application():
    offer = make_offer()
    tenant_drafts_before = Draft.applicant_objects.count()

    def submit(index: int):
        return application_submit_data(
            actor=None,
            form_version=offer.version,
            data={"name": "Erika Mustermann"},
            idempotency_key="ein-schluessel",
            postcode=MAGDEBURG_POSTCODE,
            email="erika@example.org",
        ).pk

    results = _run_together(submit)
    assert all(isinstance(result, int) for result in results), results
    assert len(set(results)) == 1
    assert Application.applicant_objects.filter(tenant=offer.tenant).count() == 1
    # The losers' drafts were rolled back with their transactions.
    assert Draft.applicant_objects.count() == tenant_drafts_before + 1


@pytest.mark.usefixtures("committed")
def test_concurrent_first_downloads_store_one_receipt(settings):
    from openkommune.submissions.services import receipt_pdf
    from openkommune.tenancy.models import AuditRecord
    from openkommune.tenancy.scoping import scopes_disabled

    offer = make_offer()
    draft, _ = start(offer)
    fill(draft)
    application = application_submit(draft=draft, idempotency_key="einmal")
    assert not application.receipt_name

    def download(_index: int) -> bytes:
        return receipt_pdf(application=Application.applicant_objects.get(pk=application.pk))

    results = _run_together(download)
    assert all(isinstance(result, bytes) for result in results), results
    assert len(set(results)) == 1  # every reader got the one stored file
    stored = Application.applicant_objects.get(pk=application.pk)
    receipts = settings.PRIVATE_MEDIA_ROOT / "receipts"
    assert [path.name for path in receipts.rglob("*.pdf")] == [stored.receipt_name.split("/")[-1]]
    with scopes_disabled():
        records = AuditRecord.objects.filter(
            action="application.receipt", object_id=str(stored.public_id)
        )
        assert records.count() == 1
