"""The payment provider interface after XBezahldienste 1.0 (the XÖV standard the ePayBL
connector and pmPayment implement), and its adapters.

One protocol, JSON over HTTPS (docs/payment.md has the messages and what was checked against
which source):

- payment request, `POST <base>/paymenttransaction/<originatorId>/<endPointId>`
  (`PaymentRequest`: requestId, grosAmount, purpose, description, redirectUrl, items with
  the Kassenzeichen as reference and the booking data Haushaltsstelle/Objektnummer) → a
  payment transaction: `paymentInformation` with the Bezahldienst's `transactionId`, the
  pay page (`transactionRedirectUrl`) and the status;
- status query, `GET <base>/paymenttransaction/<originatorId>/<endPointId>/<transactionId>`
  → the payment transaction (`PaymentInfo`: status, amount, reference, method, the
  Bezahldienst's reference, time);
- connection status, `GET <base>/status/<originatorId>/<endPointId>`;
- ours, beyond XBezahldienste 1.0 (a Bezahldienst without them is still usable, see
  docs/payment.md): the signed notification (the Bezahldienst posts the payment
  transaction to `notifyUrl`, HMAC-SHA256 of the body with the shared secret in
  `X-Signature`) and the refund (or, while open, cancellation) with a reason.

Authentication is the product's, not XBezahldienste's: the ePayBL connector takes a TLS
client certificate (mutual TLS), pmPayment an OAuth2 bearer token fetched with the client
credentials grant and cached until shortly before it expires (fetched anew once on a 401).

ePayBL and pmPayment are adapters as configuration (`DIALECTS`): what their originator and
endpoint ids are called and how the client authenticates. Which server answers is
configuration of the member (`ProviderConfig`: URL, credentials) — the platform cannot tell
the Bezahldienst-Simulator from a real service.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import logging
import os
import re
import ssl
import tempfile
import threading
import time
import unicodedata
import urllib.error
import urllib.request
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from urllib.parse import quote, urlencode

from django.conf import settings
from django.utils.dateparse import parse_datetime
from django.utils.functional import Promise as StrPromise
from django.utils.translation import gettext_lazy as _

from openkommune.payments import secrets
from openkommune.payments.constants import PROVIDER_STATUS, PaymentStatus

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Dialect:
    key: str
    label: str
    originator_label: StrPromise
    endpoint_label: StrPromise


DIALECTS = {
    # Behind the ePayBL connector both ids are agreed with its operator (it maps them to
    # Mandant and Bewirtschafter of the ePayBL server).
    "epaybl": Dialect("epaybl", "ePayBL", _("Originator-ID"), _("Endpoint-ID")),
    # pmPayment: the originatorId is the "Verfahren" set up in its back end, the endPointId
    # identifies the authority (the Amtlicher Gemeindeschlüssel).
    "pmpayment": Dialect(
        "pmpayment", "pmPayment", _("Verfahren"), _("Amtlicher Gemeindeschlüssel")
    ),
}

# XBezahldienste 1.0: originatorId and endPointId are 1-36 characters of [A-Za-z0-9_-].
ID_PATTERN = r"^[A-Za-z0-9_-]{1,36}$"


class ProviderError(Exception):
    """The Bezahldienst could not be used (down, refused, answered nonsense). `status`: the
    HTTP status it answered with, when it answered."""

    status: int | None = None
    json: bool = False  # the refusal came as JSON (an API answered, not some web server)


class ProviderUnavailable(ProviderError):
    pass


class SecretMissing(ProviderError):
    pass


def _ascii(text: str) -> str:
    text = (
        text.replace("ä", "ae")
        .replace("ö", "oe")
        .replace("ü", "ue")
        .replace("ß", "ss")
        .replace("Ä", "Ae")
        .replace("Ö", "Oe")
        .replace("Ü", "Ue")
    )
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _clean(text: str, allowed: str, limit: int) -> str:
    """Only the characters XBezahldienste allows in the field, spaces collapsed, cut."""
    text = re.sub(allowed, " ", text, flags=re.ASCII)
    return re.sub(r"\s+", " ", text).strip()[:limit].strip()


def purpose_text(kassenzeichen: str, purpose: str) -> str:
    """The Verwendungszweck: at most 27 characters of letters, digits, spaces and '-'
    (XBezahldienste 1.0) — the Kassenzeichen first, then as much of the purpose as fits."""
    return _clean(f"{kassenzeichen} {_ascii(purpose)}", r"[^A-Za-z0-9_\s-]", 27)


def description_text(text: str) -> str:
    """The description (pay page): at most 250 characters of letters (also accented),
    digits, spaces, '-', ',' and '.'."""
    return _clean(text, r"[^\w\s,.\-\u00C0-\u017F]", 250) or "-"


def _money(amount: Decimal) -> float:
    """An amount as a JSON number (XBezahldienste's type). A float's repr is the shortest
    that reads back the same, so "30.10" travels as 30.1 and is read back exactly by
    `_amount` (parse_float=Decimal); amounts stay below 10**6."""
    return float(amount.quantize(CENT))


def _amount(value) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value)).quantize(CENT)
    except (InvalidOperation, ValueError):
        raise ProviderError("amount is not a number") from None


def _timestamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}Z"
    )


@dataclass(frozen=True)
class PaymentRequest:
    request_id: str  # our payment's public id
    amount: Decimal
    currency: str
    purpose: str
    description: str
    kassenzeichen: str
    haushaltsstelle: str
    objektnummer: str
    redirect_url: str
    notify_url: str

    def as_json(self) -> dict:
        amount = _money(self.amount)
        return {
            "requestId": self.request_id,
            "requestTimestamp": _timestamp(datetime.datetime.now(datetime.UTC)),
            "currency": self.currency,
            "grosAmount": amount,
            "purpose": purpose_text(self.kassenzeichen, self.purpose),
            "description": description_text(self.description),
            "redirectUrl": self.redirect_url,
            "items": [
                {
                    "id": "1",
                    "reference": self.kassenzeichen,
                    "description": description_text(self.purpose),
                    "quantity": 1,
                    "taxRate": 0,
                    "singleNetAmount": amount,
                    "singleTaxAmount": 0,
                    "totalNetAmount": amount,
                    "totalTaxAmount": 0,
                    "bookingData": {
                        "kassenzeichen": self.kassenzeichen,
                        "haushaltsstelle": self.haushaltsstelle,
                        "objektnummer": self.objektnummer,
                    },
                }
            ],
            # Ours, not XBezahldienste 1.0: where a Bezahldienst that notifies posts to.
            "notifyUrl": self.notify_url,
        }


@dataclass(frozen=True)
class Started:
    payment_id: str
    payment_url: str


@dataclass(frozen=True)
class PaymentInfo:
    payment_id: str  # the Bezahldienst's transactionId
    request_id: str
    status: PaymentStatus
    amount: Decimal | None
    reference: str  # the Kassenzeichen we sent (the item's reference)
    transaction_id: str = ""  # the Bezahldienst's transactionReference (for the Kasse)
    method: str = ""
    method_detail: str = ""
    paid_at: datetime.datetime | None = None

    @classmethod
    def from_json(cls, data) -> PaymentInfo:
        """A payment transaction: `paymentInformation` (the Bezahldienst's view) and
        `paymentRequest` (our request as it keeps it: request id, amount, items)."""
        if not isinstance(data, dict):
            raise ProviderError("payment transaction is not an object")
        details = data.get("paymentInformation")
        request = data.get("paymentRequest") or {}
        if not isinstance(details, dict) or not isinstance(request, dict):
            raise ProviderError("paymentInformation/paymentRequest are not objects")
        raw_status = str(details.get("status", ""))
        status = PROVIDER_STATUS.get(raw_status)
        if status is None:
            raise ProviderError(f"unknown status {raw_status!r}")
        if status == PaymentStatus.DECLINED and details.get("statusDetail") == "TIMEOUT":
            status = PaymentStatus.TIMED_OUT
        items = request.get("items") or []
        item = items[0] if isinstance(items, list) and items and isinstance(items[0], dict) else {}
        paid_at = parse_datetime(str(details.get("transactionTimestamp", "") or "")) or None
        transaction_id = details.get("transactionReference") or details.get("transactionId", "")
        return cls(
            payment_id=str(details.get("transactionId", "")),
            request_id=str(request.get("requestId", "")),
            status=status,
            amount=_amount(request.get("grosAmount")),
            reference=str(item.get("reference", "")),
            transaction_id=str(transaction_id)[:100],
            method=str(details.get("paymentMethod", "") or "")[:60],
            method_detail=str(details.get("paymentMethodDetail", "") or "")[:100],
            paid_at=paid_at,
        )


# --- the notification's signature (ours: XBezahldienste 1.0 has no notification) -----------


def sign(secret: str, payload: bytes) -> str:
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


def _secret(config) -> str:
    if config.secret_reference:
        return os.environ.get(config.secret_reference, "")
    return secrets.decrypt(config.secret_encrypted)


def secret_of(config) -> str:
    """The shared secret of notifications: from the environment variable the config names,
    or the one the member administrator entered (stored encrypted only, `payments.secrets`)."""
    secret = _secret(config)
    if not secret:
        raise SecretMissing(
            f"environment variable {config.secret_reference!r} is not set"
            if config.secret_reference
            else "no secret stored"
        )
    return secret


def secret_is_set(config) -> bool:
    return bool(_secret(config))


def verify(config, body: bytes, signature: str) -> bool:
    """A notification's `X-Signature`: HMAC-SHA256 of the body with the shared secret."""
    try:
        expected = sign(secret_of(config), body)
    except SecretMissing:
        return False
    return hmac.compare_digest(expected, signature or "")


# --- authentication at the Bezahldienst ----------------------------------------------------
# XBezahldienste 1.0 leaves authentication to the product: the ePayBL connector expects a TLS
# client certificate (mutual TLS), pmPayment an OAuth2 access token (client credentials grant,
# RFC 6749 section 4.4) as a bearer token (RFC 6750).


class CredentialsMissing(ProviderError):
    """No client certificate and key (ePayBL) or no token URL, client id and secret
    (pmPayment) — or the stored key cannot be read any more (SECRET_KEY rotated)."""


class CertificateRefused(ProviderError):
    """The Bezahldienst refused our TLS client certificate (unknown CA, expired, absent)."""


class ServerUntrusted(ProviderError):
    """The Bezahldienst's server certificate could not be verified."""


class TokenRefused(ProviderError):
    """The token endpoint refused the client id or secret, or answered without a token."""


@dataclass(frozen=True)
class CertificateInfo:
    subject: str
    issuer: str
    not_after: datetime.datetime

    def expires_within(self, days: int) -> bool:
        return self.not_after <= datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=days)


def certificate_info(pem: str) -> CertificateInfo | None:
    """Subject, issuer and expiry of a PEM certificate (the first one); None if unreadable."""
    from cryptography import x509

    try:
        certificate = x509.load_pem_x509_certificate((pem or "").encode())
    except ValueError:
        return None
    return CertificateInfo(
        subject=certificate.subject.rfc4514_string(),
        issuer=certificate.issuer.rfc4514_string(),
        not_after=certificate.not_valid_after_utc,
    )


def check_client_certificate(certificate_pem: str, key_pem: str) -> str:
    """ "" when the PEM certificate and the unencrypted PEM private key belong together,
    otherwise what is wrong ("certificate", "key", "mismatch")."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    try:
        certificate = x509.load_pem_x509_certificate(certificate_pem.encode())
    except ValueError:
        return "certificate"
    try:
        key = serialization.load_pem_private_key(key_pem.encode(), password=None)
    except (ValueError, TypeError):
        return "key"
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    encoding = serialization.Encoding.DER
    if key.public_key().public_bytes(encoding, public) != certificate.public_key().public_bytes(
        encoding, public
    ):
        return "mismatch"
    return ""


def check_ca_bundle(pem: str) -> bool:
    try:
        ssl.create_default_context(cadata=pem)
    except (ssl.SSLError, ValueError):
        return False
    return True


def _tls_context(config, *, client_certificate: bool) -> ssl.SSLContext:
    """Verifies the Bezahldienst's server certificate (against the configured CA bundle, else
    the system's CAs); with our client certificate for mutual TLS. The key is decrypted only
    here, written for `load_cert_chain` to a file readable by this process only and removed
    at once."""
    bundle = (getattr(config, "ca_bundle", "") or "").strip()
    try:
        context = (
            ssl.create_default_context(cadata=bundle) if bundle else (ssl.create_default_context())
        )
    except (ssl.SSLError, ValueError):
        raise CredentialsMissing("the CA bundle cannot be read") from None
    if client_certificate:
        certificate = (config.client_certificate or "").strip()
        key = secrets.decrypt(config.client_key_encrypted)
        if not certificate or not key:
            raise CredentialsMissing("no client certificate and key")
        with tempfile.TemporaryDirectory(prefix="ok-mtls-") as directory:
            path = os.path.join(directory, "client.pem")
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as file:
                file.write(certificate + "\n" + key + "\n")
            try:
                context.load_cert_chain(path)
            except (ssl.SSLError, ValueError):
                raise CredentialsMissing("client certificate and key do not fit") from None
    return context


# The bearer tokens of this process: (token URL, client id, hash of the secret) → (token,
# valid until on the monotonic clock). Kept in memory only, never logged or stored.
_TOKENS: dict[tuple[str, str, str], tuple[str, float]] = {}
_TOKENS_LOCK = threading.Lock()
TOKEN_MARGIN = 30.0  # seconds before its expiry a token is no longer used
_clock = time.monotonic


def client_key_is_set(config) -> bool:
    return bool(secrets.decrypt(config.client_key_encrypted))


def client_secret_is_set(config) -> bool:
    return bool(_client_secret(config))


def _client_secret(config) -> str:
    return secrets.decrypt(getattr(config, "client_secret_encrypted", ""))


def _token_key(config, client_secret: str) -> tuple[str, str, str]:
    digest = hashlib.sha256(client_secret.encode()).hexdigest()
    return (config.token_url, config.client_id, digest)


def forget_token(config) -> None:
    with _TOKENS_LOCK:
        _TOKENS.pop(_token_key(config, _client_secret(config)), None)


class Client:
    """The XBezahldienste client for one member's configuration."""

    def __init__(self, config):
        self.config = config
        self.dialect = DIALECTS[config.provider]

    def _ids(self) -> str:
        return "/".join(
            [quote(self.config.originator_id, safe=""), quote(self.config.endpoint_id, safe="")]
        )

    def _root(self) -> str:
        return f"{self.config.base_url.rstrip('/')}/paymenttransaction/{self._ids()}"

    @property
    def _mutual_tls(self) -> bool:
        return self.config.provider == "epaybl"

    # --- OAuth2 (pmPayment) ------------------------------------------------------------
    def _token(self, context: ssl.SSLContext) -> str:
        config = self.config
        client_secret = _client_secret(config)
        if not config.token_url or not config.client_id or not client_secret:
            raise CredentialsMissing("no token URL, client id and client secret")
        key = _token_key(config, client_secret)
        with _TOKENS_LOCK:
            cached = _TOKENS.get(key)
        if cached and cached[1] > _clock():
            return cached[0]
        if not config.token_url.startswith(("https://", "http://")):
            raise ProviderUnavailable("the token URL is not http(s)")
        basic = base64.b64encode(
            f"{quote(config.client_id, safe='')}:{quote(client_secret, safe='')}".encode()
        ).decode()
        request = urllib.request.Request(  # noqa: S310 (http(s) only, checked above)
            config.token_url,
            data=urlencode({"grant_type": "client_credentials"}).encode(),
            method="POST",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
                "Authorization": f"Basic {basic}",
            },
        )
        answer = self._send(request, context, what="token")
        token, lifetime = answer.get("access_token"), answer.get("expires_in", 300)
        if not isinstance(token, str) or not token:
            raise TokenRefused("token endpoint answered without access_token")
        try:
            lifetime = float(lifetime)
        except (TypeError, ValueError):
            lifetime = 300.0
        # Used until shortly before it expires (a tenth of its life, at most TOKEN_MARGIN).
        valid_until = _clock() + lifetime - min(TOKEN_MARGIN, lifetime / 10)
        with _TOKENS_LOCK:
            _TOKENS[key] = (token, valid_until)
        return token

    # --- HTTP ---------------------------------------------------------------------------
    def _send(self, request, context, *, what: str) -> dict:
        method, url = request.get_method(), request.full_url
        try:
            with urllib.request.urlopen(  # noqa: S310 (http(s) only, checked by the callers)
                request, timeout=settings.PAYMENT_TIMEOUT, context=context
            ) as response:
                return json.loads(response.read() or b"{}", parse_float=Decimal)
        except urllib.error.HTTPError as error:
            # Never log the request: it carries the token; the URL and status suffice.
            # XBezahldienste answers errors as application/problem+json (functionalCode).
            logger.warning("payment provider answered %s for %s %s", error.code, method, url)
            refused = (TokenRefused if what == "token" else ProviderError)(f"HTTP {error.code}")
            refused.status = error.code
            refused.json = (error.headers.get("Content-Type") or "").startswith(
                ("application/json", "application/problem+json")
            )
            raise refused from None
        except (urllib.error.URLError, OSError, ValueError) as error:
            reason = error.reason if isinstance(error, urllib.error.URLError) else error
            if isinstance(reason, ssl.SSLCertVerificationError):
                logger.warning(
                    "payment provider's server certificate not trusted (%s %s)", method, url
                )
                raise ServerUntrusted("server certificate not trusted") from None
            if self._mutual_tls and (
                isinstance(reason, ssl.SSLError | ConnectionResetError | BrokenPipeError)
            ):
                # With TLS 1.3 the server judges the client certificate after the handshake:
                # its alert (unknown CA, expired, certificate required) or a reset comes with
                # the answer.
                alert = getattr(reason, "reason", None) or type(reason).__name__
                logger.warning(
                    "payment provider refused the TLS client certificate (%s %s): %s",
                    method,
                    url,
                    alert,
                )
                raise CertificateRefused(f"TLS: {alert}") from None
            logger.warning(
                "payment provider unreachable (%s %s): %s", method, url, type(reason).__name__
            )
            raise ProviderUnavailable(str(type(reason).__name__)) from None

    def _call(self, method: str, url: str, body: bytes | None) -> dict:
        if not url.startswith(("https://", "http://")):
            raise ProviderUnavailable("the Bezahldienst's address is not http(s)")
        if self._mutual_tls and not url.startswith("https://"):
            raise CredentialsMissing("a client certificate needs an https address")
        context = _tls_context(self.config, client_certificate=self._mutual_tls)
        for attempt in (1, 2):
            headers = {"Content-Type": "application/json", "Accept": "application/json"}
            if not self._mutual_tls:
                headers["Authorization"] = f"Bearer {self._token(context)}"
            request = urllib.request.Request(  # noqa: S310 (http(s) only, checked above)
                url, data=body, method=method, headers=headers
            )
            try:
                return self._send(request, context, what="call")
            except ProviderError as error:
                if error.status == 401 and not self._mutual_tls and attempt == 1:
                    forget_token(self.config)  # expired or revoked early: fetch anew, once
                    continue
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    def start(self, request: PaymentRequest) -> Started:
        body = json.dumps(request.as_json()).encode()
        answer = self._call("POST", self._root(), body)
        details = answer.get("paymentInformation") if isinstance(answer, dict) else None
        details = details if isinstance(details, dict) else {}
        payment_id, url = details.get("transactionId"), details.get("transactionRedirectUrl")
        if (
            not payment_id
            or not isinstance(url, str)
            or not url.startswith(("https://", "http://"))
        ):
            raise ProviderError("payment request answered without transactionId or pay page")
        return Started(payment_id=str(payment_id), payment_url=url)

    def status(self, payment_id: str) -> PaymentInfo:
        url = f"{self._root()}/{quote(payment_id, safe='')}"
        return PaymentInfo.from_json(self._call("GET", url, None))

    def probe(self) -> str:
        """Test the connection: XBezahldienste's status of the configuration
        (`GET <base>/status/<originatorId>/<endPointId>`, authenticated). "ok" when it answers
        200; "no_credentials", "certificate_refused", "server_untrusted", "token_refused"
        for the authentication; "refused" when it does not accept the ids (401/403),
        "unavailable" otherwise. A Bezahldienst without that query (404) is asked for a
        payment that cannot exist instead: a JSON 404 means it knows us."""
        url = f"{self.config.base_url.rstrip('/')}/status/{self._ids()}"
        try:
            self._call("GET", url, None)
            return "ok"
        except ProviderError as error:
            result = self._outcome(error)
            if result:
                return result
        try:
            self.status(f"verbindungstest-{os.urandom(6).hex()}")
        except ProviderError as error:
            if error.status == 404 and error.json:
                return "ok"
            return self._outcome(error) or "unavailable"
        return "unavailable"  # an answer for a payment that cannot exist: not a Bezahldienst

    @staticmethod
    def _outcome(error: ProviderError) -> str:
        """The connection test's result for a failure; "" for a 404 (ask differently)."""
        for kind, result in (
            (CredentialsMissing, "no_credentials"),
            (CertificateRefused, "certificate_refused"),
            (ServerUntrusted, "server_untrusted"),
            (TokenRefused, "token_refused"),
            (ProviderUnavailable, "unavailable"),
        ):
            if isinstance(error, kind):
                return result
        if error.status in {401, 403}:
            return "refused"
        if error.status == 404:
            return ""
        return "unavailable"

    def refund(self, payment_id: str, reason: str) -> PaymentInfo:
        """Ours, not XBezahldienste 1.0: refund a paid payment (or cancel an open one)."""
        url = f"{self._root()}/{quote(payment_id, safe='')}/refund"
        body = json.dumps({"reason": reason}).encode()
        return PaymentInfo.from_json(self._call("POST", url, body))
