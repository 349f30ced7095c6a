"""`openkommune serve`: the production profile's one supervising process.

Two layouts (ADR 0011, ADR 0016):

- `single`: one gunicorn pool (`core.gunicorn_config`) on `OPENKOMMUNE_BIND` answers
  everything;
- `split` (the default): nginx (`core.proxy`, `make nginx`) listens on `OPENKOMMUNE_BIND`
  and routes by method and path: citizens' writes (submissions, the application journey's
  POSTs) to a *writer* pool of `OPENKOMMUNE_WRITER_WORKERS` x `OPENKOMMUNE_WRITER_THREADS`
  that runs with lower CPU priority (`OPENKOMMUNE_WRITER_NICE`), everything else to the
  *reader* pool (`OPENKOMMUNE_WEB_WORKERS` x `OPENKOMMUNE_WEB_THREADS`). Both pools listen on
  the loopback only (`OPENKOMMUNE_READER_BIND`, `OPENKOMMUNE_WRITER_BIND`, else free ports).

Plus `OPENKOMMUNE_JOB_WORKERS` job workers (`openkommune job_worker`, priority
`OPENKOMMUNE_JOB_WORKER_NICE`). All are child processes in their own session, so a Ctrl+C on
the terminal reaches only the supervisor, which then stops everything gracefully:

- SIGTERM or SIGINT: SIGTERM to the gunicorn pools (running requests finish within their
  graceful timeout) and to each job worker (the running job finishes), SIGQUIT to nginx
  (it finishes the requests it is passing on); after `stop_timeout` seconds whatever still
  runs is killed;
- a job worker, the writer pool or nginx that exits is started again (after 1 s, doubling up
  to 60 s while it keeps dying within 30 s of its start), and logged;
- when the reader pool (the only pool of `single`) exits by itself, the supervisor stops
  the others and exits with an error.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from openkommune.core import proxy

logger = logging.getLogger("openkommune.serve")
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: a child gets SIGTERM should the supervisor itself be killed (kill -9)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _prepare_child(nice: int):
    def prepare() -> None:  # pragma: no cover - runs in the child before exec
        _die_with_parent()
        if nice:
            # Inherited by everything the child starts (gunicorn's workers).
            os.nice(nice)
            lower_session_priority(nice)

    return prepare


def lower_session_priority(nice: int) -> None:
    """Linux with autogroup scheduling (`kernel.sched_autogroup_enabled`, the default of many
    kernels): each session (the child was started in a new one) is scheduled as one group
    against the others, and a process's nice value orders it only *within* its group. The
    group's own nice value (/proc/self/autogroup) is what ranks it against the reader pool's
    session, so it is raised too. Without autogroup the file is absent or ignored."""
    with contextlib.suppress(OSError):
        Path("/proc/self/autogroup").write_text(str(nice))


@dataclass
class Child:
    name: str
    command: list[str]
    env: dict[str, str]
    # Added to the child's CPU niceness (0: the supervisor's own priority).
    nice: int = 0
    # What asks it to stop gracefully (nginx: SIGQUIT; SIGTERM is its fast shutdown).
    stop_signal: int = signal.SIGTERM
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    backoff: float = 1.0
    restart_at: float | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            self.command,
            env=self.env,
            start_new_session=True,
            preexec_fn=_prepare_child(self.nice),
        )
        self.started_at = time.monotonic()
        self.restart_at = None
        logger.info(
            "Started %s (pid %s%s)",
            self.name,
            self.process.pid,
            f", nice +{self.nice}" if self.nice else "",
        )

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def signal(self, signum: int) -> None:
        if self.alive():
            self.process.send_signal(signum)

    def kill_group(self) -> None:
        """SIGKILL to whatever is left in the child's session (it leads its own group)."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)


class Supervisor:
    """`web` is the process whose exit ends the supervisor (the reader pool); `workers` are
    restarted when they exit (job workers; in `split` also the writer pool and nginx)."""

    def __init__(self, web: Child, workers: list[Child], *, stop_timeout: float):
        self.web = web
        self.workers = workers
        self.stop_timeout = stop_timeout
        self._stop_signal: int | None = None

    def _request_stop(self, signum, frame) -> None:
        self._stop_signal = signum

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self._request_stop)
        signal.signal(signal.SIGINT, self._request_stop)
        self.web.start()
        for child in self.workers:
            child.start()
        exit_code = 0
        while self._stop_signal is None:
            if not self.web.alive():
                exit_code = self.web.process.returncode or 1
                logger.error(
                    "%s exited with code %s; stopping", self.web.name, self.web.process.returncode
                )
                break
            for child in self.workers:
                self._keep_alive(child)
            time.sleep(0.2)
        if self._stop_signal is not None:
            logger.info("Received %s: stopping gracefully", signal.strsignal(self._stop_signal))
        self.stop()
        return exit_code

    def _keep_alive(self, child: Child) -> None:
        if child.alive():
            return
        now = time.monotonic()
        if child.restart_at is None:
            # What the dead process left in its session (gunicorn or nginx workers whose
            # master was killed) would hold the port its successor needs: end it.
            child.kill_group()
            lived = now - child.started_at
            child.backoff = 1.0 if lived > 30 else min(child.backoff * 2, 60.0)
            child.restart_at = now + child.backoff
            logger.warning(
                "%s (pid %s) exited with code %s after %.0f s; restarting in %.0f s",
                child.name,
                child.process.pid,
                child.process.returncode,
                lived,
                child.backoff,
            )
        elif now >= child.restart_at:
            child.start()

    def stop(self) -> None:
        children = [self.web, *self.workers]
        for child in children:
            child.signal(child.stop_signal)
        deadline = time.monotonic() + self.stop_timeout
        for child in children:
            if child.process is None:
                continue
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.warning("%s did not stop in time; killing it", child.name)
                child.process.kill()
                child.process.wait()
            child.kill_group()


def prometheus_dir(configured: str | None) -> tuple[Path, bool]:
    """The multiprocess directory, emptied (stale files of a previous run would add up);
    True when it is a temporary one to remove afterwards."""
    if configured:
        path = Path(configured)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink()
        return path, False
    return Path(tempfile.mkdtemp(prefix="openkommune-metrics-")), True


GUNICORN = ["-m", "gunicorn", "-c", "python:openkommune.core.gunicorn_config"]


def _job_workers(env: dict[str, str], count: int, nice: int) -> list[Child]:
    worker_env = {k: v for k, v in env.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    return [
        Child(
            f"job worker {number}",
            [sys.executable, "-m", "openkommune.cli", "job_worker", "--no-startup-delay"],
            worker_env,
            nice=nice,
        )
        for number in range(1, count + 1)
    ]


def build(
    *, env: dict[str, str], job_workers: int, stop_timeout: float, job_worker_nice: int = 0
) -> Supervisor:
    """The `single` layout: one gunicorn pool on OPENKOMMUNE_BIND and the job workers."""
    web = Child("gunicorn", [sys.executable, *GUNICORN], env | {"OPENKOMMUNE_POOL": "single"})
    workers = _job_workers(env, job_workers, job_worker_nice)
    return Supervisor(web, workers, stop_timeout=stop_timeout)


@dataclass(frozen=True)
class Split:
    """The `split` layout's settings (the management command reads them from the environment)."""

    listen: list[str]
    reader_bind: str
    writer_bind: str
    writer_workers: int
    writer_threads: int
    writer_nice: int
    run_dir: Path
    nginx: str
    trusted: list[str]
    max_body_size: str = "100m"
    read_timeout: int = 70


def free_local_address() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{probe.getsockname()[1]}"


def build_split(
    *,
    env: dict[str, str],
    split: Split,
    job_workers: int,
    stop_timeout: float,
    job_worker_nice: int = 0,
) -> Supervisor:
    """The `split` layout: nginx on `split.listen`, the reader and the writer pool behind it."""
    python = sys.executable
    # Behind this proxy the pools believe X-Forwarded-For: nginx replaces it with the peer it
    # saw (or the client an outer balancer in OPENKOMMUNE_PROXY_TRUSTED named), and the
    # pools listen on the loopback only.
    pool_env = env | {"OPENKOMMUNE_TRUST_X_FORWARDED_FOR": "true"}
    reader = Child(
        "reader pool (gunicorn)",
        [python, *GUNICORN],
        pool_env | {"OPENKOMMUNE_BIND": split.reader_bind, "OPENKOMMUNE_POOL": "reader"},
    )
    writer = Child(
        "writer pool (gunicorn)",
        [python, *GUNICORN],
        pool_env
        | {
            "OPENKOMMUNE_BIND": split.writer_bind,
            "OPENKOMMUNE_POOL": "writer",
            "OPENKOMMUNE_WEB_WORKERS": str(split.writer_workers),
            "OPENKOMMUNE_WEB_THREADS": str(split.writer_threads),
            "OPENKOMMUNE_WEB_WORKER_CONNECTIONS": str(split.writer_threads),
        },
        nice=split.writer_nice,
    )
    config = proxy.render_config(
        split.run_dir,
        listen=split.listen,
        reader=split.reader_bind,
        writer=split.writer_bind,
        trusted=split.trusted,
        max_body_size=split.max_body_size,
        read_timeout=split.read_timeout,
    )
    front = Child("nginx", proxy.command(split.nginx, config), env, stop_signal=signal.SIGQUIT)
    workers = [front, writer, *_job_workers(env, job_workers, job_worker_nice)]
    return Supervisor(reader, workers, stop_timeout=stop_timeout)


def serve(
    *,
    env: dict[str, str],
    job_workers: int,
    stop_timeout: float,
    split: Split | None = None,
    job_worker_nice: int = 0,
) -> int:
    metrics_dir, temporary = prometheus_dir(env.get("PROMETHEUS_MULTIPROC_DIR"))
    env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    try:
        if split is None:
            supervisor = build(
                env=env,
                job_workers=job_workers,
                stop_timeout=stop_timeout,
                job_worker_nice=job_worker_nice,
            )
        else:
            supervisor = build_split(
                env=env,
                split=split,
                job_workers=job_workers,
                stop_timeout=stop_timeout,
                job_worker_nice=job_worker_nice,
            )
        return supervisor.run()
    finally:
        if temporary:
            shutil.rmtree(metrics_dir, ignore_errors=True)
        if split is not None:
            shutil.rmtree(split.run_dir, ignore_errors=True)
