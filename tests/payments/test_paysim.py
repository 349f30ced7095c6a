"""The Bezahldienst-Simulator itself: a separate process that refuses clients without a
client certificate of its CA (ePayBL mode) or without a valid bearer token (pmPayment mode),
labels every page, and sends signed notifications the platform can verify."""

from __future__ import annotations

import base64
import json
import ssl
import tempfile
import threading
import urllib.error
import urllib.request
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest

from openkommune.payments import providers
from tests.payments.support import choose
from tests.paysim import (
    OAUTH_CLIENT_ID,
    OAUTH_CLIENT_SECRET,
    PAYSIM_ORIGINATOR,
    PAYSIM_SECRET,
    credentials,
)

LABEL = "Bezahldienst-Simulator — kein echtes Geld"


def tls(paysim, certificate="client") -> ssl.SSLContext:
    """Trusts the test CA; presents the test PKI's `certificate` (None: no certificate)."""
    context = ssl.create_default_context(cadata=paysim.pki.ca_pem)
    if certificate:
        issued = getattr(paysim.pki, certificate)
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "client.pem"
            path.write_text(issued.certificate_pem + issued.key_pem)
            context.load_cert_chain(path)
    return context


def _post(paysim, url: str, body: bytes, certificate="client", headers=None):
    request = urllib.request.Request(  # noqa: S310 (the simulator's https URL)
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    return urllib.request.urlopen(request, timeout=5, context=tls(paysim, certificate))  # noqa: S310


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


@pytest.mark.parametrize(("n", "certificate"), [(80, None), (81, "expired"), (82, "foreign")])
def test_requests_without_a_valid_client_certificate_are_refused(paysim, n, certificate):
    """ePayBL mode: the TLS handshake refuses a missing, expired or foreign certificate."""
    with pytest.raises((ssl.SSLError, ConnectionError, urllib.error.URLError)):
        _post(paysim, _root(paysim), _request("", n=n), certificate).read()
    # The same request with the valid certificate is answered.
    created = json.loads(_post(paysim, _root(paysim), _request("", n=n)).read())
    assert created["paymentInformation"]["status"] == "INITIAL"


def test_oauth_mode_refuses_missing_unknown_and_expired_tokens(paysim_oauth):
    simulator = paysim_oauth
    url = f"{simulator.url}/paymenttransaction/{PAYSIM_ORIGINATOR}/V1"

    def token(client_id=OAUTH_CLIENT_ID, secret=OAUTH_CLIENT_SECRET, grant="client_credentials"):
        basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        return json.loads(
            _post(
                simulator,
                f"{simulator.url}/oauth/token",
                f"grant_type={grant}".encode(),
                None,
                {
                    "Authorization": f"Basic {basic}",
                    "Content-Type": "application/x-www-form-urlencoded",
                },
            ).read()
        )

    for wrong in ({"secret": "falsch"}, {"client_id": "unbekannt"}):
        with pytest.raises(urllib.error.HTTPError) as refused:
            token(**wrong)
        assert refused.value.code == 401
        assert json.loads(refused.value.read())["error"] == "invalid_client"
    with pytest.raises(urllib.error.HTTPError) as refused:
        token(grant="password")
    assert refused.value.code == 400
    issued = token()
    assert issued["token_type"] == "Bearer"
    assert issued["expires_in"] > 0
    bearer = {"Authorization": f"Bearer {issued['access_token']}"}
    created = json.loads(_post(simulator, url, _request("", n=91), None, bearer).read())
    assert created["paymentInformation"]["status"] == "INITIAL"
    for headers in ({}, {"Authorization": "Bearer erfunden"}):
        with pytest.raises(urllib.error.HTTPError) as refused:
            _post(simulator, url, _request("", n=92), None, headers)
        assert refused.value.code == 401
        assert json.loads(refused.value.read())["functionalCode"] == "FORBIDDEN"
    simulator.settings(expire_tokens=True)
    with pytest.raises(urllib.error.HTTPError) as refused:
        _post(simulator, url, _request("", n=93), None, bearer)
    assert refused.value.code == 401


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
    created = json.loads(_post(paysim, _root(paysim), body).read())
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
            _post(paysim, _root(paysim), changed)
        assert json.loads(refused.value.read())["functionalCode"] == code


def test_pay_page_is_labelled_and_notification_is_signed(paysim, receiver):
    notify_url, received = receiver
    body = _request(notify_url, n=5)
    created = json.loads(_post(paysim, _root(paysim), body).read())
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


def _config(simulator, provider="epaybl", **changes):
    from openkommune.payments import secrets

    values = {
        "provider": provider,
        "base_url": simulator.url,
        "originator_id": PAYSIM_ORIGINATOR,
        "endpoint_id": "15003000",
    } | credentials(simulator)
    if "certificate" in changes:
        issued = getattr(simulator.pki, changes.pop("certificate"))
        values |= {
            "client_certificate": issued.certificate_pem,
            "client_key_encrypted": secrets.encrypt(issued.key_pem),
        }
    if "client_secret" in changes:
        values["client_secret_encrypted"] = secrets.encrypt(changes.pop("client_secret"))
    return SimpleNamespace(**(values | changes))


def _probe(simulator, provider="epaybl", **changes) -> str:
    return providers.Client(_config(simulator, provider, **changes)).probe()


def test_connection_test_of_the_epaybl_connector(paysim, caplog):
    """Mutual TLS: each failure of the authentication is named."""
    assert _probe(paysim) == "ok"
    assert _probe(paysim, originator_id="UNBEKANNT") == "refused"
    assert _probe(paysim, certificate="expired") == "certificate_refused"
    assert _probe(paysim, certificate="foreign") == "certificate_refused"
    assert _probe(paysim, client_certificate="", client_key_encrypted="") == "no_credentials"
    assert _probe(paysim, base_url=paysim.url.replace("https:", "http:")) == "no_credentials"
    foreign_ca = paysim.pki.foreign.certificate_pem  # not the CA of the simulator's server
    assert _probe(paysim, ca_bundle=foreign_ca) == "server_untrusted"
    assert _probe(paysim, base_url="https://127.0.0.1:9") == "unavailable"
    assert "PRIVATE KEY" not in caplog.text
    assert "refused the TLS client certificate" in caplog.text


def test_connection_test_of_pmpayment(paysim_oauth, caplog):
    assert _probe(paysim_oauth, "pmpayment") == "ok"
    assert _probe(paysim_oauth, "pmpayment", client_secret="falsch-falsch") == "token_refused"
    assert _probe(paysim_oauth, "pmpayment", client_id="unbekannt") == "token_refused"
    assert _probe(paysim_oauth, "pmpayment", client_secret_encrypted="") == "no_credentials"
    assert _probe(paysim_oauth, "pmpayment", originator_id="UNBEKANNT") == "refused"
    assert "falsch-falsch" not in caplog.text
    server = ThreadingHTTPServer(("127.0.0.1", 0), _WithoutStatusQuery)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        # Without the status query, a JSON 404 for an unknown payment means it knows us.
        url = f"http://127.0.0.1:{server.server_address[1]}"
        assert _probe(paysim_oauth, "pmpayment", base_url=url) == "ok"
    finally:
        server.shutdown()
        server.server_close()
