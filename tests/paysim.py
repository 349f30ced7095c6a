"""The Bezahldienst-Simulator for tests (a pytest plugin, named in tests/conftest.py): separate
processes (`tools/paysim/server.py`) on free ports, the same for the whole session.

- `paysim_pki` (session): a test CA made now (`tools.paysim.pki`, keys only in the session's
  temporary directory), the simulator's server certificate and client certificates: `client`
  (valid), `expired`, `foreign` (another CA).
- `paysim` (session): the simulator as an ePayBL connector (mutual TLS: API over HTTPS, only
  for client certificates of the test CA); its merchant `TEST-MANDANT` signs notifications
  with `PAYSIM_SECRET`.
- `paysim_oauth` (session): the simulator as pmPayment (OAuth2 client credentials; client
  `OAUTH_CLIENT_ID`/`OAUTH_CLIENT_SECRET`), also over HTTPS with the test CA.
- `paysim_member`: Magdeburg (the test member) connected to `paysim` as an ePayBL customer
  with the valid client certificate, the notification secret in the environment variable
  the config names (never in the database).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from tools.paysim import pki
from tools.paysim.process import Simulator

PAYSIM_SECRET = "test-geheimnis-nur-fuer-den-simulator"
PAYSIM_ORIGINATOR = "TEST-MANDANT"
SECRET_ENV = "OPENKOMMUNE_PAYMENT_SECRET_TEST"
OAUTH_CLIENT_ID = "openkommune-test"
OAUTH_CLIENT_SECRET = "oauth-test-geheimnis-nur-simulator"


@dataclass(frozen=True)
class TestPKI:
    ca: pki.Issued
    client: pki.Issued
    expired: pki.Issued
    foreign: pki.Issued
    ca_file: Path
    server_file: Path
    server_key_file: Path

    @property
    def ca_pem(self) -> str:
        return self.ca.certificate_pem


@pytest.fixture(scope="session")
def paysim_pki(tmp_path_factory):
    import datetime

    directory = tmp_path_factory.mktemp("paysim-pki")
    ca = pki.authority()
    server = pki.issue(ca, "Bezahldienst-Simulator", server=True)
    past = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=30)
    made = TestPKI(
        ca=ca,
        client=pki.issue(ca, "OpenKommune Test Magdeburg"),
        expired=pki.issue(ca, "OpenKommune Test abgelaufen", valid_from=past, valid_days=10),
        foreign=pki.issue(pki.authority("Fremde CA"), "OpenKommune Test fremd"),
        ca_file=directory / "ca.pem",
        server_file=directory / "server.pem",
        server_key_file=directory / "server-key.pem",
    )
    made.ca_file.write_text(ca.certificate_pem)
    made.server_file.write_text(server.certificate_pem)
    made.server_key_file.write_text(server.key_pem)
    return made


@pytest.fixture(scope="session")
def paysim(paysim_pki):
    simulator = Simulator(
        {PAYSIM_ORIGINATOR: PAYSIM_SECRET},
        auth="mtls",
        tls_cert=str(paysim_pki.server_file),
        tls_key=str(paysim_pki.server_key_file),
        client_ca=str(paysim_pki.ca_file),
    )
    simulator.pki = paysim_pki
    yield simulator
    simulator.stop()


@pytest.fixture(scope="session")
def paysim_oauth(paysim_pki):
    simulator = Simulator(
        {PAYSIM_ORIGINATOR: PAYSIM_SECRET},
        auth="oauth",
        tls_cert=str(paysim_pki.server_file),
        tls_key=str(paysim_pki.server_key_file),
        oauth_clients={OAUTH_CLIENT_ID: OAUTH_CLIENT_SECRET},
    )
    simulator.pki = paysim_pki
    yield simulator
    simulator.stop()


@pytest.fixture
def paysim_notifications(paysim):
    """Notifications are sent again after the test, whatever it set."""
    yield paysim
    paysim.settings(notifications="send")


def credentials(simulator, *, certificate=None, client_secret=OAUTH_CLIENT_SECRET) -> dict:
    """The connection's authentication at the simulator: the valid (or the given) client
    certificate for mutual TLS, or the OAuth2 client; the test CA to verify the simulator."""
    from openkommune.payments import secrets

    issued = certificate or simulator.pki.client
    return {
        "client_certificate": issued.certificate_pem,
        "client_key_encrypted": secrets.encrypt(issued.key_pem),
        "ca_bundle": simulator.pki.ca_pem,
        "token_url": f"{simulator.url}/oauth/token",
        "client_id": OAUTH_CLIENT_ID,
        "client_secret_encrypted": secrets.encrypt(client_secret),
    }


def connect(tenant, simulator, *, provider: str = "epaybl", is_demo: bool = False, **extra):
    from openkommune.payments.models import ProviderConfig

    config, _created = ProviderConfig.applicant_objects.update_or_create(
        tenant=tenant,
        defaults={
            "provider": provider,
            "base_url": simulator.url,
            "originator_id": PAYSIM_ORIGINATOR,
            "endpoint_id": "4711",
            "secret_reference": SECRET_ENV,
            "haushaltsstelle": "1.1.2.2.01.4311000",
            "objektnummer": "OBJ-12",
            "kassenzeichen_prefix": "MD",
            "is_demo": is_demo,
            **credentials(simulator),
            **extra,
        },
    )
    return config


@pytest.fixture
def paysim_member(paysim, monkeypatch):
    from tests.submissions.factories import magdeburg_member

    monkeypatch.setenv(SECRET_ENV, PAYSIM_SECRET)
    tenant = magdeburg_member()
    connect(tenant, paysim)
    return tenant
