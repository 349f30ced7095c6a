"""The platform as a FIT-Connect *sender* to an external Zustelldienst (ADR 0043,
docs/fit-connect.md "The platform as a sender at an external Zustelldienst").

A member whose Fachverfahren receives through another FIT-Connect Zustelldienst (FITKO's test
or production environment, or any compatible one) registers that destination here
(`ExternalDestination`: destination id, the Submission API's and the token endpoint's URLs,
the sender client's id and secret). The submit hook (`intake.deliver_submitted`) then queues
the application (`queue_submitted`); the job `fitconnect.deliver_outbound` does what a
FIT-Connect sender does:

1. a token with the client credentials (`grant_type=client_credentials`);
2. `GET /v1/destinations/{id}` (active, offers the service) and the encryption key
   `GET /v1/destinations/{id}/keys/{encryptionKid}`: RSA ≥ 4096 bit, `alg` RSA-OAEP-256,
   `key_ops ["wrapKey"]`, and — when trust anchors are configured — its `x5c` chain;
3. `POST /v1/submissions` with the announced attachments, `PUT` each attachment (JWE,
   `application/jose`), `PUT /v1/submissions/{id}` with encrypted metadata and data;
4. `fitconnect.poll_outbound` reads the case's event log until the subscriber accepts or
   rejects, verifying every SET (the Zustelldienst's with its JWKS, accept/reject with the
   destination's signature key); on accept the application is sealed (FITKO: a sender keeps
   the contents until the accept), on reject it stays readable in the back office.

Network trouble (no connection, timeouts, HTTP 5xx and 429) is retried through the job queue
with growing pauses; nothing is lost meanwhile — the application keeps its answers and the
citizen sees "wird zugestellt". A refusal (credentials refused, destination unknown or
inactive, a key of the wrong size or use, a broken chain, a 4xx problem) ends the delivery:
the case is flagged and the application stays in the built-in back office.

The plain text exists on the platform until the subscriber has accepted the submission (as
for every application of the back office); ADR 0043 says why.
"""

from __future__ import annotations

import datetime
import itertools
import json
import logging
import uuid

import requests
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from jwcrypto import jwk

from openkommune.core.jobs import enqueue, enqueue_on_commit
from openkommune.core.read_cache import Topic, cached_read
from openkommune.fitconnect import intake, jose
from openkommune.fitconnect.constants import (
    EVENT_ACCEPT,
    EVENT_BASE,
    EVENT_REJECT,
    SET_TYPE,
    SIGNATURE_ALG,
)
from openkommune.fitconnect.models import (
    ExternalDestination,
    ExternalRouteStatus,
    OutboundState,
    OutboundSubmission,
)
from openkommune.tenancy.scoping import scope, scopes_disabled
from openkommune.tenancy.services import audit_record

logger = logging.getLogger(__name__)

DELIVER_JOB = "fitconnect.deliver_outbound"
POLL_JOB = "fitconnect.poll_outbound"
TIMEOUT_SECONDS = 30
# Delivery attempts: pauses of 1, 2, 4, … minutes between them, at most one hour; after
# MAX_ATTEMPTS the delivery has failed (the case is flagged, the back office has it).
MAX_ATTEMPTS = 12
FIRST_PAUSE = datetime.timedelta(minutes=1)
MAX_PAUSE = datetime.timedelta(hours=1)
# The event log is read after 1, 2, 4, … minutes (at most hourly) for POLL_DAYS days.
POLL_DAYS = 30
JSON = "application/json"


class DeliveryError(Exception):
    """A step failed; `message` is German and carries no secret."""

    permanent = False

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Refused(DeliveryError):
    """The Zustelldienst (or the key it gave) said no: retrying will not help."""

    permanent = True


class Unreachable(DeliveryError):
    """No answer, a timeout, HTTP 5xx or 429: tried again later."""


# --- configuration --------------------------------------------------------------------------


def seal_secret(secret: str) -> str:
    """The client secret, encrypted with the key-encryption key (inbox.py's `_kek`)."""
    from openkommune.fitconnect.inbox import seal_bytes

    return seal_bytes(secret.encode())


def client_secret(route: ExternalDestination) -> str:
    from openkommune.fitconnect.inbox import unseal_bytes

    return unseal_bytes(route.client_secret_sealed).decode()


def _check_url(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url or "")
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError(_("Die Adresse %(url)s ist keine http(s)-URL.") % {"url": url})
    # The client secret and the ciphertext travel there: plain HTTP only on this machine.
    if parts.scheme == "http" and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(_("Die Adresse %(url)s muss mit https:// beginnen.") % {"url": url})
    return url.rstrip("/")


def _check_anchors(pem: str) -> str:
    if not pem.strip():
        return ""
    from cryptography import x509

    try:
        anchors = x509.load_pem_x509_certificates(pem.encode())
    except ValueError as error:
        raise ValueError(_("Die Vertrauensanker sind keine PEM-Zertifikate.")) from error
    if not anchors:
        raise ValueError(_("Die Vertrauensanker sind keine PEM-Zertifikate."))
    return pem.strip() + "\n"


@transaction.atomic
def create_external_destination(
    *,
    tenant,
    leika_keys: list[str],
    destination_id: str,
    api_url: str,
    token_url: str,
    client_id: str,
    secret: str,
    trust_anchors_pem: str = "",
    actor=None,
) -> ExternalDestination:
    """Register the member's destination at an external Zustelldienst for the services.
    Raises ValueError (German); the secret is stored only sealed and never audited."""
    from openkommune.core.read_cache import data_changed
    from openkommune.fitconnect.services import leika_urn

    services = sorted({leika_urn(key) for key in leika_keys})
    if not services:
        raise ValueError(_("Mindestens eine Leistung (LeiKa-Schlüssel) ist nötig."))
    try:
        did = uuid.UUID(str(destination_id))
    except ValueError as error:
        raise ValueError(_("Die Zustellpunkt-ID ist keine UUID.")) from error
    if not client_id.strip() or not secret:
        raise ValueError(_("Client-ID und Client-Secret des Senders sind nötig."))
    with scope(tenant=tenant):
        if ExternalDestination.objects.filter(destination_id=did).exists():
            raise ValueError(_("Diesen externen Zustellpunkt hat das Mitglied schon."))
        route = ExternalDestination.objects.create(
            tenant=tenant,
            destination_id=did,
            services=services,
            api_url=_check_url(api_url),
            token_url=_check_url(token_url),
            client_id=client_id.strip(),
            client_secret_sealed=seal_secret(secret),
            trust_anchors_pem=_check_anchors(trust_anchors_pem),
        )
    data_changed(Topic.ORGANISATIONS)
    audit_record(
        tenant=tenant,
        actor=actor,
        action="fitconnect_external.create",
        obj=route,
        after={
            "destination_id": str(did),
            "services": services,
            "api_url": route.api_url,
            "token_url": route.token_url,
            "client_id": route.client_id,
            "trust_anchors": bool(route.trust_anchors_pem),
        },
    )
    return route


@transaction.atomic
def set_external_secret(route: ExternalDestination, secret: str, *, actor=None) -> None:
    """Replace the sender client's secret (write-only); audited without it."""
    if not secret:
        raise ValueError(_("Client-ID und Client-Secret des Senders sind nötig."))
    route.client_secret_sealed = seal_secret(secret)
    route.save(update_fields=["client_secret_sealed"])
    audit_record(
        tenant=route.tenant,
        actor=actor,
        action="fitconnect_external.secret",
        obj=route,
        after={"new_secret": True},
    )


# --- the submit hook ------------------------------------------------------------------------


def external_route_for(application) -> tuple[ExternalDestination, str] | None:
    """The member's active external destination for a LeiKa key of the form, with that
    service's URN. Cached like `intake.route_for` (a submit without one costs no query)."""
    found = cached_read(
        "fitconnect_external_route",
        (application.tenant_id, application.form_version_id),
        topics=(Topic.ORGANISATIONS, Topic.FORMS),
        compute=lambda: _external_route(application),
        in_process=True,
    )
    if found is None:
        return None
    pk, urn = found
    with scope(tenant=application.tenant):
        route = ExternalDestination.objects.filter(pk=pk, status=ExternalRouteStatus.ACTIVE).first()
    return (route, urn) if route else None


def _external_route(application) -> tuple[int, str] | None:
    return intake.first_offering(
        application,
        lambda: ExternalDestination.objects.filter(status=ExternalRouteStatus.ACTIVE),
    )


def queue_submitted(application) -> OutboundSubmission | None:
    """Inside the submit: when the member's destination for the service is at an external
    Zustelldienst, record the delivery and queue its job (it runs after the commit)."""
    found = external_route_for(application)
    if found is None:
        return None
    route, urn = found
    with scope(tenant=application.tenant):
        outbound = OutboundSubmission.objects.create(
            tenant=application.tenant,
            route=route,
            application_public_id=application.public_id,
            service_identifier=urn,
            service_name=application.service_name[:500],
        )
        # No receipt PDF with the answers: they leave the platform once delivered.
        application.receipt_pending = False
        application.save(update_fields=["receipt_pending", "updated_at"])
    enqueue_on_commit(DELIVER_JOB, outbound_id=outbound.pk)
    return outbound


# --- HTTP -----------------------------------------------------------------------------------


def _call(method: str, url: str, *, token: str | None = None, **options) -> requests.Response:
    headers = options.pop("headers", {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        response = requests.request(
            method, url, headers=headers, timeout=TIMEOUT_SECONDS, allow_redirects=False, **options
        )
    except requests.RequestException as error:
        raise Unreachable(
            _("Der Zustelldienst ist nicht erreichbar (%(error)s).")
            % {"error": type(error).__name__}
        ) from None
    if response.status_code >= 500 or response.status_code == 429:
        raise Unreachable(
            _("Der Zustelldienst antwortet mit HTTP %(status)s.") % {"status": response.status_code}
        )
    return response


def _refused(step: str, response: requests.Response) -> Refused:
    """A 4xx answer: its problem type and title (RFC 7807), never the request."""
    detail = ""
    try:
        body = response.json()
        if isinstance(body, dict):
            detail = str(body.get("type") or body.get("error") or "")[:200]
    except ValueError:
        pass
    return Refused(
        _("%(step)s: der Zustelldienst lehnt ab (HTTP %(status)s %(detail)s).")
        % {"step": step, "status": response.status_code, "detail": detail}
    )


def _json(response: requests.Response, step: str) -> dict:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise Refused(_("%(step)s: die Antwort ist kein JSON-Objekt.") % {"step": step})
    return body


def fetch_token(route: ExternalDestination) -> str:
    response = _call(
        "POST",
        route.token_url,
        data={
            "grant_type": "client_credentials",
            "client_id": route.client_id,
            "client_secret": client_secret(route),
        },
    )
    if response.status_code != 200:
        raise Refused(
            _("Der Token-Endpunkt lehnt die Zugangsdaten des Senders ab (HTTP %(status)s).")
            % {"status": response.status_code}
        )
    token = _json(response, _("Token")).get("access_token")
    if not isinstance(token, str) or not token:
        raise Refused(_("Der Token-Endpunkt gab kein access_token."))
    return token


def _v1(route: ExternalDestination, path: str) -> str:
    return f"{route.api_url}/v1/{path}"


def _key_url(route: ExternalDestination, kid: str) -> str:
    return _v1(route, f"destinations/{route.destination_id}/keys/{kid}")


def fetch_encryption_key(route: ExternalDestination, token: str, service_urn: str) -> dict:
    """The destination's public encryption key, checked as FIT-Connect requires."""
    step = _("Zustellpunkt abrufen")
    response = _call("GET", _v1(route, f"destinations/{route.destination_id}"), token=token)
    if response.status_code != 200:
        raise _refused(step, response)
    destination = _json(response, step)
    if destination.get("status") != "active":
        raise Refused(_("Der Zustellpunkt beim Zustelldienst ist nicht aktiv."))
    offered = [
        service.get("identifier")
        for service in destination.get("services") or []
        if isinstance(service, dict)
    ]
    if service_urn not in offered:
        raise Refused(
            _("Der Zustellpunkt bietet die Leistung %(urn)s nicht an.") % {"urn": service_urn}
        )
    kid = destination.get("encryptionKid")
    if not isinstance(kid, str) or not kid:
        raise Refused(_("Der Zustellpunkt nennt keinen Verschlüsselungsschlüssel."))
    response = _call(
        "GET", _v1(route, f"destinations/{route.destination_id}/keys/{kid}"), token=token
    )
    if response.status_code != 200:
        raise _refused(_("Schlüssel abrufen"), response)
    key = _json(response, _("Schlüssel abrufen"))
    try:
        checked = jose.check_encryption_jwk(key)
    except jose.JoseError as error:
        raise Refused(
            _("Der Schlüssel des Zustellpunkts ist nicht zulässig: %(error)s") % {"error": error}
        ) from None
    if checked.get("kid") != kid:
        raise Refused(_("Der Schlüssel trägt eine andere kid als der Zustellpunkt nennt."))
    if route.trust_anchors_pem:
        check_x5c(checked, route.trust_anchors_pem)
    return checked


def check_x5c(key: dict, anchors_pem: str, *, at: datetime.datetime | None = None) -> None:
    """The key's `x5c` chain (RFC 7517: base64 DER, the key's certificate first) must hold
    exactly this public key, each certificate be signed by the next and valid now, and the
    last one be a trust anchor or signed by one. Raises Refused."""
    import base64

    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    chain_b64 = key.get("x5c")
    if not isinstance(chain_b64, list) or not chain_b64:
        raise Refused(_("Der Schlüssel hat keine Zertifikatskette (x5c)."))
    try:
        chain = [x509.load_der_x509_certificate(base64.b64decode(item)) for item in chain_b64]
        anchors = x509.load_pem_x509_certificates(anchors_pem.encode())
    except (ValueError, TypeError) as error:
        raise Refused(_("Die Zertifikatskette (x5c) ist nicht lesbar.")) from error
    now = at or timezone.now()
    leaf_key = chain[0].public_key()
    numbers = jwk.JWK(**key).get_op_key("wrapKey").public_numbers()
    if not isinstance(leaf_key, rsa.RSAPublicKey) or leaf_key.public_numbers() != numbers:
        raise Refused(_("Das Zertifikat gehört nicht zu diesem Schlüssel."))

    def signed_by(cert, issuer) -> bool:
        if cert.issuer != issuer.subject:
            return False
        try:
            public = issuer.public_key()
            if isinstance(public, rsa.RSAPublicKey):
                public.verify(
                    cert.signature,
                    cert.tbs_certificate_bytes,
                    cert.signature_algorithm_parameters
                    if isinstance(cert.signature_algorithm_parameters, padding.PSS)
                    else padding.PKCS1v15(),
                    cert.signature_hash_algorithm,
                )
            else:
                cert.verify_directly_issued_by(issuer)
        except (InvalidSignature, ValueError, TypeError):
            return False
        return True

    for cert in chain:
        if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            raise Refused(_("Ein Zertifikat der Kette ist abgelaufen oder noch nicht gültig."))
    for cert, issuer in itertools.pairwise(chain):
        if not signed_by(cert, issuer):
            raise Refused(_("Die Zertifikatskette (x5c) ist nicht geschlossen."))
    last = chain[-1]
    if not any(last == anchor or signed_by(last, anchor) for anchor in anchors):
        raise Refused(_("Die Zertifikatskette führt zu keinem konfigurierten Vertrauensanker."))


# --- delivery -------------------------------------------------------------------------------


def _load(outbound_id: int) -> OutboundSubmission | None:
    with scopes_disabled():
        return (
            OutboundSubmission.objects.select_related("route", "tenant")
            .filter(pk=outbound_id)
            .first()
        )


def _application(outbound: OutboundSubmission):
    from openkommune.submissions.models import Application

    with scope(tenant=outbound.tenant):
        return Application.applicant_objects.select_related("form_version__form", "tenant").get(
            public_id=outbound.application_public_id
        )


def deliver(outbound_id: int) -> str:
    """One delivery attempt (the job's body): queues the next one after network trouble,
    ends the delivery on a refusal."""
    outbound = _load(outbound_id)
    if outbound is None or outbound.state != OutboundState.PENDING:
        return "nothing to do"
    try:
        _send(outbound)
    except DeliveryError as error:
        return _failed_attempt(outbound, error)
    return "submitted"


def _send(outbound: OutboundSubmission) -> None:
    from openkommune.fitconnect.intake import build_payload

    route = outbound.route
    application = _application(outbound)
    token = fetch_token(route)
    public = fetch_encryption_key(route, token, outbound.service_identifier)
    data, attachments, metadata = build_payload(application, outbound.service_identifier)
    if outbound.remote_submission_id is None:
        response = _call(
            "POST",
            _v1(route, "submissions"),
            token=token,
            json={
                "destinationId": str(route.destination_id),
                "serviceType": {
                    "identifier": outbound.service_identifier,
                    "name": outbound.service_name,
                },
                "announcedAttachments": [str(a.public_id) for a, _content in attachments],
            },
        )
        if response.status_code != 201:
            raise _refused(_("Einreichung anlegen"), response)
        created = _json(response, _("Einreichung anlegen"))
        try:
            outbound.remote_submission_id = uuid.UUID(str(created.get("submissionId")))
            outbound.remote_case_id = uuid.UUID(str(created.get("caseId")))
        except ValueError:
            raise Refused(_("Der Zustelldienst nannte keine gültigen IDs.")) from None
        outbound.save(update_fields=["remote_submission_id", "remote_case_id"])
    submission_url = _v1(route, f"submissions/{outbound.remote_submission_id}")
    for attachment, content in attachments:
        attachment_id = str(attachment.public_id)
        if attachment_id in outbound.uploaded_attachments:
            continue
        response = _call(
            "PUT",
            f"{submission_url}/attachments/{attachment_id}",
            token=token,
            data=jose.encrypt_to(public, content, content_type=attachment.content_type).encode(),
            headers={"Content-Type": "application/jose"},
        )
        if response.status_code not in (200, 204):
            raise _refused(_("Anlage hochladen"), response)
        outbound.uploaded_attachments = [*outbound.uploaded_attachments, attachment_id]
        outbound.save(update_fields=["uploaded_attachments"])
    response = _call(
        "PUT",
        submission_url,
        token=token,
        json={
            "encryptedMetadata": jose.encrypt_to(
                public, json.dumps(metadata, ensure_ascii=False).encode(), content_type=JSON
            ),
            "encryptedData": jose.encrypt_to(public, data, content_type=JSON),
        },
    )
    if response.status_code not in (200, 202):
        raise _refused(_("Einreichung absenden"), response)
    _submitted(outbound, application)


def _submitted(outbound: OutboundSubmission, application) -> None:
    now = timezone.now()
    with transaction.atomic():
        with scopes_disabled():
            locked = OutboundSubmission.objects.select_for_update().get(pk=outbound.pk)
        locked.state = OutboundState.SUBMITTED
        locked.submitted_at = now
        locked.attempts += 1
        locked.problem = ""
        locked.save(update_fields=["state", "submitted_at", "attempts", "problem"])
        audit_record(
            tenant=outbound.tenant,
            actor=None,
            action="fitconnect_outbound.submitted",
            obj=locked,
            after={
                "destination_id": str(outbound.route.destination_id),
                "submission_id": str(locked.remote_submission_id),
                "api_url": outbound.route.api_url,
            },
        )
        enqueue_on_commit(POLL_JOB, outbound_id=outbound.pk, attempt=1, run_after=now + FIRST_PAUSE)


def _seal(outbound: OutboundSubmission) -> None:
    """After the subscriber's accept (FITKO: a sender keeps the contents until then, so that
    a rejected submission can be corrected without asking the applicant again): the
    application keeps no answers or files, the case no name taken from them."""
    from openkommune.cases.services import case_forget_sealed_answers
    from openkommune.submissions.services import application_seal

    application = _application(outbound)
    application_seal(
        application=application,
        delivered_to=f"{outbound.route.api_url} {outbound.route.destination_id}",
    )
    case_forget_sealed_answers(application)


def _pause(attempt: int) -> datetime.timedelta:
    return min(FIRST_PAUSE * (2 ** (attempt - 1)), MAX_PAUSE)


def _failed_attempt(outbound: OutboundSubmission, error: DeliveryError) -> str:
    now = timezone.now()
    with transaction.atomic():
        with scopes_disabled():
            locked = OutboundSubmission.objects.select_for_update().get(pk=outbound.pk)
        locked.attempts += 1
        locked.problem = error.message[:1000]
        given_up = error.permanent or locked.attempts >= MAX_ATTEMPTS
        if given_up:
            locked.state = OutboundState.FAILED
        locked.save(update_fields=["attempts", "problem", "state"])
        logger.warning(
            "fitconnect outbound %s attempt %s failed: %s",
            outbound.pk,
            locked.attempts,
            error.message,
        )
        if given_up:
            audit_record(
                tenant=outbound.tenant,
                actor=None,
                action="fitconnect_outbound.failed",
                obj=locked,
                after={"problem": locked.problem, "attempts": locked.attempts},
            )
            return f"failed: {error.message}"
        enqueue_on_commit(
            DELIVER_JOB, outbound_id=outbound.pk, run_after=now + _pause(locked.attempts)
        )
    return f"retry: {error.message}"


def retry(outbound: OutboundSubmission, *, actor=None) -> None:
    """After the cause was fixed (secret, destination): deliver a failed one again."""
    with transaction.atomic():
        with scopes_disabled():
            locked = OutboundSubmission.objects.select_for_update().get(pk=outbound.pk)
        if locked.state != OutboundState.FAILED:
            raise ValueError(_("Nur eine gescheiterte Zustellung kann wiederholt werden."))
        locked.state = OutboundState.PENDING
        locked.attempts = 0
        locked.save(update_fields=["state", "attempts"])
        audit_record(
            tenant=locked.tenant,
            actor=actor,
            action="fitconnect_outbound.retry",
            obj=locked,
            after={"problem_before": locked.problem},
        )
        enqueue_on_commit(DELIVER_JOB, outbound_id=locked.pk)


# --- the event log --------------------------------------------------------------------------


def _zustelldienst_keys(route: ExternalDestination) -> dict[str, dict]:
    response = _call("GET", f"{route.api_url}/.well-known/jwks.json")
    if response.status_code != 200:
        raise _refused(_("Schlüssel des Zustelldienstes abrufen"), response)
    keys = _json(response, "JWKS").get("keys")
    return {k["kid"]: k for k in keys or [] if isinstance(k, dict) and k.get("kid")}


def _destination_signature_key(route: ExternalDestination, token: str, kid: str) -> dict:
    response = _call(
        "GET", _v1(route, f"destinations/{route.destination_id}/keys/{kid}"), token=token
    )
    if response.status_code != 200:
        raise _refused(_("Signaturschlüssel abrufen"), response)
    try:
        return jose.check_signature_jwk(_json(response, "JWK"))
    except jose.JoseError as error:
        raise Refused(str(error)) from None


def verified_events(outbound: OutboundSubmission, token: str, log: list) -> list[dict]:
    """The SETs of the log whose signature and claims check out, oldest first. A SET that
    does not verify is left out (and logged): it must not change what the citizen sees."""
    route = outbound.route
    platform_keys = _zustelldienst_keys(route)
    found = []
    for item in log:
        try:
            header = json.loads(jose.b64url_decode(str(item).split(".")[0]))
            kid = header.get("kid") if isinstance(header, dict) else None
            if header.get("alg") != SIGNATURE_ALG or header.get("typ") != SET_TYPE:
                raise jose.JoseError("alg/typ")
            by = "zustelldienst" if kid in platform_keys else "fachverfahren"
            key = platform_keys.get(kid) or _destination_signature_key(route, token, kid)
            _header, claims = jose.verify_set(item, public_jwk=key)
            events = claims.get("events")
            if (
                claims.get("sub") != f"submission:{outbound.remote_submission_id}"
                or claims.get("txn") != f"case:{outbound.remote_case_id}"
                or not isinstance(events, dict)
                or len(events) != 1
            ):
                raise jose.JoseError("claims")
            (uri,) = events
            name = uri.removeprefix(EVENT_BASE)
            if by == "zustelldienst" and name in (EVENT_ACCEPT, EVENT_REJECT):
                # FIT-Connect: accept and reject are the subscriber's, signed with its key.
                raise jose.JoseError("accept/reject not signed by the destination")
            if by == "fachverfahren" and claims.get("iss") != str(route.destination_id):
                raise jose.JoseError("iss")
            found.append(
                {
                    "event": name,
                    "jti": str(claims.get("jti")),
                    "iat": int(claims.get("iat")),
                    "by": by,
                    "token": item,
                }
            )
        except (jose.JoseError, ValueError, TypeError, AttributeError, Refused) as error:
            logger.warning(
                "fitconnect outbound %s: an event of the log does not verify (%s)",
                outbound.pk,
                error,
            )
    return sorted(found, key=lambda e: e["iat"])


def poll(outbound_id: int, attempt: int = 1) -> str:
    """Read the case's event log once (the job's body) and record accept/reject."""
    outbound = _load(outbound_id)
    if outbound is None or outbound.state != OutboundState.SUBMITTED:
        return "nothing to do"
    try:
        token = fetch_token(outbound.route)
        response = _call(
            "GET", _v1(outbound.route, f"cases/{outbound.remote_case_id}/events"), token=token
        )
        if response.status_code != 200:
            raise _refused(_("Ereignisprotokoll abrufen"), response)
        log = _json(response, _("Ereignisprotokoll abrufen")).get("eventLog") or []
        events = verified_events(outbound, token, log if isinstance(log, list) else [])
    except DeliveryError as error:
        OutboundSubmission.objects.filter(pk=outbound.pk).update(problem=error.message[:1000])
        return _poll_again(outbound, attempt, error.message)
    answer = next((e for e in events if e["event"] in (EVENT_ACCEPT, EVENT_REJECT)), None)
    with transaction.atomic():
        with scopes_disabled():
            locked = OutboundSubmission.objects.select_for_update().get(pk=outbound.pk)
        locked.events = [dict(e) for e in events]
        fields = ["events"]
        if answer is not None and locked.state == OutboundState.SUBMITTED:
            locked.state = (
                OutboundState.ACCEPTED
                if answer["event"] == EVENT_ACCEPT
                else OutboundState.REJECTED
            )
            locked.answered_at = datetime.datetime.fromtimestamp(answer["iat"], tz=datetime.UTC)
            locked.problem = ""
            fields += ["state", "answered_at", "problem"]
            if locked.state == OutboundState.ACCEPTED:
                _seal(locked)
            audit_record(
                tenant=locked.tenant,
                actor=None,
                action=f"fitconnect_outbound.{locked.state}",
                obj=locked,
                after={"submission_id": str(locked.remote_submission_id), "jti": answer["jti"]},
            )
        locked.save(update_fields=fields)
    if answer is not None:
        return answer["event"]
    return _poll_again(outbound, attempt, "no answer yet")


def _poll_again(outbound: OutboundSubmission, attempt: int, why: str) -> str:
    submitted = outbound.submitted_at or timezone.now()
    if timezone.now() - submitted > datetime.timedelta(days=POLL_DAYS):
        logger.warning("fitconnect outbound %s: no answer after %s days", outbound.pk, POLL_DAYS)
        return f"given up polling: {why}"
    enqueue(
        POLL_JOB,
        outbound_id=outbound.pk,
        attempt=attempt + 1,
        run_after=timezone.now() + _pause(attempt),
    )
    return f"poll again: {why}"
