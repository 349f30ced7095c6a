"""The job worker's heartbeat and maintenance schedule (`core.worker`): each periodic task
starts once per period across all workers; finished job rows are pruned after the retention
days, nothing else; jobs of a dead worker are queued again or given up. (The real worker
processes: tests/core/test_serve.py; killed in a job: tests/faults/test_processes.py.)"""

import datetime

import pytest
from django.conf import settings as django_settings
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from openkommune.core import outbox, worker
from openkommune.core.jobs import enqueue
from openkommune.core.runtime_models import ScheduledRun, WorkerHeartbeat

pytestmark = pytest.mark.django_db


@pytest.fixture
def counted_task():
    """One periodic task of its own (every 10 minutes) next to core's, restored after."""
    saved = dict(worker._SCHEDULE)
    runs = []
    worker._SCHEDULE.clear()
    worker.register_periodic("test.count", datetime.timedelta(minutes=10), lambda: runs.append(1))
    yield runs
    worker._SCHEDULE.clear()
    worker._SCHEDULE.update(saved)


def test_core_schedules_pruning_and_the_outbox_sweep():
    names = {periodic.name for periodic in worker.schedule()}
    assert {"core.prune_task_results", "core.outbox_sweep", "core.prune_heartbeats"} <= names


def test_a_task_starts_once_per_period_whichever_worker_asks(counted_task):
    now = timezone.now()
    assert worker.run_due("worker-a", now=now) == ["test.count"]
    assert worker.run_due("worker-b", now=now) == []
    assert worker.run_due("worker-a", now=now + datetime.timedelta(minutes=9)) == []
    assert worker.run_due("worker-b", now=now + datetime.timedelta(minutes=10)) == ["test.count"]
    assert len(counted_task) == 2
    assert ScheduledRun.objects.get(name="test.count").last_worker_id == "worker-b"


def test_a_failing_task_is_logged_and_does_not_stop_the_others(counted_task, caplog):
    def broken():
        raise RuntimeError("kaputt")

    worker.register_periodic("test.broken", datetime.timedelta(minutes=10), broken)
    assert sorted(worker.run_due("worker-a")) == ["test.broken", "test.count"]
    assert counted_task == [1]
    assert "Periodic task test.broken failed" in caplog.text


def _finished(status, days_ago: float) -> DBTaskResult:
    result = enqueue(outbox.SEND_JOB, "00000000-0000-0000-0000-000000000000")
    row = DBTaskResult.objects.get(pk=result.id)
    row.status = status
    row.finished_at = timezone.now() - datetime.timedelta(days=days_ago)
    row.save()
    return row


def test_pruning_deletes_only_finished_rows_past_the_retention(settings):
    settings.TASK_RESULT_RETENTION_DAYS = 14
    DBTaskResult.objects.all().delete()
    old_ok = _finished(TaskResultStatus.SUCCESSFUL, 20)
    old_failed = _finished(TaskResultStatus.FAILED, 15)
    recent = _finished(TaskResultStatus.SUCCESSFUL, 13)
    waiting = enqueue(outbox.SEND_JOB, "00000000-0000-0000-0000-000000000001")
    assert worker.prune_task_results() == 2
    left = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert left == {recent.pk, DBTaskResult.objects.get(pk=waiting.id).pk}
    assert not {old_ok.pk, old_failed.pk} & left


def test_pruning_runs_from_the_schedule(settings):
    settings.TASK_RESULT_RETENTION_DAYS = 1
    DBTaskResult.objects.all().delete()
    _finished(TaskResultStatus.SUCCESSFUL, 2)
    assert "core.prune_task_results" in worker.run_due("worker-a")
    assert not DBTaskResult.objects.exists()


def test_heartbeats_are_per_worker_and_the_newest_counts():
    now = timezone.now()
    WorkerHeartbeat.objects.all().delete()
    assert worker.heartbeat_age(now) is None
    worker.beat("w1", started_at=now, now=now - datetime.timedelta(seconds=40))
    worker.beat("w2", started_at=now, now=now - datetime.timedelta(seconds=5))
    worker.beat("w1", started_at=now, now=now - datetime.timedelta(seconds=3))
    assert WorkerHeartbeat.objects.count() == 2
    assert worker.heartbeat_age(now) == pytest.approx(3)
    worker.forget_worker("w1")
    assert worker.heartbeat_age(now) == pytest.approx(5)


def test_rows_of_dead_workers_are_removed_after_an_hour():
    now = timezone.now()
    worker.beat("alive", started_at=now, now=now)
    worker.beat("dead", started_at=now, now=now - datetime.timedelta(hours=2))
    assert worker.prune_heartbeats(now) == 1
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["alive"]


def _running(worker_ids: list[str], started_seconds_ago: float, now) -> DBTaskResult:
    result = enqueue(outbox.SEND_JOB, "00000000-0000-0000-0000-000000000002")
    row = DBTaskResult.objects.get(pk=result.id)
    row.status = TaskResultStatus.RUNNING
    row.worker_ids = worker_ids
    row.started_at = now - datetime.timedelta(seconds=started_seconds_ago)
    row.save()
    return row


def test_jobs_of_a_dead_worker_are_queued_again_or_given_up(settings):
    settings.JOB_WORKER_MAX_SILENCE_SECONDS = 60
    now = timezone.now()
    DBTaskResult.objects.all().delete()
    worker.beat("alive", started_at=now, now=now - datetime.timedelta(seconds=5))
    worker.beat("silent", started_at=now, now=now - datetime.timedelta(seconds=120))
    on_alive = _running(["alive"], 300, now)
    just_started = _running(["gone"], 10, now)  # its worker may not have beaten yet
    on_silent = _running(["silent"], 300, now)
    without_heartbeat = _running(["killed-before", "gone"], 300, now)
    third_death = _running(["a", "b", "gone"], 300, now)

    assert worker.recover_lost_jobs(now) == worker.Recovery(requeued=2, given_up=1)

    statuses = dict(DBTaskResult.objects.values_list("pk", "status"))
    assert statuses[on_alive.pk] == statuses[just_started.pk] == TaskResultStatus.RUNNING
    assert statuses[on_silent.pk] == statuses[without_heartbeat.pk] == TaskResultStatus.READY
    assert statuses[third_death.pk] == TaskResultStatus.FAILED
    requeued = DBTaskResult.objects.get(pk=without_heartbeat.pk)
    assert requeued.started_at is None
    assert requeued.worker_ids == ["killed-before", "gone"]  # the history counts the starts
    given_up = DBTaskResult.objects.get(pk=third_death.pk)
    assert given_up.exception_class_path == "openkommune.core.worker.WorkerLost"
    assert given_up.finished_at is not None
    # A requeued job is what the next worker claims.
    assert DBTaskResult.objects.ready().filter(pk=on_silent.pk).exists()


def test_recovery_is_on_the_schedule():
    periods = {periodic.name: periodic.every for periodic in worker.schedule()}
    assert periods["core.recover_lost_jobs"] == datetime.timedelta(
        seconds=django_settings.JOB_WORKER_MAX_SILENCE_SECONDS
    )
