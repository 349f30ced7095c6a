"""The Bezahldienst-Simulator for tests (a pytest plugin, named in tests/conftest.py): a
separate process (`tools/paysim/server.py`) on a free port, the same for the whole session.

- `paysim` (session): the running simulator (`.url`, `.settings(notifications=…)`); its
  merchant `TEST-MANDANT` shares the secret `PAYSIM_SECRET`.
- `paysim_member`: Magdeburg (the test member) connected to it as an ePayBL customer, with
  the secret in the environment variable the config names (never in the database).
"""

from __future__ import annotations

import pytest
from tools.paysim.process import Simulator

PAYSIM_SECRET = "test-geheimnis-nur-fuer-den-simulator"
PAYSIM_ORIGINATOR = "TEST-MANDANT"
SECRET_ENV = "OPENKOMMUNE_PAYMENT_SECRET_TEST"


@pytest.fixture(scope="session")
def paysim():
    simulator = Simulator({PAYSIM_ORIGINATOR: PAYSIM_SECRET})
    yield simulator
    simulator.stop()


@pytest.fixture
def paysim_notifications(paysim):
    """Notifications are sent again after the test, whatever it set."""
    yield paysim
    paysim.settings(notifications="send")


def connect(tenant, url: str, *, provider: str = "epaybl", is_demo: bool = False):
    from openkommune.payments.models import ProviderConfig

    config, _created = ProviderConfig.applicant_objects.update_or_create(
        tenant=tenant,
        defaults={
            "provider": provider,
            "base_url": url,
            "originator_id": PAYSIM_ORIGINATOR,
            "endpoint_id": "4711",
            "secret_reference": SECRET_ENV,
            "haushaltsstelle": "1.1.2.2.01.4311000",
            "objektnummer": "OBJ-12",
            "kassenzeichen_prefix": "MD",
            "is_demo": is_demo,
        },
    )
    return config


@pytest.fixture
def paysim_member(paysim, monkeypatch):
    from tests.submissions.factories import magdeburg_member

    monkeypatch.setenv(SECRET_ENV, PAYSIM_SECRET)
    tenant = magdeburg_member()
    connect(tenant, paysim.url)
    return tenant
