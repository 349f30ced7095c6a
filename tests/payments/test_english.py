"""The payment pages in the English interface: the applicant's pay step, its return and the
receipt, the clerk's bookings, reconciliation and refund, the member administrator's fees and
connection. No German text of the platform's own shows through (the fee rule's legal basis
and the simulator are data, not interface)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse

from openkommune.payments.models import Payment
from openkommune.tenancy.constants import Role
from tests.cases.factories import clerk_of
from tests.payments.support import bewohnerpark_draft, choose, pay_page_url
from tests.submissions.factories import private_media  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

# Words of the platform's German interface around payments that English pages must not show.
GERMAN = re.compile(
    r"\b(Gebühr|Jetzt bezahlen|Bezahlung|bezahlt|abgebrochen|abgelehnt|Kassenzeichen-Präfix|"
    r"Buchungsliste|Abgleich|Erstattung|erstatten|Betrag|Zahlart|Zeitpunkt|Verbindung testen|"
    r"Bezahldienst\b|Haushaltsstelle|Speichern|Zurück|Antrag)\b"
)


def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _visible(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", html)
    # Data, not interface: the demo rule's legal basis, terms given in brackets.
    text = re.sub(r"\([^()]*\)", " ", text)
    return text


def _german_in(html: str) -> list[str]:
    return sorted(set(GERMAN.findall(_visible(html))))


def test_applicant_pays_in_english(client, paysim_member):
    draft, token = bewohnerpark_draft(paysim_member)
    session = client.session
    from openkommune.submissions.selectors import journey

    session[journey.SESSION_DRAFTS] = {str(draft.public_id): token}
    session.save()
    _english(client)
    pay_url = reverse("payments:pay", args=[draft.public_id])
    page = client.get(pay_url)
    assert page.status_code == 200
    assert "Pay now (30.00 €)" in page.text
    assert _german_in(page.text) == []
    to_provider = client.post(pay_url)
    back = re.sub(r"^https?://[^/]+", "", choose(pay_page_url(to_provider), "declined"))
    declined = client.get(back, follow=True)
    assert _german_in(declined.text) == []
    again = client.post(pay_url)
    back = re.sub(r"^https?://[^/]+", "", choose(pay_page_url(again), "paid"))
    receipt = client.get(back, follow=True)
    assert receipt.redirect_chain[-1][0].endswith("/eingang/")
    assert 'id="zahlung-kassenzeichen"' in receipt.text
    assert _german_in(receipt.text) == []


def test_back_office_payment_pages_in_english(client, paysim_member):
    draft, _token = bewohnerpark_draft(paysim_member)
    from openkommune.payments import services

    payment = services.payment_start(draft=draft, base_url="http://127.0.0.1:9/")
    choose(payment.payment_url, "paid")
    services.payment_refresh(payment)
    payment = Payment.applicant_objects.get(pk=payment.pk)
    _english(client)
    client.force_login(clerk_of(paysim_member))
    for name, args in (
        ("payments:bookings", []),
        ("payments:reconcile", []),
        ("payments:refund", [payment.public_id]),
    ):
        page = client.get(reverse(name, args=args))
        assert page.status_code == 200, name
        assert _german_in(page.text) == [], name
    client.force_login(clerk_of(paysim_member, role=Role.MEMBER_ADMIN))
    for name in ("payments:fees", "payments:connection"):
        page = client.get(reverse(name))
        assert page.status_code == 200, name
        assert _german_in(page.text) == [], name
