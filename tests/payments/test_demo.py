"""The demo's fees and Bezahldienst: `load_demo` sets the demo fee rules (marked as demo,
legal references "Beispiel") and, when the demo runs with a Bezahldienst (`make run`: the
simulator), connects the demo members to it by address and the name of the secret's
variable only."""

import pytest

from openkommune.payments.models import FeeSchedule, ProviderConfig
from tests.demo.test_load_demo import load

pytestmark = pytest.mark.django_db


def test_demo_gets_marked_fees_and_a_connection_by_address(monkeypatch, tmp_path):
    from tools.paysim import pki

    pki.write(tmp_path)  # as `make setup-dev` does in var/paysim
    monkeypatch.setenv("OPENKOMMUNE_DEMO_PAYMENT_URL", "https://127.0.0.1:8790")
    monkeypatch.setenv("OPENKOMMUNE_DEMO_PAYMENT_TLS_DIR", str(tmp_path))
    load()
    schedules = list(FeeSchedule.applicant_objects.all())
    assert {s.form_key for s in schedules} == {"bewohnerparkausweis", "sondernutzung"}
    assert all(s.is_demo and "Beispiel" in s.legal_basis for s in schedules)
    configs = list(ProviderConfig.applicant_objects.all())
    assert configs
    assert all(c.is_demo and c.base_url == "https://127.0.0.1:8790" for c in configs)
    assert {c.secret_reference for c in configs} == {"OPENKOMMUNE_PAYMENT_SECRET_DEMO"}
    # Mutual TLS with the demo's client certificate; the key is stored encrypted only.
    client = (tmp_path / "client.pem").read_text()
    assert all(c.client_certificate == client and c.client_key_encrypted for c in configs)
    assert all("PRIVATE KEY" not in c.client_key_encrypted for c in configs)
    assert all(c.ca_bundle == (tmp_path / "ca.pem").read_text() for c in configs)
