"""Framework contracts of the cooperative and the members' call-offs under them.

Contracts, lots, suppliers, catalogue items and price tiers are the cooperative's data (not
tenant-owned): every authorised member reads them. Call-offs and their lines belong to the
calling member (tenant-owned, scoped). Names and key fields are fixed by the data contract
shared with the bundling/DigitalPakt apps (`procurement-contract.md`).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from openkommune.core.files import private_storage
from openkommune.core.models import (
    PublicIdModel,
    outbox_mails_relation,
    person_field,
    public_id_field,
)
from openkommune.procurement.constants import (
    CPV_PATTERN,
    CallOffStatus,
    LegalBasis,
    ThresholdKind,
    TierMode,
)
from openkommune.procurement.terms import term_error
from openkommune.tenancy.scoping import TenantScopedManager

cpv_validator = RegexValidator(
    CPV_PATTERN, _("Der CPV-Code hat die Form 12345678-9 (acht Ziffern, Bindestrich, Prüfziffer).")
)


class Supplier(PublicIdModel):
    name = models.CharField(_("Name"), max_length=200, unique=True)
    address = models.TextField(_("Anschrift"), blank=True)
    email = models.EmailField(_("E-Mail-Adresse"), blank=True)
    vat_id = models.CharField(_("USt-IdNr."), max_length=20, blank=True)
    # Who to ask about orders and invoices, and where its e-invoices come from (its
    # electronic address, BT-34 of its XRechnung: an e-mail address or a Peppol ID).
    contact_name = models.CharField(_("Ansprechperson"), max_length=200, blank=True)
    contact_phone = models.CharField(_("Telefon der Ansprechperson"), max_length=40, blank=True)
    contact_email = models.EmailField(_("E-Mail der Ansprechperson"), blank=True)
    einvoice_address = models.CharField(
        _("E-Rechnungsadresse des Lieferanten"), max_length=200, blank=True
    )
    is_demo = models.BooleanField(_("Demo-Daten"), default=False)

    class Meta:
        verbose_name = _("Lieferant")
        verbose_name_plural = _("Lieferanten")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FrameworkContract(PublicIdModel):
    number = models.CharField(_("Vertragsnummer"), max_length=40, unique=True)
    title = models.CharField(_("Bezeichnung"), max_length=200)
    subject = models.TextField(_("Gegenstand"), blank=True)
    suppliers = models.ManyToManyField(
        Supplier, related_name="contracts", verbose_name=_("Lieferanten"), blank=True
    )
    legal_basis = models.CharField(_("Rechtsgrundlage"), max_length=20, choices=LegalBasis.choices)
    starts_on = models.DateField(_("Laufzeit ab"))
    ends_on = models.DateField(_("Laufzeit bis"))
    max_value = models.DecimalField(
        _("Höchstwert (Euro, netto)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    max_quantity = models.PositiveIntegerField(_("Höchstmenge"), null=True, blank=True)
    callers_all_members = models.BooleanField(_("alle Mitglieder dürfen abrufen"), default=False)
    # Values of tenancy.constants.OrganisationKind, e.g. ["landkreis"] for "all Landkreise".
    caller_kinds = models.JSONField(_("abrufberechtigte Arten"), default=list, blank=True)
    named_callers = models.ManyToManyField(
        "tenancy.Organisation",
        related_name="+",
        verbose_name=_("namentlich abrufberechtigt"),
        blank=True,
    )
    is_demo = models.BooleanField(_("Demo-Daten"), default=False)

    # Its expiry and volume warnings (`core.outbox`), deleted with it.
    outbox_mails = outbox_mails_relation()

    class Meta:
        verbose_name = _("Rahmenvertrag")
        verbose_name_plural = _("Rahmenverträge")
        ordering = ["-starts_on", "number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="framework_contract_ends_after_start",
                violation_error_message=_("Das Laufzeitende liegt vor dem Beginn."),
            ),
            models.CheckConstraint(
                condition=Q(max_value__isnull=False) | Q(max_quantity__isnull=False),
                name="framework_contract_has_maximum",
                violation_error_message=_("Geben Sie eine Höchstmenge oder einen Höchstwert an."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.starts_on and self.ends_on and self.legal_basis:
            message = term_error(self.legal_basis, self.starts_on, self.ends_on)
            if message:
                errors["ends_on"] = message
        if self.max_value is None and self.max_quantity is None:
            errors["max_value"] = _("Geben Sie eine Höchstmenge oder einen Höchstwert an.")
        if errors:
            raise ValidationError(errors)

    def is_in_term(self, on: datetime.date) -> bool:
        return self.starts_on <= on <= self.ends_on


def _document_path(instance: ContractDocument, filename: str) -> str:
    # The stored name never uses the uploaded name (it may be hostile); the title is shown.
    return f"procurement/contracts/{instance.contract.public_id}/{instance.public_id}.bin"


class ContractDocument(PublicIdModel):
    contract = models.ForeignKey(
        FrameworkContract, on_delete=models.CASCADE, related_name="documents"
    )
    title = models.CharField(_("Titel"), max_length=200)
    file = models.FileField(_("Datei"), upload_to=_document_path, storage=private_storage)
    original_name = models.CharField(_("ursprünglicher Dateiname"), max_length=255, blank=True)
    content_type = models.CharField(_("Dateityp"), max_length=100)
    size = models.PositiveIntegerField(_("Größe (Bytes)"), default=0)
    uploaded_by = person_field()

    class Meta:
        verbose_name = _("Vertragsdokument")
        verbose_name_plural = _("Vertragsdokumente")
        ordering = ["contract", "title"]

    def __str__(self) -> str:
        return self.title


class Lot(PublicIdModel):
    contract = models.ForeignKey(FrameworkContract, on_delete=models.CASCADE, related_name="lots")
    number = models.PositiveIntegerField(_("Losnummer"), validators=[MinValueValidator(1)])
    title = models.CharField(_("Bezeichnung"), max_length=200)

    class Meta:
        verbose_name = _("Los")
        verbose_name_plural = _("Lose")
        ordering = ["contract", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "number"],
                name="lot_unique_number_per_contract",
                violation_error_message=_("Diese Losnummer gibt es in dem Vertrag schon."),
            ),
        ]

    def __str__(self) -> str:
        return f"Los {self.number}: {self.title}"


class CatalogItem(PublicIdModel):
    contract = models.ForeignKey(FrameworkContract, on_delete=models.CASCADE, related_name="items")
    lot = models.ForeignKey(
        Lot,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="items",
        verbose_name=_("Los"),
    )
    supplier = models.ForeignKey(
        Supplier, on_delete=models.PROTECT, related_name="items", verbose_name=_("Lieferant")
    )
    article_number = models.CharField(_("Artikelnummer"), max_length=60)
    description = models.CharField(_("Beschreibung"), max_length=500)
    cpv_code = models.CharField(_("CPV-Code"), max_length=10, validators=[cpv_validator])
    unit = models.CharField(_("Einheit"), max_length=30, default="Stück")
    valid_from = models.DateField(_("gültig ab"))
    valid_until = models.DateField(_("gültig bis"), null=True, blank=True)
    tier_mode = models.CharField(
        _("Staffelart"), max_length=20, choices=TierMode.choices, default=TierMode.ALL_UNITS
    )
    is_active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        verbose_name = _("Katalogartikel")
        verbose_name_plural = _("Katalogartikel")
        ordering = ["contract", "article_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "supplier", "article_number"],
                name="catalog_item_unique_article",
                violation_error_message=_(
                    "Diese Artikelnummer gibt es für den Lieferanten in dem Vertrag schon."
                ),
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="catalog_item_valid_until_after_from",
                violation_error_message=_("„gültig bis“ liegt vor „gültig ab“."),
            ),
            models.CheckConstraint(
                condition=Q(cpv_code__regex=CPV_PATTERN),
                name="catalog_item_cpv_format",
                violation_error_message=_("Der CPV-Code hat die Form 12345678-9."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article_number} {self.description}"

    def is_valid_on(self, on: datetime.date) -> bool:
        return self.valid_from <= on and (self.valid_until is None or on <= self.valid_until)


class PriceTier(models.Model):
    """From `min_quantity` on, the unit price is `unit_price` (the first tier starts at 0)."""

    item = models.ForeignKey(CatalogItem, on_delete=models.CASCADE, related_name="tiers")
    min_quantity = models.PositiveIntegerField(_("ab Menge"))
    unit_price = models.DecimalField(
        _("Stückpreis (Euro, netto)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )

    class Meta:
        verbose_name = _("Preisstaffel")
        verbose_name_plural = _("Preisstaffeln")
        ordering = ["item", "min_quantity"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "min_quantity"], name="price_tier_unique_min_quantity"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="price_tier_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"ab {self.min_quantity}: {self.unit_price}"


class ThresholdTable(models.Model):
    """EU threshold values by date (seeded by a data migration, source named)."""

    kind = models.CharField(
        _("Art"),
        max_length=40,
        choices=ThresholdKind.choices,
        default=ThresholdKind.SUPPLIES_SERVICES_MUNICIPAL,
    )
    valid_from = models.DateField(_("gültig ab"))
    valid_until = models.DateField(_("gültig bis"))
    amount = models.DecimalField(_("Schwellenwert (Euro, netto)"), max_digits=14, decimal_places=2)
    source = models.CharField(_("Quelle"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("EU-Schwellenwert")
        verbose_name_plural = _("EU-Schwellenwerte")
        ordering = ["kind", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "valid_from"], name="threshold_unique_start"),
            models.CheckConstraint(
                condition=Q(valid_until__gte=F("valid_from")), name="threshold_until_after_from"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} ({self.valid_from}–{self.valid_until})"


class CallOff(models.Model):
    """A member's call-off (Abruf) under one framework contract, to one supplier."""

    # First column after id on purpose (distribution key, see tenancy.models); hence the
    # timestamps and public id are declared here rather than inherited (inherited fields
    # would come first).
    tenant = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    public_id = public_id_field(editable=False)
    created_at = models.DateTimeField(_("angelegt am"), auto_now_add=True)
    updated_at = models.DateTimeField(_("geändert am"), auto_now=True)
    reference = models.CharField(_("Abrufnummer"), max_length=30, unique=True)
    contract = models.ForeignKey(
        FrameworkContract,
        on_delete=models.PROTECT,
        related_name="call_offs",
        verbose_name=_("Rahmenvertrag"),
    )
    supplier = models.ForeignKey(
        Supplier, on_delete=models.PROTECT, related_name="call_offs", verbose_name=_("Lieferant")
    )
    status = models.CharField(
        _("Status"), max_length=20, choices=CallOffStatus.choices, default=CallOffStatus.DRAFT
    )
    buyer_reference = models.CharField(_("Ihr Zeichen / Aktenzeichen"), max_length=100, blank=True)
    delivery_address = models.TextField(_("Lieferanschrift"), blank=True)
    note = models.TextField(_("Bemerkung an den Lieferanten"), blank=True)
    # The creator owns a draft: only the owner and the people it is shared with change it.
    created_by = person_field(blank=False)
    shared_with = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        verbose_name=_("geteilt mit"),
    )
    # Everyone who changed the call-off (lines, details, submission): none of them may
    # approve it (four-eyes principle).
    contributors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        verbose_name=_("bearbeitet von"),
    )
    submitted_by = person_field(_("eingereicht von"))
    submitted_at = models.DateTimeField(_("eingereicht am"), null=True, blank=True)
    approved_by = person_field()
    approved_at = models.DateTimeField(_("freigegeben am"), null=True, blank=True)
    decision_note = models.TextField(_("Begründung"), blank=True)
    ordered_at = models.DateTimeField(_("bestellt am"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("storniert am"), null=True, blank=True)
    total = models.DecimalField(
        _("Gesamtwert (Euro, netto)"), max_digits=14, decimal_places=2, default=0
    )
    quantity_total = models.PositiveIntegerField(_("Gesamtmenge"), default=0)
    threshold_class = models.CharField(_("Schwellenwert-Einordnung"), max_length=200, blank=True)
    warnings = models.JSONField(_("Hinweise"), default=list, blank=True, encoder=DjangoJSONEncoder)
    # Set when the cooperative made the call-off from an awarded bundling round (its lines
    # carry the round's tier prices and never follow the catalogue); empty for the member's own.
    origin = models.CharField(_("Herkunft"), max_length=300, blank=True)
    # For a call-off from a bundling round: the member's settlement for its lines (cost share
    # minus their cost at the tier price, ADR 0045; positive: the member pays it to the
    # cooperative, negative: it is credited). The lines keep the supplier's tier price.
    round_settlement = models.DecimalField(
        _("Ausgleich aus der Bündelungsrunde"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
    )
    is_demo = models.BooleanField(_("Demo-Daten"), default=False)

    # Its order e-mail (`core.outbox`), deleted with it.
    outbox_mails = outbox_mails_relation()

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("Abruf")
        verbose_name_plural = _("Abrufe")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "status"], name="call_off_tenant_status"),
            models.Index(fields=["tenant", "contract"], name="call_off_tenant_contract"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def carried_cost(self) -> Decimal | None:
        """For a call-off from a bundling round: what the member carries for it, the total at
        the tier price plus its settlement (ADR 0045); None otherwise."""
        if self.round_settlement is None:
            return None
        return self.total + self.round_settlement


class CallOffLine(models.Model):
    tenant = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    call_off = models.ForeignKey(CallOff, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(
        CatalogItem,
        on_delete=models.PROTECT,
        related_name="call_off_lines",
        verbose_name=_("Artikel"),
    )
    quantity = models.PositiveIntegerField(_("Menge"), validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(_("Stückpreis"), max_digits=12, decimal_places=2)
    line_total = models.DecimalField(_("Positionswert"), max_digits=14, decimal_places=2)
    added_by = person_field(_("hinzugefügt von"))
    changed_by = person_field(_("zuletzt geändert von"))

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("Abrufposition")
        verbose_name_plural = _("Abrufpositionen")
        ordering = ["call_off", "id"]
        indexes = [models.Index(fields=["tenant", "call_off"], name="call_off_line_tenant")]
        constraints = [
            models.UniqueConstraint(fields=["call_off", "item"], name="call_off_line_unique_item"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="call_off_line_quantity"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.item_id}"


class MemberProcurementSettings(models.Model):
    """A member's own rules for call-offs: above `approval_threshold` a member
    administrator must approve before the order goes out."""

    tenant = models.OneToOneField(
        "tenancy.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    updated_at = models.DateTimeField(_("geändert am"), auto_now=True)
    approval_threshold = models.DecimalField(
        _("Freigabe erforderlich ab (Euro, netto)"),
        max_digits=14,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
        help_text=_("Abrufe mit einem höheren Gesamtwert müssen freigegeben werden."),
    )
    # A raise of the threshold (fewer approvals) waits for a second person: another member
    # administrator or the cooperative confirms it (issue 19).
    pending_threshold = models.DecimalField(
        _("beantragte Freigabegrenze (Euro, netto)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    pending_threshold_by = person_field(_("beantragt von"))
    pending_threshold_at = models.DateTimeField(_("beantragt am"), null=True, blank=True)
    order_email = models.EmailField(_("E-Mail für Bestellungen"), blank=True)
    # The member as buyer of e-invoices: its Leitweg-ID (BT-10, printed on the order so the
    # supplier's XRechnung carries it) and the address its e-invoices go to (BT-49).
    leitweg_id = models.CharField(_("Leitweg-ID"), max_length=46, blank=True)
    einvoice_email = models.EmailField(_("E-Rechnungsadresse"), blank=True)
    default_delivery_address = models.TextField(_("Standard-Lieferanschrift"), blank=True)

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("Beschaffungseinstellungen")
        verbose_name_plural = _("Beschaffungseinstellungen")

    def __str__(self) -> str:
        return f"{self.tenant_id}: {self.approval_threshold}"


class MemberInvoice(models.Model):
    """An invoice of the cooperative to a member (e.g. its services or the operating
    levy), sent as an XRechnung (CII, EN 16931; `procurement.xrechnung`). Tenant-owned by
    the member it is addressed to; issued by the cooperative's staff."""

    tenant = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    public_id = public_id_field(editable=False)
    number = models.CharField(_("Rechnungsnummer"), max_length=40, unique=True)
    issue_date = models.DateField(_("Rechnungsdatum"))
    due_date = models.DateField(_("fällig am"))
    # BT-10: the Leitweg-ID of the buyer (mandatory in XRechnung, BR-DE-15).
    buyer_reference = models.CharField(_("Leitweg-ID des Mitglieds"), max_length=46)
    # BT-49: the buyer's electronic address (e-mail, scheme EM).
    buyer_email = models.EmailField(_("E-Rechnungsadresse des Mitglieds"))
    note = models.TextField(_("Hinweis"), blank=True)
    created_by = person_field()
    created_at = models.DateTimeField(_("angelegt am"), auto_now_add=True)
    is_demo = models.BooleanField(_("Demo-Daten"), default=False)

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("Rechnung an ein Mitglied")
        verbose_name_plural = _("Rechnungen an Mitglieder")
        ordering = ["-issue_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_date__gte=F("issue_date")),
                name="member_invoice_due_after_issue",
                violation_error_message=_("Das Fälligkeitsdatum liegt vor dem Rechnungsdatum."),
            ),
        ]

    def __str__(self) -> str:
        return self.number


class MemberInvoiceLine(models.Model):
    tenant = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey(MemberInvoice, on_delete=models.CASCADE, related_name="lines")
    description = models.CharField(_("Bezeichnung"), max_length=300)
    quantity = models.DecimalField(_("Menge"), max_digits=12, decimal_places=3)
    # UN/ECE Recommendation 20: C62 (one), HUR (hour), MON (month), ANN (year).
    unit_code = models.CharField(_("Einheit (UN/ECE Rec. 20)"), max_length=3, default="C62")
    unit_price = models.DecimalField(_("Einzelpreis (netto)"), max_digits=12, decimal_places=2)
    vat_rate = models.DecimalField(_("Umsatzsteuersatz (%)"), max_digits=5, decimal_places=2)
    line_total = models.DecimalField(_("Betrag (netto)"), max_digits=14, decimal_places=2)

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("Rechnungsposition")
        verbose_name_plural = _("Rechnungspositionen")
        ordering = ["invoice", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="member_invoice_line_qty"),
        ]

    def __str__(self) -> str:
        return self.description


class GoodsReceipt(models.Model):
    """What arrived of an ordered call-off (Wareneingang): one per delivery, with the
    quantity received per line; the second leg of the three-way match."""

    tenant = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    public_id = public_id_field(editable=False)
    call_off = models.ForeignKey(
        CallOff, on_delete=models.PROTECT, related_name="goods_receipts", verbose_name=_("Abruf")
    )
    received_on = models.DateField(_("eingegangen am"))
    delivery_note = models.CharField(_("Lieferschein-Nr."), max_length=100, blank=True)
    note = models.TextField(_("Bemerkung"), blank=True)
    recorded_by = person_field(_("erfasst von"))
    recorded_at = models.DateTimeField(_("erfasst am"), auto_now_add=True)

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("Wareneingang")
        verbose_name_plural = _("Wareneingänge")
        ordering = ["received_on", "id"]
        indexes = [models.Index(fields=["tenant", "call_off"], name="goods_receipt_tenant")]

    def __str__(self) -> str:
        return f"{self.call_off_id} {self.received_on}"


class GoodsReceiptLine(models.Model):
    tenant = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    receipt = models.ForeignKey(GoodsReceipt, on_delete=models.CASCADE, related_name="lines")
    call_off_line = models.ForeignKey(
        CallOffLine, on_delete=models.PROTECT, related_name="receipts"
    )
    quantity = models.PositiveIntegerField(_("Menge erhalten"))

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("Wareneingangsposition")
        verbose_name_plural = _("Wareneingangspositionen")
        ordering = ["receipt", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="goods_receipt_line_qty"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.call_off_line_id}"


class SupplierInvoice(models.Model):
    """An XRechnung a supplier sent the member for one of its call-offs (UBL or CII),
    validated on receipt, matched against the order and the goods receipts (three-way
    match) and released for payment by a second person."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("eingegangen")
        RELEASED = "released", _("zur Zahlung freigegeben")
        REJECTED = "rejected", _("zurückgewiesen")

    class Syntax(models.TextChoices):
        UBL = "ubl", "UBL 2.1"
        CII = "cii", "UN/CEFACT CII"

    tenant = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    public_id = public_id_field(editable=False)
    call_off = models.ForeignKey(
        CallOff, on_delete=models.PROTECT, related_name="supplier_invoices",
        verbose_name=_("Abruf"),
    )  # fmt: skip
    supplier = models.ForeignKey(
        Supplier, on_delete=models.PROTECT, related_name="invoices", verbose_name=_("Lieferant")
    )
    number = models.CharField(_("Rechnungsnummer"), max_length=100)
    issue_date = models.DateField(_("Rechnungsdatum"))
    due_date = models.DateField(_("fällig am"), null=True, blank=True)
    syntax = models.CharField(_("Syntax"), max_length=3, choices=Syntax.choices)
    currency = models.CharField(_("Währung"), max_length=3, default="EUR")
    buyer_reference = models.CharField(_("Leitweg-ID (BT-10)"), max_length=100, blank=True)
    order_reference = models.CharField(_("Bestellreferenz (BT-13)"), max_length=100, blank=True)
    seller_name = models.CharField(_("Verkäufer"), max_length=300)
    seller_vat_id = models.CharField(_("USt-IdNr. des Verkäufers"), max_length=40, blank=True)
    net_total = models.DecimalField(_("Nettobetrag"), max_digits=14, decimal_places=2)
    tax_total = models.DecimalField(_("Umsatzsteuer"), max_digits=14, decimal_places=2)
    gross_total = models.DecimalField(_("Bruttobetrag"), max_digits=14, decimal_places=2)
    due_amount = models.DecimalField(_("Zahlbetrag"), max_digits=14, decimal_places=2)
    document = models.BinaryField(_("XRechnung (XML)"))
    status = models.CharField(
        _("Status"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    # The three-way match as last computed: {"ok": bool, "findings": [...], "lines": [...]}.
    match = models.JSONField(_("Abgleich"), default=dict, encoder=DjangoJSONEncoder)
    matched_at = models.DateTimeField(_("abgeglichen am"), null=True, blank=True)
    received_by = person_field(_("erfasst von"))
    received_at = models.DateTimeField(_("eingegangen am"), auto_now_add=True)
    decided_by = person_field(_("entschieden von"))
    decided_at = models.DateTimeField(_("entschieden am"), null=True, blank=True)
    decision_note = models.TextField(_("Begründung"), blank=True)

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("Eingangsrechnung")
        verbose_name_plural = _("Eingangsrechnungen")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "status"], name="supplier_invoice_tenant_status"),
            models.Index(fields=["tenant", "call_off"], name="supplier_invoice_call_off"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "supplier", "number"],
                name="supplier_invoice_unique_number",
                violation_error_message=_("Diese Rechnung des Lieferanten liegt schon vor."),
            ),
        ]

    def __str__(self) -> str:
        return self.number


class SupplierInvoiceLine(models.Model):
    tenant = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey(SupplierInvoice, on_delete=models.CASCADE, related_name="lines")
    line_id = models.CharField(_("Positionsnummer"), max_length=50)
    description = models.CharField(_("Bezeichnung"), max_length=500)
    seller_item_id = models.CharField(_("Artikelnummer des Verkäufers"), max_length=100, blank=True)
    quantity = models.DecimalField(_("Menge"), max_digits=14, decimal_places=4)
    unit_code = models.CharField(_("Einheit"), max_length=3)
    unit_price = models.DecimalField(_("Nettopreis"), max_digits=14, decimal_places=4)
    line_total = models.DecimalField(_("Nettobetrag"), max_digits=14, decimal_places=2)
    vat_rate = models.DecimalField(
        _("Umsatzsteuersatz (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    # The order line it was matched to; empty when nothing ordered fits it.
    call_off_line = models.ForeignKey(
        CallOffLine, on_delete=models.PROTECT, null=True, blank=True, related_name="invoiced"
    )

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("Eingangsrechnungsposition")
        verbose_name_plural = _("Eingangsrechnungspositionen")
        ordering = ["invoice", "id"]

    def __str__(self) -> str:
        return self.description
