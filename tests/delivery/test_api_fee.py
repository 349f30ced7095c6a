"""The Fachverfahren API and the fee (issue 16): a positive notice on an application whose
fee is due and unpaid is a conflict (409 `fee_unpaid`) where the service requires payment
first; a rejection is not held up."""

import pytest

from openkommune.payments.services import fee_schedule_set
from openkommune.tenancy.models import AuditRecord
from tests.cases.factories import private_media  # noqa: F401
from tests.delivery.factories import api_auth

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media", "mailoutbox")]

BASE = "/api/v1/authority/applications"


def test_a_positive_notice_waits_for_the_fee(client, offer, key, case):
    fee_schedule_set(
        tenant=offer.tenant,
        actor=None,
        form_key="testantrag",
        legal_basis="Beispiel (Test): Hundesteuersatzung",
        rule={"items": [{"label": "Bearbeitung", "amount": "20.00"}]},
        pay_when="notice",
    )
    url = f"{BASE}/{case.reference}/notices"
    refused = client.post(
        url,
        {"decision": "approved", "reason": "ok"},
        content_type="application/json",
        headers=api_auth(key),
    )
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "fee_unpaid"
    assert "20,00 €" in refused.json()["error"]["message"]
    assert AuditRecord._base_manager.filter(action="decision.refused_unpaid").count() == 1
    rejected = client.post(
        url,
        {"decision": "rejected", "reason": "Unvollständig"},
        content_type="application/json",
        headers=api_auth(key),
    )
    assert rejected.status_code == 201
