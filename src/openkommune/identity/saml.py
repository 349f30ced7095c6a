"""The SAML 2.0 service provider for BundID, on pysaml2 (ADR 0019).

pysaml2 builds and signs the AuthnRequest, decrypts and verifies the response (signature with
xmlsec1, audience, recipient, destination, validity window, InResponseTo against the requests
this session sent). Before it sees a response, `_precheck` refuses what BundID never sends and
what attacks rely on: a document type (XXE, entity expansion), an unencrypted assertion, more
than one assertion, a foreign issuer. After it, `_check_assertion` makes sure the signature
covers the very assertion that is used (signature wrapping) and reads the level and the
attributes, each with its akdb trust level.
"""

from __future__ import annotations

import base64
import binascii
import logging
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeElementTree
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from openkommune.identity.constants import (
    AKDB_CLASSIC_UI_NAMESPACE,
    AKDB_NAMESPACE,
    AKDB_TRUST_LEVELS,
    ATTRIBUTES,
    BPK2,
    TrustLevel,
    level_from_class_ref,
    stork_class_ref,
)

logger = logging.getLogger(__name__)

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
DS = "http://www.w3.org/2000/09/xmldsig#"
MAX_RESPONSE_BYTES = 256 * 1024
SIG_RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
DIGEST_SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"


class SamlRejected(Exception):
    """A response or request the platform refuses. `code` goes into the audit record and the
    log; the citizen sees `message` (German)."""

    def __init__(self, code: str, message=None):
        super().__init__(code)
        self.code = code
        self.message = message or _(
            "Die Anmeldung mit dem BundID-Konto konnte nicht geprüft werden. Sie sind nicht "
            "angemeldet. Bitte versuchen Sie es noch einmal."
        )


class NotConfigured(Exception):
    pass


@dataclass
class Login:
    """What a verified response says about the person."""

    issuer: str
    assertion_id: str
    expires_at: datetime
    level: TrustLevel
    name_id: str
    name_id_format: str
    session_index: str
    # {field: {"value": str, "level": int}}
    attributes: dict = field(default_factory=dict)
    in_response_to: str = ""

    @property
    def bpk2(self) -> str:
        return self.attributes["bpk2"]["value"]


def configuration() -> dict:
    return settings.OPENKOMMUNE_BUNDID


def is_configured() -> bool:
    conf = configuration()
    return bool(
        (conf["IDP_METADATA_FILE"] or conf["IDP_METADATA_URL"])
        and conf["SIGNING_KEY_FILE"]
        and conf["ENCRYPTION_KEY_FILE"]
    )


def urls(base_url: str) -> dict[str, str]:
    base = (configuration()["BASE_URL"] or base_url).rstrip("/")
    return {
        "entity_id": base + "/konto/bundid/metadata/",
        "acs": base + "/konto/bundid/acs/",
        "slo": base + "/konto/bundid/logout/",
    }


@lru_cache(maxsize=8)
def _client(base_url: str, conf_key: tuple):
    from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
    from saml2.client import Saml2Client
    from saml2.config import SPConfig

    conf = configuration()
    if not is_configured():
        raise NotConfigured
    addresses = urls(base_url)
    metadata = (
        {"local": [conf["IDP_METADATA_FILE"]]}
        if conf["IDP_METADATA_FILE"]
        else {"remote": [{"url": conf["IDP_METADATA_URL"]}]}
    )
    sp = SPConfig()
    sp.load(
        {
            "entityid": addresses["entity_id"],
            "xmlsec_binary": shutil.which("xmlsec1") or "/usr/bin/xmlsec1",
            "key_file": conf["SIGNING_KEY_FILE"],
            "cert_file": conf["SIGNING_CERT_FILE"],
            "encryption_keypairs": [
                {"key_file": conf["ENCRYPTION_KEY_FILE"], "cert_file": conf["ENCRYPTION_CERT_FILE"]}
            ],
            "metadata": metadata,
            "accepted_time_diff": 60,
            "allow_unknown_attributes": True,
            "signing_algorithm": SIG_RSA_SHA256,
            "digest_algorithm": DIGEST_SHA256,
            "service": {
                "sp": {
                    "name": conf["ORGANIZATION_DISPLAY_NAME"],
                    "endpoints": {
                        "assertion_consumer_service": [(addresses["acs"], BINDING_HTTP_POST)],
                        "single_logout_service": [
                            (addresses["slo"], BINDING_HTTP_REDIRECT),
                            (addresses["slo"], BINDING_HTTP_POST),
                        ],
                    },
                    "authn_requests_signed": True,
                    "logout_requests_signed": True,
                    "logout_responses_signed": True,
                    "want_assertions_signed": True,
                    "want_response_signed": False,
                    "want_assertions_or_response_signed": True,
                    "allow_unsolicited": False,
                    "name_id_format": "urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
                    "requested_attributes": [
                        {
                            "name": oid,
                            "name_format": "urn:oasis:names:tc:SAML:2.0:attrname-format:uri",
                            "required": oid in {BPK2},
                        }
                        for oid in ATTRIBUTES
                    ],
                },
            },
            "organization": {
                "name": conf["ORGANIZATION_DISPLAY_NAME"],
                "display_name": conf["ORGANIZATION_DISPLAY_NAME"],
                "url": (configuration()["BASE_URL"] or base_url),
            },
        }
    )
    return Saml2Client(config=sp)


def client(base_url: str):
    conf = configuration()
    return _client(base_url, tuple(sorted((k, str(v)) for k, v in conf.items())))


def idp_entity_id(base_url: str) -> str:
    entities = list(client(base_url).metadata.identity_providers())
    if len(entities) != 1:
        raise NotConfigured("exactly one identity provider expected in its metadata")
    return entities[0]


def metadata_xml(base_url: str) -> bytes:
    """The service provider's metadata: signing and encryption keys, AuthnRequestsSigned,
    WantAssertionsSigned, AssertionConsumerService, SingleLogoutService."""
    from saml2.metadata import create_metadata_string

    sp_client = client(base_url)
    return create_metadata_string(None, config=sp_client.config, valid=24 * 365, sign=False)


def _extensions(level: int):
    """BundID's AuthnRequest extension: the requested attributes and what the citizen is shown."""
    from saml2 import extension_element_from_string
    from saml2.samlp import Extensions

    conf = configuration()
    requested = "".join(
        f'<akdb:RequestedAttribute Name="{oid}" '
        f'RequiredAttribute="{"true" if oid == BPK2 else "false"}"/>'
        for oid in ATTRIBUTES
    )
    display = ""
    if conf["ORGANIZATION_DISPLAY_NAME"] or conf["ONLINE_SERVICE_ID"]:
        organisation = escape(conf["ORGANIZATION_DISPLAY_NAME"])
        service_id = escape(conf["ONLINE_SERVICE_ID"])
        display = (
            "<akdb:DisplayInformation>"
            f'<classic-ui:Version xmlns:classic-ui="{AKDB_CLASSIC_UI_NAMESPACE}">'
            f"<classic-ui:OrganizationDisplayName>{organisation}"
            "</classic-ui:OrganizationDisplayName>"
            f"<classic-ui:OnlineServiceId>{service_id}</classic-ui:OnlineServiceId>"
            "</classic-ui:Version></akdb:DisplayInformation>"
        )
    xml = (
        f'<akdb:AuthenticationRequest xmlns:akdb="{AKDB_NAMESPACE}" Version="2">'
        f"<akdb:RequestedAttributes>{requested}</akdb:RequestedAttributes>{display}"
        "</akdb:AuthenticationRequest>"
    )
    return Extensions(extension_elements=[extension_element_from_string(xml)])


def authn_request(base_url: str, level: int, relay_state: str) -> tuple[str, str]:
    """A signed AuthnRequest (HTTP-Redirect) asking for at least `level`: (request id, URL)."""
    from saml2 import BINDING_HTTP_REDIRECT
    from saml2.saml import AuthnContextClassRef
    from saml2.samlp import RequestedAuthnContext

    sp_client = client(base_url)
    request_id, info = sp_client.prepare_for_authenticate(
        entityid=idp_entity_id(base_url),
        relay_state=relay_state,
        binding=BINDING_HTTP_REDIRECT,
        requested_authn_context=RequestedAuthnContext(
            authn_context_class_ref=[AuthnContextClassRef(text=stork_class_ref(level))],
            comparison="minimum",
        ),
        extensions=_extensions(level),
        # A fresh authentication each time: a step-up must not reuse the identity
        # provider's session at the lower level.
        force_authn="true",
        sign=True,
        sigalg=SIG_RSA_SHA256,
    )
    location = dict(info["headers"])["Location"]
    return request_id, location


def _decode(saml_response: str) -> bytes:
    if not saml_response or len(saml_response) > MAX_RESPONSE_BYTES * 4 // 3 + 4:
        raise SamlRejected("malformed")
    try:
        return base64.b64decode(saml_response, validate=False)
    except (binascii.Error, ValueError) as error:
        raise SamlRejected("malformed") from error


def _precheck(xml: bytes, expected_issuer: str, acs: str) -> None:
    if (
        b"<!DOCTYPE" in xml.upper().replace(b"<!doctype", b"<!DOCTYPE")
        or b"<!ENTITY" in xml.upper()
    ):
        raise SamlRejected("doctype")
    try:
        root = SafeElementTree.fromstring(xml, forbid_dtd=True)
    except DefusedXmlException as error:
        raise SamlRejected("doctype") from error
    except SafeElementTree.ParseError as error:
        raise SamlRejected("malformed") from error
    if root.tag != f"{{{SAMLP}}}Response":
        raise SamlRejected("malformed")
    issuer = root.findtext(f"{{{SAML}}}Issuer")
    if issuer is not None and issuer.strip() != expected_issuer:
        raise SamlRejected("unknown_idp")
    destination = root.get("Destination")
    if destination is not None and destination != acs:
        raise SamlRejected("recipient")
    if root.findall(f".//{{{SAML}}}Assertion"):
        raise SamlRejected("unencrypted")
    if len(root.findall(f"{{{SAML}}}EncryptedAssertion")) != 1:
        # A refusal by the identity provider (status not Success) has no assertion at all.
        status = root.find(f"{{{SAMLP}}}Status/{{{SAMLP}}}StatusCode")
        if (
            status is not None
            and status.get("Value") != "urn:oasis:names:tc:SAML:2.0:status:Success"
        ):
            raise SamlRejected("idp_status")
        raise SamlRejected("unencrypted")


def parse_response(base_url: str, saml_response: str, requested: dict[str, int]) -> Login:
    """Verify a response posted to the ACS to one of the `requested` AuthnRequests (their
    IDs with the level each asked for). Raises `SamlRejected` for anything not accepted."""
    from saml2.response import StatusError
    from saml2.sigver import SignatureError

    xml = _decode(saml_response)
    if len(xml) > MAX_RESPONSE_BYTES:
        raise SamlRejected("malformed")
    expected_issuer = idp_entity_id(base_url)
    acs = urls(base_url)["acs"]
    _precheck(xml, expected_issuer, acs)
    sp_client = client(base_url)
    try:
        from saml2 import BINDING_HTTP_POST

        response = sp_client.parse_authn_request_response(
            saml_response, BINDING_HTTP_POST, outstanding=dict.fromkeys(requested, "")
        )
    except StatusError as error:
        raise SamlRejected("idp_status") from error
    except SignatureError as error:
        raise SamlRejected("signature") from error
    except Exception as error:  # pysaml2 raises many kinds; each means "not verified"
        logger.info("SAML response refused by pysaml2: %s: %s", type(error).__name__, error)
        raise SamlRejected(_reason(error)) from error
    if response is None:
        raise SamlRejected("malformed")
    requested_level = requested.get(getattr(response, "in_response_to", None) or "")
    if requested_level is None:
        raise SamlRejected("unsolicited")
    login = _check_assertion(response, expected_issuer, requested_level, acs)
    login.in_response_to = response.in_response_to
    return login


def _reason(error: Exception) -> str:
    name = type(error).__name__
    text = str(error).lower()
    if "signature" in name.lower() or "signature" in text or "signed" in text:
        return "signature"
    if "audience" in text:
        return "audience"
    if "recipient" in text or "destination" in text:
        return "recipient"
    if (
        "too old" in text
        or "not on or after" in text
        or "timing" in name.lower()
        or "expired" in text
    ):
        return "expired"
    if "not yet valid" in text or "not before" in text or "use response yet" in text:
        return "not_yet_valid"
    if "unsolicited" in text or "inresponseto" in text or "in_response_to" in text:
        return "unsolicited"
    if "issuer" in text or "entity" in text:
        return "unknown_idp"
    return "invalid"


def _check_assertion(response, expected_issuer: str, requested_level: int, acs: str) -> Login:
    assertions = getattr(response, "assertions", None) or []
    if len(assertions) != 1 or response.assertion is None:
        raise SamlRejected("invalid")
    assertion = response.assertion
    if assertion.issuer is None or (assertion.issuer.text or "").strip() != expected_issuer:
        raise SamlRejected("unknown_idp")
    # The signature must reference the assertion that is used, nothing nested or beside it.
    signature = assertion.signature
    references = signature.signed_info.reference if signature and signature.signed_info else []
    if len(references) != 1 or references[0].uri != f"#{assertion.id}":
        raise SamlRejected("wrapping")
    # pysaml2 checks the recipient only with conversation info: every bearer confirmation
    # must name this ACS.
    confirmations = assertion.subject.subject_confirmation if assertion.subject else []
    if not confirmations or any(
        c.subject_confirmation_data is None or c.subject_confirmation_data.recipient != acs
        for c in confirmations
    ):
        raise SamlRejected("recipient")
    now = datetime.now(UTC)
    conditions = assertion.conditions
    skew = timedelta(seconds=60)
    if conditions is None or not conditions.not_on_or_after:
        raise SamlRejected("expired")
    not_before = _time(conditions.not_before) if conditions.not_before else None
    not_after = _time(conditions.not_on_or_after)
    if not_before and not_before - skew > now:
        raise SamlRejected("not_yet_valid")
    if not_after + skew <= now:
        raise SamlRejected("expired")
    level, authn = _stork_level(assertion.authn_statement or [])
    if level < requested_level:
        raise SamlRejected(
            "level_too_low",
            _(
                "Ihr BundID-Konto wurde nicht mit dem verlangten Vertrauensniveau bestätigt. "
                "Sie sind nicht angemeldet."
            ),
        )
    attributes = {}
    for statement in assertion.attribute_statement or []:
        for attribute in statement.attribute:
            if attribute.name not in ATTRIBUTES or not attribute.attribute_value:
                continue
            name = ATTRIBUTES[attribute.name][0]
            value = (attribute.attribute_value[0].text or "").strip()
            marked = (attribute.extension_attributes or {}).get(f"{{{AKDB_NAMESPACE}}}TrustLevel")
            attribute_level = AKDB_TRUST_LEVELS.get(marked or "", level)
            attributes[name] = {"value": value[:300], "level": int(min(attribute_level, level))}
    if not attributes.get("bpk2", {}).get("value"):
        raise SamlRejected("attributes")
    subject_id = assertion.subject.name_id if assertion.subject else None
    return Login(
        issuer=expected_issuer,
        assertion_id=assertion.id,
        expires_at=not_after,
        level=level,
        name_id=(subject_id.text or "") if subject_id is not None else "",
        name_id_format=(subject_id.format or "") if subject_id is not None else "",
        session_index=authn.session_index or "",
        attributes=attributes,
    )


def _stork_level(statements) -> tuple[TrustLevel, object]:
    """The level of the assertion's one AuthnStatement (pysaml2 refuses more than one) and
    that statement; a class reference that is not a STORK level 1 to 4 is refused."""
    if len(statements) != 1:
        raise SamlRejected("level")
    context = statements[0].authn_context
    class_ref = context.authn_context_class_ref if context is not None else None
    level = level_from_class_ref((class_ref.text or "").strip() if class_ref is not None else None)
    if level is None:
        raise SamlRejected("level")
    return level, statements[0]


def _time(value: str) -> datetime:
    from saml2.time_util import str_to_time

    return datetime(*str_to_time(value)[:6], tzinfo=UTC)


def logout_request(base_url: str, name_id: str, name_id_format: str, session_index: str) -> str:
    """URL of a signed LogoutRequest (HTTP-Redirect) to the identity provider."""
    from saml2 import BINDING_HTTP_REDIRECT
    from saml2.saml import NameID

    sp_client = client(base_url)
    idp = idp_entity_id(base_url)
    destinations = sp_client.metadata.single_logout_service(idp, BINDING_HTTP_REDIRECT, "idpsso")
    destination = destinations[0]["location"]
    _request_id, request = sp_client.create_logout_request(
        destination,
        idp,
        name_id=NameID(text=name_id, format=name_id_format or None),
        session_indexes=[session_index] if session_index else None,
        sign=False,
    )
    info = sp_client.apply_binding(
        BINDING_HTTP_REDIRECT, str(request), destination, "", sign=True, sigalg=SIG_RSA_SHA256
    )
    return dict(info["headers"])["Location"]


def handle_logout_message(base_url: str, query: dict) -> str | None:
    """A LogoutResponse (after our request) or a LogoutRequest from the identity provider.
    Returns the URL of our signed LogoutResponse for a request, None after a response."""
    from saml2 import BINDING_HTTP_REDIRECT

    sp_client = client(base_url)
    if "SAMLResponse" in query:
        try:
            sp_client.parse_logout_request_response(query["SAMLResponse"], BINDING_HTTP_REDIRECT)
        except Exception as error:
            raise SamlRejected("logout") from error
        return None
    if "SAMLRequest" in query:
        try:
            request = sp_client.parse_logout_request(
                query["SAMLRequest"],
                BINDING_HTTP_REDIRECT,
                relay_state=query.get("RelayState"),
                sigalg=query.get("SigAlg"),
                signature=query.get("Signature"),
            )
        except Exception as error:
            raise SamlRejected("logout") from error
        if request is None:
            raise SamlRejected("logout")
        response = sp_client.create_logout_response(request.message, [BINDING_HTTP_REDIRECT])
        destinations = sp_client.metadata.single_logout_service(
            idp_entity_id(base_url), BINDING_HTTP_REDIRECT, "idpsso"
        )
        destination = destinations[0].get("response_location") or destinations[0]["location"]
        info = sp_client.apply_binding(
            BINDING_HTTP_REDIRECT,
            str(response),
            destination,
            query.get("RelayState", ""),
            response=True,
            sign=True,
            sigalg=SIG_RSA_SHA256,
        )
        return dict(info["headers"])["Location"]
    raise SamlRejected("logout")


def ensure_development_keys(directory: Path) -> dict[str, str]:
    """Generated key pairs for development and tests (never for production: docs/identity.md)."""
    import subprocess

    directory.mkdir(parents=True, exist_ok=True)
    files = {}
    for use in ("signing", "encryption"):
        key, cert = directory / f"sp-{use}.key", directory / f"sp-{use}.crt"
        if not key.exists():
            subprocess.run(  # noqa: S603 - fixed arguments, our own paths
                [
                    "/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:3072", "-nodes", "-sha256",
                    "-days", "3650", "-subj", f"/CN=OpenKommune SP {use} (Test)",
                    "-keyout", str(key), "-out", str(cert),
                ],
                check=True,
                capture_output=True,
            )  # fmt: skip
        files[f"{use.upper()}_KEY_FILE"] = str(key)
        files[f"{use.upper()}_CERT_FILE"] = str(cert)
    return files
