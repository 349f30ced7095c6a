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
  `X-Signature`), the HMAC signature of every request, and the refund (or, while open,
  cancellation) with a reason.

ePayBL and pmPayment are adapters as configuration (`DIALECTS`): what their originator and
endpoint ids are called. Which server answers is configuration of the member
(`ProviderConfig`: URL and the secret) — the platform cannot tell the
Bezahldienst-Simulator from a real service.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import logging
import os
import re
import unicodedata
import urllib.error
import urllib.request
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

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
                return json.loads(response.read() or b"{}", parse_float=Decimal)
        except urllib.error.HTTPError as error:
            # Never log the request: it carries the signature; the URL and status suffice.
            # XBezahldienste answers errors as application/problem+json (functionalCode).
            logger.warning("payment provider answered %s for %s %s", error.code, method, url)
            refused = ProviderError(f"HTTP {error.code}")
            refused.status = error.code
            refused.json = (error.headers.get("Content-Type") or "").startswith(
                ("application/json", "application/problem+json")
            )
            raise refused from None
        except (urllib.error.URLError, OSError, ValueError) as error:
            logger.warning(
                "payment provider unreachable (%s %s): %s", method, url, type(error).__name__
            )
            raise ProviderUnavailable(str(type(error).__name__)) from None

    def start(self, request: PaymentRequest) -> Started:
        body = json.dumps(request.as_json()).encode()
        answer = self._call("POST", self._root(), body, body)
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
        path = urllib.parse.urlsplit(url).path.encode()
        return PaymentInfo.from_json(self._call("GET", url, None, path))

    def probe(self) -> str:
        """Test the connection: XBezahldienste's status of the configuration
        (`GET <base>/status/<originatorId>/<endPointId>`, signed). "ok" when it answers 200,
        "refused" when it does not accept the ids or the secret (401/403), "unavailable"
        otherwise. A Bezahldienst without that query (404) is asked for a payment that cannot
        exist instead: a JSON 404 means it knows us."""
        url = f"{self.config.base_url.rstrip('/')}/status/{self._ids()}"
        try:
            self._call("GET", url, None, urllib.parse.urlsplit(url).path.encode())
            return "ok"
        except SecretMissing:
            return "no_secret"
        except ProviderUnavailable:
            return "unavailable"
        except ProviderError as error:
            if error.status in {401, 403}:
                return "refused"
            if error.status != 404:
                return "unavailable"
        try:
            self.status(f"verbindungstest-{os.urandom(6).hex()}")
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
        """Ours, not XBezahldienste 1.0: refund a paid payment (or cancel an open one)."""
        url = f"{self._root()}/{quote(payment_id, safe='')}/refund"
        body = json.dumps({"reason": reason}).encode()
        return PaymentInfo.from_json(self._call("POST", url, body, body))
