"""The payment provider interface, shaped after XBezahldienste (the XÖV standard behind
ePayBL and pmPayment), and its adapters.

One protocol, JSON over HTTPS (docs/payment.md has the messages):

- payment request (`PaymentRequest`: amount, currency, purpose, Kassenzeichen with the
  booking data Haushaltsstelle/Objektnummer, the return URLs for success, failure and abort,
  the notification URL) → the provider's payment id and the URL of its pay page;
- status query → `PaymentInfo` (status, amount, reference, method, transaction id, time);
- notification: the provider posts the same payment information, signed (HMAC-SHA256 of
  the body with the shared secret in `X-Signature`);
- refund (or, while open, cancellation) with a reason.

ePayBL and pmPayment are adapters as configuration (`DIALECTS`): their path, and what their
originator and endpoint ids are called. Which server answers is configuration of the member
(`ProviderConfig`: URL and the name of the environment variable holding the secret) — the
platform cannot tell the Bezahldienst-Simulator from a real service.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import logging
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

from django.conf import settings
from django.utils.dateparse import parse_datetime

from openkommune.payments import secrets
from openkommune.payments.constants import PROVIDER_STATUS, PaymentStatus

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Dialect:
    key: str
    label: str
    path: str  # the API's root under the configured base URL
    originator_label: str
    endpoint_label: str


DIALECTS = {
    "epaybl": Dialect("epaybl", "ePayBL", "epaybl", "Mandantennummer", "Bewirtschafternummer"),
    "pmpayment": Dialect(
        "pmpayment", "pmPayment", "pmpayment", "Amtlicher Gemeindeschlüssel", "Verfahren"
    ),
}


class ProviderError(Exception):
    """The Bezahldienst could not be used (down, refused, answered nonsense). `status`: the
    HTTP status it answered with, when it answered."""

    status: int | None = None
    json: bool = False  # the refusal came as JSON (an API answered, not some web server)


class ProviderUnavailable(ProviderError):
    pass


class SecretMissing(ProviderError):
    pass


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
    url_on_success: str
    url_on_failure: str
    url_on_abort: str
    notify_url: str

    def as_json(self) -> dict:
        return {
            "requestId": self.request_id,
            "requestTimestamp": datetime.datetime.now(datetime.UTC)
            .replace(microsecond=0)
            .isoformat(),
            "currency": self.currency,
            "grosAmount": str(self.amount),
            "purpose": self.purpose,
            "description": self.description,
            "redirectUrls": {
                "urlOnSuccess": self.url_on_success,
                "urlOnFailure": self.url_on_failure,
                "urlOnAbort": self.url_on_abort,
            },
            "notifyUrl": self.notify_url,
            "items": [
                {
                    "id": "1",
                    "reference": self.kassenzeichen,
                    "description": self.purpose,
                    "grosAmount": str(self.amount),
                    "quantity": 1,
                    "bookingData": {
                        "kassenzeichen": self.kassenzeichen,
                        "haushaltsstelle": self.haushaltsstelle,
                        "objektnummer": self.objektnummer,
                    },
                }
            ],
        }


@dataclass(frozen=True)
class Started:
    payment_id: str
    payment_url: str


@dataclass(frozen=True)
class PaymentInfo:
    payment_id: str
    request_id: str
    status: PaymentStatus
    amount: Decimal | None
    reference: str
    transaction_id: str = ""
    method: str = ""
    method_detail: str = ""
    paid_at: datetime.datetime | None = None

    @classmethod
    def from_json(cls, data) -> PaymentInfo:
        if not isinstance(data, dict):
            raise ProviderError("payment information is not an object")
        status = PROVIDER_STATUS.get(str(data.get("status", "")))
        if status is None:
            raise ProviderError(f"unknown status {data.get('status')!r}")
        try:
            amount = Decimal(str(data["grosAmount"])) if "grosAmount" in data else None
        except InvalidOperation:
            raise ProviderError("amount is not a number") from None
        details = data.get("paymentInformation") or {}
        if not isinstance(details, dict):
            raise ProviderError("paymentInformation is not an object")
        paid_at = parse_datetime(str(details.get("transactionTimestamp", "") or "")) or None
        return cls(
            payment_id=str(data.get("paymentId", "")),
            request_id=str(data.get("requestId", "")),
            status=status,
            amount=amount,
            reference=str(data.get("reference", "")),
            transaction_id=str(details.get("transactionId", ""))[:100],
            method=str(details.get("paymentMethod", ""))[:60],
            method_detail=str(details.get("paymentMethodDetail", ""))[:100],
            paid_at=paid_at,
        )


def sign(secret: str, payload: bytes) -> str:
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


def _secret(config) -> str:
    if config.secret_reference:
        return os.environ.get(config.secret_reference, "")
    return secrets.decrypt(config.secret_encrypted)


def secret_of(config) -> str:
    """The shared secret: from the environment variable the config names, or the one the
    member administrator entered (stored encrypted only, `payments.secrets`)."""
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
    try:
        expected = sign(secret_of(config), body)
    except SecretMissing:
        return False
    return hmac.compare_digest(expected, signature or "")


class Client:
    """The XBezahldienste-shaped client for one member's configuration."""

    def __init__(self, config):
        self.config = config
        self.dialect = DIALECTS[config.provider]

    def _root(self) -> str:
        return "/".join(
            [
                self.config.base_url.rstrip("/"),
                self.dialect.path,
                "paymenttransaction",
                quote(self.config.originator_id, safe=""),
                quote(self.config.endpoint_id, safe=""),
            ]
        )

    def _call(self, method: str, url: str, body: bytes | None, signed: bytes) -> dict:
        if not url.startswith(("https://", "http://")):
            raise ProviderUnavailable("the Bezahldienst's address is not http(s)")
        request = urllib.request.Request(  # noqa: S310 (http(s) only, checked above)
            url,
            data=body,
            method=method,
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "X-Signature": sign(secret_of(self.config), signed),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.PAYMENT_TIMEOUT) as response:  # noqa: S310 (checked above)
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            # Never log the request: it carries the signature; the URL and status suffice.
            logger.warning("payment provider answered %s for %s %s", error.code, method, url)
            refused = ProviderError(f"HTTP {error.code}")
            refused.status = error.code
            refused.json = (error.headers.get("Content-Type") or "").startswith("application/json")
            raise refused from None
        except (urllib.error.URLError, OSError, ValueError) as error:
            logger.warning(
                "payment provider unreachable (%s %s): %s", method, url, type(error).__name__
            )
            raise ProviderUnavailable(str(type(error).__name__)) from None

    def start(self, request: PaymentRequest) -> Started:
        body = json.dumps(request.as_json()).encode()
        answer = self._call("POST", self._root(), body, body)
        payment_id, url = answer.get("paymentId"), answer.get("paymentUrl")
        if (
            not payment_id
            or not isinstance(url, str)
            or not url.startswith(("https://", "http://"))
        ):
            raise ProviderError("payment request answered without id or pay page")
        return Started(payment_id=str(payment_id), payment_url=url)

    def status(self, payment_id: str) -> PaymentInfo:
        url = f"{self._root()}/{quote(payment_id, safe='')}"
        path = urllib.parse.urlsplit(url).path.encode()
        return PaymentInfo.from_json(self._call("GET", url, None, path))

    def probe(self) -> str:
        """Test the connection: a signed status query of a payment that cannot exist. "ok"
        when the Bezahldienst knows us (it answers 404 for the unknown payment), "refused"
        when it does not accept the ids or the secret (401/403), "unavailable" otherwise."""
        try:
            self.status(f"verbindungstest-{os.urandom(6).hex()}")
        except SecretMissing:
            return "no_secret"
        except ProviderUnavailable:
            return "unavailable"
        except ProviderError as error:
            if error.status == 404 and error.json:
                return "ok"
            if error.status in {401, 403}:
                return "refused"
            return "unavailable"
        return "unavailable"  # an answer for a payment that cannot exist: not a Bezahldienst

    def refund(self, payment_id: str, reason: str) -> PaymentInfo:
        url = f"{self._root()}/{quote(payment_id, safe='')}/refund"
        body = json.dumps({"reason": reason}).encode()
        return PaymentInfo.from_json(self._call("POST", url, body, body))
