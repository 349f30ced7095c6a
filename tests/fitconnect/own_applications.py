"""Set-up of the tests of issue 17 parts 3 and 4: Magdeburg (a test member) offers
Hundehaltung with the test form (LeiKa 99102013000000) and has a FIT-Connect destination
for it; a citizen applies through the platform's own pages, with a PDF attached."""

from __future__ import annotations

import re

from django.urls import reverse

from openkommune.fitconnect import services
from openkommune.submissions.models import Application
from tests.fitconnect.conftest import public_encryption_jwk, public_signature_jwk
from tests.submissions.factories import HUNDESTEUER_LEIKA, PDF_BYTES, make_offer, upload
from tests.submissions.journey_support import draft_id, start_draft, step_url, submit


def offer_with_destination(subscriber_keys, *, destination: bool = True):
    """(offer, destination or None)."""
    offer = make_offer()
    if not destination:
        return offer, None
    encryption, signing = subscriber_keys
    created = services.create_destination(
        tenant=offer.tenant,
        leika_keys=[HUNDESTEUER_LEIKA],
        encryption_jwk=public_encryption_jwk(encryption),
        signature_jwk=public_signature_jwk(signing),
    )
    return offer, created


def apply_through_pages(client, *, name: str = "Erika Mustermann") -> tuple[Application, str]:
    """Fill in and submit the test form as a browser would (a PDF on the files step);
    returns the application and the status page's URL with its secret token."""
    first = start_draft(client)
    assert first.endswith("/person/"), first
    public_id = draft_id(first)
    response = client.post(first, {"name": name})
    assert response.status_code == 302, response.content.decode()[-2000:]
    response = client.post(
        step_url(public_id, "unterlagen"),
        {"nachweis": upload("nachweis.pdf", PDF_BYTES), "_action": "weiter"},
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    response = submit(client, public_id, declarations={})
    assert response.status_code == 303, response.content.decode()[-2000:]
    receipt = client.get(response["Location"]).text
    status_url = re.search(r'id="status-link" href="([^"]+)"', receipt).group(1)
    application = Application.applicant_objects.get(draft__public_id=public_id)
    return application, status_url.replace("&amp;", "&")


def status_page(status_url: str) -> str:
    """The status page as the citizen opens it from the e-mail (a fresh browser)."""
    from django.test import Client

    return Client().get(status_url).text


def case_url(case) -> str:
    return reverse("cases:case_detail", args=[case.public_id])
