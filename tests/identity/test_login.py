"""Citizen login through the real SimpleSAMLphp test IdP (tools/simplesamlphp.py)."""

import pytest

from openkommune.identity.models import CitizenIdentity
from tests.support.bundid import full_login

pytestmark = pytest.mark.django_db


def test_sp_metadata_offers_keys_signed_requests_and_acs(client, bundid):
    response = client.get("/konto/bundid/metadata/")
    assert response.status_code == 200
    xml = response.content.decode()
    assert 'AuthnRequestsSigned="true"' in xml
    assert 'WantAssertionsSigned="true"' in xml
    assert 'use="signing"' in xml
    assert 'use="encryption"' in xml
    assert "http://testserver/konto/bundid/acs/" in xml
    assert "http://testserver/konto/bundid/logout/" in xml


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
