"""Set-up of the citizen-page tests (tests/submissions/test_pages*.py, test_journey*.py):
Magdeburg as a member offering Hundehaltung online, the real `hundesteuer` form (loaded by
the session set-up through `load_forms`), answers that pass its steps, and helpers that
post steps as a browser would."""

from __future__ import annotations

import datetime
import re

from django.urls import reverse

from openkommune.catalog.selectors import ozg_leistung_get
from openkommune.catalog.services import service_activation_set
from tests.submissions.factories import HUNDEHALTUNG, MAGDEBURG_POSTCODE, magdeburg_member

PASSING_PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
)


def offer_hundesteuer(**activation):
    """Magdeburg (a test member) offers Hundehaltung online with demo parameters."""
    tenant = magdeburg_member()
    values = {
        "contact_email": "hundesteuer@magdeburg.example.org",
        "contact_phone": "0391 540-0",
        "fee": "0.00",
        "processing_time": "etwa zwei Wochen",
        "citizen_notes": "Bitte halten Sie die Chipnummer bereit.",
    } | activation
    service_activation_set(
        tenant=tenant,
        actor=None,
        ozg_leistung=ozg_leistung_get(ozg_id=HUNDEHALTUNG),
        is_active=True,
        **values,
    )
    return tenant


def start_url(ozg_id: str = HUNDEHALTUNG) -> str:
    return reverse("submissions:start", args=[ozg_id])


def start_draft(client, *, ozg_id: str = HUNDEHALTUNG):
    """Start as the service page's "Online beantragen" does (postcode and Gemeinde in
    Magdeburg, posted); returns the first step's URL."""
    data = {"plz": MAGDEBURG_POSTCODE, "ars": "150030000000"}
    response = client.post(start_url(ozg_id), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"]


def draft_id(url: str) -> str:
    return re.search(r"/entwurf/([0-9a-f-]{36})/", url).group(1)


def step_url(public_id: str, step_id: str) -> str:
    return reverse("submissions:step", args=[public_id, step_id])


def today_minus(days: int) -> str:
    return (datetime.date.today() - datetime.timedelta(days=days)).strftime("%d.%m.%Y")


HALTER = {
    "halter.vorname": "Erika",
    "halter.nachname": "Mustermann",
    "halter.geburtsdatum": "12.03.1980",
    "halter.anschrift.street": "Breiter Weg",
    "halter.anschrift.house_number": "1",
    "halter.anschrift.postcode": "39104",
    "halter.anschrift.city": "Magdeburg",
    "halter.email": "erika@example.org",
}
# The first screen: the concern and the holder's details.
ANLIEGEN = {"anlass": "an"} | HALTER


def hund(index: int = 0, **values) -> dict:
    prefix = f"hunde.{index}."
    answers = {
        "hund_name": "Bello",
        "rasse": "Mischling",
        "geschlecht": "ruede",
        "wurfdatum": today_minus(800),
        "gehalten_seit": today_minus(30),
        "herkunft": "zuechter",
        "gefaehrlich": "nein",
        "ermaessigung": "keine",
    } | values
    return {"hunde._count": str(index + 1)} | {
        prefix + key: value for key, value in answers.items()
    }


# The payment question sits on the dog's screen, after the dogs.
NACHWEISE = {"zahlungsweise": "ueberweisung"}
# Asked on the check page and posted with "absenden".
ERKLAERUNG = {"versicherung_richtig": "ja"}


def fill_all(client, public_id: str) -> str:
    """Answer every screen as a browser would; returns the check page's URL (the
    declaration is asked there and posted with the submit)."""
    response = None
    for step_id, answers in (
        ("anliegen", ANLIEGEN),
        ("hunde", hund() | NACHWEISE),
    ):
        response = client.post(step_url(public_id, step_id), answers)
        assert response.status_code == 302, (step_id, response.content.decode()[-3000:])
    assert response["Location"] == reverse("submissions:check", args=[public_id])
    return response["Location"]


def idempotency_key(check_page_html: str) -> str:
    return re.search(r'name="idempotency_key" value="([0-9a-f]+)"', check_page_html).group(1)


def submit(client, public_id: str, declarations: dict | None = None):
    """Open the check page, tick the declarations (the dog licence's by default) and press
    "absenden"; returns the response of the post."""
    page = client.get(reverse("submissions:check", args=[public_id])).text
    return client.post(
        reverse("submissions:submit", args=[public_id]),
        {"idempotency_key": idempotency_key(page)}
        | (ERKLAERUNG if declarations is None else declarations),
    )
