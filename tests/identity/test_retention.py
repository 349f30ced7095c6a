"""Retention of BundID login data (issue 15): rows of refused responses older than
`OPENKOMMUNE_BUNDID_REJECTED_LOGIN_RETENTION_DAYS` go with the daily `run_retention`, their
audit records stay; expired replay markers and unfinished logins go too."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from openkommune.identity.models import PendingLogin, RejectedLogin, SeenAssertion
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from tests.support.bundid import post_to_acs

pytestmark = pytest.mark.django_db


def refuse_twice(client) -> tuple[RejectedLogin, RejectedLogin]:
    """Two real refusals through the ACS (a response with a DOCTYPE is refused as XXE)."""
    import base64

    junk = base64.b64encode(
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'
    ).decode()
    for _ in range(2):
        assert post_to_acs(client, junk).status_code == 400
    old, new = RejectedLogin.objects.order_by("pk")
    RejectedLogin.objects.filter(pk=old.pk).update(
        # 90 days' retention plus two: a whole local day over whatever the daylight-saving
        # offset between then and now (with 91, a refusal made between 23:00 and 24:00 winter
        # time fell on the cut-off's local day in summer and was kept).
        created_at=timezone.now() - datetime.timedelta(days=92)
    )
    return old, new


def markers():
    now = timezone.now()
    SeenAssertion.objects.create(
        assertion_id="_expired", issuer="idp", expires_at=now - datetime.timedelta(minutes=1)
    )
    SeenAssertion.objects.create(
        assertion_id="_live", issuer="idp", expires_at=now + datetime.timedelta(minutes=5)
    )
    PendingLogin.objects.create(
        token_hash="a" * 64, data={}, expires_at=now - datetime.timedelta(minutes=1)
    )
    PendingLogin.objects.create(
        token_hash="b" * 64, data={}, expires_at=now + datetime.timedelta(minutes=5)
    )


def test_run_retention_deletes_old_refusals_keeps_their_audit_and_is_audited(client, bundid):
    old, new = refuse_twice(client)
    markers()
    out = io.StringIO()
    call_command("run_retention", "--dry-run", stdout=out)
    assert "BundID: 1 abgewiesene Anmeldungen und 2 abgelaufene Anmeldevermerke fällig." in (
        out.getvalue()
    )
    assert RejectedLogin.objects.count() == 2
    out = io.StringIO()
    call_command("run_retention", stdout=out)
    assert "BundID: 1 abgewiesene Anmeldungen und 2 abgelaufene Anmeldevermerke gelöscht." in (
        out.getvalue()
    )
    assert list(RejectedLogin.objects.values_list("pk", flat=True)) == [new.pk]
    assert list(SeenAssertion.objects.values_list("assertion_id", flat=True)) == ["_live"]
    assert list(PendingLogin.objects.values_list("token_hash", flat=True)) == ["b" * 64]
    with scopes_disabled():
        rejected = AuditRecord.objects.filter(action="identity.login_rejected")
        assert {r.object_id for r in rejected} == {str(old.pk), str(new.pk)}
        run = AuditRecord.objects.get(action="retention.identity_data")
    assert run.after["rejected_logins_deleted"] == 1
    assert run.after["seen_assertions_deleted"] == 1
    assert run.after["pending_logins_deleted"] == 1
    # A second run finds nothing and writes no record.
    call_command("run_retention", stdout=io.StringIO())
    with scopes_disabled():
        assert AuditRecord.objects.filter(action="retention.identity_data").count() == 1


def test_the_period_is_a_setting(client, bundid, settings):
    refuse_twice(client)
    settings.BUNDID_REJECTED_LOGIN_RETENTION_DAYS = 120
    call_command("run_retention", stdout=io.StringIO())
    assert RejectedLogin.objects.count() == 2


def test_the_daily_task_includes_it(client, bundid, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    from openkommune.cases.tasks import run_retention_daily

    refuse_twice(client)
    assert run_retention_daily.enqueue().return_value["rejected_bundid_logins"] == 1
    assert RejectedLogin.objects.count() == 1
