"""Incoming XRechnung (EN 16931) from suppliers, in either syntax: read and checked.

- **CII** (UN/CEFACT Cross Industry Invoice): checked against the EN 16931 CII schema that
  drafthorse ships, then parsed with drafthorse (`Document.parse`), the maintained
  ZUGFeRD/Factur-X library the platform also writes its own invoices with (ADR 0031).
- **UBL 2.1** (OASIS Invoice): no maintained Python library reads it (ADR 0037), so it is
  read with lxml along the paths of the official XRechnung UBL binding (the `cbc:`/`cac:`
  elements of the Invoice-2 document).

Both become one `ParsedInvoice`; `check` then applies the rules of EN 16931 and of the
German CIUS (XRechnung 3.0) that this module implements, each refusal named by its rule,
e.g. "BR-CO-10: …" or "BR-DE-15: …". The KoSIT validator (XSLT 2 Schematron) is not run
here (ADR 0031): code lists and the rules not listed in docs/procurement.md are not checked.

XML is parsed without network access, entity expansion or DTDs; at most
`MAX_BYTES` are read.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from drafthorse.models.document import Document
from lxml import etree

from openkommune.procurement.xrechnung import (
    XRECHNUNG_3_0,
    XRechnungError,
    _schema,
    leitweg_id_problem,
)

MAX_BYTES = 5 * 1024 * 1024
CII_ROOT = "{urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100}CrossIndustryInvoice"
UBL_ROOT = "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice"
UBL = {
    "inv": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
# BT-3 codes XRechnung allows (BR-DE-17): invoices, corrected, self-billed, partial, ….
ALLOWED_TYPE_CODES = {"326", "380", "384", "389", "381", "875", "876", "877"}
CENT = Decimal("0.01")


@dataclass
class ParsedLine:
    line_id: str = ""  # BT-126
    description: str = ""  # BT-153
    seller_item_id: str = ""  # BT-155
    quantity: Decimal | None = None  # BT-129
    unit_code: str = ""  # BT-130
    unit_price: Decimal | None = None  # BT-146
    base_quantity: Decimal | None = None  # BT-149
    line_total: Decimal | None = None  # BT-131
    vat_category: str = ""  # BT-151
    vat_rate: Decimal | None = None  # BT-152


@dataclass
class ParsedParty:
    name: str = ""
    city: str = ""
    postcode: str = ""
    country: str = ""
    electronic_address: str = ""
    vat_id: str = ""
    tax_number: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""


@dataclass
class ParsedInvoice:
    syntax: str  # "cii" | "ubl"
    specification: str = ""  # BT-24
    number: str = ""  # BT-1
    issue_date: datetime.date | None = None  # BT-2
    type_code: str = ""  # BT-3
    currency: str = ""  # BT-5
    due_date: datetime.date | None = None  # BT-9
    buyer_reference: str = ""  # BT-10
    order_reference: str = ""  # BT-13
    seller: ParsedParty = field(default_factory=ParsedParty)  # BG-4
    buyer: ParsedParty = field(default_factory=ParsedParty)  # BG-7
    payment_means: str = ""  # BT-81
    iban: str = ""  # BT-84
    line_total: Decimal | None = None  # BT-106
    allowance_total: Decimal = Decimal("0")  # BT-107
    charge_total: Decimal = Decimal("0")  # BT-108
    tax_basis_total: Decimal | None = None  # BT-109
    tax_total: Decimal | None = None  # BT-110
    grand_total: Decimal | None = None  # BT-112
    prepaid: Decimal = Decimal("0")  # BT-113
    rounding: Decimal = Decimal("0")  # BT-114
    due_amount: Decimal | None = None  # BT-115
    # (category BT-118, rate BT-119, basis BT-116, tax BT-117) per VAT breakdown (BG-23)
    vat_breakdown: list[tuple[str, Decimal | None, Decimal | None, Decimal | None]] = field(
        default_factory=list
    )
    lines: list[ParsedLine] = field(default_factory=list)


def parse(data: bytes) -> ParsedInvoice:
    """The invoice in `data` (CII or UBL); XRechnungError (with its rule) when it is not
    well-formed, of another kind, or (CII) not valid against the EN 16931 schema."""
    if len(data) > MAX_BYTES:
        raise XRechnungError(
            [f"Datei: Eine XRechnung darf höchstens {MAX_BYTES // 1024 // 1024} MB groß sein."]
        )
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError) as error:
        raise XRechnungError([f"XML: Die Datei ist kein wohlgeformtes XML ({error})."]) from error
    if root.getroottree().docinfo.doctype:
        raise XRechnungError(["XML: Eine XRechnung enthält keine DTD."])
    if root.tag == CII_ROOT:
        return _parse_cii(data, root)
    if root.tag == UBL_ROOT:
        return _parse_ubl(root)
    raise XRechnungError(
        [
            "Syntax: Die Datei ist weder eine UBL-Rechnung (Invoice 2.1) noch eine "
            "CII-Rechnung (CrossIndustryInvoice) nach EN 16931."
        ]
    )


# --- CII with drafthorse --------------------------------------------------------------------


def _value(element):
    """The value drafthorse parsed into an element (text, decimal, date, amount)."""
    for attribute in ("_value", "_amount", "_text"):
        value = getattr(element, attribute, None)
        if value not in (None, ""):
            return value
    return None


def _text(element) -> str:
    value = _value(element)
    return str(value).strip() if value is not None else ""


def _decimal(element) -> Decimal | None:
    value = _value(element)
    if value is None:
        return None
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        return None


def _cii_party(party) -> ParsedParty:
    parsed = ParsedParty(
        name=_text(party.name),
        city=_text(party.address.city_name),
        postcode=_text(party.address.postcode),
        country=_text(party.address.country_id),
        electronic_address=_text(party.electronic_address.uri_ID),
        contact_name=_text(party.contact.person_name),
        contact_phone=_text(party.contact.telephone.number),
        contact_email=_text(party.contact.email.address),
    )
    for registration in party.tax_registrations.children:
        scheme = getattr(registration.id, "_scheme_id", "")
        if scheme == "VA":
            parsed.vat_id = _text(registration.id)
        elif scheme == "FC":
            parsed.tax_number = _text(registration.id)
    return parsed


def _parse_cii(data: bytes, root) -> ParsedInvoice:
    schema = _schema()
    if not schema.validate(root):
        raise XRechnungError(
            [f"XSD: {error.message} (Zeile {error.line})" for error in schema.error_log][:10]
        )
    try:
        doc = Document.parse(data, strict=False)
    except (TypeError, ValueError, InvalidOperation, KeyError) as error:
        raise XRechnungError([f"CII: Die Rechnung ist nicht lesbar ({error})."]) from error
    agreement, settlement = doc.trade.agreement, doc.trade.settlement
    invoice = ParsedInvoice(
        syntax="cii",
        specification=_text(doc.context.guideline_parameter.id),
        number=_text(doc.header.id),
        issue_date=_value(doc.header.issue_date_time),
        type_code=_text(doc.header.type_code),
        currency=_text(settlement.currency_code),
        buyer_reference=_text(agreement.buyer_reference),
        order_reference=_text(agreement.buyer_order.issuer_assigned_id),
        seller=_cii_party(agreement.seller),
        buyer=_cii_party(agreement.buyer),
    )
    for terms in settlement.terms.children:
        invoice.due_date = invoice.due_date or _value(terms.due)
    for means in settlement.payment_means.children:
        invoice.payment_means = invoice.payment_means or _text(means.type_code)
        invoice.iban = invoice.iban or _text(means.payee_account.iban)
    totals = settlement.monetary_summation
    invoice.line_total = _decimal(totals.line_total)
    invoice.allowance_total = _decimal(totals.allowance_total) or Decimal("0")
    invoice.charge_total = _decimal(totals.charge_total) or Decimal("0")
    invoice.tax_basis_total = _decimal(totals.tax_basis_total)
    invoice.tax_total = _decimal(totals.tax_total)
    # drafthorse reads every TaxTotalAmount into its multi-currency container (both fields
    # share the tag): BT-110 is the one in the invoice currency (BT-111 the tax currency's).
    for amount, currency in totals.tax_total_other_currency.children:
        if invoice.tax_total is None or currency == invoice.currency:
            try:
                invoice.tax_total = Decimal(str(amount).strip())
            except InvalidOperation:
                invoice.tax_total = None
    invoice.grand_total = _decimal(totals.grand_total)
    invoice.prepaid = _decimal(totals.prepaid_total) or Decimal("0")
    invoice.rounding = _decimal(totals.rounding_amount) or Decimal("0")
    invoice.due_amount = _decimal(totals.due_amount)
    for tax in settlement.trade_tax.children:
        invoice.vat_breakdown.append(
            (
                _text(tax.category_code),
                _decimal(tax.rate_applicable_percent),
                _decimal(tax.basis_amount),
                _decimal(tax.calculated_amount),
            )
        )
    for item in doc.trade.items.children:
        invoice.lines.append(
            ParsedLine(
                line_id=_text(item.document.line_id),
                description=_text(item.product.name),
                seller_item_id=_text(item.product.seller_assigned_id),
                quantity=_decimal(item.delivery.billed_quantity),
                unit_code=getattr(item.delivery.billed_quantity, "_unit_code", "") or "",
                unit_price=_decimal(item.agreement.net.amount),
                base_quantity=_decimal(item.agreement.net.basis_quantity),
                line_total=_decimal(item.settlement.monetary_summation.total_amount),
                vat_category=_text(item.settlement.trade_tax.category_code),
                vat_rate=_decimal(item.settlement.trade_tax.rate_applicable_percent),
            )
        )
    return invoice


# --- UBL with lxml ----------------------------------------------------------------------------


def _u(node, path: str) -> str:
    found = node.xpath(path, namespaces=UBL)
    if not found:
        return ""
    value = found[0]
    return (value if isinstance(value, str) else value.text or "").strip()


def _ud(node, path: str) -> Decimal | None:
    text = _u(node, path)
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None


def _udate(node, path: str) -> datetime.date | None:
    text = _u(node, path)
    try:
        return datetime.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _ubl_party(node) -> ParsedParty:
    if node is None:
        return ParsedParty()
    parsed = ParsedParty(
        name=_u(node, "cac:PartyLegalEntity/cbc:RegistrationName"),
        city=_u(node, "cac:PostalAddress/cbc:CityName"),
        postcode=_u(node, "cac:PostalAddress/cbc:PostalZone"),
        country=_u(node, "cac:PostalAddress/cac:Country/cbc:IdentificationCode"),
        electronic_address=_u(node, "cbc:EndpointID"),
        contact_name=_u(node, "cac:Contact/cbc:Name"),
        contact_phone=_u(node, "cac:Contact/cbc:Telephone"),
        contact_email=_u(node, "cac:Contact/cbc:ElectronicMail"),
    )
    for scheme in node.xpath("cac:PartyTaxScheme", namespaces=UBL):
        if _u(scheme, "cac:TaxScheme/cbc:ID") == "VAT":
            parsed.vat_id = _u(scheme, "cbc:CompanyID")
        else:
            parsed.tax_number = _u(scheme, "cbc:CompanyID")
    return parsed


def _first(node, path: str):
    found = node.xpath(path, namespaces=UBL)
    return found[0] if found else None


def _parse_ubl(root) -> ParsedInvoice:
    totals = "cac:LegalMonetaryTotal/"
    invoice = ParsedInvoice(
        syntax="ubl",
        specification=_u(root, "cbc:CustomizationID"),
        number=_u(root, "cbc:ID"),
        issue_date=_udate(root, "cbc:IssueDate"),
        type_code=_u(root, "cbc:InvoiceTypeCode"),
        currency=_u(root, "cbc:DocumentCurrencyCode"),
        due_date=_udate(root, "cbc:DueDate"),
        buyer_reference=_u(root, "cbc:BuyerReference"),
        order_reference=_u(root, "cac:OrderReference/cbc:ID"),
        seller=_ubl_party(_first(root, "cac:AccountingSupplierParty/cac:Party")),
        buyer=_ubl_party(_first(root, "cac:AccountingCustomerParty/cac:Party")),
        payment_means=_u(root, "cac:PaymentMeans/cbc:PaymentMeansCode"),
        iban=_u(root, "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID"),
        line_total=_ud(root, totals + "cbc:LineExtensionAmount"),
        allowance_total=_ud(root, totals + "cbc:AllowanceTotalAmount") or Decimal("0"),
        charge_total=_ud(root, totals + "cbc:ChargeTotalAmount") or Decimal("0"),
        tax_basis_total=_ud(root, totals + "cbc:TaxExclusiveAmount"),
        grand_total=_ud(root, totals + "cbc:TaxInclusiveAmount"),
        prepaid=_ud(root, totals + "cbc:PrepaidAmount") or Decimal("0"),
        rounding=_ud(root, totals + "cbc:PayableRoundingAmount") or Decimal("0"),
        due_amount=_ud(root, totals + "cbc:PayableAmount"),
    )
    # BT-110 is the TaxTotal in the document currency (a second one may be in BT-6's).
    for tax_total in root.xpath("cac:TaxTotal", namespaces=UBL):
        currency = tax_total.xpath("cbc:TaxAmount/@currencyID", namespaces=UBL)
        if invoice.tax_total is None or (currency and currency[0] == invoice.currency):
            invoice.tax_total = _ud(tax_total, "cbc:TaxAmount")
        for subtotal in tax_total.xpath("cac:TaxSubtotal", namespaces=UBL):
            invoice.vat_breakdown.append(
                (
                    _u(subtotal, "cac:TaxCategory/cbc:ID"),
                    _ud(subtotal, "cac:TaxCategory/cbc:Percent"),
                    _ud(subtotal, "cbc:TaxableAmount"),
                    _ud(subtotal, "cbc:TaxAmount"),
                )
            )
    for line in root.xpath("cac:InvoiceLine", namespaces=UBL):
        quantity = _first(line, "cbc:InvoicedQuantity")
        invoice.lines.append(
            ParsedLine(
                line_id=_u(line, "cbc:ID"),
                description=_u(line, "cac:Item/cbc:Name"),
                seller_item_id=_u(line, "cac:Item/cac:SellersItemIdentification/cbc:ID"),
                quantity=_ud(line, "cbc:InvoicedQuantity"),
                unit_code=quantity.get("unitCode", "") if quantity is not None else "",
                unit_price=_ud(line, "cac:Price/cbc:PriceAmount"),
                base_quantity=_ud(line, "cac:Price/cbc:BaseQuantity"),
                line_total=_ud(line, "cbc:LineExtensionAmount"),
                vat_category=_u(line, "cac:Item/cac:ClassifiedTaxCategory/cbc:ID"),
                vat_rate=_ud(line, "cac:Item/cac:ClassifiedTaxCategory/cbc:Percent"),
            )
        )
    return invoice


# --- the rules --------------------------------------------------------------------------------


def _sum(values) -> Decimal:
    return sum((v for v in values if v is not None), Decimal("0"))


def check(invoice: ParsedInvoice) -> list[str]:
    """Every rule of EN 16931 / XRechnung 3.0 implemented here that the invoice breaks,
    "<rule>: <German message>"; empty when none."""
    problems: list[str] = []

    def need(value, rule: str, label: str) -> None:
        if value in (None, ""):
            problems.append(f"{rule}: {label} fehlt.")

    need(invoice.specification, "BR-01", "Die Spezifikationskennung (BT-24)")
    if invoice.specification and not invoice.specification.startswith(XRECHNUNG_3_0):
        problems.append(
            f"BR-DE-21: Die Spezifikationskennung (BT-24) muss „{XRECHNUNG_3_0}“ lauten, "
            f"nicht „{invoice.specification}“."
        )
    need(invoice.number, "BR-02", "Die Rechnungsnummer (BT-1)")
    need(invoice.issue_date, "BR-03", "Das Rechnungsdatum (BT-2)")
    need(invoice.type_code, "BR-04", "Der Rechnungstyp (BT-3)")
    if invoice.type_code and invoice.type_code not in ALLOWED_TYPE_CODES:
        problems.append(
            f"BR-DE-17: Der Rechnungstyp (BT-3) „{invoice.type_code}“ ist nicht erlaubt."
        )
    need(invoice.currency, "BR-05", "Die Währung (BT-5)")
    need(invoice.seller.name, "BR-06", "Der Name des Verkäufers (BT-27)")
    need(invoice.buyer.name, "BR-07", "Der Name des Käufers (BT-44)")
    need(invoice.seller.country, "BR-09", "Der Ländercode des Verkäufers (BT-40)")
    need(invoice.buyer.country, "BR-11", "Der Ländercode des Käufers (BT-55)")
    if not invoice.lines:
        problems.append("BR-16: Eine Rechnung braucht mindestens eine Position (BG-25).")
    need(invoice.line_total, "BR-12", "Die Summe der Positionen (BT-106)")
    need(invoice.tax_basis_total, "BR-13", "Der Nettobetrag (BT-109)")
    need(invoice.grand_total, "BR-14", "Der Bruttobetrag (BT-112)")
    need(invoice.due_amount, "BR-15", "Der fällige Betrag (BT-115)")
    # The German CIUS.
    need(invoice.payment_means, "BR-DE-1", "Die Zahlungsanweisung (BG-16)")
    if not (
        invoice.seller.contact_name or invoice.seller.contact_phone or invoice.seller.contact_email
    ):
        problems.append("BR-DE-2: Die Kontaktangaben des Verkäufers (BG-6) fehlen.")
    need(invoice.seller.city, "BR-DE-3", "Der Ort des Verkäufers (BT-37)")
    need(invoice.seller.postcode, "BR-DE-4", "Die Postleitzahl des Verkäufers (BT-38)")
    need(invoice.seller.contact_name, "BR-DE-5", "Der Ansprechpartner des Verkäufers (BT-41)")
    need(invoice.seller.contact_phone, "BR-DE-6", "Das Telefon des Verkäufers (BT-42)")
    need(invoice.seller.contact_email, "BR-DE-7", "Die E-Mail des Verkäufers (BT-43)")
    need(invoice.buyer.city, "BR-DE-8", "Der Ort des Käufers (BT-52)")
    need(invoice.buyer.postcode, "BR-DE-9", "Die Postleitzahl des Käufers (BT-53)")
    if not invoice.buyer_reference:
        problems.append("BR-DE-15: Die Leitweg-ID (BT-10) fehlt.")
    elif problem := leitweg_id_problem(invoice.buyer_reference):
        problems.append(problem)
    categories = {category for category, _r, _b, _t in invoice.vat_breakdown}
    if categories & {"S", "Z", "E", "AE", "K", "G", "L", "M"} and not (
        invoice.seller.vat_id or invoice.seller.tax_number
    ):
        problems.append(
            "BR-DE-16: Die Umsatzsteuer-ID (BT-31) oder Steuernummer (BT-32) des Verkäufers fehlt."
        )
    if invoice.payment_means in {"30", "58"} and not invoice.iban:
        problems.append("BR-DE-23-a: Bei Überweisung muss die IBAN (BT-84) angegeben sein.")
    for index, line in enumerate(invoice.lines, start=1):
        where = f"Position {line.line_id or index}"
        need(line.line_id, "BR-21", f"{where}: Die Positionsnummer (BT-126)")
        need(line.quantity, "BR-22", f"{where}: Die Menge (BT-129)")
        need(line.unit_code, "BR-23", f"{where}: Die Einheit (BT-130)")
        need(line.line_total, "BR-24", f"{where}: Der Nettobetrag (BT-131)")
        need(line.description, "BR-25", f"{where}: Die Artikelbezeichnung (BT-153)")
        need(line.unit_price, "BR-26", f"{where}: Der Nettopreis (BT-146)")
        if line.unit_price is not None and line.unit_price < 0:
            problems.append(f"BR-27: {where}: Der Nettopreis (BT-146) darf nicht negativ sein.")
        need(line.vat_category, "BR-CO-4", f"{where}: Die Umsatzsteuerkategorie (BT-151)")
    if not invoice.vat_breakdown:
        problems.append("BR-CO-18: Die Umsatzsteueraufschlüsselung (BG-23) fehlt.")
    # EN 16931 sums.
    lines_sum = _sum(line.line_total for line in invoice.lines)
    if invoice.line_total is not None and invoice.line_total != lines_sum:
        problems.append(
            f"BR-CO-10: Die Summe der Positionen (BT-106, {invoice.line_total}) ist nicht "
            f"die Summe der Nettobeträge der Positionen (BT-131, {lines_sum})."
        )
    if None not in (invoice.tax_basis_total, invoice.line_total):
        expected = invoice.line_total - invoice.allowance_total + invoice.charge_total
        if invoice.tax_basis_total != expected:
            problems.append(
                f"BR-CO-13: Der Nettobetrag (BT-109, {invoice.tax_basis_total}) ist nicht "
                f"Summe der Positionen − Nachlässe + Zuschläge ({expected})."
            )
    taxes = _sum(tax for _c, _r, _b, tax in invoice.vat_breakdown)
    if invoice.tax_total is not None and invoice.vat_breakdown and invoice.tax_total != taxes:
        problems.append(
            f"BR-CO-14: Die Umsatzsteuer (BT-110, {invoice.tax_total}) ist nicht die Summe "
            f"der Steuerbeträge der Aufschlüsselung (BT-117, {taxes})."
        )
    if None not in (invoice.tax_basis_total, invoice.grand_total):
        expected = invoice.tax_basis_total + (invoice.tax_total or Decimal("0"))
        if invoice.grand_total != expected:
            problems.append(
                f"BR-CO-15: Der Bruttobetrag (BT-112, {invoice.grand_total}) ist nicht "
                f"Nettobetrag plus Umsatzsteuer ({expected})."
            )
    if None not in (invoice.grand_total, invoice.due_amount):
        expected = invoice.grand_total - invoice.prepaid + invoice.rounding
        if invoice.due_amount != expected:
            problems.append(
                f"BR-CO-16: Der fällige Betrag (BT-115, {invoice.due_amount}) ist nicht "
                f"Bruttobetrag − Vorauszahlung + Rundung ({expected})."
            )
    for category, rate, basis, tax in invoice.vat_breakdown:
        if category == "S" and rate is not None and basis is not None and tax is not None:
            expected = (basis * rate / 100).quantize(CENT)
            if abs(tax - expected) > CENT:
                problems.append(
                    f"BR-S-09: Der Steuerbetrag der Kategorie S zu {rate} % (BT-117, {tax}) "
                    f"ist nicht Bemessungsgrundlage × Steuersatz ({expected})."
                )
    return problems


def read(data: bytes) -> ParsedInvoice:
    """Parse and check: the invoice, or XRechnungError listing every broken rule."""
    invoice = parse(data)
    problems = check(invoice)
    if problems:
        raise XRechnungError(problems)
    return invoice
