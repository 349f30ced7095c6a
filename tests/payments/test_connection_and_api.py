"""The member administrator's page of the Bezahldienst connection (write-only secret, stored
encrypted; the connection tested against the simulator; audited), and the fee gate of
`POST /api/v1/applications`: a fee due at the submit is never taken as paid."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from openkommune.payments import services
from openkommune.payments.constants import FeeNoticeKind
from openkommune.payments.models import FeeNotice, Payment, ProviderConfig
from openkommune.submissions.models import Application
from openkommune.tenancy.constants import Role
from openkommune.tenancy.models import AuditRecord
from tests.cases.factories import clerk_of
from tests.payments.support import choose, pay_page_url
from tests.paysim import OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET, PAYSIM_ORIGINATOR, PAYSIM_SECRET
from tests.submissions.factories import MAGDEBURG_POSTCODE, make_offer, private_media  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

URL = "payments:connection"
NEW_SECRET = "ein-neuer-geheimer-schluessel-123"


def _form(simulator, **changes):
    return {
        "provider": "pmpayment",
        "base_url": simulator.url,
        "originator_id": PAYSIM_ORIGINATOR,
        "endpoint_id": "BEWOHNERPARKEN",
        "token_url": f"{simulator.url}/oauth/token",
        "client_id": OAUTH_CLIENT_ID,
        "client_secret": OAUTH_CLIENT_SECRET,
        "ca_bundle": simulator.pki.ca_pem,
        "client_certificate": "",
        "client_key": "",
        "secret": PAYSIM_SECRET,
        "haushaltsstelle": "1.1.2.2.01.4311000",
        "objektnummer": "",
        "kassenzeichen_prefix": "MD",
    } | changes


def _audit_text() -> str:
    return json.dumps(
        list(AuditRecord._base_manager.values("before", "after")), default=str, ensure_ascii=False
    )


def test_only_member_administrators_see_the_page(client, paysim_member):
    assert client.get(reverse(URL)).status_code == 302  # login
    client.force_login(clerk_of(paysim_member))
    assert client.get(reverse(URL)).status_code == 403


def test_secret_is_write_only_encrypted_and_the_connection_is_tested(client, paysim_oauth):
    from tests.submissions.factories import magdeburg_member

    paysim = paysim_oauth
    tenant = magdeburg_member()
    client.force_login(clerk_of(tenant, role=Role.MEMBER_ADMIN))
    empty = client.get(reverse(URL))
    assert empty.status_code == 200
    assert "noch kein Bezahldienst eingerichtet" in empty.text
    # Bad input: German messages, nothing saved.
    bad = client.post(reverse(URL), _form(paysim, base_url="kein-link", secret="kurz"))
    assert bad.status_code == 422
    assert not ProviderConfig.applicant_objects.exists()
    short = client.post(reverse(URL), _form(paysim, secret="kurz"))
    assert short.status_code == 422
    assert "zu kurz" in short.text
    assert not ProviderConfig.applicant_objects.exists()
    # XBezahldienste's ids: 1-36 of letters without umlauts, digits, _ and -.
    ids = client.post(reverse(URL), _form(paysim, originator_id="Verfahren Ä", endpoint_id=""))
    assert ids.status_code == 422
    assert "Bis zu 36 Buchstaben ohne Umlaute" in ids.text
    assert not ProviderConfig.applicant_objects.exists()
    with pytest.raises(services.PaymentError) as refused:
        services.provider_config_set(
            tenant=tenant, actor=None, **(_form(paysim, originator_id="x" * 37) | {"secret": ""})
        )
    assert "originator_id" in refused.value.fields

    saved = client.post(reverse(URL), _form(paysim))
    assert saved.status_code == 302
    config = ProviderConfig.applicant_objects.get(tenant=tenant)
    assert config.secret_reference == ""
    assert config.secret_encrypted
    assert PAYSIM_SECRET not in config.secret_encrypted
    assert config.client_secret_encrypted
    assert OAUTH_CLIENT_SECRET not in config.client_secret_encrypted
    page = client.get(reverse(URL))
    assert PAYSIM_SECRET not in page.text
    assert OAUTH_CLIENT_SECRET not in page.text
    assert OAUTH_CLIENT_ID in page.text
    assert "hinterlegt (wird nie angezeigt)" in page.text
    assert PAYSIM_SECRET not in _audit_text()
    assert OAUTH_CLIENT_SECRET not in _audit_text()
    created = AuditRecord._base_manager.get(action="payment_config.create").after
    assert created["secret_changed"]
    assert created["client_secret_changed"]

    tested = client.post(reverse(URL), {"aktion": "testen"}, follow=True)
    assert "Verbindung in Ordnung" in tested.text
    config.refresh_from_db()
    assert config.last_test_ok is True
    assert AuditRecord._base_manager.get(action="payment_config.test").after["result"] == "ok"

    # A change without the secrets keeps the stored ones.
    client.post(reverse(URL), _form(paysim, secret="", client_secret="", haushaltsstelle="9.9.9"))
    config.refresh_from_db()
    assert config.haushaltsstelle == "9.9.9"
    assert services.provider_config_test(tenant=tenant, actor=None)[0] is True

    # A wrong client secret is refused by the token endpoint; an address nobody answers is down.
    client.post(reverse(URL), _form(paysim, secret="", client_secret=NEW_SECRET))
    refused = client.post(reverse(URL), {"aktion": "testen"}, follow=True)
    assert "Die Token-Adresse hat die Anmeldung abgewiesen" in refused.text
    client.post(
        reverse(URL),
        _form(
            paysim, secret="", client_secret=OAUTH_CLIENT_SECRET, base_url="https://127.0.0.1:9/"
        ),
    )
    down = client.post(reverse(URL), {"aktion": "testen"}, follow=True)
    assert "nicht erreichbar" in down.text
    config.refresh_from_db()
    assert config.last_test_ok is False
    assert NEW_SECRET not in _audit_text()


def test_the_platform_pays_with_the_entered_client_certificate(client, paysim):
    """The entered certificate and key authenticate by mutual TLS: a notice is paid."""
    from tests.payments.test_pay_later import _submitted
    from tests.submissions.factories import magdeburg_member

    tenant = magdeburg_member()
    client.force_login(clerk_of(tenant, role=Role.MEMBER_ADMIN))
    saved = client.post(
        reverse(URL),
        _form(
            paysim,
            provider="epaybl",
            client_certificate=paysim.pki.client.certificate_pem,
            client_key=paysim.pki.client.key_pem,
            client_secret="",
        ),
    )
    assert saved.status_code == 302
    page = client.get(reverse(URL))
    assert "PRIVATE KEY" not in page.text
    assert "CN=OpenKommune Test Magdeburg" in page.text
    assert "zertifikat-warnung" not in page.text
    application = _submitted(tenant)
    notice = services.fee_notice_issue(tenant=tenant, actor=None, application=application)
    payment = services.fee_notice_payment_start(notice=notice, base_url="http://127.0.0.1:9/")
    choose(payment.payment_url, "paid")
    assert services.payment_refresh(payment).status == "paid"


# --- POST /api/v1/applications ----------------------------------------------------------------

PER_DOG = {
    "items": [{"label": "Hundemarke je Hund", "amount": "25.00", "per": [{"field": "hunde"}]}]
}


def _api_post(client, offer, key="api-1"):
    body = {
        "form": "testantrag",
        "version": offer.version.number,
        "data": {
            "name": "Erika Mustermann",
            "hunde": [{"hund_name": "Bello"}, {"hund_name": "Rex"}],
        },
        "postcode": MAGDEBURG_POSTCODE,
        "email": "erika@example.org",
    }
    return client.post(
        "/api/v1/applications",
        body,
        content_type="application/json",
        headers={"Idempotency-Key": key},
    )


def _fee(tenant, pay_when):
    services.fee_schedule_set(
        tenant=tenant,
        actor=None,
        form_key="testantrag",
        legal_basis="Beispiel (Test): Hundesteuersatzung",
        rule=PER_DOG,
        pay_when=pay_when,
    )


def test_api_submission_of_a_fee_bearing_service_is_never_taken_as_paid(client, paysim_member):
    offer = make_offer(tenant=paysim_member)
    _fee(paysim_member, "submission")
    response = _api_post(client, offer)
    assert response.status_code == 201, response.json()
    body = response.json()
    payment = body["payment"]
    assert payment["status"] == "open"
    assert payment["amount"] == "50.00"
    assert payment["kassenzeichen"].startswith("MD")
    assert payment["due_on"]
    assert f"/bezahlung/antrag/{body['reference']}/gebuehr/" in payment["pay_url"]
    assert f"token={body['status_token']}" in payment["pay_url"]
    application = Application.applicant_objects.get(reference=body["reference"])
    notice = FeeNotice.applicant_objects.get(application=application)
    assert notice.kind == FeeNoticeKind.SUBMISSION
    assert "noch nicht bezahlt" in services.fee_outstanding(application)
    # A retry claims nothing more.
    again = _api_post(client, offer)
    assert again.status_code == 200
    assert again.json()["payment"]["kassenzeichen"] == payment["kassenzeichen"]
    assert FeeNotice.applicant_objects.count() == 1
    # The status says the same; the pay link works for the applicant.
    status = client.get(
        f"/api/v1/applications/{body['reference']}",
        headers={"X-Status-Token": body["status_token"]},
    ).json()
    assert status["payment"]["status"] == "open"
    pay_path = payment["pay_url"].replace("http://testserver", "")
    page = client.get(pay_path)
    assert page.status_code == 200
    assert "50,00" in page.text
    # Paid through the Bezahldienst: the status says so and the decision may be taken.
    to_provider = client.post(pay_path)
    choose(pay_page_url(to_provider), "paid")
    paid = services.payment_refresh(Payment.applicant_objects.get(fee_notice=notice))
    assert paid.status == "paid"
    status = client.get(
        f"/api/v1/applications/{body['reference']}",
        headers={"X-Status-Token": body["status_token"]},
    ).json()
    assert status["payment"]["status"] == "paid"
    assert status["payment"]["pay_url"] == ""
    assert services.fee_outstanding(application) == ""


def test_api_submission_with_the_fee_due_with_the_notice_claims_nothing(client, paysim_member):
    offer = make_offer(tenant=paysim_member)
    _fee(paysim_member, "notice")
    body = _api_post(client, offer).json()
    assert body["payment"]["status"] == "due_with_notice"
    assert body["payment"]["amount"] == "50.00"
    assert not FeeNotice.applicant_objects.exists()


def test_a_fee_set_or_changed_after_api_submissions_applies_to_the_next_one(client, paysim_member):
    """The API's submit reads the fee schedule from the read cache, kept in the process: a
    schedule set or changed by `fee_schedule_set` is seen by the very next submission."""
    offer = make_offer(tenant=paysim_member)
    assert _api_post(client, offer, key="before-any-fee").json()["payment"] is None
    _fee(paysim_member, "notice")
    assert _api_post(client, offer, key="fee-with-notice").json()["payment"]["status"] == (
        "due_with_notice"
    )
    assert not FeeNotice.applicant_objects.exists()
    _fee(paysim_member, "submission")
    claimed = _api_post(client, offer, key="fee-at-submit").json()
    assert claimed["payment"]["status"] == "open"
    assert FeeNotice.applicant_objects.get().application.reference == claimed["reference"]
