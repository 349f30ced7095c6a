"""XRechnung 3.0 (EN 16931, CII syntax) of the cooperative's invoices to its members.

Written with drafthorse (a maintained ZUGFeRD/Factur-X library; no XML writer of our own)
and checked before it leaves: against the EN 16931 XML schema of the CII syntax that
drafthorse ships (structure, element order, data types) and against the rules of the
German CIUS (XRechnung 3.0, the BR-DE rules) and the EN 16931 sums this module can check
without the KoSIT validator (which needs an XSLT 2 processor this platform does not run):
each refusal names its rule, e.g. "BR-DE-15: Die Leitweg-ID (BT-10) fehlt.".

Seller data: the cooperative's organisation (name, address, e-mail, phone) and the settings
`OPENKOMMUNE_COOPERATIVE_VAT_ID`, `..._IBAN`, `..._BIC`, `..._INVOICE_CONTACT`
(docs/configuration.md).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources

from django.conf import settings
from drafthorse.models.accounting import ApplicableTradeTax
from drafthorse.models.document import Document
from drafthorse.models.note import IncludedNote
from drafthorse.models.party import TaxRegistration
from drafthorse.models.payment import PaymentMeans, PaymentTerms
from drafthorse.models.tradelines import LineItem
from lxml import etree

XRECHNUNG_3_0 = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
BUSINESS_PROCESS = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
CENT = Decimal("0.01")
# Leitweg-ID: Grobadressierung (2-12 digits), optional Feinadressierung (up to 30 letters
# and digits), check digits (2), separated by hyphens (KoSIT, Format der Leitweg-ID 2.0.2).
LEITWEG_ID = re.compile(r"^([0-9]{2,12})(?:-([0-9A-Z]{1,30}))?-([0-9]{2})$")


class XRechnungError(ValueError):
    """The invoice breaks a rule; `problems` lists "<rule>: <German message>"."""

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems))
        self.problems = problems


def money(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def leitweg_id_problem(value: str) -> str | None:
    """None when `value` is a well-formed Leitweg-ID with correct check digits (ISO/IEC
    7064 MOD 97-10 over Grob- and Feinadressierung, letters as 10-35), else the reason."""
    match = LEITWEG_ID.fullmatch(value or "")
    if not match:
        return "BR-DE-15: Die Leitweg-ID (BT-10) hat nicht die Form „Grob-Fein-Prüfziffer“."
    coarse, fine, check = match.groups()
    digits = "".join(str(int(c, 36)) for c in coarse + (fine or ""))
    expected = 98 - int(digits + "00") % 97
    if int(check) != expected:
        return (
            f"BR-DE-15: Die Prüfziffer der Leitweg-ID (BT-10) stimmt nicht "
            f"(erwartet {expected:02d})."
        )
    return None


@dataclass(frozen=True)
class Party:
    name: str
    street: str
    postcode: str
    city: str
    email: str  # the electronic address (BT-34 / BT-49, scheme EM)
    country: str = "DE"
    vat_id: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""


@dataclass(frozen=True)
class Line:
    description: str
    quantity: Decimal
    unit_code: str
    unit_price: Decimal
    vat_rate: Decimal

    @property
    def total(self) -> Decimal:
        return money(self.quantity * self.unit_price)


@dataclass(frozen=True)
class Invoice:
    number: str
    issue_date: datetime.date
    due_date: datetime.date
    buyer_reference: str
    seller: Party
    buyer: Party
    iban: str
    lines: list[Line] = field(default_factory=list)
    bic: str = ""
    note: str = ""
    currency: str = "EUR"

    @property
    def net_total(self) -> Decimal:
        return sum((line.total for line in self.lines), Decimal("0.00"))

    def vat_breakdown(self) -> list[tuple[Decimal, Decimal, Decimal]]:
        """(rate, basis, tax) per rate; tax rounded per rate (EN 16931 BR-CO-17)."""
        bases: dict[Decimal, Decimal] = {}
        for line in self.lines:
            bases[line.vat_rate] = bases.get(line.vat_rate, Decimal("0.00")) + line.total
        return [(rate, basis, money(basis * rate / 100)) for rate, basis in sorted(bases.items())]

    @property
    def tax_total(self) -> Decimal:
        return sum((tax for _r, _b, tax in self.vat_breakdown()), Decimal("0.00"))

    @property
    def grand_total(self) -> Decimal:
        return self.net_total + self.tax_total


def check_data(invoice: Invoice) -> list[str]:
    """The XRechnung rules on the data before writing (German, each with its rule)."""
    problems = []
    if not invoice.number.strip():
        problems.append("BR-02: Die Rechnungsnummer (BT-1) fehlt.")
    if problem := leitweg_id_problem(invoice.buyer_reference):
        problems.append(problem)
    if not invoice.lines:
        problems.append("BR-16: Eine Rechnung braucht mindestens eine Position (BG-25).")
    if invoice.due_date < invoice.issue_date:
        problems.append("BR-DE-1: Das Fälligkeitsdatum (BT-9) liegt vor dem Rechnungsdatum.")
    seller, buyer = invoice.seller, invoice.buyer
    for party, group, where in ((seller, "BG-5", "Verkäufers"), (buyer, "BG-8", "Käufers")):
        if not (party.city and party.postcode):
            rule = "BR-DE-3" if party is seller else "BR-DE-8"
            problems.append(
                f"{rule}: Ort und Postleitzahl in der Anschrift des {where} ({group}) fehlen."
            )
    if not seller.email:
        problems.append("BR-DE-31: Die elektronische Adresse des Verkäufers (BT-34) fehlt.")
    if not buyer.email:
        problems.append("BR-DE-31: Die elektronische Adresse des Käufers (BT-49) fehlt.")
    if not (seller.contact_name and seller.contact_phone and seller.contact_email):
        problems.append(
            "BR-DE-2: Name, Telefon und E-Mail des Ansprechpartners des Verkäufers "
            "(BT-41, BT-42, BT-43) müssen angegeben sein."
        )
    if not seller.vat_id:
        problems.append(
            "BR-DE-16: Bei Steuerkategorie S muss die Umsatzsteuer-ID des Verkäufers "
            "(BT-31) angegeben sein."
        )
    if not invoice.iban:
        problems.append(
            "BR-DE-23-a: Bei Überweisung (Code 58) muss die IBAN (BT-84) angegeben sein."
        )
    for index, line in enumerate(invoice.lines, start=1):
        if line.quantity <= 0 or line.unit_price < 0:
            problems.append(
                f"BR-27: Position {index}: Menge und Nettopreis (BT-129, BT-146) müssen "
                "positiv sein."
            )
        if line.vat_rate <= 0:
            problems.append(
                f"BR-S-05: Position {index}: Der Steuersatz der Kategorie S (BT-152) muss "
                "größer als 0 sein."
            )
    return problems


def to_xml(invoice: Invoice) -> bytes:
    """The XRechnung 3.0 (CII) of the invoice; XRechnungError when a rule refuses it."""
    problems = check_data(invoice)
    if problems:
        raise XRechnungError(problems)
    doc = Document()
    doc.context.business_parameter.id = BUSINESS_PROCESS
    doc.context.guideline_parameter.id = XRECHNUNG_3_0
    doc.header.id = invoice.number
    doc.header.type_code = "380"
    doc.header.issue_date_time = invoice.issue_date
    if invoice.note:
        doc.header.notes.add(IncludedNote(content=invoice.note))
    agreement = doc.trade.agreement
    agreement.buyer_reference = invoice.buyer_reference
    _party(agreement.seller, invoice.seller, seller=True)
    _party(agreement.buyer, invoice.buyer, seller=False)
    doc.trade.delivery.event.occurrence = invoice.issue_date
    for number, line in enumerate(invoice.lines, start=1):
        item = LineItem()
        item.document.line_id = str(number)
        item.product.name = line.description
        item.agreement.net.amount = line.unit_price
        item.delivery.billed_quantity = (line.quantity, line.unit_code)
        item.settlement.trade_tax.type_code = "VAT"
        item.settlement.trade_tax.category_code = "S"
        item.settlement.trade_tax.rate_applicable_percent = line.vat_rate
        item.settlement.monetary_summation.total_amount = line.total
        doc.trade.items.add(item)
    settlement = doc.trade.settlement
    settlement.currency_code = invoice.currency
    means = PaymentMeans()
    means.type_code = "58"  # SEPA credit transfer
    means.payee_account.iban = invoice.iban.replace(" ", "")
    if invoice.bic:
        means.payee_institution.bic = invoice.bic
    settlement.payment_means.add(means)
    for rate, basis, tax in invoice.vat_breakdown():
        trade_tax = ApplicableTradeTax()
        trade_tax.calculated_amount = tax
        trade_tax.type_code = "VAT"
        trade_tax.basis_amount = basis
        trade_tax.category_code = "S"
        trade_tax.rate_applicable_percent = rate
        settlement.trade_tax.add(trade_tax)
    terms = PaymentTerms()
    terms.description = f"Zahlbar ohne Abzug bis {invoice.due_date:%d.%m.%Y}."
    terms.due = invoice.due_date
    settlement.terms.add(terms)
    totals = settlement.monetary_summation
    totals.line_total = invoice.net_total
    totals.charge_total = Decimal("0.00")
    totals.allowance_total = Decimal("0.00")
    totals.tax_basis_total = invoice.net_total
    totals.tax_total = (invoice.tax_total, invoice.currency)
    totals.grand_total = invoice.grand_total
    totals.due_amount = invoice.grand_total
    xml = doc.serialize(schema="FACTUR-X_EN16931")
    problems = check_xml(xml)
    if problems:
        raise XRechnungError(problems)
    return xml


def _party(target, party: Party, *, seller: bool) -> None:
    target.name = party.name
    target.address.line_one = party.street
    target.address.postcode = party.postcode
    target.address.city_name = party.city
    target.address.country_id = party.country
    target.electronic_address.uri_ID = ("EM", party.email)
    if seller:
        target.contact.person_name = party.contact_name
        target.contact.telephone.number = party.contact_phone
        target.contact.email.address = party.contact_email
        target.tax_registrations.add(TaxRegistration(id=("VA", party.vat_id)))


# --- checking a document ------------------------------------------------------------------


def _schema() -> etree.XMLSchema:
    path = resources.files("drafthorse").joinpath("schema/Factur-X_1.0.07_EN16931.xsd")
    return etree.XMLSchema(file=str(path))


def _text(root, path: str) -> str:
    found = root.xpath(path, namespaces=NS)
    if not found:
        return ""
    value = found[0]
    return (value if isinstance(value, str) else value.text or "").strip()


def _amount(root, path: str) -> Decimal | None:
    text = _text(root, path)
    try:
        return Decimal(text) if text else None
    except ArithmeticError:
        return None


def check_xml(xml: bytes) -> list[str]:
    """Every rule an XRechnung 3.0 in CII syntax breaks that we can check here: the EN 16931
    CII schema, then BR-DE rules and the EN 16931 sums. Empty: none found."""
    try:
        root = etree.fromstring(xml)
    except etree.XMLSyntaxError as error:
        return [f"XML: Das Dokument ist kein wohlgeformtes XML ({error})."]
    schema = _schema()
    if not schema.validate(root):
        return [f"XSD: {error.message} (Zeile {error.line})" for error in schema.error_log][:10]
    problems = []
    transaction = "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction"
    settlement = f"{transaction}/ram:ApplicableHeaderTradeSettlement"
    agreement = f"{transaction}/ram:ApplicableHeaderTradeAgreement"
    guideline = _text(
        root,
        "/rsm:CrossIndustryInvoice/rsm:ExchangedDocumentContext/"
        "ram:GuidelineSpecifiedDocumentContextParameter/ram:ID",
    )
    if guideline != XRECHNUNG_3_0:
        problems.append(
            f"BR-DE-21: Die Spezifikationskennung (BT-24) muss „{XRECHNUNG_3_0}“ lauten."
        )
    if problem := leitweg_id_problem(_text(root, f"{agreement}/ram:BuyerReference")):
        problems.append(problem)
    type_code = _text(root, "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:TypeCode")
    if type_code not in {"326", "380", "384", "389", "381", "875", "876", "877"}:
        problems.append(f"BR-DE-17: Der Rechnungstyp (BT-3) „{type_code}“ ist nicht erlaubt.")
    seller = f"{agreement}/ram:SellerTradeParty"
    buyer = f"{agreement}/ram:BuyerTradeParty"
    contact = f"{seller}/ram:DefinedTradeContact"
    for path, rule, label in (
        (f"{seller}/ram:PostalTradeAddress/ram:CityName", "BR-DE-3", "Ort des Verkäufers"),
        (f"{seller}/ram:PostalTradeAddress/ram:PostcodeCode", "BR-DE-4", "PLZ des Verkäufers"),
        (f"{contact}/ram:PersonName", "BR-DE-5", "Ansprechpartner des Verkäufers (BT-41)"),
        (
            f"{contact}/ram:TelephoneUniversalCommunication/ram:CompleteNumber",
            "BR-DE-6",
            "Telefon des Verkäufers (BT-42)",
        ),
        (
            f"{contact}/ram:EmailURIUniversalCommunication/ram:URIID",
            "BR-DE-7",
            "E-Mail des Verkäufers (BT-43)",
        ),
        (f"{buyer}/ram:PostalTradeAddress/ram:CityName", "BR-DE-8", "Ort des Käufers"),
        (f"{buyer}/ram:PostalTradeAddress/ram:PostcodeCode", "BR-DE-9", "PLZ des Käufers"),
        (
            f"{seller}/ram:URIUniversalCommunication/ram:URIID",
            "BR-DE-31",
            "elektronische Adresse des Verkäufers (BT-34)",
        ),
        (
            f"{buyer}/ram:URIUniversalCommunication/ram:URIID",
            "BR-DE-31",
            "elektronische Adresse des Käufers (BT-49)",
        ),
        (
            f"{settlement}/ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode",
            "BR-DE-1",
            "Zahlungsanweisungen (BG-16)",
        ),
    ):
        if not _text(root, path):
            problems.append(f"{rule}: {label} fehlt.")
    means = _text(root, f"{settlement}/ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode")
    iban = _text(
        root,
        f"{settlement}/ram:SpecifiedTradeSettlementPaymentMeans/"
        "ram:PayeePartyCreditorFinancialAccount/ram:IBANID",
    )
    if means in {"30", "58"} and not iban:
        problems.append("BR-DE-23-a: Bei Überweisung muss die IBAN (BT-84) angegeben sein.")
    # EN 16931 sums: BR-CO-10 (sum of lines), BR-CO-15 (grand total), BR-CO-16 (due).
    lines = [
        Decimal(value)
        for value in root.xpath(
            "//ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedLineTradeSettlement/"
            "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount/text()",
            namespaces=NS,
        )
    ]
    summary = f"{settlement}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"
    line_total = _amount(root, f"{summary}/ram:LineTotalAmount")
    basis = _amount(root, f"{summary}/ram:TaxBasisTotalAmount")
    tax = _amount(root, f"{summary}/ram:TaxTotalAmount")
    grand = _amount(root, f"{summary}/ram:GrandTotalAmount")
    due = _amount(root, f"{summary}/ram:DuePayableAmount")
    if line_total != sum(lines, Decimal("0")):
        problems.append(
            "BR-CO-10: Die Summe der Positionen (BT-106) ist nicht die Summe der "
            "Nettobeträge der Positionen (BT-131)."
        )
    if None not in (basis, tax, grand) and basis + tax != grand:
        problems.append(
            "BR-CO-15: Der Bruttobetrag (BT-112) ist nicht Nettobetrag (BT-109) plus "
            "Umsatzsteuer (BT-110)."
        )
    if None in (grand, due) or grand != due:
        problems.append("BR-CO-16: Der fällige Betrag (BT-115) passt nicht zum Bruttobetrag.")
    return problems


def seller_from_settings(cooperative) -> Party:
    """The cooperative as seller: its organisation's data and the invoice settings."""
    return Party(
        name=cooperative.name,
        street=cooperative.street,
        postcode=cooperative.postcode,
        city=cooperative.city,
        email=settings.COOPERATIVE_INVOICE.get("email") or cooperative.email,
        vat_id=settings.COOPERATIVE_INVOICE.get("vat_id", ""),
        contact_name=settings.COOPERATIVE_INVOICE.get("contact", ""),
        contact_phone=cooperative.phone,
        contact_email=settings.COOPERATIVE_INVOICE.get("email") or cooperative.email,
    )
