"""The Test-Identitätsanbieter for tests: the certified npm package `oidc-provider`, started
by tools/oidc_provider/server.mjs on a free port (installed by `make deps` from
package-lock.json). `start_oidc_provider(redirect_uris)` yields an `OidcProvider`; the
fixture `oidc_provider` serves the Django test client (http://testserver)."""

import contextlib
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SERVER = REPO_ROOT / "tools" / "oidc_provider" / "server.mjs"
CLIENT_ID = "openkommune-test"
CLIENT_SECRET = "test-secret-not-for-production"
TEST_CALLBACK = "http://testserver/konto/unternehmenskonto/rueckkehr/"


@dataclass
class OidcProvider:
    issuer: str
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET


@contextlib.contextmanager
def start_oidc_provider(redirect_uris, identities: Path | None = None):
    node = shutil.which("node")
    if node is None or not (REPO_ROOT / "node_modules" / "oidc-provider").exists():
        pytest.fail("node or oidc-provider missing: run `make deps` (npm ci).")
    args = [node, str(SERVER), "--port", "0", "--client-id", CLIENT_ID]
    args += ["--client-secret", CLIENT_SECRET]
    for uri in redirect_uris:
        args += ["--redirect-uri", uri]
    if identities is not None:
        args += ["--identities", str(identities)]
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = process.stdout.readline()
        if not line.startswith("READY "):
            pytest.fail(f"oidc-provider did not start: {line!r}")
        yield OidcProvider(issuer=line.split()[1])
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def oidc_provider_process():
    with start_oidc_provider([TEST_CALLBACK]) as provider:
        yield provider


@pytest.fixture
def oidc_provider(oidc_provider_process, settings):
    """The provider, configured as the company-account provider of the platform."""
    from openkommune.core.oidc import forget_cached

    settings.COMPANY_OIDC_ISSUER = oidc_provider_process.issuer
    settings.COMPANY_OIDC_CLIENT_ID = CLIENT_ID
    settings.COMPANY_OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.COMPANY_OIDC_LABEL = "Test-Identitätsanbieter"
    forget_cached()
    yield oidc_provider_process
    forget_cached()
