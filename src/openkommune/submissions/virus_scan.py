"""Virus scanners for uploads. `OPENKOMMUNE_VIRUS_SCANNER` names the class (dotted path).

- `NoOpScanner` (default): scans nothing and records "nicht geprüft" on the attachment and
  the receipt, so nobody believes a file was checked when it was not.
- `ClamdScanner`: streams the file to a ClamAV daemon (`clamd`) with the INSTREAM command,
  over a Unix socket or TCP (`OPENKOMMUNE_CLAMD_SOCKET`: a path, or `host:port`). While the
  daemon cannot be reached (restarting, reloading its signatures, stopped) it retries with a
  short backoff for up to `OPENKOMMUNE_VIRUS_SCAN_WAIT_SECONDS`, then says `FAILED`.

A scanner returns a `ScanOutcome`; it never raises for a scan that did not work, it says
`FAILED`, and the upload is then refused (fail closed): a file never passes unscanned
because the scanner was away. `readiness_problem()` tells `/readyz` whether the configured
scanner answers (docs/security.md, "Virus scanning").
"""

from __future__ import annotations

import logging
import socket
import struct
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string

from openkommune.submissions.constants import ScanResult

logger = logging.getLogger(__name__)

CHUNK_SIZE = 64 * 1024
# Backoff between connection attempts while clamd is away: 0.1 s, doubled up to 1 s.
FIRST_RETRY_DELAY = 0.1
MAX_RETRY_DELAY = 1.0
# How long a readiness probe waits for PONG.
READINESS_TIMEOUT = 2.0


@dataclass(frozen=True)
class ScanOutcome:
    result: ScanResult
    detail: str = ""


class NoOpScanner:
    """No scanner configured: every file is "nicht geprüft"."""

    def scan(self, path: Path) -> ScanOutcome:
        return ScanOutcome(ScanResult.NOT_SCANNED, "kein Virenscanner eingerichtet")

    def readiness_problem(self) -> str | None:
        return None


class ClamdUnavailable(OSError):
    """clamd accepted the connection but gave no answer (it stopped in the middle)."""


class ClamdScanner:
    """ClamAV daemon, INSTREAM protocol (see clamd(8)): `zINSTREAM\\0`, then chunks each
    prefixed by its length as 4 bytes big-endian, then a zero length; the answer is
    `stream: OK`, `stream: <signature> FOUND` or `… ERROR`."""

    def __init__(
        self, address: str | None = None, timeout: float | None = None, wait: float | None = None
    ):
        self.address = address if address is not None else settings.CLAMD_SOCKET
        self.timeout = timeout if timeout is not None else settings.CLAMD_TIMEOUT
        self.wait = wait if wait is not None else settings.VIRUS_SCAN_WAIT_SECONDS
        if not self.address:
            raise ValueError("ClamdScanner needs OPENKOMMUNE_CLAMD_SOCKET (path or host:port).")

    def _connect(self, timeout: float) -> socket.socket:
        address = self.address.removeprefix("unix://").removeprefix("tcp://")
        if "/" in address:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.settimeout(timeout)
                sock.connect(address)
            except BaseException:
                sock.close()
                raise
            return sock
        host, _, port = address.rpartition(":")
        return socket.create_connection((host or "localhost", int(port)), timeout=timeout)

    def scan(self, path: Path) -> ScanOutcome:
        try:
            file = Path(path).open("rb")  # noqa: SIM115 - closed below, kept over the retries
        except OSError as error:
            return ScanOutcome(ScanResult.FAILED, f"Datei nicht lesbar: {error}"[:200])
        deadline = time.monotonic() + max(self.wait, 0)
        delay = FIRST_RETRY_DELAY
        with file:
            while True:
                try:
                    file.seek(0)
                    return parse_clamd_answer(self._instream(file))
                except ValueError as error:  # a malformed address: waiting will not help
                    return ScanOutcome(ScanResult.FAILED, f"clamd-Adresse ungültig: {error}"[:200])
                except OSError as error:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        logger.warning(
                            "clamd at %s unreachable, upload refused: %s", self.address, error
                        )
                        return ScanOutcome(
                            ScanResult.FAILED, f"clamd nicht erreichbar: {error}"[:200]
                        )
                    time.sleep(min(delay, remaining))
                    delay = min(delay * 2, MAX_RETRY_DELAY)

    def _instream(self, file) -> str:
        with self._connect(self.timeout) as sock:
            sock.sendall(b"zINSTREAM\0")
            while chunk := file.read(CHUNK_SIZE):
                sock.sendall(struct.pack("!L", len(chunk)) + chunk)
            sock.sendall(struct.pack("!L", 0))
            answer = _read_answer(sock)
        if not answer:
            raise ClamdUnavailable("keine Antwort")
        return answer

    def ping(self, timeout: float = READINESS_TIMEOUT) -> str:
        """clamd's answer to PING (`PONG` when it is ready); raises OSError or ValueError."""
        with self._connect(timeout) as sock:
            sock.sendall(b"zPING\0")
            return _read_answer(sock)

    def readiness_problem(self) -> str | None:
        try:
            answer = self.ping()
        except (OSError, ValueError) as error:
            return f"clamd at {self.address} does not answer: {error}"[:200]
        if answer != "PONG":
            return f"clamd at {self.address} answered {answer[:50]!r} to PING"
        return None


def _read_answer(sock: socket.socket) -> str:
    data = b""
    while not data.endswith(b"\0"):
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
        if len(data) > 4096:
            break
    return data.rstrip(b"\0").decode("utf-8", errors="replace").strip()


def parse_clamd_answer(answer: str) -> ScanOutcome:
    if answer.endswith("FOUND"):
        signature = answer.removeprefix("stream:").removesuffix("FOUND").strip()
        return ScanOutcome(ScanResult.INFECTED, f"ClamAV: {signature}"[:200])
    if answer.endswith("OK"):
        return ScanOutcome(ScanResult.CLEAN, "ClamAV")
    return ScanOutcome(ScanResult.FAILED, f"ClamAV: {answer or 'keine Antwort'}"[:200])


def get_scanner():
    """The configured scanner (instantiated per use, so a changed setting takes effect)."""
    return import_string(settings.VIRUS_SCANNER)()


def scanning_enabled() -> bool:
    """False while the configured scanner is the `NoOpScanner` (or a subclass): uploads are
    then accepted as "nicht geprüft". For status pages beside `readiness_problem()`."""
    scanner = import_string(settings.VIRUS_SCANNER)
    return not (isinstance(scanner, type) and issubclass(scanner, NoOpScanner))


def readiness_problem() -> str | None:
    """None when the configured scanner can scan now (`ClamdScanner`: clamd answers PING with
    PONG within a short timeout; `NoOpScanner`: always, it scans nothing — see
    `scanning_enabled()`); else a short English text for `/readyz`. A scanner class of an
    operator's own without `readiness_problem` counts as ready."""
    try:
        scanner = get_scanner()
    except (ImportError, ValueError) as error:
        return f"virus scanner {settings.VIRUS_SCANNER!r} not usable: {error}"[:200]
    check = getattr(scanner, "readiness_problem", None)
    return check() if check is not None else None
