"""Bezahldienst-Simulator — kein echtes Geld.

A small stand-alone server (standard library only) that speaks the platform's payment
protocol — XBezahldienste 1.0 plus the platform's signed notification and refund
(docs/payment.md) — for the tests and the demo. It is a separate process; the platform knows
only its URL and credentials, as for ePayBL or pmPayment.

It authenticates its clients like the real products (XBezahldienste 1.0 leaves that to them):

- `--auth mtls` (like the ePayBL connector): the API is served over HTTPS (`--tls-cert`,
  `--tls-key`) and only to clients with a TLS client certificate issued by `--client-ca`;
  the TLS handshake refuses a missing, expired or foreign certificate.
- `--auth oauth` (like pmPayment): `POST /oauth/token` issues opaque bearer tokens for the
  OAuth2 client credentials grant (`--oauth-client ID=SECRET`, HTTP Basic or form fields),
  valid `--token-ttl` seconds; the API refuses a missing, unknown or expired token with 401.
  HTTPS when `--tls-cert`/`--tls-key` are given.

    python tools/paysim/server.py --auth oauth --oauth-client demo=secret \
        --merchant DEMO-MANDANT=notification-secret

prints `PAYSIM READY <api url> <pages url>` when both listen: the API (the address the
platform is configured with) and, always over plain HTTP, the pages a browser opens (the pay
page has no client certificate) and the test settings. Endpoints of the API:

- `POST /paymenttransaction/<originatorId>/<endPointId>`: a payment request (JSON) → 200
  with the payment transaction (`paymentRequest` as received, `paymentInformation` with
  `transactionId`, status INITIAL and the pay page as `transactionRedirectUrl`). Errors as
  `application/problem+json` with XBezahldienste's `functionalCode`.
- `GET /paymenttransaction/<originatorId>/<endPointId>/<transactionId>` → the transaction.
- `GET /status/<originatorId>/<endPointId>` → 200 when the originator is known.
- `POST .../<transactionId>/refund` (`{"reason": …}`) → REFUNDED (or CANCELED while open).

Of the pages listener:

- `GET|POST /pay/<transactionId>`: the pay page with the choices paid / declined / cancelled /
  timed out (FAILED with the statusDetail TIMEOUT); sends the notification, signed with the
  originator's `--merchant` secret, to the request's `notifyUrl` and redirects the browser to
  its `redirectUrl`.
- `POST /_sim/settings` `{"notifications": "send"|"drop"|"twice"}`: for the tests of a lost
  or duplicated notification; `{"pay_base": "http://…"}`: pay pages said to be on another
  host ("" again for this listener); `{"token_ttl": seconds}`; `{"expire_tokens": true}`:
  every token issued so far expires now. `GET /_sim/stats`: how many tokens were issued.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import hashlib
import hmac
import html
import json
import os
import secrets
import ssl
import sys
import threading
import time
import urllib.error
import urllib.request
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

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
    def __init__(
        self,
        merchants: dict[str, str],
        *,
        auth: str = "mtls",
        oauth_clients: dict[str, str] | None = None,
        token_ttl: int = 300,
    ):
        self.merchants = merchants  # originator → secret of its notifications
        self.auth = auth
        self.oauth_clients = oauth_clients or {}
        self.token_ttl = token_ttl
        self.tokens: dict[str, float] = {}  # token → expiry (monotonic clock)
        self.tokens_issued = 0
        self.payments: dict[str, dict] = {}
        self.notifications = "send"
        self.pages_url = ""  # the pages listener
        self.pay_base = ""  # where the pay pages are said to be ("": the pages listener)
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

    api = True  # the API listener; the pages listener sets False

    def _authorised(self) -> bool:
        """mtls: the TLS handshake has checked the client certificate already. oauth: a
        bearer token this simulator issued and that has not expired."""
        if self.state.auth == "mtls":
            return bool(self.connection.getpeercert())
        scheme, _sep, token = self.headers.get("Authorization", "").partition(" ")
        expiry = self.state.tokens.get(token) if scheme.lower() == "bearer" else None
        return expiry is not None and expiry > time.monotonic()

    def _unauthorised(self):
        return self._problem(401, "FORBIDDEN", "Nicht angemeldet oder Token abgelaufen.")

    def _token(self, body: bytes):
        """OAuth2 client credentials grant (RFC 6749 section 4.4)."""
        form = {k: v[0] for k, v in parse_qs(body.decode(errors="replace")).items()}
        client_id, client_secret = form.get("client_id", ""), form.get("client_secret", "")
        scheme, _sep, value = self.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "basic":
            try:
                pair = base64.b64decode(value).decode()
            except (ValueError, UnicodeDecodeError):
                pair = ""
            user, _sep, password = pair.partition(":")
            client_id, client_secret = unquote(user), unquote(password)
        if form.get("grant_type") != "client_credentials":
            return self._json(400, {"error": "unsupported_grant_type"})
        expected = self.state.oauth_clients.get(client_id)
        if not expected or not hmac.compare_digest(expected, client_secret):
            return self._send(
                401,
                json.dumps({"error": "invalid_client"}).encode(),
                headers={"WWW-Authenticate": 'Basic realm="paysim"'},
            )
        token = secrets.token_urlsafe(24)
        with self.state.lock:
            self.state.tokens[token] = time.monotonic() + self.state.token_ttl
            self.state.tokens_issued += 1
        return self._json(
            200,
            {"access_token": token, "token_type": "Bearer", "expires_in": self.state.token_ttl},
        )

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
        if not self.api:
            if len(parts) == 2 and parts[0] == "pay":
                return self._pay_page(parts[1])
            if parts == ["_sim", "stats"]:
                return self._json(200, {"tokens_issued": self.state.tokens_issued})
            return self._not_found()
        if parts and parts[0] in {"status", "paymenttransaction"} and not self._authorised():
            return self._unauthorised()
        if len(parts) == 3 and parts[0] == "status":
            if parts[1] not in self.state.merchants:
                return self._problem(
                    403, "NO_VALID_ORIGINATOR_OR_ENDPOINT", "Unbekannter Online-Dienst."
                )
            return self._json(200, {"status": "ok", "label": LABEL})
        if len(parts) == 4 and parts[0] == "paymenttransaction":
            originator, payment_id = parts[1], parts[3]
            payment = self.state.payments.get(payment_id)
            if payment is None or payment["originator"] != originator:
                return self._problem(404, "UNSPECIFIED", "Unbekannte Zahlung.")
            return self._json(200, self._info(payment))
        return self._not_found()

    def _not_found(self):
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
        if not self.api:
            if parts == ["_sim", "settings"]:
                return self._settings(json.loads(body or b"{}"))
            if len(parts) == 2 and parts[0] == "pay":
                return self._pay(parts[1], body)
            return self._json(404, {"error": "not found"})
        if parts == ["oauth", "token"] and self.state.auth == "oauth":
            return self._token(body)
        if parts and parts[0] == "paymenttransaction" and not self._authorised():
            return self._unauthorised()
        if len(parts) == 3 and parts[0] == "paymenttransaction":
            return self._create(parts[1], parts[2], body)
        if len(parts) == 5 and parts[0] == "paymenttransaction" and parts[4] == "refund":
            return self._refund(parts[1], parts[3], body)
        return self._json(404, {"error": "not found"})

    def _settings(self, settings: dict):
        state = self.state
        with state.lock:
            if settings.get("notifications") in {"send", "drop", "twice"}:
                state.notifications = settings["notifications"]
            if isinstance(settings.get("pay_base"), str):
                state.pay_base = settings["pay_base"].rstrip("/")
            if isinstance(settings.get("token_ttl"), int) and settings["token_ttl"] > 0:
                state.token_ttl = settings["token_ttl"]
            if settings.get("expire_tokens") is True:
                state.tokens = dict.fromkeys(state.tokens, 0.0)
        return self._json(
            200,
            {
                "notifications": state.notifications,
                "pay_base": state.pay_base,
                "token_ttl": state.token_ttl,
            },
        )

    def _create(self, originator, endpoint, body):
        if originator not in self.state.merchants:
            return self._problem(403, "NO_VALID_ORIGINATOR_OR_ENDPOINT", "Unbekannter Dienst.")
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
        scheme = "https" if isinstance(self.connection, ssl.SSLSocket) else "http"
        with self.state.lock:
            if any(
                p["originator"] == originator and p["request"].get("requestId") == request_id
                for p in self.state.payments.values()
            ):
                return self._problem(409, "PAYMENT_EXISTS", "Anforderung schon platziert.")
            payment = {
                "transactionId": payment_id,
                "transactionUrl": f"{scheme}://{host}/paymenttransaction/{originator}/"
                f"{endpoint}/{payment_id}",
                "payUrl": f"{self.state.pay_base or self.state.pages_url}/pay/{payment_id}",
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


def parse_pairs(values: list[str], option: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        name, _sep, secret = value.partition("=")
        if not name or not secret:
            raise SystemExit(f"{option} needs NAME=SECRET, got {value!r}")
        pairs[name] = secret
    return pairs


def parse_merchants(values: list[str]) -> dict[str, str]:
    return parse_pairs(values, "--merchant")


class Server(ThreadingHTTPServer):
    """Handles each connection in its own thread; with `tls`, the TLS handshake happens
    there too (a client refused by it does not stop the others)."""

    daemon_threads = True
    tls: ssl.SSLContext | None = None

    def finish_request(self, request, client_address):
        if self.tls is not None:
            request.settimeout(30)
            try:
                request = self.tls.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError) as error:
                print(f"paysim: TLS refused: {error}", file=sys.stderr, flush=True)
                return
        super().finish_request(request, client_address)


def tls_context(cert: str, key: str, client_ca: str = "") -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    if client_ca:
        context.load_verify_locations(client_ca)
        context.verify_mode = ssl.CERT_REQUIRED
    return context


def serve(
    host: str,
    port: int,
    merchants: dict[str, str],
    *,
    pages_port: int = 0,
    auth: str = "mtls",
    tls: ssl.SSLContext | None = None,
    oauth_clients: dict[str, str] | None = None,
    token_ttl: int = 300,
) -> tuple[Server, Server]:
    """The API listener and the pages listener, sharing one state."""
    state = State(merchants, auth=auth, oauth_clients=oauth_clients, token_ttl=token_ttl)
    api = Server((host, port), type("ApiHandler", (Handler,), {"state": state, "api": True}))
    api.tls = tls
    pages = Server(
        (host, pages_port), type("PagesHandler", (Handler,), {"state": state, "api": False})
    )
    state.pages_url = "http://{}:{}".format(*pages.server_address[:2])
    return api, pages


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=LABEL)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="the API's port")
    parser.add_argument("--pages-port", type=int, default=0, help="the pay pages' port")
    parser.add_argument(
        "--merchant",
        action="append",
        default=[],
        help="ORIGINATOR=SECRET of its notifications (repeatable; also PAYSIM_MERCHANTS, "
        "comma-separated)",
    )
    parser.add_argument("--auth", choices=["mtls", "oauth"], required=True)
    parser.add_argument("--tls-cert", default="", help="server certificate (PEM)")
    parser.add_argument("--tls-key", default="", help="its private key (PEM)")
    parser.add_argument("--client-ca", default="", help="mtls: the CA of client certificates")
    parser.add_argument(
        "--oauth-client",
        action="append",
        default=[],
        help="oauth: CLIENT_ID=CLIENT_SECRET (repeatable; also PAYSIM_OAUTH_CLIENTS)",
    )
    parser.add_argument("--token-ttl", type=int, default=300, help="oauth: token lifetime (s)")
    args = parser.parse_args(argv)
    merchants = parse_merchants(
        args.merchant + [m for m in os.environ.get("PAYSIM_MERCHANTS", "").split(",") if m]
    )
    clients = parse_pairs(
        args.oauth_client + [c for c in os.environ.get("PAYSIM_OAUTH_CLIENTS", "").split(",") if c],
        "--oauth-client",
    )
    if args.auth == "mtls" and not (args.tls_cert and args.tls_key and args.client_ca):
        parser.error("--auth mtls needs --tls-cert, --tls-key and --client-ca")
    if args.auth == "oauth" and not clients:
        parser.error("--auth oauth needs --oauth-client")
    tls = tls_context(args.tls_cert, args.tls_key, args.client_ca) if args.tls_cert else None
    api, pages = serve(
        args.host,
        args.port,
        merchants,
        pages_port=args.pages_port,
        auth=args.auth,
        tls=tls,
        oauth_clients=clients,
        token_ttl=args.token_ttl,
    )
    scheme = "https" if tls else "http"
    pages_url = "http://{}:{}".format(*pages.server_address[:2])
    host, port = api.server_address[:2]
    threading.Thread(target=pages.serve_forever, daemon=True).start()
    print(f"PAYSIM READY {scheme}://{host}:{port} {pages_url}", flush=True)
    try:
        api.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        api.server_close()
        pages.server_close()


if __name__ == "__main__":
    main()
