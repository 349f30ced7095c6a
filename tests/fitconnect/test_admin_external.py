"""Destinations at an external FIT-Connect Zustelldienst on the member admin pages (ADR 0043):
registered with the sender client's secret, which is stored sealed and never shown again;
the secret replaced; failed deliveries repeated; German errors; another member's 404."""

from __future__ import annotations

import json
import uuid

import pytest
from django.urls import reverse

from openkommune.fitconnect import outbound
from openkommune.fitconnect.models import ExternalDestination, OutboundSubmission
from openkommune.tenancy.constants import Role
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from tests.cases.factories import clerk_of
from tests.fitconnect.conftest import LEIKA

pytestmark = pytest.mark.django_db
CREATE = reverse("fitconnect_admin:external_create")
OVERVIEW = reverse("fitconnect_admin:overview")


@pytest.fixture
def admin_client(client, member):
    client.force_login(clerk_of(member, role=Role.MEMBER_ADMIN))
    return client


def _form(secret: str, **changes) -> dict:
    return {
        "leika": LEIKA,
        "zustellpunkt": str(uuid.uuid4()),
        "api_url": "https://submission-api-testing.fit-connect.fitko.dev",
        "token_url": "https://auth-testing.fit-connect.fitko.dev/token",
        "client_id": "sender-client-1",
        "client_secret": secret,
        "vertrauensanker": "",
    } | changes


def test_register_an_external_destination_and_replace_its_secret(admin_client, member):
    secret = "geheim-" + uuid.uuid4().hex
    form = _form(secret)
    page = admin_client.get(CREATE)
    assert page.status_code == 200
    saved = admin_client.post(CREATE, form, follow=True)
    assert saved.status_code == 200
    assert form["zustellpunkt"] in saved.text
    assert "sender-client-1" in saved.text
    assert secret not in saved.text
    with scopes_disabled():
        route = ExternalDestination.objects.get(destination_id=form["zustellpunkt"])
    assert route.tenant_id == member.pk
    assert route.services == [f"urn:de:fim:leika:leistung:{LEIKA}"]
    assert outbound.client_secret(route) == secret
    assert secret not in route.client_secret_sealed

    edit = reverse("fitconnect_admin:external_secret", args=[route.pk])
    assert edit in saved.text
    form_page = admin_client.get(edit).text
    assert secret not in form_page
    new_secret = "neu-" + uuid.uuid4().hex
    assert admin_client.post(edit, {"client_secret": new_secret}).status_code == 302
    route.refresh_from_db()
    assert outbound.client_secret(route) == new_secret
    with scopes_disabled():
        audit = json.dumps(
            list(AuditRecord.objects.filter(action__startswith="fitconnect_external").values()),
            default=str,
        )
    assert secret not in audit
    assert new_secret not in audit


def test_bad_input_gives_german_errors_and_stores_nothing(admin_client):
    page = admin_client.post(CREATE, _form("", zustellpunkt="kein-uuid"))
    assert page.status_code == 422
    assert "Bitte geben Sie das Client-Secret an." in page.text
    page = admin_client.post(CREATE, _form("geheim", zustellpunkt="kein-uuid"))
    assert page.status_code == 422
    assert "Die Zustellpunkt-ID ist keine UUID." in page.text
    page = admin_client.post(CREATE, _form("geheim", vertrauensanker="kein PEM"))
    assert "Die Vertrauensanker sind keine PEM-Zertifikate." in page.text
    with scopes_disabled():
        assert not ExternalDestination.objects.exists()


def test_failed_deliveries_are_repeated_from_the_overview(admin_client, member):
    route = outbound.create_external_destination(
        tenant=member,
        leika_keys=[LEIKA],
        destination_id=str(uuid.uuid4()),
        api_url="https://zustelldienst.example/api",
        token_url="https://zustelldienst.example/token",
        client_id="sender-1",
        secret="geheim",
    )
    with scopes_disabled():
        failed = OutboundSubmission.objects.create(
            tenant=member,
            route=route,
            application_public_id=uuid.uuid4(),
            service_identifier=f"urn:de:fim:leika:leistung:{LEIKA}",
            state="failed",
            attempts=1,
            problem="Der Token-Endpunkt lehnt die Zugangsdaten des Senders ab (HTTP 401).",
        )
    retry = reverse("fitconnect_admin:external_retry", args=[route.pk])
    assert retry in admin_client.get(OVERVIEW).text
    done = admin_client.post(retry, follow=True)
    assert "1 gescheiterte Zustellungen werden erneut versucht." in done.text
    failed.refresh_from_db()
    assert (failed.state, failed.attempts) == ("pending", 0)
    assert retry not in done.text


def test_another_members_external_destination_is_not_found(admin_client, other_member):
    route = outbound.create_external_destination(
        tenant=other_member,
        leika_keys=[LEIKA],
        destination_id=str(uuid.uuid4()),
        api_url="https://zustelldienst.example/api",
        token_url="https://zustelldienst.example/token",
        client_id="sender-1",
        secret="geheim",
    )
    assert str(route.destination_id) not in admin_client.get(OVERVIEW).text
    edit = reverse("fitconnect_admin:external_secret", args=[route.pk])
    assert admin_client.get(edit).status_code == 404
    assert admin_client.post(edit, {"client_secret": "x"}).status_code == 404
    retry = reverse("fitconnect_admin:external_retry", args=[route.pk])
    assert admin_client.post(retry).status_code == 404


def test_leika_keys_of_only_separators_are_refused_and_nothing_is_stored(admin_client):
    answer = admin_client.post(CREATE, _form("geheim-" + uuid.uuid4().hex, leika=" , ; "))
    assert answer.status_code == 422
    assert "Bitte geben Sie mindestens einen LeiKa-Schlüssel an." in answer.text
    with scopes_disabled():
        assert not ExternalDestination.objects.exists()
