"""Forms of the procurement pages (KERN markup via KernFormMixin, German messages)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from openkommune.core.formatting import format_money
from openkommune.core.forms import KernFormMixin
from openkommune.procurement.constants import (
    CallOffStatus,
    ContractStatus,
    TierMode,
)
from openkommune.procurement.models import (
    CatalogItem,
    FrameworkContract,
    Lot,
    MemberProcurementSettings,
    Supplier,
    SupplierInvoice,
)
from openkommune.procurement.pricing import format_tiers, parse_decimal, parse_tier_lines
from openkommune.procurement.services import CONTRACT_FORM_FIELDS
from openkommune.procurement.xrechnung import leitweg_id_problem
from openkommune.tenancy.constants import OrganisationKind
from openkommune.tenancy.models import Organisation

DATE_FORMATS = ["%d.%m.%Y", "%Y-%m-%d"]
DATE_HINT = _("TT.MM.JJJJ, zum Beispiel 01.01.2026")
CHECK_CLASS = "kern-form-check__input"


class GermanDateField(forms.DateField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("input_formats", DATE_FORMATS)
        kwargs.setdefault("widget", forms.DateInput(format="%d.%m.%Y"))
        kwargs.setdefault(
            "error_messages", {"invalid": _("Bitte ein Datum im Format TT.MM.JJJJ angeben.")}
        )
        super().__init__(*args, **kwargs)


class EuroField(forms.CharField):
    """An amount in German notation ("1.299,00"), returned as Decimal."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return format_money(value, currency=False)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        amount = parse_decimal(text.replace("€", "")) if len(text) <= 20 else None
        if amount is None or amount < 0:
            raise ValidationError(_("Bitte einen Betrag in Euro angeben, z. B. 1.299,00."))
        return amount


def _checkboxes(form, *names):
    # KernFormMixin gives every widget the text-input class; checkboxes have their own.
    for name in names:
        form.fields[name].widget.attrs["class"] = CHECK_CLASS


# --- staff ------------------------------------------------------------------------------


class ContractFilterForm(KernFormMixin, forms.Form):
    SORTS = {
        "nummer": ("number",),
        "titel": ("title", "number"),
        "beginn": ("starts_on", "number"),
        "ende": ("ends_on", "number"),
        "-ende": ("-ends_on", "number"),
    }
    q = forms.CharField(label=_("Suche (Nummer oder Bezeichnung)"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("alle")), *ContractStatus.choices]
    )
    laeuft_am = GermanDateField(
        label=_("Laufzeit umfasst den Tag"), required=False, help_text=DATE_HINT
    )
    sortierung = forms.ChoiceField(
        label=_("Sortierung"),
        required=False,
        choices=[
            ("nummer", _("Vertragsnummer")),
            ("titel", _("Bezeichnung")),
            ("beginn", _("Beginn")),
            ("ende", _("Ende, früheste zuerst")),
            ("-ende", _("Ende, späteste zuerst")),
        ],
    )


class ContractForm(KernFormMixin, forms.ModelForm):
    starts_on = GermanDateField(label=_("Laufzeit ab"), help_text=DATE_HINT)
    ends_on = GermanDateField(
        label=_("Laufzeit bis (einschließlich)"),
        help_text=_("Höchstens 4 Jahre nach VgV § 21, 6 Jahre nach UVgO § 15."),
    )
    max_value = EuroField(
        label=_("Höchstwert (Euro, netto)"),
        required=False,
        help_text=_("Höchstwert oder Höchstmenge (oder beides) ist Pflicht."),
    )
    caller_kinds = forms.MultipleChoiceField(
        label=_("Abrufberechtigt sind alle Mitglieder der Art"),
        required=False,
        choices=[c for c in OrganisationKind.choices if c[0] != OrganisationKind.GENOSSENSCHAFT],
        widget=forms.CheckboxSelectMultiple,
    )
    suppliers = forms.ModelMultipleChoiceField(
        label=_("Lieferanten (Vertragspartner)"),
        queryset=Supplier.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )
    named_callers = forms.ModelMultipleChoiceField(
        label=_("Namentlich abrufberechtigte Mitglieder"),
        required=False,
        queryset=Organisation.objects.filter(is_cooperative=False, is_active=True),
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Mehrere mit Strg- bzw. Cmd-Taste auswählen."),
    )

    class Meta:
        model = FrameworkContract
        fields = [*CONTRACT_FORM_FIELDS, "suppliers", "named_callers"]
        widgets = {"subject": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"number": _("Zum Beispiel RV-2026-003")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["legal_basis"].widget = forms.RadioSelect(
            choices=self.fields["legal_basis"].choices[1:]
        )
        _checkboxes(self, "callers_all_members", "caller_kinds", "suppliers", "legal_basis")

    def clean(self):
        data = super().clean()
        if not (data.get("callers_all_members") or data.get("caller_kinds")
                or data.get("named_callers")):  # fmt: skip
            raise ValidationError(
                _("Bitte angeben, wer abrufen darf: alle Mitglieder, Arten oder namentlich.")
            )
        return data

    def service_fields(self) -> dict:
        data = self.cleaned_data
        fields = {name: data[name] for name in CONTRACT_FORM_FIELDS}
        fields["caller_kinds"] = list(data["caller_kinds"])
        return fields


class SupplierForm(KernFormMixin, forms.ModelForm):
    class Meta:
        model = Supplier
        fields = [
            "name", "address", "email", "vat_id", "contact_name", "contact_phone",
            "contact_email", "einvoice_address",
        ]  # fmt: skip
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "einvoice_address": _(
                "Die elektronische Adresse, von der seine XRechnungen kommen (BT-34), "
                "zum Beispiel eine E-Mail-Adresse oder Peppol-ID."
            )
        }


class LotForm(KernFormMixin, forms.ModelForm):
    class Meta:
        model = Lot
        fields = ["number", "title"]


class CatalogItemForm(KernFormMixin, forms.ModelForm):
    valid_from = GermanDateField(label=_("gültig ab"), help_text=DATE_HINT)
    valid_until = GermanDateField(label=_("gültig bis"), required=False, help_text=DATE_HINT)
    tiers = forms.CharField(
        label=_("Preisstaffeln"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Eine Staffel je Zeile: „ab Menge: Stückpreis in Euro netto“. Die erste beginnt "
            "bei 0, zum Beispiel: 0: 899,00 – dann 10: 849,00 – dann 50: 799,00."
        ),
    )

    class Meta:
        model = CatalogItem
        fields = [
            "article_number",
            "description",
            "cpv_code",
            "unit",
            "supplier",
            "lot",
            "valid_from",
            "valid_until",
            "tier_mode",
            "is_active",
        ]
        help_texts = {"cpv_code": _("Zum Beispiel 30213100-6 für Notebooks")}

    # The page shows the fields in this order (the staffel text right after its mode).
    field_order = [*Meta.fields[:-1], "tiers", "is_active"]

    def __init__(self, *args, contract: FrameworkContract, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.contract = contract
        self.fields["supplier"].queryset = contract.suppliers.all()
        self.fields["lot"].queryset = contract.lots.all()
        self.fields["tier_mode"].widget = forms.RadioSelect(choices=TierMode.choices)
        _checkboxes(self, "tier_mode", "is_active")
        if self.instance.pk and not self.is_bound:
            self.initial["tiers"] = format_tiers(
                (t.min_quantity, t.unit_price) for t in self.instance.tiers.all()
            )

    def clean_tiers(self):
        tiers, errors = parse_tier_lines(self.cleaned_data["tiers"])
        if errors:
            raise ValidationError(errors)
        return tiers

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class CatalogImportForm(KernFormMixin, forms.Form):
    datei = forms.FileField(
        label=_("Katalogdatei (CSV oder XLSX)"),
        help_text=_("Höchstens 5 MB. Die Spalten sind unten beschrieben."),
        error_messages={"required": _("Bitte wählen Sie eine Datei aus.")},
    )


class DocumentForm(KernFormMixin, forms.Form):
    titel = forms.CharField(label=_("Titel"), max_length=200)
    datei = forms.FileField(
        label=_("Datei"),
        help_text=_("PDF, Word, Excel, OpenDocument oder Text, höchstens 20 MB."),
        error_messages={"required": _("Bitte wählen Sie eine Datei aus.")},
    )


# --- members ------------------------------------------------------------------------------


class CatalogSearchForm(KernFormMixin, forms.Form):
    q = forms.CharField(
        label=_("Artikel suchen"),
        required=False,
        max_length=100,
        help_text=_("Beschreibung, Artikelnummer, CPV-Code oder Lieferant"),
    )
    vertrag = forms.ChoiceField(label=_("Rahmenvertrag"), required=False)

    def __init__(self, *args, contracts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vertrag"].choices = [("", _("alle"))] + [
            (str(c.public_id), f"{c.number} – {c.title}") for c in contracts
        ]


class QuantityForm(forms.Form):
    menge = forms.IntegerField(
        label=_("Menge"),
        min_value=1,
        max_value=1_000_000,
        error_messages={
            "required": _("Bitte eine Menge angeben."),
            "invalid": _("Bitte eine ganze Zahl angeben."),
            "min_value": _("Bitte eine Menge von mindestens 1 angeben."),
            "max_value": _("Höchstens 1.000.000 auf einmal."),
        },
    )


class CallOffDetailsForm(KernFormMixin, forms.Form):
    buyer_reference = forms.CharField(
        label=_("Ihr Zeichen / Aktenzeichen"), required=False, max_length=100
    )
    delivery_address = forms.CharField(
        label=_("Lieferanschrift"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    note = forms.CharField(
        label=_("Bemerkung an den Lieferanten"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DecisionForm(KernFormMixin, forms.Form):
    note = forms.CharField(
        label=_("Begründung"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Bei einer Ablehnung Pflicht."),
    )


class CallOffFilterForm(KernFormMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("alle")), *CallOffStatus.choices]
    )


class ProcurementSettingsForm(KernFormMixin, forms.ModelForm):
    def clean_leitweg_id(self):
        value = self.cleaned_data.get("leitweg_id", "").strip().upper()
        if value and (problem := leitweg_id_problem(value)):
            raise forms.ValidationError(problem)
        return value

    approval_threshold = EuroField(
        label=_("Freigabe erforderlich ab (Euro, netto)"),
        help_text=_(
            "Abrufe mit einem höheren Gesamtwert gibt die Mitgliedsverwaltung frei, bevor "
            "bestellt wird. 0 bedeutet: jeder Abruf braucht eine Freigabe."
        ),
    )

    class Meta:
        model = MemberProcurementSettings
        fields = [
            "approval_threshold", "order_email", "default_delivery_address", "leitweg_id",
            "einvoice_email",
        ]  # fmt: skip
        widgets = {"default_delivery_address": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "leitweg_id": _(
                "Steht auf jeder Bestellung; Lieferanten adressieren ihre XRechnung damit "
                "(BT-10). Eingehende Rechnungen an eine andere Leitweg-ID werden abgelehnt."
            ),
            "einvoice_email": _("Hierhin schicken Lieferanten ihre XRechnungen (BT-49)."),
            "order_email": _(
                "Jede Bestellung geht mit dem Bestelldokument per E-Mail an den Lieferanten; "
                "diese Adresse erhält eine Kopie, und Antworten des Lieferanten gehen dorthin. "
                "Leer: die Adresse der Person, die bestellt."
            ),
        }


# --- goods receipts and supplier invoices -----------------------------------------------------


class GoodsReceiptForm(KernFormMixin, forms.Form):
    """One quantity field per ordered line (`menge_<line id>`), the date and the note."""

    received_on = GermanDateField(label=_("eingegangen am"), help_text=DATE_HINT)
    delivery_note = forms.CharField(label=_("Lieferschein-Nr."), required=False, max_length=100)
    note = forms.CharField(
        label=_("Bemerkung"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip

    def __init__(self, *args, lines=(), received=None, **kwargs):
        super().__init__(*args, **kwargs)
        received = received or {}
        self.line_fields = []
        for line in lines:
            open_units = line.quantity - received.get(line.pk, 0)
            name = f"menge_{line.pk}"
            self.fields[name] = forms.IntegerField(
                label=line.item.description,
                required=False,
                min_value=0,
                max_value=max(open_units, 0),
                help_text=_("bestellt %(ordered)s, noch offen %(open)s")
                % {"ordered": line.quantity, "open": open_units},
                error_messages={
                    "invalid": _("Bitte eine ganze Zahl angeben."),
                    "min_value": _("Mengen können nicht negativ sein."),
                    "max_value": _("Höchstens die noch offene Menge (%(limit_value)s)."),
                },
            )
            self.kern_field(name)
            self.line_fields.append((line, name))

    def quantities(self) -> dict[int, int]:
        return {line.pk: self.cleaned_data.get(name) or 0 for line, name in self.line_fields}


class SupplierInvoiceUploadForm(KernFormMixin, forms.Form):
    datei = forms.FileField(
        label=_("XRechnung (XML, UBL oder CII)"),
        help_text=_("Die XML-Datei der Rechnung, höchstens 5 MB."),
        error_messages={"required": _("Bitte wählen Sie eine Datei aus.")},
    )


class SupplierInvoiceFilterForm(KernFormMixin, forms.Form):
    SORTS = [
        ("-eingang", _("Eingang, neueste zuerst")),
        ("eingang", _("Eingang, älteste zuerst")),
        ("faellig", _("Fälligkeit")),
        ("-betrag", _("Betrag, höchster zuerst")),
        ("lieferant", _("Lieferant")),
    ]
    status = forms.ChoiceField(
        label=_("Status"), required=False,
        choices=[("", _("alle")), *SupplierInvoice.Status.choices],
    )  # fmt: skip
    abgleich = forms.ChoiceField(
        label=_("Abgleich"),
        required=False,
        choices=[
            ("", _("alle")),
            ("ok", _("ohne Abweichung")),
            ("abweichung", _("mit Abweichung")),
        ],
    )
    sortierung = forms.ChoiceField(label=_("Sortierung"), required=False, choices=SORTS)


class InvoiceDecisionForm(KernFormMixin, forms.Form):
    note = forms.CharField(
        label=_("Begründung"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Pflicht bei einer Zurückweisung und bei einer Freigabe trotz Abweichungen."),
    )
