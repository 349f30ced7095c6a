"""Set-up of the payment tests: Magdeburg offering the Bewohnerparkausweis and the
Sondernutzung with the demo fee rules, connected to the Bezahldienst-Simulator
(`tests/paysim.py`), drafts filled with valid answers, and the applicant's choice on the
simulator's pay page."""

from __future__ import annotations

import datetime
import html
import json
import re
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest

from openkommune.catalog.selectors import ozg_leistung_get
from openkommune.catalog.services import service_activation_set
from openkommune.forms.selectors import form_current_version
from openkommune.payments.constants import BEWOHNERPARKAUSWEIS, SONDERNUTZUNG
from openkommune.payments.services import fee_schedule_set
from openkommune.regions.selectors import gemeinden_for_postcode
from openkommune.submissions.services import draft_attach_file, draft_set_data, draft_start
from tests.forms.test_definitions import VALID
from tests.submissions.factories import MAGDEBURG_POSTCODE, PDF_BYTES, upload

BEWOHNERPARKEN = "10173"
SONDERNUTZUNG_ID = "10348"
# Where the platform would be: nobody listens, so the simulator's notification is lost and
# the payment is settled by the status query (return page or poll) — unless a test posts it.
NO_PLATFORM = "http://127.0.0.1:9/"


def transaction_body(
    payment,
    *,
    status="PAYED",
    amount=None,
    reference=None,
    transaction_id=None,
    paid=True,
) -> bytes:
    """A payment transaction as XBezahldienste 1.0 reports it (status query, and the body of
    a notification): our request as the Bezahldienst keeps it and its payment information."""
    amount = str(payment.amount) if amount is None else amount
    information = {
        "transactionId": transaction_id or payment.provider_payment_id,
        "status": status,
    }
    if paid:
        information |= {
            "transactionReference": "TX-1",
            "paymentMethod": "GIROPAY",
            "transactionTimestamp": "2026-12-06T10:00:00.000Z",
        }
    request = {
        "requestId": str(payment.public_id),
        "currency": "EUR",
        "grosAmount": float(amount),
        "items": [
            {
                "id": "1",
                "reference": reference or payment.kassenzeichen,
                "totalNetAmount": float(amount),
                "bookingData": {"kassenzeichen": reference or payment.kassenzeichen},
            }
        ],
    }
    return json.dumps({"paymentRequest": request, "paymentInformation": information}).encode()


def offer(tenant, ozg_id: str, rule=BEWOHNERPARKAUSWEIS, **changes):
    service_activation_set(
        tenant=tenant,
        actor=None,
        ozg_leistung=ozg_leistung_get(ozg_id=ozg_id),
        is_active=True,
        contact_email="verkehr@magdeburg.example.org",
    )
    values = dict(rule.items()) | changes
    return fee_schedule_set(tenant=tenant, actor=None, is_demo=True, **values)


def _start(form_key: str, ozg_id: str, email="jonas@example.org"):
    (gemeinde,) = gemeinden_for_postcode(postcode=MAGDEBURG_POSTCODE)
    return draft_start(
        actor=None,
        form_version=form_current_version(key=form_key),
        ozg_leistung=ozg_leistung_get(ozg_id=ozg_id),
        gemeinde=gemeinde,
        email=email,
    )


def bewohnerpark_draft(tenant, *, laufzeit="12"):
    offer(tenant, BEWOHNERPARKEN)
    draft, token = _start("bewohnerparkausweis", BEWOHNERPARKEN)
    attachment = draft_attach_file(
        draft=draft,
        path="fahrzeugschein",
        uploaded_file=upload("schein.pdf", PDF_BYTES, "application/pdf"),
    )
    data = {k: v for k, v in VALID["bewohnerparkausweis"].items() if k != "gueltig_ab"}
    data |= {"laufzeit": laufzeit, "fahrzeugschein": str(attachment.public_id)}
    draft = draft_set_data(draft=draft, data=data)
    return draft, token


def sondernutzung_draft(tenant, **answers):
    offer(tenant, SONDERNUTZUNG_ID, SONDERNUTZUNG)
    draft, token = _start("sondernutzung", SONDERNUTZUNG_ID)
    plan = draft_attach_file(
        draft=draft, path="lageplan", uploaded_file=upload("plan.pdf", PDF_BYTES, "application/pdf")
    )
    start = datetime.date.today() + datetime.timedelta(days=30)
    data = dict(VALID["sondernutzung"])
    data.pop("konzept", None)
    data |= {
        "beginn": start.isoformat(),
        "ende": (start + datetime.timedelta(days=1)).isoformat(),
        "lageplan": str(plan.public_id),
        "nutzungsart": "infostand",
    } | answers
    return draft_set_data(draft=draft, data=data), token


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def pay_page_url(response) -> str:
    """Where the platform sends the applicant to pay: a redirect when the pay page is on the
    Bezahldienst's configured origin, else (the simulator's pay pages, like an ePayBL
    connector's, are on another host) the link of the immediate refresh."""
    if response.status_code in (302, 303):
        return response["Location"]
    assert response.status_code == 200, response.status_code
    found = re.search(r'http-equiv="refresh" content="0; url=([^"]+)"', response.text)
    assert found, "no link to the pay page"
    return html.unescape(found[1])


def choose(payment_url: str, outcome: str) -> str:
    """Press a button on the simulator's pay page; returns where it sends the browser."""
    opener = urllib.request.build_opener(_NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(payment_url, data=urlencode({"outcome": outcome}).encode(), timeout=10)
    assert redirect.value.code == 303
    return redirect.value.headers["Location"]
