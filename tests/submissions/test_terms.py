"""Receipt and status page say what the applicant may expect: the fee and the processing
time the authority states for the service, or that it states nothing (issue 14, part 8)."""

import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from openkommune.catalog.services import service_activation_set
from openkommune.submissions.services import application_submit
from tests.accounts.factories import UserFactory
from tests.submissions.factories import (
    fill,
    make_offer,
    pdf_text,
    private_media,  # noqa: F401
    start,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


def _submitted(offer, user):
    draft, _token = start(offer, user=user, email=None)
    fill(draft)
    return application_submit(draft=draft, idempotency_key=uuid.uuid4().hex)


def _pages(client, application) -> list[str]:
    return [
        client.get(reverse(f"submissions:{name}", args=[application.reference])).text
        for name in ("receipt", "status")
    ]


def test_fee_and_processing_time_of_the_authority_are_on_receipt_and_status(client):
    user = UserFactory()
    offer = make_offer()
    service_activation_set(
        tenant=offer.tenant,
        actor=None,
        ozg_leistung=offer.leistung,
        is_active=True,
        fee=Decimal("12.50"),
        processing_time="etwa zwei Wochen",
    )
    application = _submitted(offer, user)
    client.force_login(user)
    for page in _pages(client, application):
        assert 'id="gebuehr"' in page
        assert "12,50 €" in page
        assert "etwa zwei Wochen" in page
    pdf = client.get(reverse("submissions:receipt_pdf", args=[application.reference]))
    text = pdf_text(b"".join(pdf.streaming_content) if pdf.streaming else pdf.content)
    assert "12,50 €" in text
    assert "etwa zwei Wochen" in text


def test_unknown_fee_and_processing_time_are_said_to_be_unknown(client):
    user = UserFactory()
    application = _submitted(make_offer(), user)
    client.force_login(user)
    for page in _pages(client, application):
        assert 'id="bearbeitungsdauer"' in page
        assert page.count("keine Angabe der Verwaltung") == 2
    pdf = client.get(reverse("submissions:receipt_pdf", args=[application.reference]))
    text = pdf_text(b"".join(pdf.streaming_content) if pdf.streaming else pdf.content)
    assert text.count("keine Angabe der Verwaltung") == 2
