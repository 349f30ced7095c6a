"""What a job worker does besides running jobs: a heartbeat and the maintenance schedule.

`openkommune job_worker` (django_tasks_db's `db_worker`, which claims jobs with
`SELECT … FOR UPDATE SKIP LOCKED`) runs `Maintenance` in a thread beside its job loop. Every
`JOB_WORKER_HEARTBEAT_SECONDS` the thread

- writes the worker's `WorkerHeartbeat` row (`/readyz` and the metrics read the newest), and
- starts the periodic tasks that are due (`register_periodic`; core's own below). A task
  starts once per period across all workers and machines: the worker that moves
  `ScheduledRun.last_started_at` forward with one conditional UPDATE runs it, the others see
  zero rows changed. A task that fails is logged and tried again in the next period.

A job whose worker died while running it (kill -9, out of memory, power loss) would stay
`RUNNING` for ever: django_tasks_db marks a job finished only from the worker that runs it.
`recover_lost_jobs` (on the schedule, every `JOB_WORKER_MAX_SILENCE_SECONDS`) finds jobs
`RUNNING` on a worker without a heartbeat for that long and puts them back in the queue
(`READY`, run again by any worker: delivery is at least once, and every job of the platform
is written to be run again — the receipt is rendered once, the outbox claims each e-mail);
a job that was already started `MAX_JOB_STARTS` times is marked `FAILED` (`WorkerLost`)
instead, so a job that kills its worker cannot kill workers for ever.

E-mails are no jobs where jobs wait in the database (ADR 0027): each job worker runs an
`OutboxDrainer` thread beside its job loop, which sends the ready rows of the outbox in
batches (`core.outbox.drain`) at the job loop's polling interval. A drainer killed in the
middle of a batch leaves its rows `sending`; once their claim expires any drainer takes them
again (at least once, as before).
"""

from __future__ import annotations

import datetime
import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import close_old_connections, connections, transaction
from django.tasks import task_backends
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult, TaskResultStatus

from openkommune.core.runtime_models import ScheduledRun, WorkerHeartbeat

logger = logging.getLogger(__name__)
_NEVER = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
_PRUNE_BATCH = 2000
# A job started this often on workers that died is given up (FAILED) instead of run again.
MAX_JOB_STARTS = 3


@dataclass(frozen=True)
class Periodic:
    name: str
    every: datetime.timedelta
    run: Callable[[], object]


_SCHEDULE: dict[str, Periodic] = {}


def register_periodic(name: str, every: datetime.timedelta, run: Callable[[], object]) -> None:
    """Run `run()` once per `every` in some job worker (apps call it in `ready()`)."""
    _SCHEDULE[name] = Periodic(name, every, run)


def schedule() -> list[Periodic]:
    return list(_SCHEDULE.values())


def uses_job_workers() -> bool:
    """Whether jobs wait in the database for a worker (else they run at once, no worker)."""
    return isinstance(task_backends["default"], DatabaseBackend)


# Heartbeats --------------------------------------------------------------------------------


def beat(worker_id: str, *, started_at: datetime.datetime, now=None) -> None:
    now = now or timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
            "started_at": started_at,
            "beat_at": now,
        },
    )


def heartbeat_age(now=None) -> float | None:
    """Seconds since the newest heartbeat of any worker; None when no worker ever beat."""
    newest = WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True)
    newest = newest.first()
    if newest is None:
        return None
    return max(0.0, ((now or timezone.now()) - newest).total_seconds())


def forget_worker(worker_id: str) -> None:
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


# The schedule ------------------------------------------------------------------------------


def claim_run(periodic: Periodic, worker_id: str, now=None) -> bool:
    """True for exactly one caller per period, across processes and machines."""
    now = now or timezone.now()
    ScheduledRun.objects.get_or_create(name=periodic.name, defaults={"last_started_at": _NEVER})
    claimed = ScheduledRun.objects.filter(
        name=periodic.name, last_started_at__lte=now - periodic.every
    ).update(last_started_at=now, last_worker_id=worker_id[:64])
    return claimed == 1


def run_due(worker_id: str, now=None) -> list[str]:
    """Start every periodic task that is due and that this worker claimed; their names."""
    started = []
    for periodic in schedule():
        if not claim_run(periodic, worker_id, now):
            continue
        started.append(periodic.name)
        try:
            outcome = periodic.run()
        except Exception:
            logger.exception("Periodic task %s failed", periodic.name)
        else:
            logger.info("Periodic task %s done: %s", periodic.name, outcome)
    return started


def prune_task_results(now=None) -> int:
    """Delete finished job rows older than `TASK_RESULT_RETENTION_DAYS`, in small batches so
    no long transaction holds the queue table."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.TASK_RESULT_RETENTION_DAYS)
    finished = DBTaskResult.objects.finished().filter(finished_at__lte=cutoff)
    deleted = 0
    while True:
        batch = list(finished.values_list("pk", flat=True)[:_PRUNE_BATCH])
        if not batch:
            return deleted
        deleted += DBTaskResult.objects.filter(pk__in=batch).delete()[0]


def prune_heartbeats(now=None) -> int:
    """Rows of workers that died without removing theirs (kill -9, power loss)."""
    cutoff = (now or timezone.now()) - datetime.timedelta(hours=1)
    return WorkerHeartbeat.objects.filter(beat_at__lt=cutoff).delete()[0]


class WorkerLost(Exception):
    """The job's worker died while running it, on every one of its `MAX_JOB_STARTS` starts."""


@dataclass(frozen=True)
class Recovery:
    requeued: int
    given_up: int

    def __str__(self) -> str:
        return f"requeued={self.requeued} given_up={self.given_up}"


def recover_lost_jobs(now=None) -> Recovery:
    """Put jobs back in the queue whose worker died while running them (see the module)."""
    now = now or timezone.now()
    silent_since = now - datetime.timedelta(seconds=settings.JOB_WORKER_MAX_SILENCE_SECONDS)
    alive = set(
        WorkerHeartbeat.objects.filter(beat_at__gte=silent_since).values_list(
            "worker_id", flat=True
        )
    )
    requeued = given_up = 0
    with transaction.atomic():
        running = (
            DBTaskResult.objects.running()
            .filter(started_at__lt=silent_since)
            .select_for_update(skip_locked=True)
        )
        for job in running:
            if job.worker_ids and job.worker_ids[-1] in alive:
                continue
            if len(job.worker_ids) >= MAX_JOB_STARTS:
                logger.error(
                    "Job %s (%s) given up: its worker died on each of %d starts",
                    job.pk,
                    job.task_path,
                    len(job.worker_ids),
                )
                job.set_failed(
                    WorkerLost(f"worker {job.worker_ids[-1]} stopped beating while running it")
                )
                given_up += 1
                continue
            logger.warning(
                "Job %s (%s) was running on worker %s, which died; queued again",
                job.pk,
                job.task_path,
                job.worker_ids[-1] if job.worker_ids else "?",
            )
            job.status = TaskResultStatus.READY
            job.started_at = None
            job.save(update_fields=["status", "started_at"])
            requeued += 1
    return Recovery(requeued=requeued, given_up=given_up)


def sweep_outbox() -> str:
    from openkommune.core import outbox

    report = outbox.sweep()
    return f"requeued={report.requeued} reclaimed={report.reclaimed} given_up={report.given_up}"


def register_core_schedule() -> None:
    register_periodic("core.prune_task_results", datetime.timedelta(hours=1), prune_task_results)
    register_periodic("core.prune_heartbeats", datetime.timedelta(hours=1), prune_heartbeats)
    # Replaces the cron entry of `openkommune outbox_sweep` where job workers run.
    register_periodic("core.outbox_sweep", datetime.timedelta(minutes=10), sweep_outbox)
    register_periodic(
        "core.recover_lost_jobs",
        datetime.timedelta(seconds=settings.JOB_WORKER_MAX_SILENCE_SECONDS),
        recover_lost_jobs,
    )


# The thread --------------------------------------------------------------------------------


class Maintenance:
    """Heartbeat and schedule of one worker process, in a daemon thread."""

    def __init__(self, worker_id: str, *, interval: float | None = None):
        self.worker_id = worker_id
        self.interval = interval or settings.JOB_WORKER_HEARTBEAT_SECONDS
        self.started_at = timezone.now()
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._loop, name=f"maintenance-{worker_id}", daemon=True
        )

    def start(self) -> None:
        # The first beat before any job runs, so the worker counts as ready at once.
        try:
            beat(self.worker_id, started_at=self.started_at)
        finally:
            connections.close_all()
        self._thread.start()

    def tick(self) -> None:
        try:
            beat(self.worker_id, started_at=self.started_at)
            run_due(self.worker_id)
        except Exception:
            # The database may be away for a moment; the next tick tries again.
            logger.warning("Job worker %s: heartbeat failed", self.worker_id, exc_info=True)
        finally:
            # This thread's own connection; the job loop's stays with the job loop.
            connections.close_all()

    def _loop(self) -> None:
        while True:
            self.tick()
            if self._stopping.wait(self.interval):
                return

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        try:
            forget_worker(self.worker_id)
        except Exception:
            logger.warning("Job worker %s: could not remove its heartbeat", self.worker_id)
        finally:
            connections.close_all()


class OutboxDrainer:
    """Sends the outbox's ready e-mails (`core.outbox.drain`) in a daemon thread of one job
    worker: a batch per poll, the next poll at once after a full batch, else after
    `interval` seconds. The thread keeps its own database connection (as the job loop does,
    closed when older than CONN_MAX_AGE or broken). `stop()` lets the batch in hand finish
    its current e-mail and releases the rest."""

    def __init__(self, worker_id: str, *, interval: float):
        self.worker_id = worker_id
        # db_worker allows 0 (poll without pause); the drainer waits a little at least.
        self.interval = max(interval, 0.05)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"outbox-{worker_id}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def drain_once(self):
        """One batch; the report (an empty one when the database was away)."""
        from openkommune.core import outbox

        close_old_connections()
        try:
            report = outbox.drain(stopping=self._stopping.is_set)
        except Exception:
            # The database may be away for a moment (PostgreSQL restarting): the next poll
            # tries again; rows claimed meanwhile are taken again once their claim expires.
            logger.warning("Job worker %s: outbox drain failed", self.worker_id, exc_info=True)
            connections.close_all()
            return outbox.DrainReport()
        if report.failed or report.released:
            logger.info("Job worker %s: outbox %s", self.worker_id, report)
        return report

    def pause_after(self, report) -> float:
        """Seconds until the next poll after a batch that was not full: the worker's
        interval after an empty poll, `OUTBOX_BUSY_INTERVAL_MS` (if shorter) after one that
        found e-mails — while they are coming in, small even batches instead of a burst
        of everything that arrived in one interval."""
        busy = settings.OUTBOX_BUSY_INTERVAL_MS / 1000
        if report.claimed and 0 < busy < self.interval:
            return busy
        return self.interval

    def _loop(self) -> None:
        try:
            while not self._stopping.is_set():
                report = self.drain_once()
                if report.claimed and report.claimed >= settings.OUTBOX_BATCH_SIZE:
                    continue  # a full batch: more may be ready
                self._stopping.wait(self.pause_after(report))
        finally:
            connections.close_all()

    def stop(self, timeout: float = 30) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=timeout)
