"""Bezahldienst-Simulator — kein echtes Geld.

A small stand-alone server (standard library only) that speaks the platform's payment
protocol — XBezahldienste 1.0 plus the platform's signed notification and refund
(docs/payment.md) — for the tests and the demo. It is a separate process; the platform knows
only its URL and the shared secret, as for ePayBL or pmPayment.

    python tools/paysim/server.py --port 0 --merchant DEMO-MANDANT=secret ...

prints `PAYSIM READY http://127.0.0.1:<port>` when it listens. Endpoints (the same for the
ePayBL and the pmPayment adapter):

- `POST /paymenttransaction/<originatorId>/<endPointId>`: a payment request (JSON, header
  `X-Signature` = HMAC-SHA256 of the body with the originator's secret) → 200 with the
  payment transaction (`paymentRequest` as received, `paymentInformation` with
  `transactionId`, status INITIAL and the pay page as `transactionRedirectUrl`). Errors as
  `application/problem+json` with XBezahldienste's `functionalCode`.
- `GET /paymenttransaction/<originatorId>/<endPointId>/<transactionId>` (signature over the
  path) → the payment transaction.
- `GET /status/<originatorId>/<endPointId>` (signature over the path) → 200 when the
  originator is known and the signature right.
- `POST .../<transactionId>/refund` (signed body `{"reason": …}`) → REFUNDED (or CANCELED
  while open).
- `GET|POST /pay/<transactionId>`: the pay page with the choices paid / declined / cancelled /
  timed out (FAILED with the statusDetail TIMEOUT); sends the signed notification to the
  request's `notifyUrl` and redirects the browser to its `redirectUrl`.
- `POST /_sim/settings` `{"notifications": "send"|"drop"|"twice"}`: for the tests of a lost
  or duplicated notification; `{"pay_base": "http://…"}`: pay pages said to be on another
  host (as an ePayBL connector's may be; "" again for this server).
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import hmac
import html
import json
import os
import secrets
import sys
import threading
import urllib.error
import urllib.request
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

LABEL = "Bezahldienst-Simulator — kein echtes Geld"
METHODS = {"paid": "CREDITCARD", "declined": "CREDITCARD"}
FINAL = {"PAYED", "FAILED", "CANCELED", "REFUNDED"}
CENT = Decimal("0.01")


def sign(secret: str, payload: bytes) -> str:
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


def now_iso() -> str:
    now = datetime.datetime.now(datetime.UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def money(value) -> Decimal:
    if value is None or isinstance(value, bool):
        raise ValueError("no amount")
    return Decimal(str(value)).quantize(CENT)


class State:
    def __init__(self, merchants: dict[str, str]):
        self.merchants = merchants
        self.payments: dict[str, dict] = {}
        self.notifications = "send"
        self.pay_base = ""  # where the pay pages are said to be ("": this server)
        self.lock = threading.Lock()


def page(title: str, body: str) -> bytes:
    return (
        "<!DOCTYPE html><html lang='de'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)} – {LABEL}</title>"
        "<style>body{font-family:sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;"
        "color:#111}.banner{background:#fff3cd;border:2px solid #8a6d00;padding:.75rem;"
        "font-weight:bold}button{display:block;margin:.5rem 0;padding:.6rem 1rem;"
        "font-size:1rem;min-width:16rem}dt{font-weight:bold}</style></head><body>"
        f"<header><p class='banner' role='note'>{LABEL}</p></header>"
        f"<main><h1>{html.escape(title)}</h1>{body}</main></body></html>"
    ).encode()


class Handler(BaseHTTPRequestHandler):
    server_version = "paysim"
    state: State

    def log_message(self, format, *args):  # quiet; the tests read stdout only for READY
        if os.environ.get("PAYSIM_VERBOSE"):
            super().log_message(format, *args)

    # --- helpers ---------------------------------------------------------------------
    def _send(self, status: int, body: bytes, content_type="application/json", headers=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data) -> None:
        self._send(status, json.dumps(data, default=float).encode())

    def _problem(self, status: int, code: str, detail: str) -> None:
        """An error as XBezahldienste answers it (RFC 7807 with a functionalCode)."""
        titles = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}
        body = {
            "type": "about:blank",
            "status": status,
            "title": titles.get(status, "Error"),
            "detail": detail,
            "functionalCode": code,
        }
        self._send(status, json.dumps(body).encode(), "application/problem+json")

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _route(self):
        parts = [p for p in urlsplit(self.path).path.split("/") if p]
        return parts

    def _authorised(self, originator: str, payload: bytes) -> bool:
        secret = self.state.merchants.get(originator)
        given = self.headers.get("X-Signature", "")
        return bool(secret) and hmac.compare_digest(sign(secret, payload), given)

    def _info(self, payment: dict) -> dict:
        """The payment transaction: the request as received and the payment information."""
        information = {
            "transactionId": payment["transactionId"],
            "transactionUrl": payment["transactionUrl"],
            "status": payment["status"],
        }
        if payment["status"] == "INITIAL":
            information["transactionRedirectUrl"] = payment["payUrl"]
        for key in (
            "transactionReference",
            "transactionTimestamp",
            "paymentMethod",
            "paymentMethodDetail",
            "statusDetail",
        ):
            if payment.get(key):
                information[key] = payment[key]
        return {"paymentRequest": payment["request"], "paymentInformation": information}

    def _notify(self, payment: dict) -> None:
        mode = self.state.notifications
        if mode == "drop" or not payment.get("notifyUrl"):
            return
        body = json.dumps(self._info(payment), default=float).encode()
        secret = self.state.merchants[payment["originator"]]
        request = urllib.request.Request(  # noqa: S310
            payment["notifyUrl"],
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "X-Signature": sign(secret, body)},
        )
        for _attempt in range(2 if mode == "twice" else 1):
            try:
                urllib.request.urlopen(request, timeout=10).read()  # noqa: S310 (the platform's notifyUrl)
            except (urllib.error.URLError, OSError) as error:
                print(f"paysim: notification failed: {error}", file=sys.stderr, flush=True)

    # --- GET ---------------------------------------------------------------------------
    def do_GET(self):
        parts = self._route()
        if parts == ["healthz"]:
            return self._json(200, {"status": "ok", "label": LABEL})
        if len(parts) == 2 and parts[0] == "pay":
            return self._pay_page(parts[1])
        signed = urlsplit(self.path).path.encode()
        if len(parts) == 3 and parts[0] == "status":
            if parts[1] not in self.state.merchants:
                return self._problem(
                    403, "NO_VALID_ORIGINATOR_OR_ENDPOINT", "Unbekannter Online-Dienst."
                )
            if not self._authorised(parts[1], signed):
                return self._problem(401, "FORBIDDEN", "Signatur falsch.")
            return self._json(200, {"status": "ok", "label": LABEL})
        if len(parts) == 4 and parts[0] == "paymenttransaction":
            originator, payment_id = parts[1], parts[3]
            if not self._authorised(originator, signed):
                return self._problem(401, "FORBIDDEN", "Signatur falsch.")
            payment = self.state.payments.get(payment_id)
            if payment is None or payment["originator"] != originator:
                return self._problem(404, "UNSPECIFIED", "Unbekannte Zahlung.")
            return self._json(200, self._info(payment))
        return self._send(
            404,
            page("Nicht gefunden", "<p>Diese Seite gibt es nicht.</p>"),
            "text/html; charset=utf-8",
        )

    def _pay_page(self, payment_id: str, message: str = ""):
        payment = self.state.payments.get(payment_id)
        if payment is None:
            return self._send(
                404,
                page("Nicht gefunden", "<p>Diese Zahlung gibt es nicht.</p>"),
                "text/html; charset=utf-8",
            )
        if payment["status"] in FINAL:
            body = "<p>Diese Zahlung ist abgeschlossen.</p>"
            return self._send(200, page("Zahlung abgeschlossen", body), "text/html; charset=utf-8")
        amount = f"{payment['amount']:.2f}".replace(".", ",")
        request = payment["request"]
        body = (
            f"{message}<p>Dies ist eine Simulation. Es wird kein Geld bewegt.</p>"
            "<dl>"
            f"<dt>Verwendungszweck</dt><dd>{html.escape(str(request.get('purpose', '')))}</dd>"
            f"<dt>Beschreibung</dt><dd>{html.escape(str(request.get('description', '')))}</dd>"
            f"<dt>Kassenzeichen</dt><dd>{html.escape(payment['reference'])}</dd>"
            f"<dt>Betrag</dt><dd>{html.escape(amount)} €</dd>"
            "</dl>"
            f"<form method='post' action='/pay/{html.escape(payment_id)}'>"
            "<fieldset><legend>Ergebnis der simulierten Zahlung wählen</legend>"
            "<button name='outcome' value='paid'>Bezahlt (simuliert)</button>"
            "<button name='outcome' value='declined'>Abgelehnt (simuliert)</button>"
            "<button name='outcome' value='cancelled'>Abgebrochen (simuliert)</button>"
            "<button name='outcome' value='timeout'>Zeitüberschreitung (simuliert)</button>"
            "</fieldset></form>"
        )
        return self._send(200, page("Zahlung simulieren", body), "text/html; charset=utf-8")

    # --- POST --------------------------------------------------------------------------
    def do_POST(self):
        parts = self._route()
        body = self._body()
        if parts == ["_sim", "settings"]:
            settings = json.loads(body or b"{}")
            if settings.get("notifications") in {"send", "drop", "twice"}:
                self.state.notifications = settings["notifications"]
            if isinstance(settings.get("pay_base"), str):
                self.state.pay_base = settings["pay_base"].rstrip("/")
            return self._json(
                200,
                {"notifications": self.state.notifications, "pay_base": self.state.pay_base},
            )
        if len(parts) == 2 and parts[0] == "pay":
            return self._pay(parts[1], body)
        if len(parts) == 3 and parts[0] == "paymenttransaction":
            return self._create(parts[1], parts[2], body)
        if len(parts) == 5 and parts[0] == "paymenttransaction" and parts[4] == "refund":
            return self._refund(parts[1], parts[3], body)
        return self._json(404, {"error": "not found"})

    def _create(self, originator, endpoint, body):
        if originator not in self.state.merchants:
            return self._problem(403, "NO_VALID_ORIGINATOR_OR_ENDPOINT", "Unbekannter Dienst.")
        if not self._authorised(originator, body):
            return self._problem(401, "FORBIDDEN", "Signatur falsch.")
        try:
            request = json.loads(body, parse_float=Decimal)
            request_id = str(request["requestId"])
            amount = money(request["grosAmount"])
            items = request["items"]
            total = sum(
                (money(i["totalNetAmount"]) + money(i.get("totalTaxAmount", 0)) for i in items),
                Decimal(0),
            )
            reference = str(items[0]["reference"])
            redirect = str(request["redirectUrl"])
        except (ValueError, KeyError, IndexError, TypeError, InvalidOperation):
            return self._problem(400, "VALIDATION_ERROR", "Zahlungsanforderung unvollständig.")
        if request.get("currency", "EUR") != "EUR":
            return self._problem(400, "VALIDATION_ERROR", "Nur EUR.")
        if total != amount:
            return self._problem(400, "CALCULATION_ERROR", "Summe der Positionen falsch.")
        if not (items[0].get("bookingData") or {}).get("haushaltsstelle"):
            return self._problem(400, "BOOKING_DATA_MISSING", "Haushaltsstelle fehlt.")
        if len(str(request.get("purpose", ""))) > 27:
            return self._problem(400, "VALIDATION_ERROR", "Verwendungszweck zu lang.")
        payment_id = secrets.token_hex(12)
        host = self.headers.get("Host", "")
        with self.state.lock:
            if any(
                p["originator"] == originator and p["request"].get("requestId") == request_id
                for p in self.state.payments.values()
            ):
                return self._problem(409, "PAYMENT_EXISTS", "Anforderung schon platziert.")
            payment = {
                "transactionId": payment_id,
                "transactionUrl": f"http://{host}/paymenttransaction/{originator}/"
                f"{endpoint}/{payment_id}",
                "payUrl": f"{self.state.pay_base or 'http://' + host}/pay/{payment_id}",
                "originator": originator,
                "endpoint": endpoint,
                "request": request,
                "amount": amount,
                "reference": reference,
                "redirectUrl": redirect,
                "notifyUrl": request.get("notifyUrl", ""),
                "status": "INITIAL",
            }
            self.state.payments[payment_id] = payment
        return self._json(200, self._info(payment))

    def _pay(self, payment_id, body):
        payment = self.state.payments.get(payment_id)
        if payment is None:
            return self._json(404, {"error": "unknown payment"})
        outcome = parse_qs(body.decode()).get("outcome", [""])[0]
        status, detail = {
            "paid": ("PAYED", ""),
            "declined": ("FAILED", "DECLINED"),
            "cancelled": ("CANCELED", ""),
            "timeout": ("FAILED", "TIMEOUT"),
        }.get(outcome, (None, ""))
        if status is None:
            return self._pay_page(payment_id, "<p role='alert'>Bitte wählen Sie ein Ergebnis.</p>")
        with self.state.lock:
            if payment["status"] not in FINAL:
                payment["status"] = status
                payment["statusDetail"] = detail
                if status == "PAYED":
                    payment["transactionReference"] = "SIM-" + secrets.token_hex(6).upper()
                    payment["paymentMethod"] = METHODS["paid"]
                    payment["paymentMethodDetail"] = "Kreditkarte (simuliert)"
                    payment["transactionTimestamp"] = now_iso()
        self._notify(payment)
        # XBezahldienste has one return address; the platform asks for the status there.
        self.send_response(303)
        self.send_header("Location", payment["redirectUrl"] or f"/pay/{payment_id}")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _refund(self, originator, payment_id, body):
        if not self._authorised(originator, body):
            return self._problem(401, "FORBIDDEN", "Signatur falsch.")
        payment = self.state.payments.get(payment_id)
        if payment is None or payment["originator"] != originator:
            return self._problem(404, "UNSPECIFIED", "Unbekannte Zahlung.")
        with self.state.lock:
            if payment["status"] == "PAYED":
                payment["status"] = "REFUNDED"
            elif payment["status"] == "INITIAL":
                payment["status"] = "CANCELED"
            elif payment["status"] != "REFUNDED":
                return self._problem(409, "UNSPECIFIED", f"Nicht erstattbar: {payment['status']}")
        return self._json(200, self._info(payment))


def parse_merchants(values: list[str]) -> dict[str, str]:
    merchants = {}
    for value in values:
        originator, _sep, secret = value.partition("=")
        if not originator or not secret:
            raise SystemExit(f"--merchant needs ORIGINATOR=SECRET, got {value!r}")
        merchants[originator] = secret
    return merchants


def serve(host: str, port: int, merchants: dict[str, str]) -> ThreadingHTTPServer:
    handler = type("BoundHandler", (Handler,), {"state": State(merchants)})
    return ThreadingHTTPServer((host, port), handler)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=LABEL)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--merchant",
        action="append",
        default=[],
        help="ORIGINATOR=SECRET (repeatable; also PAYSIM_MERCHANTS, comma-separated)",
    )
    args = parser.parse_args(argv)
    merchants = parse_merchants(
        args.merchant + [m for m in os.environ.get("PAYSIM_MERCHANTS", "").split(",") if m]
    )
    server = serve(args.host, args.port, merchants)
    host, port = server.server_address[:2]
    print(f"PAYSIM READY http://{host}:{port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
