"""The `split` layout of `openkommune serve` for real (ADR 0016): nginx from Debian in front of
a reader pool and a writer pool of lower CPU priority, on a PostgreSQL database of this test.

Proves by the pool name in each JSON access line that citizens' writes land in the writer
pool and everything else in the reader pool; that /healthz, /readyz and request ids pass
the proxy; that the priorities are applied to the writer pool's and the job workers'
processes; that a killed writer pool gives the German 503 and is started again by itself;
and that SIGTERM stops every process. The rendered nginx configuration is checked by nginx
itself (`nginx -t`).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

from openkommune.core import proxy
from tests.core.test_serve import ROOT, Client, _free_port, profile  # noqa: F401 - fixture
from tests.support.processes import children

try:
    NGINX = proxy.nginx_binary()
except proxy.ProxyUnavailable:  # pragma: no cover - `make nginx` (in .ci/run) installs it
    NGINX = None

pytestmark = pytest.mark.skipif(
    NGINX is None and os.environ.get("CI") != "true",
    reason="nginx missing: `make nginx` (the CI installs it and runs this test)",
)

# Small steps: on a machine busy with other work a far lower priority would make the writer
# pool's first requests very slow (which is the point of it, but not of this test).
WRITER_NICE = 3
JOB_WORKER_NICE = 2


def _nice(pid: int) -> int:
    # /proc/PID/stat: field 19 is the nice value (after the command name in parentheses).
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def _pool_of(pid: int) -> str | None:
    try:
        environment = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return None
    for item in environment:
        if item.startswith(b"OPENKOMMUNE_POOL="):
            return item.split(b"=", 1)[1].decode()
    return None


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _tree(pid: int) -> set[int]:
    found = set()
    for child in children(pid):
        found |= {child, *_tree(child)}
    return found


def _access_lines(log_path: Path, request_id: str) -> list[dict]:
    lines = []
    for line in log_path.read_text().splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            if record.get("logger") == "gunicorn.access" and record.get("request_id") == request_id:
                lines.append(record)
    return lines


def _pool_that_answered(log_path: Path, request_id: str) -> str:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        lines = _access_lines(log_path, request_id)
        if lines:
            assert len(lines) == 1, lines
            return lines[0]["pool"]
        time.sleep(0.2)
    raise AssertionError(f"no access line for {request_id}")


def _send(client: Client, method: str, path: str, **headers) -> tuple[int, dict, bytes, str]:
    request_id = f"split-{uuid.uuid4().hex[:12]}"
    data = b"{}" if method != "GET" else None
    request = urllib.request.Request(  # noqa: S310 - our own server
        client.base + path,
        data=data,
        method=method,
        headers={"X-Request-ID": request_id, "Content-Type": "application/json", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read(), request_id
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read(), request_id


def test_the_rendered_configuration_is_valid_nginx(tmp_path):
    if NGINX is None:
        pytest.fail("nginx is not installed (make nginx)")
    config = proxy.render_config(
        tmp_path / "run",
        listen=["127.0.0.1:1", "[::1]:1"],
        reader="127.0.0.1:2",
        writer="127.0.0.1:3",
        trusted=["10.0.0.0/8", "192.0.2.7"],
    )
    text = config.read_text()
    assert "set_real_ip_from 10.0.0.0/8;" in text
    assert "set_real_ip_from 192.0.2.7/32;" in text
    assert "@@" not in text
    result = subprocess.run(
        [*proxy.command(NGINX, config)[:-2], "-t", "-c", str(config)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    # Without trusted balancers nothing is believed from a client's forwarded headers.
    plain = proxy.render_config(
        tmp_path / "plain", listen=["127.0.0.1:1"], reader="127.0.0.1:2", writer="127.0.0.1:3"
    ).read_text()
    assert "set_real_ip_from" not in plain
    with pytest.raises(ValueError, match="no address"):
        proxy.trusted_networks(["10.0.0.0/8", "lb.example.org"])


def test_split_layout_routes_prioritises_restarts_and_stops(profile):  # noqa: F811
    if NGINX is None:
        pytest.fail("nginx is not installed (make nginx)")
    database, env, folder = profile
    port, reader_port, writer_port = _free_port(), _free_port(), _free_port()
    log_path = folder / "serve-split.log"
    with log_path.open("wb") as log:
        supervisor = subprocess.Popen(
            [sys.executable, "-m", "openkommune.cli", "serve", "--layout", "split"],
            cwd=ROOT,
            env=env
            | {
                "OPENKOMMUNE_BIND": f"127.0.0.1:{port}",
                "OPENKOMMUNE_READER_BIND": f"127.0.0.1:{reader_port}",
                "OPENKOMMUNE_WRITER_BIND": f"127.0.0.1:{writer_port}",
                "OPENKOMMUNE_WEB_WORKERS": "2",
                "OPENKOMMUNE_WRITER_WORKERS": "1",
                "OPENKOMMUNE_WRITER_NICE": str(WRITER_NICE),
                "OPENKOMMUNE_JOB_WORKERS": "1",
                "OPENKOMMUNE_JOB_WORKER_NICE": str(JOB_WORKER_NICE),
                "OPENKOMMUNE_WARMUP": "false",
            },
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    client = Client(port)
    processes: set[int] = set()
    try:
        client.wait_for("/healthz", 200, 90)
        _status, _headers, body = client.wait_for("/readyz", 200, 60)
        assert json.loads(body)["checks"]["database"] == "ok"
        _check_routing(client, log_path)
        _check_forwarded_for(client, database, env)
        processes = _check_priorities(supervisor.pid)
        _check_writer_pool_restart(client, supervisor.pid, log_path)
        processes |= _tree(supervisor.pid)
    finally:
        supervisor.send_signal(signal.SIGTERM)
        try:
            code = supervisor.wait(timeout=60)
        except subprocess.TimeoutExpired:
            supervisor.kill()
            raise
    output = log_path.read_text()
    assert code == 0, output[-3000:]
    assert "stopping gracefully" in output
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(pid) for pid in processes):
        time.sleep(0.2)
    assert not [pid for pid in processes if _alive(pid)], output[-3000:]
    for closed in (port, reader_port, writer_port):
        with pytest.raises(urllib.error.URLError, match="Connection refused"):
            Client(closed).get("/healthz")


def _check_routing(client: Client, log_path: Path) -> None:
    # Reads, health and readiness: the reader pool; the request id passes both ways.
    for method, path in [
        ("GET", "/"),
        ("GET", "/healthz"),
        ("GET", "/readyz"),
        ("GET", "/api/v1/services?q=hund"),
        ("GET", "/antrag/entwurf/00000000-0000-0000-0000-000000000000/pruefen/"),
        ("POST", "/konto/anmelden/"),
    ]:
        status, headers, _body, request_id = _send(client, method, path)
        assert headers.get("X-Request-ID") == request_id, (method, path, status)
        assert _pool_that_answered(log_path, request_id) == "reader", (method, path)
    # Citizens' writes: the writer pool, whatever the application answers them.
    for method, path in [
        ("POST", "/api/v1/applications"),
        ("POST", "/antrag/entwurf/00000000-0000-0000-0000-000000000000/absenden/"),
        ("POST", "/antrag/10160/"),
    ]:
        status, headers, _body, request_id = _send(client, method, path)
        assert status < 500, (method, path, status)
        assert headers.get("X-Request-ID") == request_id, (method, path, status)
        assert _pool_that_answered(log_path, request_id) == "writer", (method, path)
    # Without an id of its own, the request gets nginx's, in the answer and the log alike.
    status, headers, _body = client.get("/healthz")
    generated = headers["X-Request-ID"]
    assert len(generated) == 32
    assert _pool_that_answered(log_path, generated) == "reader"


def _check_forwarded_for(client: Client, database: str, env: dict) -> None:
    """A client's own X-Forwarded-For is not believed: a failed login through the proxy is
    counted for the address nginx saw (127.0.0.1), not for the one the client claims —
    although the pools trust X-Forwarded-For behind nginx."""
    import http.cookiejar
    import re

    import psycopg
    from django.utils.crypto import salted_hmac

    from tests.core.test_serve import SERVER

    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    forged = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    login = client.base + "/konto/anmelden/"
    page = opener.open(urllib.request.Request(login, headers=forged), timeout=60).read()  # noqa: S310
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": "niemand@example.org", "password": "falsch"}
    ).encode()
    # Had X-Forwarded-Proto: https been believed, Django would ask for an HTTPS Referer (403).
    answer = opener.open(
        urllib.request.Request(login, data=form, headers=forged),  # noqa: S310
        timeout=60,
    )
    assert answer.status == 200  # the form again, with the error

    def key(address: str) -> str:
        return salted_hmac(
            "openkommune.accounts.throttle",
            address,
            secret=env["OPENKOMMUNE_SECRET_KEY"],
            algorithm="sha256",
        ).hexdigest()

    with psycopg.connect(f"{SERVER}/{database}") as connection:
        keys = {
            row[0]
            for row in connection.execute(
                "SELECT key FROM accounts_throttlehit WHERE scope = 'login.client'"
            )
        }
    assert keys == {key("127.0.0.1")}, "the forged address was counted"
    assert key("203.0.113.9") not in keys


def _check_priorities(supervisor_pid: int) -> set[int]:
    tree = _tree(supervisor_pid)
    pools: dict[str, set[int]] = {"reader": set(), "writer": set()}
    for pid in tree:
        pool = _pool_of(pid)
        if pool in pools and "gunicorn" in _command(pid):
            pools[pool].add(pid)
    job_workers = {pid for pid in tree if "job_worker" in _command(pid)}
    nginx = {pid for pid in tree if "nginx" in _command(pid)}
    # masters and workers: 2 + 1 reader processes, 1 + 1 writer processes
    assert len(pools["reader"]) == 3, pools
    assert len(pools["writer"]) == 2, pools
    assert len(job_workers) == 1
    assert nginx
    assert {_nice(pid) for pid in pools["reader"] | nginx} == {0}
    assert {_nice(pid) for pid in pools["writer"]} == {WRITER_NICE}
    assert {_nice(pid) for pid in job_workers} == {JOB_WORKER_NICE}
    # With autogroup scheduling a session's own nice value ranks it against the others.
    if Path("/proc/self/autogroup").exists():
        assert _autogroup_nice(next(iter(pools["writer"]))) == WRITER_NICE
        assert _autogroup_nice(next(iter(pools["reader"]))) == 0
        assert _autogroup_nice(next(iter(job_workers))) == JOB_WORKER_NICE
    return tree


def _autogroup_nice(pid: int) -> int:
    # "/autogroup-123 nice 7"
    return int(Path(f"/proc/{pid}/autogroup").read_text().split()[-1])


def _writer_master(supervisor_pid: int) -> int:
    masters = [pid for pid in children(supervisor_pid) if _pool_of(pid) == "writer"]
    assert len(masters) == 1, masters
    return masters[0]


def _check_writer_pool_restart(client: Client, supervisor_pid: int, log_path: Path) -> None:
    victim = _writer_master(supervisor_pid)
    victim_workers = children(victim)
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and (_alive(victim) or any(map(_alive, victim_workers))):
        time.sleep(0.1)
    # While it is gone, a write gets the German 503 (JSON for the API), never a 502; reads go on.
    # (The supervisor waits 1 s before the restart, and a new pool takes longer to start.)
    status, headers, body, _id = _send(client, "POST", "/api/v1/applications")
    assert status == 503
    assert headers["Retry-After"] == "5"
    assert json.loads(body)["error"]["code"] == "service_unavailable"
    status, headers, body, _id = _send(client, "POST", "/antrag/10160/")
    assert status == 503
    assert "Dienst vorübergehend nicht verfügbar" in body.decode()
    assert client.get("/")[0] == 200
    # The supervisor starts a new writer pool, again with its lower priority.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status, _headers, _body, request_id = _send(client, "POST", "/api/v1/applications")
        if status != 503:
            assert _pool_that_answered(log_path, request_id) == "writer"
            break
        time.sleep(0.5)
    else:
        raise AssertionError("the writer pool did not come back")
    successor = _writer_master(supervisor_pid)
    assert successor != victim
    assert _nice(successor) == WRITER_NICE
    assert "writer pool (gunicorn) (pid" in log_path.read_text()


def test_writes_queue_in_one_listen_queue_in_front_of_the_writer_pool(tmp_path):
    """ADR 0016, amendment: each writer worker accepts only as many connections as it has
    threads, and nginx opens one connection per write (no idle keep-alive connections held by
    one worker while another idles); reads keep their keep-alive connections."""
    from openkommune.core import serve

    split = serve.Split(
        listen=["127.0.0.1:1"],
        reader_bind="127.0.0.1:2",
        writer_bind="127.0.0.1:3",
        writer_workers=4,
        writer_threads=1,
        writer_nice=5,
        run_dir=tmp_path / "run",
        nginx="/usr/sbin/nginx",
        trusted=[],
    )
    supervisor = serve.build_split(env={}, split=split, job_workers=1, stop_timeout=5)
    (writer,) = [child for child in supervisor.workers if child.name.startswith("writer")]
    assert writer.env["OPENKOMMUNE_WEB_WORKER_CONNECTIONS"] == "1"
    assert "OPENKOMMUNE_WEB_WORKER_CONNECTIONS" not in supervisor.web.env

    text = (tmp_path / "run" / "nginx.conf").read_text()
    readers = text.split("upstream openkommune_readers {", 1)[1].split("}", 1)[0]
    writers = text.split("upstream openkommune_writers {", 1)[1].split("}", 1)[0]
    assert "keepalive" in readers
    assert "keepalive" not in writers
    assert "openkommune_writers close;" in text
