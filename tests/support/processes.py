"""Processes of the production profile for tests that kill and restart them: gunicorn and
job workers started with exactly the commands `openkommune serve` uses
(`openkommune.core.serve.build`), on a free port, against a database of the test's own;
finding a gunicorn worker by the PostgreSQL connection it holds; and a small SMTP server
that can stall (accept the connection, never answer) or accept mail.

Nothing here reaches into production code: the processes are real, the signals are real.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

from openkommune.core import serve
from tests.support.postgres_cluster import free_port, wait_until

ROOT = Path(__file__).resolve().parents[2]


def platform_environment(database_url: str, **settings: str) -> dict[str, str]:
    """The environment of a platform process in the production profile (DEBUG off) on
    `database_url`, without the test run's own database and Django settings; `settings`
    (OPENKOMMUNE_… variables) on top."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "PYTEST_", "DJANGO_", "OPENKOMMUNE_"))
    }
    environment.update(
        {
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "openkommune.settings",
            "OPENKOMMUNE_SECRET_KEY": "test-only-not-a-secret",
            "OPENKOMMUNE_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "OPENKOMMUNE_SECURE_SSL_REDIRECT": "false",
            "OPENKOMMUNE_SECURE_COOKIES": "false",
            "OPENKOMMUNE_LOG_FORMAT": "text",
            "PYTHONPATH": str(ROOT / "src"),
        }
    )
    environment.update(settings)
    return environment


def _commands() -> tuple[list[str], list[str]]:
    """(gunicorn, job worker): the commands of `openkommune serve`."""
    supervisor = serve.build(env={}, job_workers=1, stop_timeout=5)
    return supervisor.web.command, supervisor.workers[0].command


@dataclass
class Web:
    """gunicorn (its master process) serving on `base_url`."""

    process: subprocess.Popen
    base_url: str
    log: Path

    def workers(self) -> set[int]:
        """The pids of the master's worker processes."""
        return children(self.process.pid)

    def get(self, path: str, **options) -> requests.Response:
        return requests.get(self.base_url + path, timeout=options.pop("timeout", 30), **options)

    def post_json(self, path: str, body: dict, *, key: str, timeout: float = 30, client=None):
        """POST `body` with an Idempotency-Key (in `client`'s session if given: anonymous
        callers' keys count per session)."""
        return (client or requests).post(
            self.base_url + path, json=body, headers={"Idempotency-Key": key}, timeout=timeout
        )


def children(pid: int) -> set[int]:
    """Direct child processes of `pid` (Linux /proc)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found.update(int(child) for child in (task / "children").read_text().split())
    return found


@contextmanager
def web_server(environment: dict[str, str], log_dir: Path, *, workers: int = 2) -> Iterator[Web]:
    """gunicorn as `openkommune serve` starts it, on a free port; stopped afterwards."""
    port = free_port()
    environment = environment | {
        "OPENKOMMUNE_BIND": f"127.0.0.1:{port}",
        "OPENKOMMUNE_WEB_WORKERS": str(workers),
        "OPENKOMMUNE_WEB_THREADS": environment.get("OPENKOMMUNE_WEB_THREADS", "4"),
    }
    log = log_dir / f"gunicorn-{port}.log"
    command, _ = _commands()
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, env=environment, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT
        )
    web = Web(process, f"http://127.0.0.1:{port}", log)
    try:
        wait_until(
            lambda: (
                process.poll() is None
                and web.get("/healthz", timeout=2).status_code == 200
                and len(web.workers()) == workers
            ),
            f"gunicorn on port {port} (log: {log})",
            timeout=90,
        )
        yield web
    finally:
        stop(process)


def start_job_worker(environment: dict[str, str], log: Path) -> subprocess.Popen:
    """One job worker as `openkommune serve` starts it (checking for jobs every 0.2 s)."""
    _, command = _commands()
    with log.open("ab") as output:
        return subprocess.Popen(
            [*command, "--interval", "0.2"],
            env=environment,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def stop(process: subprocess.Popen, timeout: float = 20) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def kill_hard(pid: int) -> None:
    """kill -9, and wait until the process is gone."""
    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: not _alive(pid), f"process {pid} gone", timeout=10)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def pid_of_connection(candidates: set[int], local_port: int) -> int:
    """Which of the processes `candidates` owns the TCP socket bound to `local_port` (the
    `client_port` PostgreSQL shows for a backend in pg_stat_activity)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                columns = line.split()
                if int(columns[1].rsplit(":", 1)[1], 16) == local_port:
                    inodes.add(columns[9])
    for pid in candidates:
        for descriptor in Path(f"/proc/{pid}/fd").glob("*"):
            with contextlib.suppress(OSError):
                target = os.readlink(descriptor)
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    return pid
    raise LookupError(f"no process of {sorted(candidates)} holds local port {local_port}")


# A mail server ----------------------------------------------------------------------------


@dataclass
class MailServer:
    """SMTP on 127.0.0.1:`port`. While `stalling` is set it accepts connections and never
    answers (a mail server that hangs); otherwise it speaks enough SMTP to accept mail.
    `connections` counts connections (`peers`: the client port of each), `messages` holds
    the DATA of each accepted mail."""

    port: int = field(default_factory=free_port)
    stalling: threading.Event = field(default_factory=threading.Event)
    connections: int = 0
    messages: list[bytes] = field(default_factory=list)
    peers: list[int] = field(default_factory=list)
    _closing: threading.Event = field(default_factory=threading.Event)
    _open: list[socket.socket] = field(default_factory=list)

    def serve_in_thread(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._listener.settimeout(0.2)
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self._closing.set()
        for connection in [self._listener, *self._open]:
            with contextlib.suppress(OSError):
                connection.close()

    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                connection, (_host, port) = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            self.peers.append(port)
            self.connections += 1
            self._open.append(connection)
            threading.Thread(target=self._session, args=(connection,), daemon=True).start()

    def _session(self, connection: socket.socket) -> None:
        if self.stalling.is_set():
            self._closing.wait()  # never a greeting: the client waits until it gives up
            return
        with contextlib.suppress(OSError), connection, connection.makefile("rb") as lines:
            reply: Callable[[str], None] = lambda text: connection.sendall(  # noqa: E731
                text.encode() + b"\r\n"
            )
            reply("220 test mail server")
            for raw in lines:
                verb = raw.decode("ascii", "replace").strip().split(" ", 1)[0].upper()
                if verb == "EHLO":
                    reply("250-test\r\n250 8BITMIME")
                elif verb == "DATA":
                    reply("354 go ahead")
                    body = b""
                    for data in lines:
                        if data in (b".\r\n", b".\n"):
                            break
                        body += data
                    self.messages.append(body)
                    reply("250 accepted")
                elif verb == "QUIT":
                    reply("221 bye")
                    return
                else:
                    reply("250 ok")


@contextmanager
def mail_server() -> Iterator[MailServer]:
    server = MailServer()
    server.serve_in_thread()
    try:
        yield server
    finally:
        server.close()
