"""The account's contact details ("Meine Angaben für Anträge"): kept for prefilling online
forms, checked like the forms check them, audited, nothing changed on an error."""

import pytest
from django.urls import reverse

from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("accounts:contact_details")
DETAILS = {
    "first_name": "Erika",
    "last_name": "Mustermann",
    "phone": "0391  123456",
    "street": "Breiter Weg",
    "house_number": "1",
    "postcode": "39104",
    "city": "Magdeburg",
}


def test_the_page_needs_a_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_details_are_saved_audited_and_linked_from_the_overview(client):
    user = UserFactory(first_name="", last_name="")
    client.force_login(user)
    assert f'href="{URL}"' in client.get(reverse("accounts:overview")).text
    page = client.get(URL)
    assert page.status_code == 200
    assert "<title>Meine Angaben für Anträge – OpenKommune</title>" in page.text
    assert 'autocomplete="postal-code"' in page.text
    response = client.post(URL, DETAILS)
    assert response["Location"] == reverse("accounts:overview")
    user.refresh_from_db()
    assert (user.first_name, user.phone, user.postcode, user.city) == (
        "Erika",
        "0391 123456",
        "39104",
        "Magdeburg",
    )
    with scopes_disabled():
        records = AuditRecord.objects.filter(action="user.update", object_id=str(user.pk))
        assert records.get().after["street"] == "Breiter Weg"
        # Nothing changed: no second record.
        client.post(URL, DETAILS)
        assert records.count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"postcode": "3910"}, "postcode", "Die Postleitzahl hat fünf Ziffern"),
        ({"phone": "abc"}, "phone", "Bitte geben Sie eine Telefonnummer"),
        ({"city": ""}, "city", "Bitte geben Sie die ganze Anschrift an"),
    ],
)
def test_wrong_details_are_refused_with_nothing_changed(client, changes, field, message):
    user = UserFactory(first_name="Alt")
    client.force_login(user)
    response = client.post(URL, DETAILS | changes)
    assert response.status_code == 422
    assert "<title>Fehler: Meine Angaben für Anträge" in response.text
    assert f'href="#id_{field}"' in response.text
    assert message in response.text
    user.refresh_from_db()
    assert user.first_name == "Alt"
    assert user.street == ""
