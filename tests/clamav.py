"""The real ClamAV daemon for tests (a pytest plugin, named in tests/conftest.py).

- `clamd` (session): the socket of a running clamd. With `OPENKOMMUNE_CLAMD_SOCKET` set, the
  daemon there (it must answer PING); otherwise the project's daemon in var/clamav/
  (`tools/clamd.py`), started if it does not answer yet and left running for the next
  session, as `make clamav-start` leaves it (`make clamav-stop` ends it). Without Debian's
  clamav-daemon the tests that need it fail and say to run `make clamav`: no silent skip.
- `clamav`: uploads of this test are scanned by that daemon (`ClamdScanner`).
- `clamd_away`: uploads are scanned by a `ClamdScanner` whose socket nobody listens on, with
  a wait of one second.
- `private_clamd`: a clamd of this test alone (its own directory), to stop and start.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from tools.clamd import INSTALL_HINT, ClamdError, Daemon, clamd_binary, eicar, ping

CLAMD_SCANNER = "openkommune.submissions.virus_scan.ClamdScanner"
# What the project's signature database reports for the EICAR file (ClamAV marks signatures
# of a database it did not sign as UNOFFICIAL).
EICAR_FOUND = "OpenKommune.Eicar-Test-Signature.UNOFFICIAL"
EICAR = eicar()


def pdf_carrying_eicar() -> bytes:
    """A PDF whose one embedded file is the EICAR file: its type passes the checks of a
    PDF-only field, and clamd finds the signature in the stream it extracts."""
    length = str(len(EICAR)).encode()
    return (
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
        b"3 0 obj\n<< /Type /EmbeddedFile /Length "
        + length
        + b" >>\nstream\n"
        + EICAR
        + b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


def _require_clamd() -> None:
    if clamd_binary() is None:
        pytest.fail(f"ClamAV's clamd is not installed: {INSTALL_HINT}.", pytrace=False)


@pytest.fixture(scope="session")
def clamd() -> str:
    configured = os.environ.get("OPENKOMMUNE_CLAMD_SOCKET")
    if configured:
        if not ping(configured, timeout=5):
            pytest.fail(
                f"OPENKOMMUNE_CLAMD_SOCKET={configured}: no clamd answers there "
                "(unset it to use the project's daemon, `make clamav-start`).",
                pytrace=False,
            )
        return configured
    _require_clamd()
    daemon = Daemon()
    try:
        daemon.start()
    except ClamdError as error:
        pytest.fail(f"The project's clamd did not start: {error}", pytrace=False)
    return str(daemon.socket)


@pytest.fixture
def clamav(settings, clamd) -> str:
    settings.VIRUS_SCANNER = CLAMD_SCANNER
    settings.CLAMD_SOCKET = clamd
    settings.CLAMD_TIMEOUT = 10
    settings.VIRUS_SCAN_WAIT_SECONDS = 5
    return clamd


@pytest.fixture
def clamd_away(settings, tmp_path) -> str:
    address = str(tmp_path / "nobody-listens.sock")
    settings.VIRUS_SCANNER = CLAMD_SCANNER
    settings.CLAMD_SOCKET = address
    settings.VIRUS_SCAN_WAIT_SECONDS = 1
    return address


@pytest.fixture
def private_clamd():
    """A stopped clamd with its own directory (short, under /tmp: a socket path has at most
    107 bytes); stopped and removed after the test."""
    _require_clamd()
    directory = Path(tempfile.mkdtemp(prefix="okclamd-"))
    daemon = Daemon(directory)
    daemon.build()
    yield daemon
    daemon.stop()
    shutil.rmtree(directory, ignore_errors=True)
