"""The project's ClamAV daemon for development, CI and the local production profile.

Signature downloads are not possible on every machine that runs the tests, so the project
builds its own signature database: the EICAR test signature, nothing else (production runs
Debian's clamav-daemon with freshclam, see docs/security.md). Everything lives under
`var/clamav/` (another directory: `OPENKOMMUNE_CLAMAV_DIR`):

    python -m tools.clamd build    # db/openkommune-eicar.hdb and .ndb, clamd.conf
    python -m tools.clamd start    # build, start clamd unless it answers, wait for PONG
    python -m tools.clamd status   # exit 0 when clamd answers PING with PONG
    python -m tools.clamd stop     # stop the clamd started here (its pid file)

Debian's `clamav-daemon` must be installed (`make clamav`). The EICAR string is put
together at run time so that no file of the repository holds it: a scanner on a developer's
machine would quarantine that file.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).with_name("clamd.conf.in")
CLAMD_CANDIDATES = ("/usr/sbin/clamd", "/usr/local/sbin/clamd")
SIGNATURE_NAME = "OpenKommune.Eicar-Test-Signature"
# A Unix socket's path is limited to 107 bytes (sun_path).
SOCKET_PATH_MAX = 107
INSTALL_HINT = "run `make clamav` (installs Debian's clamav-daemon)"


def eicar() -> bytes:
    """The 68 bytes of the EICAR anti-virus test file, joined from parts."""
    head = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$"
    tail = "-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
    return (head + "EICAR" + tail).encode("ascii")


def default_directory() -> Path:
    configured = os.environ.get("OPENKOMMUNE_CLAMAV_DIR")
    return Path(configured).resolve() if configured else REPOSITORY / "var" / "clamav"


def clamd_binary() -> str | None:
    """Path of clamd, or None when Debian's clamav-daemon is not installed."""
    found = shutil.which("clamd")
    if found:
        return found
    return next((path for path in CLAMD_CANDIDATES if os.access(path, os.X_OK)), None)


class ClamdError(RuntimeError):
    pass


def ping(address: str, timeout: float = 1.0) -> bool:
    """True when clamd at the Unix socket `address` answers PING with PONG."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(address)
            sock.sendall(b"zPING\0")
            answer = sock.recv(64)
    except OSError:
        return False
    return answer.rstrip(b"\0").strip() == b"PONG"


class Daemon:
    """One clamd with its configuration, database, socket, pid and log in `directory`."""

    def __init__(self, directory: Path | None = None):
        self.directory = Path(directory or default_directory()).resolve()
        self.socket = self.directory / "clamd.sock"
        self.config = self.directory / "clamd.conf"
        self.database = self.directory / "db"
        self.pid_file = self.directory / "clamd.pid"
        self.log_file = self.directory / "clamd.log"
        if len(os.fsencode(self.socket)) > SOCKET_PATH_MAX:
            raise ClamdError(
                f"socket path {self.socket} is longer than {SOCKET_PATH_MAX} bytes; "
                "set OPENKOMMUNE_CLAMAV_DIR to a shorter directory"
            )

    # --- build -------------------------------------------------------------------------

    def build(self) -> None:
        """The signature database (EICAR as an MD5 and as a body signature) and clamd.conf."""
        for folder in (self.directory, self.database, self.directory / "tmp"):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        content = eicar()
        md5 = hashlib.md5(content, usedforsecurity=False).hexdigest()
        # .hdb: MD5:size:name (the exact file). .ndb: name:target type (0, any):offset
        # (0, the file starts with it, as the EICAR standard demands):bytes in hex.
        _write(self.database / "openkommune-eicar.hdb", f"{md5}:{len(content)}:{SIGNATURE_NAME}\n")
        _write(self.database / "openkommune-eicar.ndb", f"{SIGNATURE_NAME}:0:0:{content.hex()}\n")
        config = TEMPLATE.read_text(encoding="utf-8").replace("@DIR@", str(self.directory))
        _write(self.config, config)

    # --- run ---------------------------------------------------------------------------

    def ping(self, timeout: float = 1.0) -> bool:
        return ping(str(self.socket), timeout)

    @contextmanager
    def _lock(self):
        """One start or stop at a time (two pytest workers may start the daemon together)."""
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        with (self.directory / ".lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def start(self, timeout: float = 60.0) -> bool:
        """Build and start clamd unless it answers already; returns once it answers PING
        (True if it was started here). Raises ClamdError when it cannot start."""
        binary = clamd_binary()
        if binary is None:
            raise ClamdError(f"clamd is not installed: {INSTALL_HINT}")
        with self._lock():
            if self.ping():
                return False
            self.build()
            result = subprocess.run(  # noqa: S603 - our own binary and configuration
                [binary, f"--config-file={self.config}"],
                capture_output=True,
                text=True,
                check=False,
                timeout=timeout,
            )
            if result.returncode != 0:
                raise ClamdError(
                    f"clamd did not start (exit {result.returncode}): "
                    f"{(result.stderr or result.stdout).strip()[-2000:]}\n{self._log_tail()}"
                )
            deadline = time.monotonic() + timeout
            while not self.ping():
                if time.monotonic() > deadline:
                    raise ClamdError(f"clamd does not answer at {self.socket}\n{self._log_tail()}")
                time.sleep(0.1)
        return True

    def pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None

    def stop(self, timeout: float = 30.0) -> bool:
        """Stop the clamd of this directory (by the pid in its pid file); True if one ran."""
        with self._lock():
            pid = self.pid()
            if pid is None or not _alive(pid):
                return False
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while _alive(pid):
                if time.monotonic() > deadline:
                    raise ClamdError(f"clamd (pid {pid}) did not stop within {timeout:.0f} s")
                time.sleep(0.05)
            self.pid_file.unlink(missing_ok=True)
        return True

    def _log_tail(self) -> str:
        try:
            lines = self.log_file.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return "\n".join(lines[-15:])


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped by its parent) is no running daemon.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.clamd", description=__doc__.split("\n")[0]
    )
    parser.add_argument("command", choices=["build", "start", "status", "stop"])
    command = parser.parse_args(argv).command
    try:
        daemon = Daemon()
        if command == "build":
            daemon.build()
            print(f"clamd: signatures and configuration in {daemon.directory}")
        elif command == "start":
            started = daemon.start()
            print(f"clamd: {'started' if started else 'already running'}, socket {daemon.socket}")
        elif command == "status":
            if not daemon.ping():
                print(f"clamd: no answer at {daemon.socket}")
                return 1
            print(f"clamd: PONG at {daemon.socket}")
        else:
            stopped = daemon.stop()
            print(f"clamd: {'stopped' if stopped else 'not running (no live pid file)'}")
    except ClamdError as error:
        print(f"clamd: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
