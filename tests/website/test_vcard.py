"""vCard 4.0 (RFC 6350) of the cooperative's office and of the authorities on the service
pages ("Ins Adressbuch exportieren"), checked with a strict RFC 6350 parser
(tests/support/vcard_check.py; vobject on PyPI knows 2.1 and 3.0 only)."""

import datetime
import re

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from openkommune.core import vcard
from openkommune.tenancy.constants import OrganisationKind
from tests.catalog.responsibility_helpers import HUNDEHALTUNG, KFZ, MAGDEBURG_ARS, member
from tests.support.vcard_check import (
    InvalidVCard,
    parse_strict,
    split_unescaped,
    unescape,
    value_of,
)
from tests.tenancy.factories import cooperative


def _office(**fields):
    organisation = cooperative()
    for name, value in {
        "name": "Test-Genossenschaft eG",
        "street": "Musterstraße 1",
        "postcode": "39104",
        "city": "Magdeburg",
        "email": "geschaeftsstelle@test.example.org",
        "phone": "0391 123456-0",
        "website": "https://test.example.org/",
        **fields,
    }.items():
        setattr(organisation, name, value)
    organisation.save()
    return organisation


@pytest.mark.django_db
def test_office_vcard_is_a_valid_4_0_card_with_the_office_data(client):
    organisation = _office()
    response = client.get(reverse("website:office_vcard"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/vcard; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert response["Content-Disposition"].endswith('.vcf"')
    card = parse_strict(response.content)
    assert value_of(card, "VERSION") == "4.0"
    assert value_of(card, "KIND") == "org"
    assert unescape(value_of(card, "FN")) == "Test-Genossenschaft eG"
    assert value_of(card, "UID") == f"urn:uuid:{organisation.public_id}"
    street, city, postcode, country = (
        value_of(card, "ADR").split(";")[2:4] + value_of(card, "ADR").split(";")[5:7]
    )
    assert (street, city, postcode, country) == (
        "Musterstraße 1",
        "Magdeburg",
        "39104",
        "Deutschland",
    )
    assert value_of(card, "TEL") == "tel:+493911234560"
    assert value_of(card, "EMAIL") == "geschaeftsstelle@test.example.org"
    assert value_of(card, "URL") == "https://test.example.org/"
    # Demo data says so, in the card too.
    assert unescape(value_of(card, "NOTE")) == "Demo-Daten"


@pytest.mark.django_db
def test_office_vcard_is_404_without_a_cooperative(client):
    assert client.get(reverse("website:office_vcard")).status_code == 404


def test_escaping_and_folding_of_long_text_with_umlauts():
    contact = vcard.Contact(
        name="Zweckverband für Abwasser, Wasser; und Straßenreinigung " * 3,
        uid="urn:uuid:00000000-0000-4000-8000-000000000000",
        street="Hauptstraße 1\nHinterhaus",
        postcode="06108",
        city="Halle (Saale)",
        phone="Zentrale: bitte über die Stadt",
        revised=datetime.datetime(2026, 12, 6, 9, 30, tzinfo=datetime.UTC),
    )
    text = vcard.render(contact)
    card = parse_strict(text.encode("utf-8"))
    assert unescape(value_of(card, "FN")) == contact.name
    assert value_of(card, "REV") == "20261206T093000Z"
    # A phone text that is no number stays text, never a guessed URI.
    assert value_of(card, "TEL") == "Zentrale: bitte über die Stadt"
    assert max(len(line.encode()) for line in text.split("\r\n")) <= 75


@given(
    name=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=200),
    street=st.text(max_size=80),
)
def test_any_name_and_street_give_a_valid_card_that_reads_back(name, street):
    contact = vcard.Contact(name=name, uid="urn:uuid:x", street=street, city="Ort")
    card = parse_strict(vcard.render(contact).encode("utf-8"))
    expected_name = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", name)
    assert unescape(value_of(card, "FN")) == expected_name.replace("\r\n", "\n").replace("\r", "\n")
    components = split_unescaped(value_of(card, "ADR"), ";")
    # Control characters other than line breaks are not allowed in a card: dropped.
    expected = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", street)
    assert unescape(components[2]) == expected.replace("\r\n", "\n").replace("\r", "\n")


@pytest.mark.parametrize(
    ("phone", "uri"),
    [
        ("0391 540-0", "tel:+493915400"),
        ("+49 (0)391 540", "tel:+49391540"),
        ("+49 391 540 0", "tel:+493915400"),
        ("0049 345 221-0", "tel:+493452210"),
        ("Zentrale", None),
        ("123", None),
    ],
)
def test_phone_numbers_become_tel_uris_only_when_they_are_numbers(phone, uri):
    assert vcard.tel_uri(phone) == uri


def test_the_checker_refuses_a_3_0_card_and_bad_lines():
    good = vcard.render(vcard.Contact(name="A", uid="urn:uuid:x")).encode()
    parse_strict(good)
    with pytest.raises(InvalidVCard):
        parse_strict(good.replace(b"VERSION:4.0", b"VERSION:3.0"))
    with pytest.raises(InvalidVCard):
        parse_strict(good.replace(b"\r\n", b"\n"))
    with pytest.raises(InvalidVCard):
        parse_strict(good.replace(b"FN:A", b"FN:A,B"))
    with pytest.raises(InvalidVCard):
        parse_strict(good.replace(b"FN:A\r\n", b""))


@pytest.mark.django_db
def test_member_authority_on_the_service_page_exports_a_valid_card(client):
    stadt = member(
        MAGDEBURG_ARS,
        kind=OrganisationKind.KREISFREIE_STADT,
        name="Landeshauptstadt Magdeburg",
        email="buergerbuero@magdeburg.example.org",
        phone="0391 540-0",
    )
    stadt.street, stadt.postcode, stadt.city = "Alter Markt 6", "39104", "Magdeburg"
    stadt.save()
    page = client.get(reverse("catalog:service", args=[HUNDEHALTUNG]), {"plz": "39104"})
    link = reverse("catalog:authority_vcard", args=[HUNDEHALTUNG])
    assert f'href="{link}?plz=39104&amp;ars={MAGDEBURG_ARS}"' in page.text
    response = client.get(link, {"plz": "39104", "ars": MAGDEBURG_ARS})
    assert response.status_code == 200
    card = parse_strict(response.content)
    assert unescape(value_of(card, "FN")) == "Landeshauptstadt Magdeburg"
    assert value_of(card, "UID") == f"urn:uuid:{stadt.public_id}"
    assert value_of(card, "EMAIL") == "buergerbuero@magdeburg.example.org"
    assert value_of(card, "TEL") == "tel:+493915400"
    assert value_of(card, "ADR").split(";")[2:6] == ["Alter Markt 6", "Magdeburg", "", "39104"]


@pytest.mark.django_db
def test_non_member_authority_card_names_the_official_seat(client):
    link = reverse("catalog:authority_vcard", args=[KFZ])
    response = client.get(link, {"plz": "06366"})
    assert response.status_code == 200
    card = parse_strict(response.content)
    assert "Anhalt-Bitterfeld" in unescape(value_of(card, "FN"))
    assert value_of(card, "ADR").split(";")[5]  # the seat's postcode from the official data
    # The same office gives the same UID on every download.
    again = parse_strict(client.get(link, {"plz": "06366"}).content)
    assert value_of(again, "UID") == value_of(card, "UID")


@pytest.mark.django_db
def test_authority_card_for_bad_or_unknown_places_is_404(client):
    link = reverse("catalog:authority_vcard", args=[KFZ])
    assert client.get(link).status_code == 404
    assert client.get(link, {"plz": "0636x"}).status_code == 404
    assert client.get(link, {"plz": "00000"}).status_code == 404
    assert client.get(link, {"plz": "06366", "ars": "150000000000"}).status_code == 404
