"""The Bezahldienst-Simulator itself: a separate process that refuses unsigned requests,
labels every page, and sends signed notifications the platform can verify."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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


def _request(notify_url: str) -> bytes:
    return json.dumps(
        {
            "requestId": "r-1",
            "grosAmount": "12.30",
            "currency": "EUR",
            "purpose": "Test",
            "redirectUrls": {
                "urlOnSuccess": "http://x/ok",
                "urlOnFailure": "http://x/no",
                "urlOnAbort": "http://x/ab",
            },
            "notifyUrl": notify_url,
            "items": [
                {
                    "reference": "KZ1",
                    "bookingData": {"kassenzeichen": "KZ1", "haushaltsstelle": "H"},
                }
            ],
        }
    ).encode()


def test_unsigned_requests_are_refused(paysim):
    url = f"{paysim.url}/pmpayment/paymenttransaction/{PAYSIM_ORIGINATOR}/V1"
    with pytest.raises(urllib.error.HTTPError) as refused:
        _post(url, _request(""), "falsch")
    assert refused.value.code == 401


def test_pay_page_is_labelled_and_notification_is_signed(paysim, receiver):
    notify_url, received = receiver
    body = _request(notify_url)
    url = f"{paysim.url}/pmpayment/paymenttransaction/{PAYSIM_ORIGINATOR}/V1"
    created = json.loads(_post(url, body, providers.sign(PAYSIM_SECRET, body)).read())
    assert created["status"] == "INITIAL"
    with urllib.request.urlopen(created["paymentUrl"], timeout=5) as page:  # noqa: S310
        html = page.read().decode()
    assert LABEL in html
    assert "12,30 €" in html
    assert "KZ1" in html
    assert choose(created["paymentUrl"], "paid") == "http://x/ok"
    [(notification, signature)] = received
    assert signature == providers.sign(PAYSIM_SECRET, notification)
    info = providers.PaymentInfo.from_json(json.loads(notification))
    assert info.status == "paid"
    assert str(info.amount) == "12.30"
    assert info.transaction_id
