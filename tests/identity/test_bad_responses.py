"""Bad input at the ACS (issue 15, part 7): each response is crafted from a real one of the
SimpleSAMLphp test IdP (tests/support/saml_craft.py). Every one ends on the German error
page, logs nobody in, creates no identity and leaves an audit record with the reason."""

import re
import subprocess
from datetime import UTC, datetime, timedelta

import pytest

from openkommune.identity.models import CitizenIdentity, RejectedLogin
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from tests.support.bundid import idp_login, post_to_acs, start_login
from tests.support.saml_craft import SIGNATURE, Crafter, decode, encode

pytestmark = pytest.mark.django_db

BPK2_VALUE = "DEMO-bPK2-hoch-0004"


@pytest.fixture
def crafter(bundid, sp_keys):
    return Crafter(bundid.key, bundid.certificate, sp_keys)


@pytest.fixture
def fresh(client, bundid):
    """A real response of the test IdP to a fresh AuthnRequest of this client (level 4)."""
    _acs, saml_response = idp_login(start_login(client, 4), "hoch")
    return saml_response


def assert_refused(client, response, reason):
    assert response.status_code == 400
    page = response.content.decode()
    assert "Anmeldung mit BundID nicht möglich" in page
    assert "Sie sind nicht angemeldet" in page or "nicht angemeldet" in page
    assert "_auth_user_id" not in client.session
    assert not CitizenIdentity.objects.exists()
    rejected = RejectedLogin.objects.get()
    reasons = reason if isinstance(reason, set) else {reason}
    assert rejected.reason in reasons
    with scopes_disabled():
        record = AuditRecord.objects.get(action="identity.login_rejected")
    assert record.object_id == str(rejected.pk)
    assert record.after == {"reason": rejected.reason}


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_untouched_response_is_accepted(client, fresh, crafter):
    """The crafting itself keeps a response valid: only the change makes it fail."""
    rebuilt = crafter.rebuild(fresh)
    answer = post_to_acs(client, rebuilt)
    assert answer.status_code == 302
    assert not RejectedLogin.objects.exists()


def test_tampered_signature(client, fresh, crafter):
    tampered = crafter.rebuild(
        fresh,
        lambda assertion: assertion.replace(BPK2_VALUE, "DEMO-bPK2-someone-else"),
        resign_assertion=False,
    )
    assert_refused(client, post_to_acs(client, tampered), "signature")


def test_unsigned_assertion(client, fresh, crafter):
    unsigned = crafter.rebuild(fresh, lambda assertion: SIGNATURE.sub("", assertion, count=1))
    assert_refused(client, post_to_acs(client, unsigned), "signature")


def test_unencrypted_assertion(client, fresh, crafter):
    plain = crafter.rebuild(fresh, encrypt=False)
    assert_refused(client, post_to_acs(client, plain), "unencrypted")


def test_replayed_assertion(client, fresh):
    request_cookie = client.cookies["okbundid_request"].value
    first = post_to_acs(client, fresh)
    assert first.status_code == 302
    client.get(first["Location"])  # the first login goes through
    client.logout()
    CitizenIdentity.objects.all().delete()
    client.cookies["okbundid_request"] = request_cookie  # as an attacker holding both would
    assert_refused(client, post_to_acs(client, fresh), "replay")


def test_replay_without_the_request_is_unsolicited(client, fresh):
    assert post_to_acs(client, fresh).status_code == 302
    client.logout()
    CitizenIdentity.objects.all().delete()
    assert_refused(client, post_to_acs(client, fresh), "unsolicited")


def test_wrong_audience(client, fresh, crafter):
    wrong = crafter.rebuild(
        fresh,
        lambda assertion: re.sub(
            r"<saml:Audience>[^<]*</saml:Audience>",
            "<saml:Audience>https://other-sp.example/metadata</saml:Audience>",
            assertion,
        ),
    )
    assert_refused(client, post_to_acs(client, wrong), "audience")


def test_wrong_recipient(client, fresh, crafter):
    wrong = crafter.rebuild(
        fresh,
        lambda assertion: re.sub(
            r'Recipient="[^"]*"', 'Recipient="https://other-sp.example/acs"', assertion
        ),
    )
    assert_refused(client, post_to_acs(client, wrong), "recipient")


def test_wrong_destination_of_the_response(client, fresh, crafter):
    wrong = crafter.rebuild(
        fresh,
        change_response=lambda response: re.sub(
            r'Destination="[^"]*"', 'Destination="https://other-sp.example/acs"', response, count=1
        ),
    )
    assert_refused(client, post_to_acs(client, wrong), "recipient")


def test_expired_assertion(client, fresh, crafter):
    past = _iso(datetime.now(UTC) - timedelta(hours=2))
    expired = crafter.rebuild(
        fresh,
        lambda assertion: re.sub(r'NotOnOrAfter="[^"]*"', f'NotOnOrAfter="{past}"', assertion),
    )
    assert_refused(client, post_to_acs(client, expired), "expired")


def test_not_yet_valid_assertion(client, fresh, crafter):
    future = _iso(datetime.now(UTC) + timedelta(hours=2))
    later = _iso(datetime.now(UTC) + timedelta(hours=3))
    early = crafter.rebuild(
        fresh,
        lambda assertion: re.sub(
            r'NotOnOrAfter="[^"]*"',
            f'NotOnOrAfter="{later}"',
            re.sub(r'NotBefore="[^"]*"', f'NotBefore="{future}"', assertion),
        ),
    )
    assert_refused(client, post_to_acs(client, early), "not_yet_valid")


def test_level_lower_than_requested(client, bundid):
    """Asked for "hoch", the IdP authenticated at STORK-QAA-Level-1 (a real response)."""
    _acs, saml_response = idp_login(start_login(client, 4), "untergeordnet")
    answer = post_to_acs(client, saml_response)
    assert_refused(client, answer, "level_too_low")
    assert "verlangten Vertrauensniveau" in answer.content.decode()


def test_unknown_identity_provider(client, fresh, crafter, tmp_path):
    key, certificate = tmp_path / "other.key", tmp_path / "other.crt"
    subprocess.run(
        [
            "/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=other", "-keyout", str(key), "-out", str(certificate),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    issuer = re.search(r"<saml:Issuer>([^<]*)</saml:Issuer>", decode(fresh)).group(1)
    foreign = "https://idp.unknown.example/metadata"
    other = crafter.rebuild(
        fresh,
        lambda assertion: assertion.replace(issuer, foreign),
        change_response=lambda response: response.replace(issuer, foreign),
        key=key,
        certificate=certificate,
    )
    assert_refused(client, post_to_acs(client, other), "unknown_idp")


def test_known_issuer_signed_with_an_unknown_key(client, fresh, crafter, tmp_path):
    key, certificate = tmp_path / "other.key", tmp_path / "other.crt"
    subprocess.run(
        [
            "/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=other", "-keyout", str(key), "-out", str(certificate),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    forged = crafter.rebuild(
        fresh,
        lambda assertion: assertion.replace(BPK2_VALUE, "DEMO-bPK2-someone-else"),
        key=key,
        certificate=certificate,
    )
    assert_refused(client, post_to_acs(client, forged), "signature")


def test_signature_wrapping(client, fresh, crafter):
    """The classic wrapping: an evil assertion carries the original signature, which still
    verifies because it names the original assertion, hidden in the evil one's Advice."""

    def wrap(original: str) -> str:
        original_id = re.search(r'<saml:Assertion\b[^>]*\bID="([^"]+)"', original).group(1)
        evil = original.replace(f'ID="{original_id}"', 'ID="_evil0001"', 1)
        evil = evil.replace(BPK2_VALUE, "DEMO-bPK2-someone-else")
        hidden = re.sub(r"^<\?xml[^>]*\?>\s*", "", original)
        advice = f"</saml:Conditions><saml:Advice>{hidden}</saml:Advice>"
        return evil.replace("</saml:Conditions>", advice, 1)

    wrapped = crafter.rebuild(fresh, wrap, resign_assertion=False)
    assert_refused(client, post_to_acs(client, wrapped), {"wrapping", "signature"})


def test_xxe_in_the_response(client, fresh, crafter):
    response_xml = decode(crafter.rebuild(fresh))
    doctype = '<!DOCTYPE samlp:Response [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    evil = doctype + response_xml.replace("<saml:Issuer>", "<saml:Issuer>&xxe;", 1)
    answer = post_to_acs(client, encode(evil))
    assert_refused(client, answer, "doctype")
    assert "root:" not in answer.content.decode()


def test_garbage_is_refused(client, bundid):
    start_login(client, 1)
    assert_refused(client, post_to_acs(client, "bm90IHhtbA=="), "malformed")


def _authn_statement(class_ref: str) -> str:
    moment = _iso(datetime.now(UTC))
    return (
        f'<saml:AuthnStatement AuthnInstant="{moment}" SessionIndex="_second">'
        f"<saml:AuthnContext><saml:AuthnContextClassRef>{class_ref}</saml:AuthnContextClassRef>"
        "</saml:AuthnContext></saml:AuthnStatement>"
    )


def _with_statement(class_ref: str):
    return lambda assertion: assertion.replace(
        "</saml:Assertion>", _authn_statement(class_ref) + "</saml:Assertion>", 1
    )


@pytest.mark.parametrize(
    "class_ref", ["STORK-QAA-Level-1", "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"]
)
def test_a_second_authn_statement_is_refused(client, fresh, crafter, class_ref):
    """Exactly one AuthnStatement with the STORK level; a second one (another level, or a
    class such as `Password` as some public BundID simulators add) is not guessed at."""
    two = crafter.rebuild(fresh, _with_statement(class_ref))
    assert_refused(client, post_to_acs(client, two), {"invalid", "level"})


def test_an_unknown_stork_level_is_refused(client, fresh, crafter):
    unknown = crafter.rebuild(
        fresh, lambda assertion: assertion.replace("STORK-QAA-Level-4", "STORK-QAA-Level-5")
    )
    assert_refused(client, post_to_acs(client, unknown), "level")


def test_xxe_inside_the_encrypted_assertion(client, fresh, crafter):
    """The document type hidden in the encrypted part: anyone may encrypt for the service
    provider's public key, so the decrypted assertion is parsed without entities as well."""

    def evil(assertion: str) -> str:
        assertion = re.sub(r"^<\?xml[^>]*\?>\s*", "", assertion)
        doctype = '<!DOCTYPE saml:Assertion [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        return doctype + assertion.replace(BPK2_VALUE, "&xxe;", 1)

    answer = post_to_acs(client, crafter.rebuild(fresh, evil, resign_assertion=False))
    assert_refused(client, answer, {"doctype", "invalid", "signature", "malformed"})
    assert "root:" not in answer.content.decode()
