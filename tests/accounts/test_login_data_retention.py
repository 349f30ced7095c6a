"""Retention of login-throttling data: throttle counts deleted and client addresses removed
from `login.locked` audit records after OPENKOMMUNE_LOGIN_DATA_RETENTION_DAYS, audited,
through `run_retention` and its task."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from openkommune.accounts.models import ThrottleHit
from openkommune.accounts.services.retention import login_data_retention
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _lock_out(client, email: str, address: str) -> AuditRecord:
    for _ in range(10):
        client.post(
            reverse("accounts:login"),
            {"username": email, "password": "falsch"},
            REMOTE_ADDR=address,
        )
    with scopes_disabled():
        return AuditRecord.objects.filter(action="login.locked").latest("pk")


def _age(days: int, *records) -> None:
    """Move the records' time back (audit records refuse `update` in the application)."""
    moment = timezone.now() - datetime.timedelta(days=days)
    for record in records:
        model = type(record)
        with scopes_disabled():
            QuerySet.update(model.objects.filter(pk=record.pk), created_at=moment)


@pytest.fixture
def old_and_new(client):
    old = _lock_out(client, UserFactory().email, "203.0.113.7")
    old_hits = list(ThrottleHit.objects.all())
    new = _lock_out(client, UserFactory().email, "198.51.100.4")
    # 30 days' retention plus two: a whole local day over whatever the daylight-saving offset
    # between then and now (31 days kept the row for an hour a day around a clock change).
    _age(32, old, *old_hits)
    _age(29, new)
    return old, new, old_hits


def _state(old, new):
    with scopes_disabled():
        old.refresh_from_db()
        new.refresh_from_db()
        runs = list(AuditRecord.objects.filter(action="retention.login_data"))
    return old.after["client"], new.after["client"], ThrottleHit.objects.count(), runs


def test_old_counts_and_addresses_go_new_ones_stay_and_the_run_is_audited(old_and_new):
    old, new, old_hits = old_and_new
    counts_before = ThrottleHit.objects.count()
    result = login_data_retention(today=TODAY, dry_run=False)
    assert (result.throttle_hits, result.locked_records) == (len(old_hits), 1)
    old_client, new_client, counts, [run] = _state(old, new)
    assert old_client is None
    assert new_client == "198.51.100.4"
    assert old.after["scope"] == "login.account"  # the rest of the record stays
    assert counts == counts_before - len(old_hits) > 0
    assert run.tenant is None
    assert run.after["throttle_hits_deleted"] == len(old_hits)
    assert run.after["login_locked_addresses_removed"] == 1
    # Idempotent: nothing more to do, no second audit record.
    again = login_data_retention(today=TODAY, dry_run=False)
    assert again.changed == 0
    assert len(_state(old, new)[3]) == 1


def test_the_period_is_a_setting(old_and_new, settings):
    old, new, _old_hits = old_and_new
    settings.LOGIN_DATA_RETENTION_DAYS = 7
    login_data_retention(today=TODAY, dry_run=False)
    old_client, new_client, _counts, _runs = _state(old, new)
    assert (old_client, new_client) == (None, None)


def test_command_dry_run_changes_nothing_then_the_run_does_it(old_and_new):
    old, new, old_hits = old_and_new
    out = StringIO()
    call_command("run_retention", "--dry-run", stdout=out)
    assert (
        f"Anmeldedaten: {len(old_hits)} Zählungen und die Client-Adresse in 1 "
        "Protokolleinträgen fällig." in out.getvalue()
    )
    assert _state(old, new)[0] == "203.0.113.7"
    assert _state(old, new)[3] == []
    out = StringIO()
    call_command("run_retention", stdout=out)
    assert (
        f"Anmeldedaten: {len(old_hits)} Zählungen gelöscht, die Client-Adresse aus 1 "
        "Protokolleinträgen entfernt." in out.getvalue()
    )
    assert _state(old, new)[0] is None


def test_the_daily_task_includes_it(old_and_new, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    from openkommune.cases.tasks import run_retention_daily

    old, new, _old_hits = old_and_new
    result = run_retention_daily.enqueue()
    assert result.return_value["login_locked_records"] == 1
    assert _state(old, new)[0] is None


def _sessions() -> tuple:
    from django.contrib.sessions.backends.db import SessionStore

    expired, live = SessionStore(), SessionStore()
    expired["x"] = live["x"] = 1
    expired.set_expiry(-60)
    expired.save()
    live.save()
    return expired.session_key, live.session_key


def _session_keys() -> set:
    from django.contrib.sessions.models import Session

    return set(Session.objects.values_list("session_key", flat=True))


def test_run_retention_clears_expired_sessions():
    expired, live = _sessions()
    out = StringIO()
    call_command("run_retention", "--dry-run", stdout=out)
    assert "Sitzungen: 1 abgelaufene fällig." in out.getvalue()
    assert _session_keys() == {expired, live}
    out = StringIO()
    call_command("run_retention", stdout=out)
    assert "Sitzungen: 1 abgelaufene gelöscht." in out.getvalue()
    assert _session_keys() == {live}


def test_the_daily_task_clears_expired_sessions(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    from openkommune.cases.tasks import run_retention_daily

    _expired, live = _sessions()
    result = run_retention_daily.enqueue()
    assert result.return_value["expired_sessions"] == 1
    assert _session_keys() == {live}
