"""BundID test support: the SimpleSAMLphp identity provider (tools/simplesamlphp.py) as
pytest fixtures, the platform configured as its service provider, and a browser-less walk
through a login (requests for the identity provider's pages, Django's client for ours)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests
from tools import simplesamlphp


@dataclass
class TestIdp:
    server: simplesamlphp.Server
    directory: Path
    sp_metadata: Path
    idp_metadata: Path

    @property
    def key(self) -> Path:
        return self.directory / "cert" / "idp.key"

    @property
    def certificate(self) -> Path:
        return self.directory / "cert" / "idp.crt"


@pytest.fixture(scope="session")
def simplesamlphp_idp(tmp_path_factory):
    """SimpleSAMLphp under PHP's built-in server on a free port, for the whole session."""
    if not simplesamlphp.installed():
        pytest.fail(f"SimpleSAMLphp is missing: {simplesamlphp.INSTALL_HINT}")
    directory = tmp_path_factory.mktemp("simplesamlphp")
    sp_metadata = directory / "sp-metadata.xml"
    server = simplesamlphp.Server(directory, simplesamlphp.free_port())
    server.start(sp_metadata)
    idp_metadata = directory / "idp-metadata.xml"
    idp_metadata.write_bytes(server.metadata())
    try:
        yield TestIdp(server, directory, sp_metadata, idp_metadata)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def sp_keys(tmp_path_factory):
    from openkommune.identity.saml import ensure_development_keys

    return ensure_development_keys(tmp_path_factory.mktemp("sp-keys"))


def configure_sp(settings, idp: TestIdp, sp_keys: dict, base_url: str) -> None:
    """Point the platform at the test IdP and publish its SP metadata to the IdP."""
    from openkommune.identity import saml

    settings.OPENKOMMUNE_BUNDID = {
        "IDP_METADATA_URL": "",
        "IDP_METADATA_FILE": str(idp.idp_metadata),
        "BASE_URL": base_url,
        "ORGANIZATION_DISPLAY_NAME": "OpenKommune Test",
        "ONLINE_SERVICE_ID": "TEST-0001",
        "TEST_IDP": True,
        **sp_keys,
    }
    saml._client.cache_clear()
    xml = saml.metadata_xml(base_url)
    idp.sp_metadata.write_bytes(xml.encode() if isinstance(xml, str) else xml)


@pytest.fixture
def bundid(settings, simplesamlphp_idp, sp_keys):
    """The platform as SP of the test IdP, for Django's test client (http://testserver)."""
    configure_sp(settings, simplesamlphp_idp, sp_keys, "http://testserver")
    yield simplesamlphp_idp
    from openkommune.identity import saml

    saml._client.cache_clear()


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action", ""), "fields": {}})
        elif tag == "input" and self.forms and attrs.get("name"):
            self.forms[-1]["fields"][attrs["name"]] = attrs.get("value") or ""


def forms_of(page: str) -> list[dict]:
    parser = _Forms()
    parser.feed(page)
    return parser.forms


def idp_login(location: str, user: str, browser=None) -> tuple[str, str]:
    """Follow the AuthnRequest to SimpleSAMLphp, log in as `user`: (ACS URL, SAMLResponse).
    `browser`: a requests.Session standing for the citizen's browser at the IdP."""
    browser = browser or requests.Session()
    page = browser.get(location, timeout=20)
    assert page.status_code == 200, page.text[:2000]
    form = forms_of(page.text)[0]
    fields = dict(form["fields"], username=user, password=user)
    answer = browser.post(urljoin(page.url, html.unescape(form["action"])), data=fields, timeout=20)
    assert answer.status_code == 200, answer.text[:2000]
    posted = [f for f in forms_of(answer.text) if "SAMLResponse" in f["fields"]]
    assert posted, re.sub(r"\s+", " ", answer.text)[:3000]
    return html.unescape(posted[0]["action"]), posted[0]["fields"]["SAMLResponse"]


def start_login(client, level: int = 1, next_url: str = "") -> str:
    query = f"?niveau={level}" + (f"&next={next_url}" if next_url else "")
    response = client.get("/konto/bundid/anmelden/" + query)
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def post_to_acs(client, saml_response: str):
    return client.post("/konto/bundid/acs/", {"SAMLResponse": saml_response})


def full_login(client, user: str, level: int = 1, next_url: str = ""):
    """Walk through a login; returns the response of /konto/bundid/weiter/."""
    location = start_login(client, level, next_url)
    _acs, saml_response = idp_login(location, user)
    answer = post_to_acs(client, saml_response)
    assert answer.status_code == 302, answer.content.decode()[:3000]
    return client.get(answer["Location"])
