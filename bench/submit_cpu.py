"""Benchmark: the CPU one submission costs, end to end, against a bare INSERT view measured
in the same run.

    .venv/bin/python bench/submit_cpu.py [--count 200] [--rounds 3] [--profile request|job]
        [--database-url postgres://postgres@127.0.0.1:5432/openkommune_bench_cpu] [--reuse]
        [--redis-url redis://127.0.0.1:6379/14] [--batch-size 50]

Throughput on this machine is what the load benchmark (`bench/load.py`) measures, on a quiet
machine; this one measures what a submission *costs*, so that it is robust to other work on
a shared machine: CPU time, not wall time. Per submission, on PostgreSQL as in production
(sessions and cache in Redis when `--redis-url` is given, JSON logs written to /dev/null,
the database task backend):

- request: `POST /api/v1/applications` (Hundesteuer, one dog, postcode 39104, a new
  `Idempotency-Key` and no cookie each, like the load generator) through Django's test
  client and the whole middleware stack: this process's CPU (`time.process_time`) and the
  CPU of its PostgreSQL backend (utime + stime of the backend process from
  `/proc/<pg_backend_pid()>/stat`; the server runs on this machine), SQL statements;
- job: sending the confirmation e-mail each submission owes, as a job worker's outbox
  drainer does it (`core.outbox.drain` until nothing is ready: batches of
  `--batch-size` rows claimed with one `SELECT … FOR UPDATE SKIP LOCKED` and one UPDATE,
  sent over one connection, recorded with one UPDATE and one audit INSERT; ADR 0027; e-mails
  go to Django's locmem back end), plus whatever is left in the job queue run by
  django_tasks_db's own worker loop: the same figures per submission;
- baseline: `POST /bench/baseline/` (the bare view of `bench/load.py`: parse the JSON body,
  one INSERT) through the same stack and client: the same figures per request.

The ratio of the baseline's CPU to a submission's (request + job) is what bounds the
throughput ratio of the load benchmark on a machine whose cores are the limit (gunicorn's
own cost per request, the same for both, is not in it). Medians over `--rounds`.
`--profile request|job` prints cProfile's top functions of one round of that phase.
`--reuse` keeps the database between runs (created if missing; set up only once).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from _setup import setup_django
from search_speed import _admin_connection, drop_postgres
from submit import BODY

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Cost:
    """What one phase cost, per item."""

    python_ms: float
    postgres_ms: float
    statements: float
    wall_ms: float

    @property
    def total_ms(self) -> float:
        return self.python_ms + self.postgres_ms


def create_postgres(url: str, *, reuse: bool) -> bool:
    """Create the database (dropped first unless `reuse`); whether it is new."""
    connection, name = _admin_connection(url)
    with connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if exists and reuse:
            return False
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return True


def _backend_cpu_seconds() -> tuple[int, float] | None:
    """(pid, CPU seconds used so far) of this connection's PostgreSQL backend (None: not
    readable)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # After the command name: state is field 3, utime field 14, stime field 15 (1-based).
    return pid, (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


class _Counter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def measure(work, count: int, profile: cProfile.Profile | None = None) -> Cost:
    """Run `work()` (doing `count` items) and return its cost per item. The backend's CPU
    is read before and after (two small statements, not counted)."""
    from django.db import connection

    backend_before = _backend_cpu_seconds()
    counter = _Counter()
    started, cpu = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(counter):
        if profile is not None:
            profile.enable()
        work()
        if profile is not None:
            profile.disable()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    backend_after = _backend_cpu_seconds()
    if backend_before is None or backend_after is None:
        backend = 0.0
    elif backend_before[0] != backend_after[0]:
        raise SystemExit("The database connection was replaced while measuring.")
    else:
        backend = backend_after[1] - backend_before[1]
    return Cost(
        python_ms=1000 * cpu / count,
        postgres_ms=1000 * backend / count,
        statements=counter.count / count,
        wall_ms=1000 * wall / count,
    )


def submit_all(client, count: int, path: str = "/api/v1/applications") -> None:
    payload = json.dumps(BODY)
    for _ in range(count):
        client.cookies.clear()  # the load generator sends none: each submit is a new client
        response = client.post(
            path,
            payload,
            content_type="application/json",
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        if response.status_code != 201:
            raise SystemExit(f"{path}: {response.status_code} {response.content[:500]!r}")


def run_jobs(expected: int) -> None:
    """Send the e-mails owed as a job worker's drainer does, then run any queued job with
    django_tasks_db's worker loop until none is ready."""
    from openkommune.core import outbox

    sent = 0
    while report := outbox.drain():
        if not report.claimed:
            break
        sent += report.sent
    if sent < expected:
        raise SystemExit(f"e-mails: {sent} sent of {expected}")
    _run_queued_jobs()


def _run_queued_jobs() -> None:
    """Run the queued jobs with django_tasks_db's worker loop until none is ready."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="bench-submit-cpu",
        excluded_queue_names=[],
    )
    worker.run()
    failed = DBTaskResult.objects.failed().count()
    if failed:
        raise SystemExit(f"jobs: {worker._run_tasks} run, {failed} failed")


def _quiet_logs() -> None:
    """Keep formatting the log records as in production, but write them to /dev/null."""
    import logging

    sink = open(os.devnull, "w")  # noqa: SIM115 - open for the whole run
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    for logger in loggers:
        for handler in getattr(logger, "handlers", []):
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(sink)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="submissions per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/openkommune_bench_cpu"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument(
        "--batch-size", type=int, default=50, help="e-mails per drain (OUTBOX_BATCH_SIZE)"
    )
    parser.add_argument("--reuse", action="store_true", help="keep the database between runs")
    parser.add_argument("--profile", choices=("request", "job", "baseline"))
    parser.add_argument("--profile-lines", type=int, default=45)
    parser.add_argument(
        "--statements", action="store_true", help="list the SQL of one request and one job"
    )
    args = parser.parse_args()

    os.environ["OPENKOMMUNE_DEMO"] = "true"
    os.environ["OPENKOMMUNE_SECURE_SSL_REDIRECT"] = "false"
    os.environ["OPENKOMMUNE_ALLOWED_HOSTS"] = "testserver"
    os.environ["OPENKOMMUNE_BENCH_BASELINE"] = "true"
    os.environ["OPENKOMMUNE_LOG_FORMAT"] = "json"
    # One connection for the whole run, so that its backend's CPU can be read (the worker
    # loop closes connections older than this).
    os.environ["OPENKOMMUNE_DB_CONN_MAX_AGE"] = "86400"
    os.environ["OPENKOMMUNE_EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ["OPENKOMMUNE_OUTBOX_BATCH_SIZE"] = str(args.batch_size)
    private = tempfile.TemporaryDirectory(prefix="openkommune-bench-cpu-")
    os.environ["OPENKOMMUNE_PRIVATE_MEDIA_ROOT"] = private.name
    if args.redis_url:
        os.environ["OPENKOMMUNE_REDIS_URL"] = args.redis_url
    created = create_postgres(args.database_url, reuse=args.reuse)
    try:
        commands = ()
        if created:
            print("Preparing database (regions, catalogue, forms, demo members) …", flush=True)
            commands = (
                "import_regions",
                "import_catalog",
                "rebuild_search_index",
                "load_forms",
                "load_demo",
            )
        setup_django(args.database_url, *commands)
        _measure(args)
    finally:
        if not args.reuse:
            drop_postgres(args.database_url)
        private.cleanup()


def _measure(args) -> None:
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    from openkommune.forms.selectors import form_current_version
    from openkommune.views import BENCH_BASELINE_TABLE

    _quiet_logs()
    if args.redis_url:
        cache.clear()  # the benchmark's own Redis database
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {BENCH_BASELINE_TABLE} "
            "(reference varchar(36) PRIMARY KEY, body text)"
        )
    BODY["version"] = form_current_version(key="hundesteuer").number
    # Error pages link static files; the bench runs without `collectstatic`.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    client = Client()
    # Warm-up: imports, caches, the first connection.
    submit_all(client, 5)
    run_jobs(5)
    submit_all(client, 5, "/bench/baseline/")

    if args.statements:
        from django.test.utils import CaptureQueriesContext

        for phase, work in (
            ("request", lambda: submit_all(client, 1)),
            ("job", lambda: run_jobs(1)),
        ):
            with CaptureQueriesContext(connection) as captured:
                work()
            print(f"--- statements of one {phase} ({len(captured.captured_queries)})")
            for number, query in enumerate(captured.captured_queries, 1):
                print(f"{number:3d} {query['sql'][:200]}")

    count = args.count
    rows: dict[str, list[Cost]] = {"request": [], "job": [], "baseline": []}
    profiles = {}
    for _round in range(args.rounds):
        for phase, work in (
            ("request", lambda: submit_all(client, count)),
            ("job", lambda: run_jobs(count)),
            ("baseline", lambda: submit_all(client, count, "/bench/baseline/")),
        ):
            profile = (
                cProfile.Profile(time.process_time)
                if args.profile == phase and not profiles
                else None
            )
            rows[phase].append(measure(work, count, profile))
            if profile is not None:
                profiles[phase] = profile

    print(
        f"database: {connection.vendor}; cache/sessions: "
        f"{'Redis' if args.redis_url else 'local memory/database'}; "
        f"{args.rounds} rounds × {count}; medians per item"
    )
    print(f"  {'phase':<36} {'Python':>8} {'Postgres':>9} {'total':>8} {'SQL':>5} {'wall':>8}")
    median = {}
    for phase, label in (
        ("request", "submission: request (API, middleware)"),
        ("job", "submission: its e-mail (drain)"),
        ("baseline", "baseline: bare view, one INSERT"),
    ):
        costs = rows[phase]
        cost = Cost(
            python_ms=statistics.median(c.python_ms for c in costs),
            postgres_ms=statistics.median(c.postgres_ms for c in costs),
            statements=statistics.median(c.statements for c in costs),
            wall_ms=statistics.median(c.wall_ms for c in costs),
        )
        median[phase] = cost
        print(
            f"  {label:<36} {cost.python_ms:6.2f}ms {cost.postgres_ms:7.2f}ms "
            f"{cost.total_ms:6.2f}ms {cost.statements:5.1f} {cost.wall_ms:6.2f}ms"
        )
    submission = median["request"].total_ms + median["job"].total_ms
    print(f"  submission in all (request + job): {submission:.2f} ms CPU")
    print(
        f"  baseline ÷ submission CPU: {median['baseline'].total_ms / submission:.3f} "
        "(bounds the throughput ratio where the cores are the limit)"
    )
    for phase, profile in profiles.items():
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out)
        stats.sort_stats("cumulative").print_stats(args.profile_lines)
        stats.sort_stats("tottime").print_stats(args.profile_lines)
        print(f"--- cProfile (CPU time) of one round of {phase} ({count} items)")
        print(out.getvalue())


if __name__ == "__main__":
    main()
