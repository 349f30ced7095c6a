"""Page forms of bundling rounds (KERN markup through KernFormMixin)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from openkommune.core.forms import KernFormMixin
from openkommune.procurement.constants import TierMode
from openkommune.procurement.models import CatalogItem, FrameworkContract

DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"]


def _date(label, help_text=""):
    return forms.DateField(
        label=label,
        required=False,
        help_text=help_text,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Bitte ein Datum im Format TT.MM.JJJJ angeben.")},
    )


class RoundForm(KernFormMixin, forms.Form):
    title = forms.CharField(
        label=_("Titel"),
        max_length=200,
        error_messages={"required": _("Bitte einen Titel angeben.")},
    )
    description = forms.CharField(
        label=_("Beschreibung"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    deadline = forms.DateTimeField(
        label=_("Bedarfsmeldung bis"),
        input_formats=DATETIME_FORMATS,
        help_text=_("Datum und Uhrzeit, zum Beispiel 31.03.2026 12:00."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={
            "required": _("Bitte die Frist angeben."),
            "invalid": _("Bitte Datum und Uhrzeit im Format TT.MM.JJJJ HH:MM angeben."),
        },
    )
    prefill_from = _date(
        _("Vorschlag aus Abrufen ab"),
        _("Die bestellten Abrufe dieses Zeitraums füllen das Formular der Mitglieder vor."),
    )
    prefill_until = _date(_("Vorschlag aus Abrufen bis"))


class RoundItemForm(KernFormMixin, forms.Form):
    title = forms.CharField(
        label=_("Bezeichnung"),
        max_length=300,
        help_text=_("Was die Mitglieder bestellen, zum Beispiel „Notebook 14 Zoll“."),
        error_messages={"required": _("Bitte eine Bezeichnung angeben.")},
    )
    unit = forms.CharField(label=_("Einheit"), max_length=30, initial="Stück")


class OfferForm(KernFormMixin, forms.Form):
    catalog_item = forms.ModelChoiceField(
        label=_("Katalogartikel"),
        queryset=CatalogItem.objects.none(),
        to_field_name="public_id",
        empty_label=_("Bitte wählen"),
        help_text=_("Aktive Artikel mit Staffelpreisen für alle Einheiten."),
        error_messages={"required": _("Bitte einen Katalogartikel wählen.")},
    )
    capacity = forms.IntegerField(
        label=_("Kapazität (Höchstmenge)"),
        required=False,
        min_value=1,
        help_text=_("Leer lassen, wenn der Lieferant jede Menge liefern kann."),
        error_messages={
            "invalid": _("Bitte eine ganze Zahl angeben."),
            "min_value": _("Die Kapazität muss mindestens 1 sein."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["catalog_item"]
        field.queryset = (
            CatalogItem.objects.filter(is_active=True, tier_mode=TierMode.ALL_UNITS)
            .select_related("contract", "supplier")
            .order_by("contract__number", "description", "supplier__name")
        )
        field.label_from_instance = lambda item: (
            f"{item.contract.number} · {item.supplier.name} · {item.article_number} "
            f"{item.description}"
        )
        field.widget.attrs["class"] = "kern-form-input__select"


class ContractImportForm(KernFormMixin, forms.Form):
    contract = forms.ModelChoiceField(
        label=_("Rahmenvertrag"),
        queryset=FrameworkContract.objects.order_by("number"),
        to_field_name="public_id",
        empty_label=_("Bitte wählen"),
        error_messages={"required": _("Bitte einen Rahmenvertrag wählen.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contract"].widget.attrs["class"] = "kern-form-input__select"


class DemandForm(KernFormMixin, forms.Form):
    """One quantity field per round item the member may order (`menge-<item public id>`)."""

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            if not row.eligible:
                continue
            self.fields[row.field_name] = forms.IntegerField(
                label=f"{row.item.title} ({row.item.unit})",
                min_value=0,
                max_value=1_000_000,
                required=False,
                initial=row.initial,
                help_text=row.hint,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
                error_messages={
                    "invalid": _("Bitte eine ganze Zahl ab 0 angeben."),
                    "min_value": _("Bitte eine ganze Zahl ab 0 angeben."),
                    "max_value": _("Die Menge ist zu groß."),
                },
            )
        # KernFormMixin has styled the fields that existed at its __init__; style ours too.
        for name in self.fields:
            self.kern_field(name)

    def quantities(self) -> dict:
        return {
            row.item: self.cleaned_data.get(row.field_name) or 0
            for row in self.rows
            if row.eligible
        }
