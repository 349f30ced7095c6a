"""The cooperative's six forms (src/openkommune/forms/definitions/), each end to end through
the citizen pages: Magdeburg (a test member) offers the form's OZG-Leistung; a citizen
starts at postcode 39104, types a realistic application into every step (adding entries
and uploading files on the way), checks it, submits it and gets the receipt page and the
receipt PDF with the reference."""

import pytest
from django.urls import reverse

from openkommune.catalog.models import LeikaAssignment
from openkommune.forms.selectors import version_definition
from openkommune.submissions.models import Application, Draft
from openkommune.submissions.services import receipt_pdf
from tests.forms.test_definitions import KEYS, TODAY, load_raw, valid
from tests.forms.test_definitions_load import OZG_OF_FORM
from tests.submissions.factories import (
    MAGDEBURG_ARS,
    make_offer,
    pdf_text,
    private_media,  # noqa: F401
)
from tests.submissions.form_pages import (
    dates_moved,
    declaration_answers,
    fill_form,
    form_screens,
)
from tests.submissions.journey_support import draft_id, start_draft, submit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

# Page loads from the service page to the receipt for each form's realistic application:
# the table in docs/forms.md ("Screens per form").
SCREENS = {
    "hundesteuer": 5,
    "baumfaellung": 8,
    "bewohnerparkausweis": 5,
    "gewerbeanmeldung": 9,
    "sondernutzung": 7,
    "sperrmuell": 5,
}


@pytest.mark.parametrize("key", KEYS)
def test_a_citizen_submits_the_form_through_the_pages(client, key):
    offer = make_offer(
        ozg_id=OZG_OF_FORM[key],
        definition=load_raw(key),
        contact_email=f"{key}@magdeburg.example.org",
    )
    assert offer.version.form.key == key  # the form published by `load_forms`
    first_step = start_draft(client, ozg_id=OZG_OF_FORM[key])
    draft = Draft.applicant_objects.get(public_id=draft_id(first_step))
    assert draft.form_version == offer.version
    definition = version_definition(offer.version)
    assert first_step.endswith(f"/{definition.steps[0].id}/")
    # The realistic application of the definition tests, its dates moved to today.
    data = dates_moved(valid(key), written_on=TODAY)
    fill_form(client, draft, definition, data)
    # Service page, the form's screens, check page, receipt (docs/forms.md, "Screens").
    assert 1 + len(form_screens(definition, data)) + 2 == SCREENS[key]

    response = submit(client, str(draft.public_id), declaration_answers(definition))
    assert response.status_code == 303
    application = Application.applicant_objects.get(draft=draft)
    assert response["Location"] == reverse("submissions:receipt", args=[application.reference])
    # Routed to the member, for the OZG-Leistung the form's LeiKa keys belong to.
    assert application.tenant == offer.tenant
    assert application.gemeinde_ars == MAGDEBURG_ARS
    assert application.form_version == offer.version
    assert application.ozg_leistung.ozg_id == OZG_OF_FORM[key]
    current_keys = LeikaAssignment.objects.filter(
        ozg_leistung=application.ozg_leistung, is_current=True
    ).values_list("leika_key", flat=True)
    assert set(load_raw(key)["leika_keys"]) & set(current_keys)

    receipt = client.get(response["Location"])
    assert receipt.status_code == 200
    assert '<h1 class="kern-title">Ihr Antrag ist eingegangen</h1>' in receipt.text
    assert application.reference in receipt.text
    pdf = receipt_pdf(application=application)
    assert pdf.startswith(b"%PDF-")
    assert application.reference in pdf_text(pdf)
