"""Virus scanners for uploads. `OPENKOMMUNE_VIRUS_SCANNER` names the class (dotted path).

- `NoOpScanner` (default): scans nothing and records "nicht geprüft" on the attachment and
  the receipt, so nobody believes a file was checked when it was not.
- `ClamdScanner`: streams the file to a ClamAV daemon (`clamd`) with the INSTREAM command,
  over a Unix socket or TCP (`OPENKOMMUNE_CLAMD_SOCKET`: a path, or `host:port`).

A scanner returns a `ScanOutcome`; it never raises for a scan that did not work, it says
`FAILED`, and the upload is then refused (fail closed).
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string

from openkommune.submissions.constants import ScanResult

CHUNK_SIZE = 64 * 1024


@dataclass(frozen=True)
class ScanOutcome:
    result: ScanResult
    detail: str = ""


class NoOpScanner:
    """No scanner configured: every file is "nicht geprüft"."""

    def scan(self, path: Path) -> ScanOutcome:
        return ScanOutcome(ScanResult.NOT_SCANNED, "kein Virenscanner eingerichtet")


class ClamdScanner:
    """ClamAV daemon, INSTREAM protocol (see clamd(8)): `zINSTREAM\\0`, then chunks each
    prefixed by its length as 4 bytes big-endian, then a zero length; the answer is
    `stream: OK`, `stream: <signature> FOUND` or `… ERROR`."""

    def __init__(self, address: str | None = None, timeout: float | None = None):
        self.address = address if address is not None else settings.CLAMD_SOCKET
        self.timeout = timeout if timeout is not None else settings.CLAMD_TIMEOUT
        if not self.address:
            raise ValueError("ClamdScanner needs OPENKOMMUNE_CLAMD_SOCKET (path or host:port).")

    def _connect(self) -> socket.socket:
        address = self.address.removeprefix("unix://").removeprefix("tcp://")
        if "/" in address:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(self.timeout)
            sock.connect(address)
            return sock
        host, _, port = address.rpartition(":")
        return socket.create_connection((host or "localhost", int(port)), timeout=self.timeout)

    def scan(self, path: Path) -> ScanOutcome:
        try:
            with self._connect() as sock, Path(path).open("rb") as file:
                sock.sendall(b"zINSTREAM\0")
                while chunk := file.read(CHUNK_SIZE):
                    sock.sendall(struct.pack("!L", len(chunk)) + chunk)
                sock.sendall(struct.pack("!L", 0))
                answer = _read_answer(sock)
        except (OSError, ValueError) as error:
            return ScanOutcome(ScanResult.FAILED, f"clamd nicht erreichbar: {error}"[:200])
        return parse_clamd_answer(answer)


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
