"""Company accounts through OpenID Connect against the real `oidc-provider` (the
Test-Identitätsanbieter, tests/support/oidc_provider.py): the acting person and the company
are kept apart; every check of the client (state, PKCE, nonce, ID token signature, issuer,
audience, expiry) has an input that must fail (issue 15 parts 4 and 6, ADR 0021)."""

import base64
import json
import time
import urllib.parse

import pytest
import requests
from django.urls import reverse
from joserfc import jwt
from joserfc.jwk import RSAKey

from openkommune.companies.models import Company, CompanyLoginFailure, CompanyRepresentative
from openkommune.core import oidc
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from tests.support.oidc_provider import TEST_CALLBACK

pytestmark = pytest.mark.django_db

START = reverse("companies:start")
CALLBACK = reverse("companies:callback")


def _authorize_at_provider(location: str, login: str = "anna-mueller") -> str:
    """Drive the provider's own login page like a browser; returns the redirect back to us."""
    http = requests.Session()
    url = location
    for _hop in range(10):
        response = http.get(url, allow_redirects=False, timeout=10)
        if response.status_code == 200 and 'name="login"' in response.text:
            action = response.text.split('action="', 1)[1].split('"', 1)[0]
            url = urllib.parse.urljoin(url, action)
            response = http.post(
                url,
                data={"prompt": "login", "login": login, "password": "egal"},
                allow_redirects=False,
                timeout=10,
            )
        assert response.status_code in {302, 303}, response.text[:500]
        url = urllib.parse.urljoin(url, response.headers["Location"])
        if url.startswith(TEST_CALLBACK):
            return url
    raise AssertionError("the provider never sent the browser back")


def _start(client, next_url="/konto/"):
    response = client.get(START, {"next": next_url})
    assert response.status_code == 302
    return response["Location"]


def _back(client, url):
    return client.get(url.removeprefix("http://testserver"))


def test_a_company_logs_in_and_person_and_company_are_kept_apart(client, oidc_provider):
    location = _start(client)
    query = urllib.parse.parse_qs(urllib.parse.urlparse(location).query)
    assert location.startswith(oidc_provider.issuer + "/auth?")
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["state"][0]) >= 40
    assert len(query["nonce"][0]) >= 40

    response = _back(client, _authorize_at_provider(location))
    assert response.status_code == 302
    assert response["Location"] == "/konto/"

    representative = CompanyRepresentative.objects.select_related("company", "user").get()
    company = representative.company
    assert company.name == "Müller Bau GmbH (Testunternehmen)"
    assert company.external_id == "test-unternehmen-0001"
    assert company.issuer == oidc_provider.issuer
    assert (company.postal_code, company.locality) == ("39104", "Magdeburg")
    assert (representative.given_name, representative.family_name) == (
        "Anna",
        "Müller (Testperson)",
    )
    assert representative.person_sub == "anna-mueller"
    user = representative.user
    assert user.email.endswith("@unternehmenskonto.invalid")
    assert not user.has_usable_password()
    assert int(client.session["_auth_user_id"]) == user.pk
    # A citizen-like account: no second factor for companies.
    assert client.get("/konto/").status_code == 200
    with scopes_disabled():
        assert AuditRecord.objects.filter(action="company_login.succeeded").count() == 1


def test_a_second_login_reuses_the_account_and_another_company_gets_its_own(client, oidc_provider):
    _back(client, _authorize_at_provider(_start(client)))
    client.post(reverse("accounts:logout"))
    _back(client, _authorize_at_provider(_start(client)))
    assert CompanyRepresentative.objects.count() == 1
    client.post(reverse("accounts:logout"))
    _back(client, _authorize_at_provider(_start(client), login="jens-schmidt"))
    assert CompanyRepresentative.objects.count() == 2
    assert Company.objects.count() == 2


def _failed(response, reason):
    assert response.status_code == 400
    assert "Anmeldung mit Unternehmenskonto fehlgeschlagen" in response.text
    assert CompanyLoginFailure.objects.filter(reason=reason).exists()
    with scopes_disabled():
        assert AuditRecord.objects.filter(action="company_login.failed").exists()
    assert CompanyRepresentative.objects.count() == 0


def test_a_wrong_state_fails(client, oidc_provider):
    back = _authorize_at_provider(_start(client))
    tampered = back.replace("state=", "state=x")
    _failed(_back(client, tampered), "state_mismatch")
    assert "_auth_user_id" not in client.session


def test_a_callback_without_a_started_login_fails(client, oidc_provider):
    back = _authorize_at_provider(_start(client))
    other = client.__class__()
    _failed(_back(other, back), "no_pending_login")


def test_a_replayed_callback_fails(client, oidc_provider):
    back = _authorize_at_provider(_start(client))
    assert _back(client, back).status_code == 302
    client.post(reverse("accounts:logout"))
    _failed_replay = _back(client, back)
    assert _failed_replay.status_code == 400
    assert CompanyLoginFailure.objects.filter(reason="no_pending_login").exists()


def test_a_wrong_pkce_verifier_is_refused_by_the_provider(client, oidc_provider):
    location = _start(client)
    session = client.session
    pending = session[oidc.SESSION_KEY]
    pending["verifier"] = "x" * 43
    session[oidc.SESSION_KEY] = pending
    session.save()
    _failed(_back(client, _authorize_at_provider(location)), "token_request_refused")


def test_an_error_from_the_provider_fails(client, oidc_provider):
    location = _start(client)
    state = urllib.parse.parse_qs(urllib.parse.urlparse(location).query)["state"][0]
    response = client.get(CALLBACK, {"state": state, "error": "access_denied"})
    _failed(response, "provider_error")


# --- ID token checks: tokens signed by the provider's real key or by a foreign one --------


def _real_token(client):
    """An ID token the provider really issued for this client, and its nonce."""
    location = _start(client)
    back = _authorize_at_provider(location)
    pending = client.session[oidc.SESSION_KEY]
    provider = oidc.Provider(
        issuer=pending["issuer"],
        client_id="openkommune-test",
        client_secret="test-secret-not-for-production",
    )
    code = urllib.parse.parse_qs(urllib.parse.urlparse(back).query)["code"][0]
    tokens = oidc._exchange(provider, pending, code)
    return provider, tokens["id_token"], pending["nonce"]


def _claims(token: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))


def test_the_real_token_passes_every_check(client, oidc_provider):
    provider, token, nonce = _real_token(client)
    claims = oidc.validate_id_token(provider, token, nonce=nonce)
    assert claims["company"]["id"] == "test-unternehmen-0001"


def test_a_wrong_nonce_fails(client, oidc_provider):
    provider, token, _nonce = _real_token(client)
    with pytest.raises(oidc.OIDCError) as error:
        oidc.validate_id_token(provider, token, nonce="ein-anderer-nonce")
    assert error.value.reason == "id_token_nonce"


def test_an_expired_token_fails(client, oidc_provider):
    provider, token, nonce = _real_token(client)
    later = _claims(token)["exp"] + oidc.LEEWAY_SECONDS + 1
    with pytest.raises(oidc.OIDCError) as error:
        oidc.validate_id_token(provider, token, nonce=nonce, now=later)
    assert error.value.reason == "id_token_expired"


def test_a_token_for_another_client_fails(client, oidc_provider):
    provider, token, nonce = _real_token(client)
    other = oidc.Provider(issuer=provider.issuer, client_id="ein-anderer-client", client_secret="")
    with pytest.raises(oidc.OIDCError) as error:
        oidc.validate_id_token(other, token, nonce=nonce)
    assert error.value.reason == "id_token_audience"


def test_a_token_of_another_issuer_fails(client, oidc_provider):
    provider, token, nonce = _real_token(client)
    # The same keys under another issuer name (the cached metadata of the real one).
    other = oidc.Provider(
        issuer=provider.issuer + "/anderer", client_id=provider.client_id, client_secret=""
    )
    oidc._metadata[other.issuer] = oidc._metadata[provider.issuer]
    oidc._keys[other.issuer] = (time.monotonic() + 60, oidc._key_set(provider))
    with pytest.raises(oidc.OIDCError) as error:
        oidc.validate_id_token(other, token, nonce=nonce)
    assert error.value.reason == "id_token_issuer"


def test_a_token_with_a_changed_payload_fails_the_signature(client, oidc_provider):
    provider, token, nonce = _real_token(client)
    header, _payload, signature = token.split(".")
    claims = _claims(token) | {"sub": "jemand-anderes"}
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(oidc.OIDCError) as error:
        oidc.validate_id_token(provider, f"{header}.{forged_payload}.{signature}", nonce=nonce)
    assert error.value.reason == "id_token_signature"


def test_a_token_signed_by_a_foreign_key_fails(client, oidc_provider):
    provider, token, nonce = _real_token(client)
    foreign = RSAKey.generate_key(2048)
    kid = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))["kid"]
    forged = jwt.encode({"alg": "RS256", "kid": kid}, _claims(token), foreign)
    with pytest.raises(oidc.OIDCError) as error:
        oidc.validate_id_token(provider, forged, nonce=nonce)
    assert error.value.reason == "id_token_signature"


@pytest.mark.parametrize("alg", ["none", "HS256"])
def test_unsigned_or_hmac_tokens_fail(client, oidc_provider, alg):
    provider, token, nonce = _real_token(client)
    header = base64.urlsafe_b64encode(json.dumps({"alg": alg}).encode()).rstrip(b"=").decode()
    payload = token.split(".")[1]
    with pytest.raises(oidc.OIDCError) as error:
        oidc.validate_id_token(provider, f"{header}.{payload}.", nonce=nonce)
    assert error.value.reason == "id_token_algorithm"


def test_a_token_issued_in_the_future_fails(client, oidc_provider):
    provider, token, nonce = _real_token(client)
    earlier = _claims(token)["iat"] - oidc.LEEWAY_SECONDS - 5
    with pytest.raises(oidc.OIDCError) as error:
        oidc.validate_id_token(provider, token, nonce=nonce, now=earlier)
    assert error.value.reason == "id_token_issued_in_future"


def test_an_old_started_login_expires(client, oidc_provider):
    location = _start(client)
    session = client.session
    pending = session[oidc.SESSION_KEY]
    pending["started"] = int(time.time()) - oidc.REQUEST_MAX_AGE_SECONDS - 1
    session[oidc.SESSION_KEY] = pending
    session.save()
    _failed(_back(client, _authorize_at_provider(location)), "login_expired")


def test_without_configuration_there_is_no_company_login(client, settings):
    settings.COMPANY_OIDC_ISSUER = ""
    assert client.get(START).status_code == 404
    assert "Unternehmenskonto" not in client.get(reverse("accounts:login")).text


def test_the_login_page_offers_the_test_provider(client, oidc_provider):
    page = client.get(reverse("accounts:login"))
    assert "Mit Unternehmenskonto anmelden (Test-Identitätsanbieter)" in page.text
