"""Authentication at the Bezahldienst (issue 16): the ePayBL connector's mutual TLS and
pmPayment's OAuth2 client credentials, against the Bezahldienst-Simulator, which enforces
both. A refused authentication changes nothing: the payment stays payable, the draft intact,
the applicant reads a German message, the log names the problem without secrets."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from openkommune.payments import providers, services
from openkommune.payments.constants import PaymentStatus
from openkommune.payments.models import Payment, ProviderConfig
from openkommune.submissions.models import Draft
from openkommune.tenancy.constants import Role
from tests.cases.factories import clerk_of
from tests.payments.support import NO_PLATFORM, bewohnerpark_draft, choose
from tests.payments.test_pages import _applicant
from tests.paysim import OAUTH_CLIENT_SECRET, connect, credentials
from tests.submissions.factories import private_media  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


def _refused_changes_nothing(client, tenant, draft, token, caplog, secret: str):
    """The applicant's attempt to pay fails safely and can be repeated."""
    _applicant(client, draft, token)
    response = client.post(reverse("payments:pay", args=[draft.public_id]))
    assert response.status_code == 503
    assert "Bezahldienst ist gerade nicht erreichbar" in response.text
    assert "nichts abgebucht" in response.text
    payment = Payment.applicant_objects.get(draft=draft)
    assert payment.status == PaymentStatus.NOT_STARTED
    assert not payment.provider_payment_id
    draft = Draft.applicant_objects.get(pk=draft.pk)
    assert draft.data
    assert not draft.is_submitted
    assert secret not in caplog.text
    assert secret not in payment.problem
    assert "PRIVATE KEY" not in caplog.text
    return payment


def test_payment_through_mutual_tls(paysim_member, paysim):
    config = ProviderConfig.applicant_objects.get(tenant=paysim_member)
    assert config.base_url.startswith("https://")
    draft, _token = bewohnerpark_draft(paysim_member)
    payment = services.payment_start(draft=draft, base_url=NO_PLATFORM)
    choose(payment.payment_url, "paid")
    assert services.payment_refresh(payment).status == PaymentStatus.PAID


@pytest.mark.parametrize("certificate", ["expired", "foreign"])
def test_a_refused_client_certificate_changes_nothing(
    client, paysim_member, paysim, caplog, certificate
):
    issued = getattr(paysim.pki, certificate)
    connect(paysim_member, paysim, **credentials(paysim, certificate=issued))
    draft, token = bewohnerpark_draft(paysim_member)
    payment = _refused_changes_nothing(
        client, paysim_member, draft, token, caplog, issued.key_pem.splitlines()[1]
    )
    assert "refused the TLS client certificate" in caplog.text
    assert "TLS" in payment.problem
    # With the valid certificate again, the same draft is paid.
    connect(paysim_member, paysim)
    payment = services.payment_start(draft=draft, base_url=NO_PLATFORM)
    choose(payment.payment_url, "paid")
    assert services.payment_refresh(payment).status == PaymentStatus.PAID


def test_an_absent_client_certificate_sends_nothing(client, paysim_member, paysim, caplog):
    connect(paysim_member, paysim, client_certificate="", client_key_encrypted="")
    draft, token = bewohnerpark_draft(paysim_member)
    payment = _refused_changes_nothing(client, paysim_member, draft, token, caplog, "-----")
    assert "no client certificate" in payment.problem


@pytest.fixture
def pm_member(paysim_oauth, monkeypatch):
    from tests.paysim import PAYSIM_SECRET, SECRET_ENV
    from tests.submissions.factories import magdeburg_member

    monkeypatch.setenv(SECRET_ENV, PAYSIM_SECRET)
    providers._TOKENS.clear()
    tenant = magdeburg_member()
    connect(tenant, paysim_oauth, provider="pmpayment")
    yield tenant
    providers._TOKENS.clear()


def test_pmpayment_token_is_fetched_once_reused_and_fetched_again_after_expiry(
    pm_member, paysim_oauth, monkeypatch
):
    issued = paysim_oauth.stats()["tokens_issued"]
    draft, _token = bewohnerpark_draft(pm_member)
    payment = services.payment_start(draft=draft, base_url=NO_PLATFORM)
    choose(payment.payment_url, "paid")
    assert services.payment_refresh(payment).status == PaymentStatus.PAID
    assert services.provider_config_test(tenant=pm_member, actor=None)[0] is True
    # Three calls, one token.
    assert paysim_oauth.stats()["tokens_issued"] == issued + 1
    # Shortly before it expires (300 s, used until 30 s before), a new one is fetched.
    now = providers._clock()
    monkeypatch.setattr(providers, "_clock", lambda: now + 271)
    assert services.provider_config_test(tenant=pm_member, actor=None)[0] is True
    assert paysim_oauth.stats()["tokens_issued"] == issued + 2
    assert services.provider_config_test(tenant=pm_member, actor=None)[0] is True
    assert paysim_oauth.stats()["tokens_issued"] == issued + 2


def test_a_token_refused_early_is_fetched_again_once(pm_member, paysim_oauth):
    assert services.provider_config_test(tenant=pm_member, actor=None)[0] is True
    issued = paysim_oauth.stats()["tokens_issued"]
    paysim_oauth.settings(expire_tokens=True)  # the Bezahldienst no longer takes it: 401
    draft, _token = bewohnerpark_draft(pm_member)
    payment = services.payment_start(draft=draft, base_url=NO_PLATFORM)
    assert payment.provider_payment_id
    assert paysim_oauth.stats()["tokens_issued"] == issued + 1


def test_a_refused_token_changes_nothing(client, pm_member, paysim_oauth, caplog):
    wrong = "ein-falsches-client-secret"
    connect(pm_member, paysim_oauth, provider="pmpayment", **_secret(paysim_oauth, wrong))
    draft, token = bewohnerpark_draft(pm_member)
    payment = _refused_changes_nothing(client, pm_member, draft, token, caplog, wrong)
    assert "HTTP 401" in payment.problem
    assert OAUTH_CLIENT_SECRET not in caplog.text
    # With the right secret, the same draft is paid.
    connect(pm_member, paysim_oauth, provider="pmpayment")
    payment = services.payment_start(draft=draft, base_url=NO_PLATFORM)
    choose(payment.payment_url, "paid")
    assert services.payment_refresh(payment).status == PaymentStatus.PAID


def _secret(simulator, client_secret: str) -> dict:
    values = credentials(simulator, client_secret=client_secret)
    return {"client_secret_encrypted": values["client_secret_encrypted"]}


URL = "payments:connection"


def _test(client) -> str:
    return client.post(reverse(URL), {"aktion": "testen"}, follow=True).text


def test_the_connection_test_reports_each_case_in_german(client, paysim_member, paysim):
    client.force_login(clerk_of(paysim_member, role=Role.MEMBER_ADMIN))
    assert "Verbindung in Ordnung" in _test(client)
    connect(paysim_member, paysim, **credentials(paysim, certificate=paysim.pki.expired))
    assert "hat das Client-Zertifikat abgewiesen" in _test(client)
    connect(paysim_member, paysim, **credentials(paysim, certificate=paysim.pki.foreign))
    assert "hat das Client-Zertifikat abgewiesen" in _test(client)
    connect(paysim_member, paysim, client_certificate="", client_key_encrypted="")
    assert "Die Anmeldedaten fehlen" in _test(client)
    connect(paysim_member, paysim, ca_bundle=paysim.pki.foreign.certificate_pem)
    assert "Server-Zertifikat des Bezahldienstes konnte nicht geprüft werden" in _test(client)
    connect(paysim_member, paysim, base_url="https://127.0.0.1:9")
    assert "nicht erreichbar" in _test(client)


def test_the_connection_test_of_pmpayment_in_german(client, pm_member, paysim_oauth):
    client.force_login(clerk_of(pm_member, role=Role.MEMBER_ADMIN))
    assert "Verbindung in Ordnung" in _test(client)
    connect(pm_member, paysim_oauth, provider="pmpayment", **_secret(paysim_oauth, "falsch-1234"))
    assert "Die Token-Adresse hat die Anmeldung abgewiesen" in _test(client)


def test_the_page_shows_the_certificate_and_warns_before_it_expires(client, paysim_member, paysim):
    from tools.paysim import pki

    client.force_login(clerk_of(paysim_member, role=Role.MEMBER_ADMIN))
    page = client.get(reverse(URL)).text
    assert "CN=OpenKommune Test Magdeburg" in page
    assert "CN=paysim test CA (simulator only" in page  # the issuer
    assert "zertifikat-warnung" not in page
    assert "PRIVATE KEY" not in page
    soon = pki.issue(
        paysim.pki.ca,
        "OpenKommune Test bald abgelaufen",
        valid_from=datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=340),
        valid_days=360,
    )
    connect(paysim_member, paysim, **credentials(paysim, certificate=soon))
    page = client.get(reverse(URL)).text
    assert "läuft in weniger als 30 Tagen ab" in page
    connect(paysim_member, paysim, **credentials(paysim, certificate=paysim.pki.expired))
    assert "Das Zertifikat ist abgelaufen" in client.get(reverse(URL)).text


def test_the_form_refuses_a_key_that_does_not_fit(client, paysim_member, paysim):
    client.force_login(clerk_of(paysim_member, role=Role.MEMBER_ADMIN))
    config = ProviderConfig.applicant_objects.get(tenant=paysim_member)
    form = {
        "provider": "epaybl",
        "base_url": paysim.url,
        "originator_id": config.originator_id,
        "endpoint_id": config.endpoint_id,
        "client_certificate": paysim.pki.client.certificate_pem,
        "client_key": paysim.pki.foreign.key_pem,
        "haushaltsstelle": "1",
        "kassenzeichen_prefix": "MD",
    }
    response = client.post(reverse(URL), form)
    assert response.status_code == 422
    assert "gehört nicht zum Client-Zertifikat" in response.text
    assert "PRIVATE KEY" not in response.text  # the key is not echoed back
    response = client.post(reverse(URL), form | {"client_key": "kein schlüssel"})
    assert "kein lesbarer, unverschlüsselter PEM-Schlüssel" in response.text
    response = client.post(reverse(URL), form | {"base_url": "http://127.0.0.1:1/"})
    assert "muss die Adresse mit https:// beginnen" in response.text
    # Nothing of it was saved.
    config.refresh_from_db()
    info = providers.certificate_info(config.client_certificate)
    assert "CN=OpenKommune Test Magdeburg" in info.subject
    assert config.haushaltsstelle != "1"
