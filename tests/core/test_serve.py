"""The production profile for real: `openkommune serve` with gunicorn (2 workers x 2 threads)
and two job workers on a PostgreSQL database of this test, on a free port.

It answers /healthz, /readyz and a page; counts in /metrics across worker processes; logs
JSON access lines with the request id and without query strings; restarts a job worker
killed with SIGKILL; answers the German 503 while PostgreSQL refuses connections and recovers
by itself when it accepts them again; and stops cleanly on SIGTERM.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlparse

import psycopg
import pytest
from psycopg import sql

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "serve-test-metrics-token"


def _server_url() -> str | None:
    """The PostgreSQL server of the suite's DATABASE_URL in the PostgreSQL pass, else None."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        parsed = urlparse(url)
        return f"{parsed.scheme}://{parsed.netloc}"
    return None


SERVER = _server_url()
SUITE_ON_POSTGRES = SERVER is not None


def _admin():
    return psycopg.connect(f"{SERVER}/postgres", autocommit=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _manage(env: dict, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "openkommune.cli", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="module")
def profile(tmp_path_factory):
    """A migrated PostgreSQL database, collected static files and the profile's variables."""
    if not SUITE_ON_POSTGRES:
        # The production profile runs on a PostgreSQL database of its own, whichever database
        # the suite uses: the same test in both passes of .ci/run would test the same twice
        # (and cost two migrations of a fresh database). `make test` alone (SQLite) skips it.
        pytest.skip(
            "starts the production profile on a PostgreSQL database of its own: "
            "runs once, in the PostgreSQL pass"
        )
    name = f"openkommune_serve_test_{uuid.uuid4().hex[:8]}"
    with _admin() as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    folder = tmp_path_factory.mktemp("serve")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENKOMMUNE_", "DATABASE"))}
    env |= {
        "DATABASE_URL": f"{SERVER}/{name}",
        "OPENKOMMUNE_SECRET_KEY": "serve-test-only-not-a-secret",
        "OPENKOMMUNE_SECURE_SSL_REDIRECT": "false",
        "OPENKOMMUNE_SECURE_COOKIES": "false",
        "OPENKOMMUNE_LOG_FORMAT": "json",
        "OPENKOMMUNE_METRICS_TOKEN": TOKEN,
        "OPENKOMMUNE_WEB_WORKERS": "2",
        "OPENKOMMUNE_WEB_THREADS": "2",
        "OPENKOMMUNE_JOB_WORKERS": "2",
        "OPENKOMMUNE_JOB_WORKER_HEARTBEAT_SECONDS": "1",
        "OPENKOMMUNE_STATIC_ROOT": str(folder / "static"),
        "OPENKOMMUNE_PRIVATE_MEDIA_ROOT": str(folder / "private"),
        "OPENKOMMUNE_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    _manage(env, "migrate", "--noinput", "--skip-checks")
    _manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    yield name, env, folder
    with _admin() as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


class Client:
    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"

    def get(self, path: str, headers: dict | None = None):
        request = urllib.request.Request(self.base + path, headers=headers or {})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def wait_for(self, path: str, status: int, seconds: float) -> tuple:
        deadline = time.monotonic() + seconds
        answer = None
        while time.monotonic() < deadline:
            try:
                answer = self.get(path)
            except OSError:
                answer = None
            if answer and answer[0] == status:
                return answer
            time.sleep(0.5)
        raise AssertionError(f"{path} did not answer {status} in {seconds} s: {answer}")


def _heartbeats(database: str) -> dict[str, int]:
    with psycopg.connect(f"{SERVER}/{database}") as connection:
        rows = connection.execute("SELECT worker_id, pid FROM core_workerheartbeat").fetchall()
    return dict(rows)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _refuse_connections(database: str, refuse: bool) -> None:
    with _admin() as admin:
        admin.execute(
            sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS {}").format(
                sql.Identifier(database), sql.SQL("false" if refuse else "true")
            )
        )
        if refuse:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                [database],
            )


def test_the_serve_profile_runs_supervises_and_stops(profile):
    database, env, folder = profile
    port = _free_port()
    log_path = folder / "serve.log"
    with log_path.open("wb") as log:
        supervisor = subprocess.Popen(
            [
                *(sys.executable, "-m", "openkommune.cli", "serve", "--stop-timeout", "30"),
                # One pool, no proxy (the split layout: test_serve_split.py).
                *("--layout", "single"),
            ],
            cwd=ROOT,
            env=env | {"OPENKOMMUNE_BIND": f"127.0.0.1:{port}"},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    client = Client(port)
    try:
        _check_serving(client, database, log_path)
        _check_job_worker_restart(client, database)
        _check_database_outage(client, database)
    finally:
        supervisor.send_signal(signal.SIGTERM)
        try:
            code = supervisor.wait(timeout=60)
        except subprocess.TimeoutExpired:
            supervisor.kill()
            raise
        _refuse_connections(database, refuse=False)
    output = log_path.read_text()
    assert code == 0, output[-3000:]
    assert "stopping gracefully" in output
    # The SIGKILL was the only exit: the job workers waited out the outage.
    assert output.count("exited with code") == 1, output[-3000:]
    # Every job worker removed its heartbeat when it stopped.
    assert _heartbeats(database) == {}


def _check_serving(client: Client, database: str, log_path: Path) -> None:
    status, _headers, body = client.wait_for("/healthz", 200, 90)
    assert json.loads(body) == {"status": "ok"}
    status, _headers, body = client.wait_for("/readyz", 200, 60)
    checks = json.loads(body)["checks"]
    assert checks["database"] == checks["job_worker"] == checks["private_storage"] == "ok"

    status, headers, body = client.get("/?token=geheim-42", {"X-Request-ID": "serve-test-0001"})
    assert status == 200
    assert headers["X-Request-ID"] == "serve-test-0001"
    assert b'<html lang="de"' in body
    for _ in range(5):
        assert client.get("/")[0] == 200

    assert client.get("/metrics")[0] == 401
    status, _headers, body = client.get("/metrics", {"Authorization": f"Bearer {TOKEN}"})
    assert status == 200
    home = [
        line
        for line in body.decode().splitlines()
        if line.startswith("openkommune_http_requests_total{")
        and 'route="home"' in line
        and 'status="2xx"' in line
    ]
    assert home, body.decode()[:2000]
    assert float(home[0].rsplit(" ", 1)[1]) == 6  # summed over both worker processes
    assert "openkommune_job_worker_heartbeat_age_seconds" in body.decode()

    time.sleep(0.5)  # the access line is written after the response
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    access = [line for line in lines if line.get("logger") == "gunicorn.access"]
    ours = [line for line in access if line.get("request_id") == "serve-test-0001"]
    assert len(ours) == 1
    assert (ours[0]["path"], ours[0]["status_code"], ours[0]["method"]) == ("/", 200, "GET")
    assert "geheim" not in log_path.read_text()
    assert len(_heartbeats(database)) == 2


def _check_job_worker_restart(client: Client, database: str) -> None:
    before = _heartbeats(database)
    victim_id, victim_pid = sorted(before.items())[0]
    os.kill(victim_pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        now = _heartbeats(database)
        fresh = set(now) - set(before)
        if fresh and all(_alive(now[worker_id]) for worker_id in fresh):
            break
        time.sleep(0.5)
    else:
        raise AssertionError(
            f"no new job worker after killing {victim_pid}: {_heartbeats(database)}"
        )
    # The dead worker's row stays until the schedule prunes it; the serve test removes it.
    with psycopg.connect(f"{SERVER}/{database}") as connection:
        connection.execute("DELETE FROM core_workerheartbeat WHERE worker_id = %s", [victim_id])


def _check_database_outage(client: Client, database: str) -> None:
    _refuse_connections(database, refuse=True)
    try:
        status, headers, body = client.get("/")
        assert status == 503
        assert headers["Retry-After"] == "30"
        assert "Dienst vorübergehend nicht verfügbar" in body.decode()
        assert b"Traceback" not in body
        status, _headers, body = client.get("/api/v1/services?q=hund")
        assert status == 503
        assert json.loads(body)["error"]["code"] == "service_unavailable"
        assert client.get("/readyz")[0] == 503
        assert client.get("/healthz")[0] == 200
    finally:
        _refuse_connections(database, refuse=False)
    # No restart, no manual step: the next requests are served again.
    assert [client.get("/")[0] for _ in range(6)] == [200] * 6
    client.wait_for("/readyz", 200, 90)
