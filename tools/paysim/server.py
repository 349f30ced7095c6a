"""Bezahldienst-Simulator — kein echtes Geld.

A small stand-alone server (standard library only) that speaks the platform's
XBezahldienste-shaped payment protocol (docs/payment.md), for the tests and the demo. It is a
separate process; the platform knows only its URL and the shared secret, as for ePayBL or
pmPayment.

    python tools/paysim/server.py --port 0 --merchant DEMO-MANDANT=secret ...

prints `PAYSIM READY http://127.0.0.1:<port>` when it listens. Endpoints (for both dialects,
`/epaybl/...` and `/pmpayment/...`):

- `POST /<dialect>/paymenttransaction/<originator>/<endpoint>`: a payment request (JSON,
  header `X-Signature` = HMAC-SHA256 of the body with the originator's secret) → 201 with
  `paymentId`, `status` INITIAL and the `paymentUrl` of the pay page.
- `GET /<dialect>/paymenttransaction/<originator>/<endpoint>/<paymentId>` (signature over the
  path) → the payment information.
- `POST .../<paymentId>/refund` (signed body `{"reason": …}`) → REFUNDED.
- `GET|POST /pay/<paymentId>`: the pay page with the choices paid / declined / cancelled /
  timed out; sends the signed notification to the `notifyUrl` and redirects the browser.
- `POST /_sim/settings` `{"notifications": "send"|"drop"|"twice"}`: for the tests of a lost
  or duplicated notification.
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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

LABEL = "Bezahldienst-Simulator — kein echtes Geld"
DIALECTS = {"epaybl", "pmpayment"}
METHODS = {"paid": "CREDITCARD", "declined": "CREDITCARD"}
FINAL = {"PAYED", "FAILED", "CANCELED", "TIMEOUT", "REFUNDED"}


def sign(secret: str, payload: bytes) -> str:
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


def now_iso() -> str:
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0).isoformat()


class State:
    def __init__(self, merchants: dict[str, str]):
        self.merchants = merchants
        self.payments: dict[str, dict] = {}
        self.notifications = "send"
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
        self._send(status, json.dumps(data).encode())

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
        info = {
            "paymentId": payment["paymentId"],
            "requestId": payment["requestId"],
            "status": payment["status"],
            "grosAmount": payment["grosAmount"],
            "currency": payment["currency"],
            "reference": payment["reference"],
        }
        if payment.get("transactionId"):
            info["paymentInformation"] = {
                "transactionId": payment["transactionId"],
                "paymentMethod": payment["paymentMethod"],
                "paymentMethodDetail": payment.get("paymentMethodDetail", ""),
                "transactionTimestamp": payment["transactionTimestamp"],
            }
        return info

    def _notify(self, payment: dict) -> None:
        mode = self.state.notifications
        if mode == "drop" or not payment.get("notifyUrl"):
            return
        body = json.dumps(self._info(payment)).encode()
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
        if len(parts) == 5 and parts[0] in DIALECTS and parts[1] == "paymenttransaction":
            originator, payment_id = parts[2], parts[4]
            if not self._authorised(originator, urlsplit(self.path).path.encode()):
                return self._json(401, {"error": "signature"})
            payment = self.state.payments.get(payment_id)
            if payment is None or payment["originator"] != originator:
                return self._json(404, {"error": "unknown payment"})
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
        amount = payment["grosAmount"].replace(".", ",")
        body = (
            f"{message}<p>Dies ist eine Simulation. Es wird kein Geld bewegt.</p>"
            "<dl>"
            f"<dt>Verwendungszweck</dt><dd>{html.escape(payment['purpose'])}</dd>"
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
            return self._json(200, {"notifications": self.state.notifications})
        if len(parts) == 2 and parts[0] == "pay":
            return self._pay(parts[1], body)
        if len(parts) == 4 and parts[0] in DIALECTS and parts[1] == "paymenttransaction":
            return self._create(parts[0], parts[2], parts[3], body)
        if (
            len(parts) == 6
            and parts[0] in DIALECTS
            and parts[1] == "paymenttransaction"
            and parts[5] == "refund"
        ):
            return self._refund(parts[2], parts[4], body)
        return self._json(404, {"error": "not found"})

    def _create(self, dialect, originator, endpoint, body):
        if not self._authorised(originator, body):
            return self._json(401, {"error": "signature"})
        try:
            request = json.loads(body)
            amount = str(request["grosAmount"])
            booking = request["items"][0]["bookingData"]
            reference = booking["kassenzeichen"]
        except (ValueError, KeyError, IndexError, TypeError):
            return self._json(400, {"error": "invalid payment request"})
        payment_id = secrets.token_hex(12)
        payment = {
            "paymentId": payment_id,
            "dialect": dialect,
            "originator": originator,
            "endpoint": endpoint,
            "requestId": request.get("requestId", ""),
            "grosAmount": amount,
            "currency": request.get("currency", "EUR"),
            "purpose": request.get("purpose", ""),
            "reference": reference,
            "redirectUrls": request.get("redirectUrls", {}),
            "notifyUrl": request.get("notifyUrl", ""),
            "status": "INITIAL",
        }
        with self.state.lock:
            self.state.payments[payment_id] = payment
        host = self.headers.get("Host", "")
        return self._json(
            201,
            {
                "paymentId": payment_id,
                "status": "INITIAL",
                "paymentUrl": f"http://{host}/pay/{payment_id}",
            },
        )

    def _pay(self, payment_id, body):
        payment = self.state.payments.get(payment_id)
        if payment is None:
            return self._json(404, {"error": "unknown payment"})
        outcome = parse_qs(body.decode()).get("outcome", [""])[0]
        status = {
            "paid": "PAYED",
            "declined": "FAILED",
            "cancelled": "CANCELED",
            "timeout": "TIMEOUT",
        }.get(outcome)
        if status is None:
            return self._pay_page(payment_id, "<p role='alert'>Bitte wählen Sie ein Ergebnis.</p>")
        with self.state.lock:
            if payment["status"] not in FINAL:
                payment["status"] = status
                if status == "PAYED":
                    payment["transactionId"] = "SIM-" + secrets.token_hex(6).upper()
                    payment["paymentMethod"] = METHODS["paid"]
                    payment["paymentMethodDetail"] = "Kreditkarte (simuliert)"
                    payment["transactionTimestamp"] = now_iso()
        self._notify(payment)
        urls = payment["redirectUrls"]
        target = {
            "PAYED": urls.get("urlOnSuccess"),
            "CANCELED": urls.get("urlOnAbort"),
        }.get(payment["status"], urls.get("urlOnFailure"))
        self.send_response(303)
        self.send_header("Location", target or f"/pay/{payment_id}")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _refund(self, originator, payment_id, body):
        if not self._authorised(originator, body):
            return self._json(401, {"error": "signature"})
        payment = self.state.payments.get(payment_id)
        if payment is None or payment["originator"] != originator:
            return self._json(404, {"error": "unknown payment"})
        with self.state.lock:
            if payment["status"] == "PAYED":
                payment["status"] = "REFUNDED"
            elif payment["status"] == "INITIAL":
                payment["status"] = "CANCELED"
            elif payment["status"] != "REFUNDED":
                return self._json(409, {"error": "not refundable", "status": payment["status"]})
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
