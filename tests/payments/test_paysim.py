"""The Bezahldienst-Simulator itself: a separate process that refuses unsigned requests,
labels every page, and sends signed notifications the platform can verify."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest

from openkommune.payments import providers
from tests.payments.support import choose
from tests.paysim import PAYSIM_ORIGINATOR, PAYSIM_SECRET

LABEL = "Bezahldienst-Simulator — kein echtes Geld"


def _post(url: str, body: bytes, signature: str):
    request = urllib.request.Request(  # noqa: S310 (the simulator's http URL)
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "X-Signature": signature},
    )
    return urllib.request.urlopen(request, timeout=5)  # noqa: S310


class _Receiver(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((body, self.headers["X-Signature"]))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    _Receiver.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/notify", _Receiver.received
    server.shutdown()
    server.server_close()


def _request(notify_url: str, **changes) -> bytes:
    request = providers.PaymentRequest(
        request_id=f"r-{changes.pop('n', 1)}",
        amount=Decimal("12.30"),
        currency="EUR",
        purpose="Sondernutzung öffentlicher Straßen",
        description="Sondernutzungserlaubnis beantragen",
        kassenzeichen="KZ1",
        haushaltsstelle="H",
        objektnummer="",
        redirect_url="http://x/zurueck",
        notify_url=notify_url,
    ).as_json()
    return json.dumps(request | changes).encode()


def _root(paysim):
    return f"{paysim.url}/paymenttransaction/{PAYSIM_ORIGINATOR}/V1"


def test_unsigned_requests_are_refused(paysim):
    with pytest.raises(urllib.error.HTTPError) as refused:
        _post(_root(paysim), _request(""), "falsch")
    assert refused.value.code == 401
    problem = json.loads(refused.value.read())
    assert refused.value.headers["Content-Type"] == "application/problem+json"
    assert problem["functionalCode"] == "FORBIDDEN"


def test_the_request_follows_xbezahldienste():
    """The fields and limits of XBezahldienste 1.0's payment request: purpose at most 27
    characters of letters, digits, spaces and '-', amounts as numbers, one return URL, the
    items adding up to the total, the Kassenzeichen as the item's reference."""
    request = json.loads(_request("http://n/"))
    assert request["purpose"] == "KZ1 Sondernutzung oeffentli"
    assert len(request["purpose"]) <= 27
    assert request["grosAmount"] == 12.3
    assert request["redirectUrl"] == "http://x/zurueck"
    [item] = request["items"]
    assert item["reference"] == "KZ1"
    assert item["totalNetAmount"] + item["totalTaxAmount"] == request["grosAmount"]
    booking = {"kassenzeichen": "KZ1", "haushaltsstelle": "H", "objektnummer": ""}
    assert item["bookingData"] == booking
    assert request["requestTimestamp"].endswith("Z")
    assert "redirectUrls" not in request


def test_simulator_refuses_what_xbezahldienste_refuses(paysim):
    body = _request("", n=2)
    created = json.loads(_post(_root(paysim), body, providers.sign(PAYSIM_SECRET, body)).read())
    assert created["paymentInformation"]["status"] == "INITIAL"
    # The same request id twice, a wrong total, missing booking data.
    for changed, code in (
        (body, "PAYMENT_EXISTS"),
        (_request("", n=3, grosAmount=99), "CALCULATION_ERROR"),
        (
            _request("", n=4, items=[{"reference": "KZ", "totalNetAmount": 12.3}]),
            "BOOKING_DATA_MISSING",
        ),
    ):
        with pytest.raises(urllib.error.HTTPError) as refused:
            _post(_root(paysim), changed, providers.sign(PAYSIM_SECRET, changed))
        assert json.loads(refused.value.read())["functionalCode"] == code


def test_pay_page_is_labelled_and_notification_is_signed(paysim, receiver):
    notify_url, received = receiver
    body = _request(notify_url, n=5)
    created = json.loads(_post(_root(paysim), body, providers.sign(PAYSIM_SECRET, body)).read())
    information = created["paymentInformation"]
    assert information["status"] == "INITIAL"
    pay_url = information["transactionRedirectUrl"]
    with urllib.request.urlopen(pay_url, timeout=5) as page:  # noqa: S310
        html = page.read().decode()
    assert LABEL in html
    assert "12,30 €" in html
    assert "KZ1" in html
    assert choose(pay_url, "paid") == "http://x/zurueck"
    [(notification, signature)] = received
    assert signature == providers.sign(PAYSIM_SECRET, notification)
    info = providers.PaymentInfo.from_json(json.loads(notification))
    assert info.status == "paid"
    assert info.amount == Decimal("12.30")
    assert info.reference == "KZ1"
    assert info.request_id == "r-5"
    assert info.payment_id == information["transactionId"]
    assert info.transaction_id.startswith("SIM-")


class _WithoutStatusQuery(BaseHTTPRequestHandler):
    """A Bezahldienst without XBezahldienste's configuration status: 404 as a web page there,
    a JSON 404 for an unknown payment."""

    def do_GET(self):
        problem = self.path.startswith("/paymenttransaction/")
        body = b'{"status": 404}' if problem else b"<p>not found</p>"
        self.send_response(404)
        self.send_header("Content-Type", "application/problem+json" if problem else "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _config(url: str, originator: str = PAYSIM_ORIGINATOR):
    return SimpleNamespace(
        provider="pmpayment",
        base_url=url,
        originator_id=originator,
        endpoint_id="15003000",
        secret_reference="OPENKOMMUNE_PAYMENT_SECRET_PROBE",
        secret_encrypted="",
    )


def test_connection_test_asks_for_the_configurations_status(paysim, monkeypatch):
    monkeypatch.setenv("OPENKOMMUNE_PAYMENT_SECRET_PROBE", PAYSIM_SECRET)
    assert providers.Client(_config(paysim.url)).probe() == "ok"
    assert providers.Client(_config(paysim.url, "UNBEKANNT")).probe() == "refused"
    monkeypatch.setenv("OPENKOMMUNE_PAYMENT_SECRET_PROBE", "ein-falscher-schluessel")
    assert providers.Client(_config(paysim.url)).probe() == "refused"
    assert providers.Client(_config("http://127.0.0.1:9")).probe() == "unavailable"
    monkeypatch.delenv("OPENKOMMUNE_PAYMENT_SECRET_PROBE")
    assert providers.Client(_config(paysim.url)).probe() == "no_secret"
    monkeypatch.setenv("OPENKOMMUNE_PAYMENT_SECRET_PROBE", PAYSIM_SECRET)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _WithoutStatusQuery)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        # Without the status query, a JSON 404 for an unknown payment means it knows us.
        url = f"http://127.0.0.1:{server.server_address[1]}"
        assert providers.Client(_config(url)).probe() == "ok"
    finally:
        server.shutdown()
        server.server_close()
