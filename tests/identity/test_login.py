"""Citizen login through the real SimpleSAMLphp test IdP (tools/simplesamlphp.py)."""

from pathlib import Path

import pytest
from defusedxml import ElementTree

from openkommune.identity.models import CitizenIdentity
from tests.support.bundid import full_login, start_login

pytestmark = pytest.mark.django_db


MD = "{urn:oasis:names:tc:SAML:2.0:metadata}"
DS = "{http://www.w3.org/2000/09/xmldsig#}"
POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"


def _certificate_body(path: str) -> str:
    lines = Path(path).read_text().strip().splitlines()
    return "".join(line for line in lines if not line.startswith("-----"))


def test_sp_metadata_offers_keys_signed_requests_and_acs(client, bundid, sp_keys):
    response = client.get("/konto/bundid/metadata/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/samlmetadata+xml"
    root = ElementTree.fromstring(response.content)
    assert root.get("entityID") == "http://testserver/konto/bundid/metadata/"
    sp = root.find(f"{MD}SPSSODescriptor")
    assert sp.get("AuthnRequestsSigned") == "true"
    assert sp.get("WantAssertionsSigned") == "true"
    # Each key with its use, and they are the configured certificates, not any.
    keys = {
        descriptor.get("use"): "".join(
            descriptor.find(f"{DS}KeyInfo/{DS}X509Data/{DS}X509Certificate").text.split()
        )
        for descriptor in sp.findall(f"{MD}KeyDescriptor")
    }
    assert keys == {
        "signing": _certificate_body(sp_keys["SIGNING_CERT_FILE"]),
        "encryption": _certificate_body(sp_keys["ENCRYPTION_CERT_FILE"]),
    }
    assert keys["signing"] != keys["encryption"]
    acs = [
        (e.get("Binding"), e.get("Location")) for e in sp.findall(f"{MD}AssertionConsumerService")
    ]
    assert acs == [(POST, "http://testserver/konto/bundid/acs/")]
    slo = {(e.get("Binding"), e.get("Location")) for e in sp.findall(f"{MD}SingleLogoutService")}
    assert slo == {
        (REDIRECT, "http://testserver/konto/bundid/logout/"),
        (POST, "http://testserver/konto/bundid/logout/"),
    }


def test_the_identity_provider_is_configured_by_its_metadata_url(
    client, settings, simplesamlphp_idp, sp_keys
):
    """Instead of a file, the identity provider's metadata address (fetched by pysaml2)."""
    from tools import simplesamlphp

    from openkommune.identity import saml
    from tests.support.bundid import configure_sp

    configure_sp(settings, simplesamlphp_idp, sp_keys, "http://testserver")
    settings.OPENKOMMUNE_BUNDID = dict(
        settings.OPENKOMMUNE_BUNDID,
        IDP_METADATA_FILE="",
        IDP_METADATA_URL=simplesamlphp.metadata_url(simplesamlphp_idp.server.base_url),
    )
    saml._client.cache_clear()
    try:
        assert 'id="bundid-login"' in client.get("/konto/anmelden/").text
        answer = full_login(client, "substantiell", level=3)
        assert answer["Location"] == "/konto/bundid/verknuepfen/"
        client.post("/konto/bundid/verknuepfen/", {"auswahl": "neu"})
        assert client.session["bundid_level"] == 3
        assert CitizenIdentity.objects.get().bpk2.startswith("DEMO-bPK2-substantiell")
    finally:
        saml._client.cache_clear()


def test_login_at_level_hoch_creates_account_after_choice(client, bundid):
    answer = full_login(client, "hoch", level=4)
    assert answer.status_code == 302
    assert answer["Location"] == "/konto/bundid/verknuepfen/"
    page = client.get("/konto/bundid/verknuepfen/")
    assert "Erika" in page.content.decode()
    done = client.post("/konto/bundid/verknuepfen/", {"auswahl": "neu"})
    assert done.status_code == 302
    identity = CitizenIdentity.objects.get()
    assert identity.level == 4
    assert identity.bpk2 == "DEMO-bPK2-hoch-0004"
    assert identity.attributes["birth_date"] == {"value": "1964-08-12", "level": 4}
    assert identity.user.email == "erika.mustermann@demo.invalid"
    assert client.session["bundid_level"] == 4


def test_single_logout_through_the_identity_provider(client, bundid):
    import html
    from urllib.parse import urlsplit

    import requests

    from tests.support.bundid import idp_login, post_to_acs

    idp_browser = requests.Session()
    _acs, saml_response = idp_login(start_login(client, 2), "normal", idp_browser)
    answer = client.get(post_to_acs(client, saml_response)["Location"])
    client.post("/konto/bundid/verknuepfen/", {"auswahl": "neu"})
    assert "_auth_user_id" in client.session

    logout = client.post("/konto/bundid/abmelden/")
    assert logout.status_code == 302
    assert "SAMLRequest=" in logout["Location"]
    assert "Signature=" in logout["Location"]
    assert "_auth_user_id" not in client.session
    # The IdP ends its session and answers with a signed LogoutResponse to our SLO endpoint.
    location = logout["Location"]
    for _hop in range(5):  # SimpleSAMLphp passes through its own pages first
        back = idp_browser.get(location, allow_redirects=False, timeout=20)
        assert back.status_code in (302, 303), back.text[:2000]
        location = html.unescape(back.headers["Location"])
        if location.startswith("http://testserver/"):
            break
    target = urlsplit(location)
    assert target.path == "/konto/bundid/logout/"
    assert "SAMLResponse=" in target.query
    done = client.get(target.path + "?" + target.query)
    assert done.status_code == 200
    assert "Sie sind abgemeldet" in done.text
    assert answer.status_code == 302


def test_login_page_offers_bundid_with_test_label(client, bundid):
    page = client.get("/konto/anmelden/").text
    assert 'id="bundid-login"' in page
    assert "Test-Identitätsanbieter — keine echte BundID" in page


def test_login_page_without_configuration_has_no_bundid_button(client, settings):
    settings.OPENKOMMUNE_BUNDID = dict(settings.OPENKOMMUNE_BUNDID, IDP_METADATA_FILE="")
    assert 'id="bundid-login"' not in client.get("/konto/anmelden/").text
    assert client.get("/konto/bundid/metadata/").status_code == 404


def test_first_login_links_to_existing_account_only_with_its_password(client, bundid):
    from tests.accounts.factories import PASSWORD, UserFactory

    existing = UserFactory(email="erika.mustermann@demo.invalid")
    answer = full_login(client, "hoch", level=4)
    assert answer["Location"] == "/konto/bundid/verknuepfen/"
    page = client.get("/konto/bundid/verknuepfen/").text
    assert "erika.mustermann@demo.invalid" in page
    wrong = client.post(
        "/konto/bundid/verknuepfen/", {"auswahl": "verknuepfen", "passwort": "falsch"}
    )
    assert wrong.status_code == 400
    assert "Passwort ist nicht richtig" in wrong.text
    assert not CitizenIdentity.objects.exists()
    assert "_auth_user_id" not in client.session
    right = client.post(
        "/konto/bundid/verknuepfen/", {"auswahl": "verknuepfen", "passwort": PASSWORD}
    )
    assert right.status_code == 302
    assert CitizenIdentity.objects.get().user == existing
    assert int(client.session["_auth_user_id"]) == existing.pk
    # The next login goes straight in, to the same account.
    client.logout()
    again = full_login(client, "hoch", level=4)
    assert again.status_code == 302
    assert again["Location"] != "/konto/bundid/verknuepfen/"
    assert int(client.session["_auth_user_id"]) == existing.pk


def test_the_authn_request_is_signed_and_asks_bundids_level_and_attributes(client, bundid, sp_keys):
    """The HTTP-Redirect AuthnRequest as BundID expects it: signed (RSA-SHA256 over the query,
    verified here with the SP's signing certificate), the level as minimum STORK class, a
    fresh authentication, and AKDB's extension with the attributes and what the citizen is
    shown."""
    import base64
    import zlib
    from urllib.parse import parse_qs, unquote, urlsplit

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    from openkommune.identity.constants import AKDB_NAMESPACE, ATTRIBUTES, BPK2

    location = start_login(client, 3)
    query = urlsplit(location).query
    fields = parse_qs(query)
    assert fields["SigAlg"] == ["http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"]
    signed_part = query[: query.index("&Signature=")]
    certificate = x509.load_pem_x509_certificate(Path(sp_keys["SIGNING_CERT_FILE"]).read_bytes())
    signature = base64.b64decode(unquote(query[query.index("&Signature=") + 11 :]))
    certificate.public_key().verify(
        signature, signed_part.encode(), padding.PKCS1v15(), hashes.SHA256()
    )  # raises if the signature does not cover this query

    xml = zlib.decompress(base64.b64decode(fields["SAMLRequest"][0]), -15)
    request = ElementTree.fromstring(xml)
    samlp = "{urn:oasis:names:tc:SAML:2.0:protocol}"
    saml = "{urn:oasis:names:tc:SAML:2.0:assertion}"
    assert request.tag == f"{samlp}AuthnRequest"
    assert request.get("ForceAuthn") == "true"
    assert request.get("AssertionConsumerServiceURL") == "http://testserver/konto/bundid/acs/"
    context = request.find(f"{samlp}RequestedAuthnContext")
    assert context.get("Comparison") == "minimum"
    assert [e.text for e in context.findall(f"{saml}AuthnContextClassRef")] == ["STORK-QAA-Level-3"]
    akdb = f"{{{AKDB_NAMESPACE}}}"
    extension = request.find(f"{samlp}Extensions/{akdb}AuthenticationRequest")
    assert extension.get("Version") == "2"
    requested = {
        e.get("Name"): e.get("RequiredAttribute")
        for e in extension.findall(f"{akdb}RequestedAttributes/{akdb}RequestedAttribute")
    }
    assert requested == {oid: "true" if oid == BPK2 else "false" for oid in ATTRIBUTES}
    display = extension.find(f"{akdb}DisplayInformation")
    texts = {element.tag.split("}")[1]: element.text for element in display.iter()}
    assert texts["OrganizationDisplayName"] == "OpenKommune Test"
    assert texts["OnlineServiceId"] == "TEST-0001"


def test_a_staff_account_reached_through_bundid_still_needs_the_second_factor(client, bundid):
    """A clerk who linked the BundID login to the staff account: BundID is no second factor
    of the platform, the back office still waits for the app's code."""
    from tests.accounts.factories import PASSWORD, UserFactory

    clerk = UserFactory(email="erika.mustermann@demo.invalid", clerk=True)
    full_login(client, "hoch", level=4)
    linked = client.post(
        "/konto/bundid/verknuepfen/", {"auswahl": "verknuepfen", "passwort": PASSWORD}
    )
    assert linked.status_code == 302
    assert int(client.session["_auth_user_id"]) == clerk.pk
    for url in ("/behoerde/eingang/", "/konto/"):
        answer = client.get(url)
        assert answer.status_code == 302
        assert answer["Location"].startswith("/konto/zwei-faktor/")
