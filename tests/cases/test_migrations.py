"""Data migrations of the cases app that clean up what older versions stored."""

import importlib

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from tests.cases.factories import open_case, private_media  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

CLEANUP = "0003_audit_records_without_personal_data"


def _historical_apps():
    # The models as the migration sees them (plain managers, no append-only guard).
    return MigrationLoader(connection).project_state(("cases", CLEANUP)).apps


def test_old_audit_records_lose_the_reference_and_the_mail_server_text():
    case = open_case()
    apps = _historical_apps()
    Historical = apps.get_model("tenancy", "AuditRecord")
    old_open = Historical.objects.create(
        tenant_id=case.tenant_id,
        action="case.open",
        object_type="cases.case",
        object_id=str(case.public_id),
        after={"reference": case.reference, "status": "received", "due_on": None},
    )
    old_failed = Historical.objects.create(
        tenant_id=case.tenant_id,
        action="case_email.failed",
        object_type="cases.message",
        object_id="x",
        after={
            "kind": "new_message",
            "attempts": 5,
            "error": "SMTPRecipientsRefused: {'erika@example.org': (550, b'unknown')}",
        },
    )
    other = Historical.objects.create(
        tenant_id=case.tenant_id,
        action="retention_rule.create",
        object_type="cases.retentionrule",
        object_id="y",
        after={"reference": "stays: not a case.open record"},
    )
    module = importlib.import_module(f"openkommune.cases.migrations.{CLEANUP}")
    module._strip(apps, None)
    with scopes_disabled():
        assert AuditRecord.objects.get(pk=old_open.pk).after == {
            "status": "received",
            "due_on": None,
        }
        assert AuditRecord.objects.get(pk=old_failed.pk).after == {
            "kind": "new_message",
            "attempts": 5,
            "error": "SMTPRecipientsRefused",
        }
        assert AuditRecord.objects.get(pk=other.pk).after == {
            "reference": "stays: not a case.open record"
        }
