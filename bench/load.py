"""Benchmark: the production profile under load, against a bare view in the same run.

    .venv/bin/python bench/load.py [--quick] [--database-url postgres://…/openkommune_bench_load]
                                   [--concurrency 1,4,16,64] [--duration 8] [--warmup 2]
                                   [--layout split|single] [--writer-nice 5]
                                   [--scenarios baseline,proxy,reads,clerks,readers-writers,submit]

Builds its own PostgreSQL database (dropped and created again): migrate, the official regions
and catalogue, the search index, the published forms, the demo, and benchmark data clearly
marked as such — the Hundesteuer (dog licence) switched on for 16 Gemeinden, creating
"(Benchmark)" member organisations where the demo has none — then `ANALYZE`, as autovacuum
would leave a production database. Starts the server as the production profile does
(`start_production_server`: `openkommune serve` — by default the split layout of ADR 0016,
nginx in front of a reader pool and a writer pool of lower CPU priority, or one gunicorn pool
with `--layout single`; debug off, the job workers as their own processes), plus
`OPENKOMMUNE_BENCH_BASELINE=true`, which routes the baseline: a bare Django view that stores
the request body with one INSERT (`openkommune.views.bench_baseline`).

A separate process (`bench/_loadgen.py`) then drives closed loops of C keep-alive connections
for a fixed time after a short warm-up and records every latency. Every scenario goes through
the same front (nginx in the split layout), so ratios stay within one run; `--scenarios`
picks some of them (the database is still built, unless `--reuse-database`):

- proxy (split layout only): the baseline through nginx and straight to the reader pool, at
  C=1 and C=16, side by side: the proxy's own cost;

- baseline: `POST /bench/baseline/` with the submission's JSON body;
- reads: start page `/`, search page and `GET /api/v1/services?q=hund+anmelden`, the
  responsible authority for a postcode (`GET /api/v1/services/10160/responsible?plz=39104`);
- clerks (logged in through the login page and the demo TOTP second factor first, sessions
  reused): inbox and case files;
- readers alone, and the same readers while 8 writers submit (spread over 16 authorities);
- submissions `POST /api/v1/applications` (Hundesteuer, unique `Idempotency-Key`s, every
  answer must be 201) to one authority (Magdeburg) and spread over 16 authorities;
- the job queue (depth and age of the oldest waiting job) before and after each run that
  submits, the jobs enqueued and finished in it, and the time to drain at the end; the
  e-mails of the outbox count as jobs here (the job workers drain them, ADR 0027: owed and
  not yet sent is waiting, sent is finished).

Prints a markdown table (path, concurrency, throughput, p50, p95, p99, errors, ratio to the
baseline at the same concurrency) and the ratios of the issue's "done when", and writes both
to var/bench/load-<UTC time>.json and .md. Every process it starts is stopped at the end,
also on errors and Ctrl+C. About 8 minutes; `--quick` about 3.
"""

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from _setup import ROOT, setup_django
from search_speed import create_postgres, drop_postgres
from submit import BODY

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/openkommune_bench_load"
HUNDESTEUER = "10160"
MAGDEBURG_ARS = "150030000000"
AUTHORITIES = 16
MIXED_READERS = 8
MIXED_WRITERS = 8
CLERK_SESSIONS = 2  # each login waits for a fresh TOTP step (up to 30 s)
SEED_CASES = 20
BENCH_LABEL = "(Benchmark)"
BASELINE_PATH = "/bench/baseline/"
SUBMIT_PATH = "/api/v1/applications"
READ_PATHS = {
    "start page /": "/",
    "search page": "/leistungen/suche/?q=hund+anmelden",
    "search API": "/api/v1/services?q=hund+anmelden",
    "responsible authority API": f"/api/v1/services/{HUNDESTEUER}/responsible?plz=39104",
}
OUT_DIR = ROOT / "var" / "bench"


# --- the production profile ---------------------------------------------------------------


def server_environment(database_url: str, work: Path) -> dict[str, str]:
    """What the production profile sets, with local HTTP and the benchmark's baseline."""
    return os.environ | {
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "openkommune.settings",
        "OPENKOMMUNE_SECRET_KEY": "bench-load-only-not-a-secret",
        "OPENKOMMUNE_DEBUG": "false",
        "OPENKOMMUNE_DEMO": "true",
        "OPENKOMMUNE_ALLOWED_HOSTS": "127.0.0.1,localhost",
        # Plain HTTP on the loopback; behind a TLS proxy these stay on.
        "OPENKOMMUNE_SECURE_SSL_REDIRECT": "false",
        "OPENKOMMUNE_SECURE_COOKIES": "false",
        "OPENKOMMUNE_STATIC_ROOT": str(OUT_DIR / "static"),
        "OPENKOMMUNE_PRIVATE_MEDIA_ROOT": str(work / "private"),
        "OPENKOMMUNE_TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        # Jobs build their e-mails completely; only the sending is left out (no mail server).
        "OPENKOMMUNE_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "OPENKOMMUNE_LOG_LEVEL": "WARNING",
        "OPENKOMMUNE_BENCH_BASELINE": "true",
    }


def start_production_server(
    *,
    env: dict[str, str],
    port: int,
    args,
    log: Path,
    direct_port: int | None = None,
) -> list[subprocess.Popen]:
    """Start the production profile (`openkommune serve`, ADR 0011 and 0015: nginx in front
    of the reader and the writer pool, or one pool with `--layout single`, and the job
    workers) in a session of its own, so stopping reaches every child, also on errors. The
    ONE place that knows how. `direct_port`: where the reader pool listens behind nginx."""
    venv_bin = Path(sys.executable).parent
    logfile = log.open("ab")
    commands = [
        [
            str(venv_bin / "openkommune"),
            "serve",
            f"--job-workers={args.job_workers}",
            f"--layout={args.layout}",
        ]
    ]
    env = env | {
        "OPENKOMMUNE_BIND": f"127.0.0.1:{port}",
        "OPENKOMMUNE_WEB_WORKERS": str(args.web_workers),
        "OPENKOMMUNE_WEB_THREADS": str(args.threads),
        "OPENKOMMUNE_WRITER_WORKERS": str(args.writer_workers),
        "OPENKOMMUNE_WRITER_THREADS": str(args.writer_threads),
        "OPENKOMMUNE_WRITER_NICE": str(args.writer_nice),
        "OPENKOMMUNE_JOB_WORKER_NICE": str(args.job_worker_nice),
        # Sessions and cache in Redis, as in production; a database number of its own.
        "OPENKOMMUNE_REDIS_URL": env.get("BENCH_LOAD_REDIS_URL", "redis://127.0.0.1:6379/11"),
    }
    if direct_port is not None:
        env["OPENKOMMUNE_READER_BIND"] = f"127.0.0.1:{direct_port}"
    return [
        subprocess.Popen(  # noqa: S603 - fixed commands from this venv
            command,
            env=env,
            cwd=ROOT,
            stdout=logfile,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for command in commands
    ]


def stop_processes(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_ready(port: int, processes: list[subprocess.Popen], timeout: float = 300) -> None:
    """Until a read and a write are answered: in the split layout the write reaches the
    writer pool, whose workers warm up at their lower priority (an empty body: 4xx)."""
    deadline = time.monotonic() + timeout
    checks = [("GET", "/", None), ("POST", SUBMIT_PATH, "{}")]
    while checks and time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                raise SystemExit(f"server process ended with {process.returncode}; see the log")
        method, path, body = checks[0]
        try:
            headers = {"Content-Type": "application/json"} if body else {}
            status, _headers, _body = http_request(port, method, path, body, headers)
            if (method == "GET" and status == 200) or (method == "POST" and status < 500):
                checks.pop(0)
                continue
        except OSError:
            pass
        time.sleep(0.5)
    if checks:
        raise SystemExit(f"server not ready in time: {checks[0][:2]}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_request(port, method, path, body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


# --- the database ------------------------------------------------------------------------


def prepare_database(database_url: str, work: Path, *, reuse: bool) -> None:
    """Fresh database (or, with `reuse`, the one left by `--keep-database`) with official
    data, demo and benchmark data; analysed; static files collected."""
    if not reuse:
        create_postgres(database_url)
    env = server_environment(database_url, work)
    for name in ("OPENKOMMUNE_STATIC_ROOT", "OPENKOMMUNE_PRIVATE_MEDIA_ROOT", "OPENKOMMUNE_DEMO"):
        os.environ[name] = env[name]
    commands = ("import_regions", "import_catalog", "rebuild_search_index", "load_forms")
    setup_django(database_url, *(() if reuse else (*commands, "load_demo")))
    from django.core.management import call_command
    from django.db import connection

    call_command("collectstatic", "--noinput", verbosity=0)
    authorities = create_benchmark_authorities()
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_baseline "
            "(reference varchar(36) PRIMARY KEY, body text)"
        )
        cursor.execute("ANALYZE")  # what autovacuum would have done on a production database
    (work / "authorities.json").write_text(json.dumps(authorities), encoding="utf-8")


def create_benchmark_authorities() -> list[dict]:
    """16 Gemeinden of Saxony-Anhalt with a member responsible for the Hundesteuer and the
    Leistung switched on: Magdeburg (demo) first, then Gemeinden in key order, each with its
    demo member where there is one, else with a new member named "… (Benchmark)" (marked as
    demo), in this database only. Idempotent."""
    from openkommune.catalog.models import OzgLeistung
    from openkommune.catalog.selectors import responsible_authority
    from openkommune.catalog.services import service_activation_set
    from openkommune.regions.constants import ORGANISATION_KIND_BY_REGION, RegionLevel
    from openkommune.regions.selectors import official_name, regions_with_ancestors
    from openkommune.tenancy.services import organisation_create

    leistung = OzgLeistung.objects.get(ozg_id=HUNDESTEUER, is_current=True)
    gemeinden = (
        regions_with_ancestors()
        .filter(land_code="15", level=RegionLevel.GEMEINDE, is_current=True)
        .exclude(postcode_of_seat="")
        .order_by("ars")
    )
    chosen: dict[int, dict] = {}
    candidates = sorted(gemeinden, key=lambda g: (g.ars != MAGDEBURG_ARS, g.ars))
    for gemeinde in candidates:
        if len(chosen) == AUTHORITIES:
            break
        found = responsible_authority(ozg_leistung=leistung, gemeinde=gemeinde)
        organisation = found.organisation
        if organisation is None:
            if found.region is None or found.region.ars != gemeinde.ars or found.administered_by:
                continue
            kind = ORGANISATION_KIND_BY_REGION.get((gemeinde.level, gemeinde.kind))
            if kind is None:
                continue
            full, short = official_name(gemeinde)
            organisation = organisation_create(
                actor=None,
                region_ars=gemeinde.ars,
                kind=kind,
                is_demo=True,
                name=f"{full} {BENCH_LABEL}",
                short_name=f"{short} {BENCH_LABEL}",
                postcode=gemeinde.postcode_of_seat,
                city=gemeinde.seat or short,
                email=f"bench-{gemeinde.ars}@example.org",
            )
        if organisation.pk in chosen:
            continue
        service_activation_set(
            tenant=organisation,
            actor=None,
            ozg_leistung=leistung,
            is_active=True,
            contact_name=f"Steueramt {BENCH_LABEL}",
            contact_email=f"bench-{HUNDESTEUER}@example.org",
            processing_time="Benchmark",
            citizen_notes="Benchmark-Daten: Anträge werden nicht bearbeitet.",
        )
        chosen[organisation.pk] = {
            "organisation": organisation.name,
            "gemeinde_ars": gemeinde.ars,
            "postcode": gemeinde.postcode_of_seat,
            "city": gemeinde.seat or official_name(gemeinde)[1],
        }
    if len(chosen) < AUTHORITIES or next(iter(chosen.values()))["gemeinde_ars"] != MAGDEBURG_ARS:
        raise SystemExit(f"only {len(chosen)} authorities for the Hundesteuer found")
    return list(chosen.values())


def _jobs_table() -> str:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult._meta.db_table


def queue_state() -> dict:
    """Jobs waiting or running, and e-mails of the outbox not yet sent (ADR 0027)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), EXTRACT(EPOCH FROM now() - min(since)) FROM ("  # noqa: S608
            f"SELECT enqueued_at AS since FROM {_jobs_table()} "
            "WHERE status IN ('READY', 'RUNNING') UNION ALL "
            "SELECT created_at FROM core_outboxmail WHERE status IN ('pending', 'sending')"
            ") AS waiting"
        )
        depth, age = cursor.fetchone()
    return {"depth": depth, "oldest_age_s": round(float(age or 0), 1)}


def jobs_between(start: dt.datetime, end: dt.datetime) -> dict:
    """Jobs queued and finished in the window, e-mails owed and sent counted with them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FILTER (WHERE enqueued_at BETWEEN %s AND %s), "  # noqa: S608
            f"count(*) FILTER (WHERE finished_at BETWEEN %s AND %s) FROM {_jobs_table()}",
            [start, end, start, end],
        )
        enqueued, finished = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FILTER (WHERE created_at BETWEEN %s AND %s), "
            "count(*) FILTER (WHERE sent_at BETWEEN %s AND %s) FROM core_outboxmail",
            [start, end, start, end],
        )
        owed, sent = cursor.fetchone()
    return {"enqueued": enqueued + owed, "finished": finished + sent}


def wait_for_drain(timeout: float) -> dict:
    started = time.monotonic()
    before = queue_state()
    while True:
        state = queue_state()
        waited = time.monotonic() - started
        if state["depth"] == 0 or waited >= timeout:
            rate = (before["depth"] - state["depth"]) / waited if waited > 0.5 else None
            return {
                "before": before,
                "after": state,
                "waited_s": round(waited, 1),
                "drained": state["depth"] == 0,
                "jobs_per_s": round(rate, 1) if rate is not None else None,
                # Not drained within the wait: how long the rest would take at this rate.
                "rest_estimated_s": round(state["depth"] / rate)
                if state["depth"] and rate
                else None,
            }
        time.sleep(0.5)


def case_ids(limit: int) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.public_id FROM cases_case c JOIN tenancy_organisation o "
            "ON o.id = c.tenant_id WHERE o.region_ars = %s ORDER BY c.id LIMIT %s",
            [MAGDEBURG_ARS, limit],
        )
        return [str(row[0]) for row in cursor.fetchall()]


# --- requests --------------------------------------------------------------------------------


def submission_body(authority: dict, version: int) -> str:
    body = json.loads(json.dumps(BODY))
    body["version"] = version
    body["postcode"] = authority["postcode"]
    body["gemeinde_ars"] = authority["gemeinde_ars"]
    address = body["data"]["halter"]["anschrift"]
    address["postcode"], address["city"] = authority["postcode"], authority["city"]
    return json.dumps(body)


def form_version() -> int:
    from openkommune.forms.selectors import form_current_version

    return form_current_version(key="hundesteuer").number


def login(port: int, email: str, password: str) -> str:
    """Log in through the login page like a browser; returns the Cookie header value."""
    status, headers, body = http_request(port, "GET", "/konto/anmelden/")
    cookies = _cookies(headers)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    form = urlencode({"csrfmiddlewaretoken": token, "username": email, "password": password})
    status, headers, body = http_request(
        port,
        "POST",
        "/konto/anmelden/",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        },
    )
    cookies |= _cookies(headers)
    if status != 302 or "sessionid" not in cookies:
        raise SystemExit(f"login of {email} failed: {status} {body[:300]!r}")
    # Staff give a second factor before any page (ADR 0020): the demo accounts' TOTP secret.
    cookies |= _second_factor(port, cookies)
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def _second_factor(port: int, cookies: dict[str, str]) -> dict[str, str]:
    """Answer the TOTP challenge with the demo secret's current code. A code counts once
    (django-otp refuses a time step it has seen), so each login waits for a fresh step."""
    from openkommune.twofactor.services import demo_totp_code_now

    global _last_totp_step
    path = "/konto/zwei-faktor/"
    header = "; ".join(f"{k}={v}" for k, v in cookies.items())
    status, headers, body = http_request(port, "GET", path, headers={"Cookie": header})
    if status != 200:
        raise SystemExit(f"no second-factor challenge: {status} {body[:300]!r}")
    while int(time.time() // 30) == _last_totp_step:
        time.sleep(0.5)
    _last_totp_step = int(time.time() // 30)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    form = urlencode({"csrfmiddlewaretoken": token, "code": demo_totp_code_now()})
    status, headers, body = http_request(
        port,
        "POST",
        path,
        body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": header},
    )
    if status != 302:
        raise SystemExit(f"second factor refused: {status} {body[:300]!r}")
    return _cookies(headers)


_last_totp_step = 0


def _cookies(headers) -> dict[str, str]:
    found = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            found[key.strip()] = rest.split(";")[0]
    return found


def group(name, concurrency, requests, expect=(200,), cookies=None) -> dict:
    return {
        "name": name,
        "concurrency": concurrency,
        "requests": requests,
        "expect": list(expect),
        "cookies": cookies or [],
    }


def get(path: str, accept: str = "text/html") -> dict:
    return {"method": "GET", "path": path, "accept": accept}


def post(path: str, body: str, idempotency: bool = False) -> dict:
    return {"method": "POST", "path": path, "body": body, "idempotency": idempotency}


# --- measuring -------------------------------------------------------------------------------


class Machine:
    """CPU use of the whole machine (all processes, also other people's) from /proc/stat."""

    def __init__(self):
        self.start = self._read()

    @staticmethod
    def _read():
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        idle = fields[3] + fields[4]
        return sum(fields), idle

    def busy_share(self) -> float:
        total, idle = self._read()
        total0, idle0 = self.start
        return 1 - (idle - idle0) / max(1, total - total0)


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


class Runner:
    def __init__(self, port: int, args, work: Path):
        self.port, self.args, self.work = port, args, work
        self.rows: list[dict] = []
        self.jobs: list[dict] = []
        self.generator_shares: list[float] = []

    def run(self, label: str, groups: list[dict], *, jobs: bool = False) -> dict:
        spec = {
            "host": "127.0.0.1",
            "port": self.port,
            "warmup": self.args.warmup,
            "duration": self.args.duration,
            "timeout": 60,
            "groups": groups,
        }
        spec_path = self.work / "spec.json"
        result_path = self.work / "result.json"
        spec_path.write_text(json.dumps(spec), encoding="utf-8")
        before = queue_state() if jobs else None
        started = dt.datetime.now(dt.UTC)
        machine = Machine()
        subprocess.run(  # noqa: S603 - our own generator script
            [sys.executable, str(ROOT / "bench" / "_loadgen.py"), str(spec_path), str(result_path)],
            check=True,
        )
        busy = machine.busy_share()
        ended = dt.datetime.now(dt.UTC)
        result = json.loads(result_path.read_text(encoding="utf-8"))
        generator_share = result["generator_cpu_seconds"] / result["duration"]
        self.generator_shares.append(generator_share)
        out = {}
        for name, data in result["groups"].items():
            latencies = data["latencies_ms"]
            row = {
                "run": label,
                "path": name,
                "concurrency": data["concurrency"],
                "requests": len(latencies),
                "throughput": len(latencies) / result["duration"],
                "p50": percentile(latencies, 50),
                "p95": percentile(latencies, 95),
                "p99": percentile(latencies, 99),
                "errors": data["errors"],
                "statuses": data["statuses"],
                "error_samples": data["error_samples"],
                "generator_cpu_share": round(generator_share, 3),
                "machine_busy_share": round(busy, 3),
            }
            self.rows.append(row)
            out[name] = row
            print(
                f"  {label:<28} {name:<34} C={row['concurrency']:<3} "
                f"{row['throughput']:8.1f}/s  p50 {_ms(row['p50'])}  p95 {_ms(row['p95'])}  "
                f"p99 {_ms(row['p99'])}  errors {row['errors']}  "
                f"(generator {generator_share:.0%} of a core, machine {busy:.0%} busy)",
                flush=True,
            )
            for sample in data["error_samples"][:2]:
                print(f"      error: {sample[:200]}", flush=True)
        if jobs:
            after = queue_state()
            window = jobs_between(started, ended)
            self.jobs.append({"run": label, "before": before, "after": after, **window})
            print(
                f"  {'':<28} jobs: queue {before['depth']} → {after['depth']} "
                f"(oldest {after['oldest_age_s']} s), enqueued {window['enqueued']}, "
                f"finished {window['finished']} in the run",
                flush=True,
            )
        return out


def _ms(value) -> str:
    return f"{value:7.1f} ms" if value is not None else "      – "


def generator_check(args, work: Path) -> dict:
    """What the generator drives against a server that does no work (a constant 201)."""
    port = free_port()
    responder = subprocess.Popen(  # noqa: S603 - our own script
        [sys.executable, str(ROOT / "bench" / "_loadgen.py"), "--constant-server", str(port)],
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        check_args = argparse.Namespace(**{**vars(args), "warmup": 1.0, "duration": 3.0})
        runner = Runner(port, check_args, work)
        body = post(BASELINE_PATH, json.dumps(BODY))
        row = runner.run(
            "generator check", [group("constant 201, no server work", 16, [body], (201,))]
        )
        return next(iter(row.values()))
    finally:
        stop_processes([responder])


SCENARIOS = ("baseline", "proxy", "reads", "clerks", "readers-writers", "submit")


def measure(port: int, args, work: Path, authorities: list[dict], *, direct_port=None) -> dict:
    """The chosen scenarios (`--scenarios`, all by default), all through the same front.
    `direct_port`: the reader pool behind the proxy, for the proxy's own overhead."""
    scenarios = args.scenarios
    summary: dict = {"drains": {}}
    print("Checking the load generator …", flush=True)
    summary["generator_check"] = generator_check(args, work)
    runner = Runner(port, args, work)
    version = form_version()
    bodies = [submission_body(a, version) for a in authorities]
    one = [post(SUBMIT_PATH, bodies[0], idempotency=True)]
    spread = [post(SUBMIT_PATH, body, idempotency=True) for body in bodies]
    baseline = [post(BASELINE_PATH, bodies[0])]
    reads = {name: get(path, "application/json" if "API" in name else "text/html")
             for name, path in READ_PATHS.items()}  # fmt: skip
    levels = args.concurrency
    at16 = 16 if 16 in levels else max(levels)
    created = (201,)

    if "clerks" in scenarios:
        print("Seeding cases for the clerks …", flush=True)
        seed_args = argparse.Namespace(**{**vars(args), "warmup": 0.0, "duration": 3.0})
        seeder = Runner(port, seed_args, work)
        while len(case_ids(SEED_CASES)) < SEED_CASES:
            seeder.run("seed", [group("seed", 4, one, created)])
        # The baseline and the reads should not share the machine with the seeds' jobs.
        summary["drains"]["after seeding"] = wait_for_drain(args.final_drain_timeout)

    print("Measuring …", flush=True)
    if "baseline" in scenarios:
        for c in levels:
            runner.run(
                "baseline", [group("baseline (bare view, one INSERT)", c, baseline, created)]
            )
    if "proxy" in scenarios and direct_port is not None:
        # The same bare view through nginx and straight to the reader pool, side by side.
        direct = Runner(direct_port, args, work)
        for c in sorted({1, at16}):
            runner.run(
                "proxy: through nginx",
                [group("baseline (bare view, one INSERT)", c, baseline, created)],
            )
            direct.run(
                "proxy: direct to the reader pool",
                [group("baseline (bare view, one INSERT)", c, baseline, created)],
            )
        runner.rows += direct.rows
        runner.generator_shares += direct.generator_shares
    if "reads" in scenarios:
        for name, request in reads.items():
            # The search API at every read level, the other reads at the level of the ratios.
            for c in args.read_concurrency if name == "search API" else [at16]:
                runner.run("reads", [group(name, c, [request])])
    if "clerks" in scenarios:
        cookies = [
            login(port, "sachbearbeitung.magdeburg@demo.example.org", "demo-openkommune")
            for _ in range(CLERK_SESSIONS)
        ]
        clerk_requests = [get("/behoerde/eingang/")] + [
            get(f"/behoerde/vorgang/{public_id}/") for public_id in case_ids(SEED_CASES)
        ]
        for c in args.clerk_concurrency:
            name = "clerks: inbox and case files"
            runner.run("clerks", [group(name, c, clerk_requests, cookies=cookies)])
    if "readers-writers" in scenarios:
        readers = list(reads.values())
        runner.run("readers alone", [group("readers (4 read paths)", MIXED_READERS, readers)])
        runner.run(
            "readers + 8 writers",
            [
                group("readers (4 read paths)", MIXED_READERS, readers),
                group("writers (spread over 16)", MIXED_WRITERS, spread, created),
            ],
            jobs=True,
        )
        summary["drains"]["after the mixed run"] = wait_for_drain(args.drain_timeout)
    if "submit" in scenarios:
        # One authority and 16 authorities side by side at the same concurrency. Each run
        # starts with an empty job queue (the previous run's e-mails drained first, recorded),
        # and the two alternate which goes first from level to level, so that neither meets
        # the other's backlog or always the warmer server.
        spread_levels = {at16, max(levels)}
        one_run = ("submit, one authority", "POST applications, one authority", one)
        spread_run = ("submit, 16 authorities", "POST applications, 16 authorities", spread)
        for index, c in enumerate(levels):
            runs = [one_run, spread_run] if c in spread_levels else [one_run]
            if index % 2:
                runs.reverse()
            for label, name, requests in runs:
                summary["drains"][f"before {label}, C={c}"] = wait_for_drain(
                    args.final_drain_timeout
                )
                runner.run(label, [group(name, c, requests, created)], jobs=True)
        summary["drains"]["after the submissions"] = wait_for_drain(args.final_drain_timeout)
    summary["rows"] = runner.rows
    summary["jobs"] = runner.jobs
    summary["generator_cpu_share_max"] = max(runner.generator_shares, default=0.0)
    summary["ratios"] = ratios(runner.rows, runner.jobs, at16)
    return summary


def _row(rows, run, concurrency, path=None):
    matches = (r for r in rows if r["run"] == run and r["concurrency"] == concurrency)
    return next((r for r in matches if path is None or path in r["path"]), None)


def _divide(a, b):
    return round(a / b, 3) if a is not None and b else None


def ratios(rows: list[dict], jobs: list[dict], at16: int) -> dict:
    """The figures of the issue's "done when", all from this run."""

    def throughput(run, c, path=None):
        row = _row(rows, run, c, path)
        return row["throughput"] if row else None

    out = {}
    for row in rows:
        if row["run"] == "submit, one authority":
            c = row["concurrency"]
            out[f"submissions (one authority) ÷ baseline at C={c}"] = _divide(
                row["throughput"], throughput("baseline", c)
            )
    one16 = _row(rows, "submit, one authority", at16)
    spread16 = _row(rows, "submit, 16 authorities", at16)
    out[f"submissions p95 at C={at16} (ms)"] = round(one16["p95"]) if one16 else None
    out[f"submissions p95 at C={at16}, 16 authorities (ms)"] = (
        round(spread16["p95"]) if spread16 else None
    )
    out[f"one authority ÷ 16 authorities at C={at16}"] = _divide(
        throughput("submit, one authority", at16), throughput("submit, 16 authorities", at16)
    )
    out[f"search API ÷ baseline at C={at16}"] = _divide(
        throughput("reads", at16, "search API"), throughput("baseline", at16)
    )
    alone = _row(rows, "readers alone", MIXED_READERS)
    mixed = _row(rows, "readers + 8 writers", MIXED_READERS, "readers")
    writers = _row(rows, "readers + 8 writers", MIXED_WRITERS, "writers")
    out["readers' p95 with 8 writers ÷ without"] = _divide(
        mixed["p95"] if mixed else None, alone["p95"] if alone else None
    )
    out["writers' throughput beside the readers (/s)"] = (
        round(writers["throughput"], 1) if writers else None
    )
    for c in (1, at16):
        proxied = _row(rows, "proxy: through nginx", c)
        direct = _row(rows, "proxy: direct to the reader pool", c)
        if proxied and direct:
            out[f"bare view through nginx ÷ direct at C={c} (throughput)"] = _divide(
                proxied["throughput"], direct["throughput"]
            )
            out[f"bare view p50 through nginx − direct at C={c} (ms)"] = round(
                proxied["p50"] - direct["p50"], 2
            )
    submitting = [j for j in jobs if j["run"].startswith("submit")]
    out["jobs finished ÷ enqueued during the submission runs"] = _divide(
        sum(j["finished"] for j in submitting), sum(j["enqueued"] for j in submitting)
    )
    if submitting:
        # Every submission run starts with an empty queue (drained before it): what is left
        # at its end, and how long the oldest of it had waited, show whether jobs keep pace.
        out["job queue at the end of a submission run, at most"] = max(
            j["after"]["depth"] for j in submitting
        )
        out["oldest waiting job at the end of a submission run (s), at most"] = max(
            j["after"]["oldest_age_s"] for j in submitting
        )
    # Scenarios left out (`--scenarios`) leave their figures out.
    return {name: value for name, value in out.items() if value is not None}


# --- output ------------------------------------------------------------------------------


def markdown(summary: dict, meta: dict) -> str:
    baseline = {
        r["concurrency"]: r["throughput"] for r in summary["rows"] if r["run"] == "baseline"
    }
    lines = [
        f"Load benchmark (bench/load.py), {meta['started']} UTC, {meta['machine']}, "
        f"layout {meta['layout']}: {meta['front']}, "
        f"{meta['job_workers']} job worker(s) (nice +{meta['job_worker_nice']}), "
        f"scenarios {', '.join(meta['scenarios'])}, load average before "
        f"{meta['load_before']}, "
        f"{meta['warmup']} s warm-up + {meta['duration']} s per run.",
        "",
        "| run | path | concurrency | throughput | p50 | p95 | p99 | errors | ÷ baseline |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in summary["rows"]:
        base = baseline.get(r["concurrency"])
        ratio = f"{r['throughput'] / base:.3f}" if base and r["run"] != "baseline" else "–"
        lines.append(
            f"| {r['run']} | {r['path']} | {r['concurrency']} | {r['throughput']:.1f} /s | "
            f"{_fmt(r['p50'])} | {_fmt(r['p95'])} | {_fmt(r['p99'])} | {r['errors']} | {ratio} |"
        )
    lines += [
        "",
        "| job queue | before (depth, oldest) | after | enqueued in run | finished in run |",
        "|---|---|---|---|---|",
    ]
    for j in summary["jobs"]:
        lines.append(
            f"| {j['run']} | {j['before']['depth']}, {j['before']['oldest_age_s']} s | "
            f"{j['after']['depth']}, {j['after']['oldest_age_s']} s | "
            f"{j['enqueued']} | {j['finished']} |"
        )
    lines += [
        "",
        "| drain | queue before | after | waited | jobs/s | rest at that rate |",
        "|---|---|---|---|---|---|",
    ]
    for name, d in summary["drains"].items():
        lines.append(
            f"| {name} | {d['before']['depth']} | {d['after']['depth']} | {d['waited_s']} s | "
            f"{d['jobs_per_s'] if d['jobs_per_s'] is not None else '–'} | "
            f"{str(d['rest_estimated_s']) + ' s' if d['rest_estimated_s'] else '–'} |"
        )
    lines += ["", "| done-when ratio (this run) | value |", "|---|---|"]
    for name, value in summary["ratios"].items():
        lines.append(f"| {name} | {value} |")
    check = summary["generator_check"]
    lines += [
        "",
        f"Load generator (a separate process on the same machine): at most "
        f"{summary['generator_cpu_share_max']:.0%} of one core in these runs; against a "
        f"server doing no work it drove {check['throughput']:.0f} requests/s at C=16 "
        f"({check['generator_cpu_share']:.0%} of one core). Machine busy (all processes, "
        f"also other work on it) during the runs: {meta['machine_busy']}.",
    ]
    return "\n".join(lines) + "\n"


def _fmt(value) -> str:
    return f"{value:.1f} ms" if value is not None else "–"


# --- main --------------------------------------------------------------------------------


def _scenarios(text: str) -> list[str]:
    chosen = [x.strip() for x in text.split(",") if x.strip()]
    unknown = sorted(set(chosen) - set(SCENARIOS))
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown scenarios {unknown}; known: {SCENARIOS}")
    return chosen


def _levels(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--quick", action="store_true", help="short runs, concurrency 16 only")
    parser.add_argument("--concurrency", type=_levels, help="baseline and submissions (1,4,16,64)")
    parser.add_argument(
        "--read-concurrency", type=_levels, help="search API (1,16,64); other reads at 16"
    )
    parser.add_argument("--clerk-concurrency", type=_levels, help="clerks (4,16)")
    parser.add_argument("--warmup", type=float, help="seconds before measuring (2)")
    parser.add_argument("--duration", type=float, help="measured seconds per run (8)")
    parser.add_argument(
        "--drain-timeout", type=float, help="longest wait for jobs between runs (30)"
    )
    parser.add_argument("--final-drain-timeout", type=float, help="longest wait at the end (60)")
    parser.add_argument("--web-workers", type=int, default=4, help="the reader pool's")
    parser.add_argument("--threads", type=int, default=1, help="per reader pool worker")
    parser.add_argument("--job-workers", type=int, default=1)
    parser.add_argument(
        "--layout",
        choices=("split", "single"),
        default="split",
        help="split: nginx, reader and writer pool (ADR 0016); single: one gunicorn pool",
    )
    parser.add_argument("--writer-workers", type=int, default=4)
    parser.add_argument("--writer-threads", type=int, default=1)
    parser.add_argument("--writer-nice", type=int, default=5)
    parser.add_argument("--job-worker-nice", type=int, default=0)
    parser.add_argument(
        "--scenarios",
        type=_scenarios,
        default=list(SCENARIOS),
        help=f"comma-separated, of {','.join(SCENARIOS)} (all)",
    )
    parser.add_argument("--keep-database", action="store_true", help="do not drop it at the end")
    parser.add_argument(
        "--reuse-database",
        action="store_true",
        help="start from a kept database (development); it is kept again",
    )
    args = parser.parse_args()
    quick = args.quick
    defaults = {
        "concurrency": [16] if quick else [1, 4, 16, 64],
        "read_concurrency": [16] if quick else [1, 16, 64],
        "clerk_concurrency": [16] if quick else [4, 16],
        "warmup": 1.0 if quick else 2.0,
        "duration": 4.0 if quick else 8.0,
        "drain_timeout": 15.0 if quick else 30.0,
        "final_drain_timeout": 30.0 if quick else 60.0,
    }
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)

    OUT_DIR.mkdir(parents=True, exist_ok=True)
    load_before = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    started = dt.datetime.now(dt.UTC)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    processes: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        work = Path(tmp)
        log = OUT_DIR / f"load-{stamp}-server.log"
        try:
            print(
                "Preparing the database (official data, demo, benchmark data, ANALYZE) …",
                flush=True,
            )
            t0 = time.monotonic()
            prepare_database(args.database_url, work, reuse=args.reuse_database)
            authorities = json.loads((work / "authorities.json").read_text(encoding="utf-8"))
            print(
                f"  ready in {time.monotonic() - t0:.0f} s; {len(authorities)} authorities",
                flush=True,
            )
            port = free_port()
            direct_port = free_port() if args.layout == "split" else None
            processes = start_production_server(
                env=server_environment(args.database_url, work),
                port=port,
                args=args,
                log=log,
                direct_port=direct_port,
            )
            wait_ready(port, processes)
            summary = measure(port, args, work, authorities, direct_port=direct_port)
        finally:
            stop_processes(processes)
            # A reused database is kept as well: a failed run must not drop what the next
            # `--reuse-database` run needs (its preparation takes minutes).
            if not (args.keep_database or args.reuse_database):
                drop_postgres(args.database_url)
    meta = {
        "started": started.strftime("%Y-%m-%d %H:%M"),
        "machine": f"{os.cpu_count()} cores, Python {platform.python_version()}",
        "web_workers": args.web_workers,
        "threads": args.threads,
        "job_workers": args.job_workers,
        "layout": args.layout,
        "front": (
            f"nginx → reader pool {args.web_workers} × {args.threads}, writer pool "
            f"{args.writer_workers} × {args.writer_threads} (nice +{args.writer_nice})"
            if args.layout == "split"
            else f"one gunicorn pool {args.web_workers} × {args.threads}"
        ),
        "job_worker_nice": args.job_worker_nice,
        "scenarios": args.scenarios,
        "load_before": load_before,
        "warmup": args.warmup,
        "duration": args.duration,
        "quick": quick,
        "authorities": authorities,
    }
    busy = [row["machine_busy_share"] for row in summary["rows"]]
    meta["machine_busy"] = f"{min(busy):.0%}–{max(busy):.0%}"
    text = markdown(summary, meta)
    print()
    print(text)
    (OUT_DIR / f"load-{stamp}.md").write_text(text, encoding="utf-8")
    (OUT_DIR / f"load-{stamp}.json").write_text(
        json.dumps({"meta": meta, **summary}, indent=1, default=str), encoding="utf-8"
    )
    print(f"Written: var/bench/load-{stamp}.md and .json (server log: {log.name})")


def _interrupt(_signum, _frame):
    raise KeyboardInterrupt  # a plain `kill` stops the server processes too (finally)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
