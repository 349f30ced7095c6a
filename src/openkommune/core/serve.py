"""`openkommune serve`: the production profile's one supervising process.

It starts gunicorn (`core.gunicorn_config`) and `OPENKOMMUNE_JOB_WORKERS` job workers
(`openkommune job_worker`) as child processes in their own session, so a Ctrl+C on the
terminal reaches only the supervisor, which then stops everything gracefully:

- SIGTERM or SIGINT: SIGTERM to gunicorn (running requests finish within its graceful
  timeout) and to each job worker (the running job finishes); after `stop_timeout` seconds
  whatever still runs is killed;
- a job worker that exits is started again (after 1 s, doubling up to 60 s while it keeps
  dying within 30 s of its start), and logged;
- when gunicorn exits by itself, the supervisor stops the job workers and exits with an error.
"""

from __future__ import annotations

import ctypes
import logging
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger("openkommune.serve")
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: a child gets SIGTERM should the supervisor itself be killed (kill -9)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Child:
    name: str
    command: list[str]
    env: dict[str, str]
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    backoff: float = 1.0
    restart_at: float | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            self.command, env=self.env, start_new_session=True, preexec_fn=_die_with_parent
        )
        self.started_at = time.monotonic()
        self.restart_at = None
        logger.info("Started %s (pid %s)", self.name, self.process.pid)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def signal(self, signum: int) -> None:
        if self.alive():
            self.process.send_signal(signum)


class Supervisor:
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
                logger.error("gunicorn exited with code %s; stopping", self.web.process.returncode)
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
            child.signal(signal.SIGTERM)
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


def build(*, env: dict[str, str], job_workers: int, stop_timeout: float) -> Supervisor:
    python = sys.executable
    web = Child(
        "gunicorn",
        [python, "-m", "gunicorn", "-c", "python:openkommune.core.gunicorn_config"],
        env,
    )
    worker_env = {k: v for k, v in env.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    workers = [
        Child(
            f"job worker {number}",
            [python, "-m", "openkommune.cli", "job_worker", "--no-startup-delay"],
            worker_env,
        )
        for number in range(1, job_workers + 1)
    ]
    return Supervisor(web, workers, stop_timeout=stop_timeout)


def serve(*, env: dict[str, str], job_workers: int, stop_timeout: float) -> int:
    metrics_dir, temporary = prometheus_dir(env.get("PROMETHEUS_MULTIPROC_DIR"))
    env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    try:
        return build(env=env, job_workers=job_workers, stop_timeout=stop_timeout).run()
    finally:
        if temporary:
            shutil.rmtree(metrics_dir, ignore_errors=True)
