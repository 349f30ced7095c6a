"""Page forms of the DigitalPakt ledger (KERN markup through KernFormMixin)."""

import re
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openkommune.core.formatting import format_money
from openkommune.core.forms import KernFormMixin
from openkommune.digitalpakt.constants import CorrectedKind
from openkommune.digitalpakt.models import FundingProgramme
from openkommune.tenancy.models import Organisation

DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]
DATE_ERROR = _("Bitte ein Datum im Format TT.MM.JJJJ angeben.")


def _date_field(label, *, required=True):
    """A date typed or picked; a required one starts at today."""
    return forms.DateField(
        label=label,
        required=required,
        input_formats=DATE_FORMATS,
        initial=timezone.localdate if required else None,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": DATE_ERROR, "required": _("Bitte das Datum angeben.")},
    )


_GROUPED = re.compile(r"^-?\d{1,3}(\.\d{3})+(,\d{1,2})?$")


class EuroField(forms.DecimalField):
    """A euro amount as Germans type it: "1250", "1250,50", "1.250,50" or "1.250,50 €"."""

    def to_python(self, value):
        if isinstance(value, str):
            text = value.replace("€", "").replace("\u00a0", "").replace(" ", "").strip()
            if _GROUPED.match(text):
                text = text.replace(".", "")
            value = text.replace(",", ".")
        return super().to_python(value)


def _amount_field(label, *, help_text="", allow_negative=False):
    field = EuroField(
        label=label,
        max_digits=14,
        decimal_places=2,
        help_text=help_text,
        min_value=None if allow_negative else Decimal("0.01"),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={
            "invalid": _("Bitte einen Betrag in Euro angeben, zum Beispiel 1250,00."),
            "required": _("Bitte den Betrag angeben."),
            "max_decimal_places": _("Bitte höchstens zwei Nachkommastellen angeben."),
            "min_value": _("Der Betrag muss größer als 0 sein."),
            "max_digits": _("Der Betrag ist zu groß."),
        },
    )
    return field


class _Select(KernFormMixin, forms.Form):
    select_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.select_fields:
            self.fields[name].widget.attrs["class"] = "kern-form-input__select"


class BudgetOpenForm(_Select):
    programme = forms.ModelChoiceField(
        label=_("Förderprogramm"),
        queryset=FundingProgramme.objects.none(),
        to_field_name="public_id",
        empty_label=_("Bitte wählen"),
        error_messages={"required": _("Bitte ein Förderprogramm wählen.")},
    )
    select_fields = ("programme",)

    def __init__(self, *args, programmes, schooltraeger=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes
        if schooltraeger is not None:
            self.fields["organisation"] = forms.ModelChoiceField(
                label=_("Schulträger"),
                queryset=schooltraeger,
                to_field_name="public_id",
                empty_label=_("Bitte wählen"),
                error_messages={"required": _("Bitte den Schulträger wählen.")},
            )
            self.fields["organisation"].widget.attrs["class"] = "kern-form-input__select"
            self.order_fields(["organisation", "programme"])


def schooltraeger_choices():
    return Organisation.objects.filter(is_active=True, is_cooperative=False).order_by("name")


class AllocationForm(KernFormMixin, forms.Form):
    amount = _amount_field(
        _("Zugewiesene Bundesmittel (Euro)"),
        help_text=_("Der Betrag aus dem Zuwendungsbescheid, zum Beispiel 125000,00."),
    )
    booked_on = _date_field(_("Datum des Bescheids"))
    notice_reference = forms.CharField(
        label=_("Aktenzeichen des Zuwendungsbescheids"),
        max_length=100,
        required=False,
        help_text=_("Steht im Verwendungsnachweis."),
    )
    text = forms.CharField(label=_("Buchungstext"), max_length=500, required=False)


class ChargeForm(_Select):
    call_off = forms.ChoiceField(
        label=_("Abruf"), error_messages={"required": _("Bitte einen Abruf wählen.")}
    )
    booked_on = _date_field(_("Buchungsdatum"))
    select_fields = ("call_off",)

    def __init__(self, *args, call_offs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["call_off"].choices = [("", _("Bitte wählen"))] + [
            (str(c.public_id), f"{c.reference} – {c.supplier.name} – {format_money(c.total)}")
            for c in call_offs
        ]


class PaymentForm(_Select):
    call_off = forms.ChoiceField(
        label=_("Abruf"), error_messages={"required": _("Bitte einen Abruf wählen.")}
    )
    invoice_reference = forms.CharField(
        label=_("Rechnungsnummer"),
        max_length=100,
        error_messages={"required": _("Bitte die Rechnungsnummer angeben.")},
    )
    amount = _amount_field(_("Gezahlter Betrag (Euro)"))
    booked_on = _date_field(_("Zahlungsdatum"))
    select_fields = ("call_off",)

    def __init__(self, *args, positions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["call_off"].choices = [("", _("Bitte wählen"))] + [
            (
                str(p.call_off.public_id),
                _("%(ref)s – offen %(open)s")
                % {"ref": p.call_off.reference, "open": format_money(p.open)},
            )
            for p in positions
        ]


class CorrectionForm(_Select):
    corrects = forms.ChoiceField(
        label=_("Was wird korrigiert?"),
        choices=[("", _("Bitte wählen")), *CorrectedKind.choices],
        error_messages={"required": _("Bitte wählen, was korrigiert wird.")},
    )
    call_off = forms.ChoiceField(
        label=_("Abruf"),
        required=False,
        help_text=_("Nur bei Korrekturen einer Bindung oder Zahlung."),
    )
    amount = _amount_field(
        _("Betrag (Euro, mit Vorzeichen)"),
        help_text=_("Minus verringert, plus erhöht, zum Beispiel -250,00."),
        allow_negative=True,
    )
    booked_on = _date_field(_("Buchungsdatum"))
    text = forms.CharField(
        label=_("Begründung"),
        max_length=500,
        error_messages={"required": _("Bitte begründen Sie die Korrektur.")},
    )
    select_fields = ("corrects", "call_off")

    def __init__(self, *args, positions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["call_off"].choices = [("", _("kein Abruf"))] + [
            (str(p.call_off.public_id), p.call_off.reference) for p in positions
        ]


class ProofOfUseForm(KernFormMixin, forms.Form):
    von = _date_field(_("Zahlungen ab"), required=False)
    bis = _date_field(_("Zahlungen bis"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("von") and data.get("bis") and data["von"] > data["bis"]:
            self.add_error("bis", _("Das Ende liegt vor dem Beginn."))
        return data


class FundingCategoryForm(KernFormMixin, forms.Form):
    name = forms.CharField(label=_("Kategorie"), max_length=200)
    cpv_prefixes = forms.CharField(
        label=_("CPV-Präfixe"),
        max_length=500,
        help_text=_("Führende Ziffern der CPV-Codes, durch Kommas getrennt, z. B. 30213, 32322."),
    )
