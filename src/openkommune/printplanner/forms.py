"""Forms of the planner's pages: the import, today's assumptions and a scenario's assumptions.
Numbers are typed as the interface language writes them ("0,0100" in German, "0.0100" in
English); the service checks the rules."""

from __future__ import annotations

import re

from django import forms
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from openkommune.core.formatting import format_money, format_number, format_percent
from openkommune.core.forms import KernFormMixin
from openkommune.printplanner.models import (
    INVENTORY_ASSUMPTION_FIELDS,
    SCENARIO_FIELDS,
    Inventory,
    Scenario,
)

CHECKBOX_CLASS = "kern-form-check__input"
_GERMAN_GROUPED = re.compile(r"[1-9]\d{0,2}(\.\d{3})+")  # "2.000", never "0.006"
_ENGLISH_GROUPED = re.compile(r"\d{1,3}(,\d{3})+(\.\d+)?")


class NumberField(forms.DecimalField):
    """A decimal in the interface language's notation: German "2.000,00" or "2000,00",
    English "2,000.00" or "2000.00"."""

    def to_python(self, value):
        if isinstance(value, str):
            text = value.replace("€", "").replace("%", "").replace("\u00a0", "").strip()
            text = text.replace(" ", "")
            if formats.get_format("DECIMAL_SEPARATOR") == ",":
                if "," in text or _GERMAN_GROUPED.fullmatch(text):
                    text = text.replace(".", "").replace(",", ".")
            elif _ENGLISH_GROUPED.fullmatch(text):
                text = text.replace(",", "")
            # Else a comma stays and the number is refused: "15,0" is not 150 in English.
            value = text
        return super().to_python(value)


def _number_fields(form) -> None:
    for field in form.fields.values():
        if isinstance(field, forms.DecimalField):
            field.localize = True
            field.widget = forms.TextInput(
                attrs={**field.widget.attrs, "inputmode": "decimal", "autocomplete": "off"}
            )
            field.widget.is_localized = True
        if isinstance(field, forms.BooleanField):
            field.widget.attrs["class"] = CHECKBOX_CLASS


def _formfield(db_field, **kwargs):
    if db_field.get_internal_type() == "DecimalField":
        kwargs["form_class"] = NumberField
    return db_field.formfield(**kwargs)


class ImportForm(KernFormMixin, forms.Form):
    title = forms.CharField(
        label=_("Bezeichnung der Bestandsaufnahme"),
        max_length=200,
        help_text=_("Zum Beispiel „Zählung März 2026“"),
        error_messages={"required": _("Bitte geben Sie der Bestandsaufnahme einen Namen.")},
    )
    datei = forms.FileField(
        label=_("Geräteliste (CSV oder XLSX)"),
        help_text=_("Höchstens 2 MB und 2.000 Geräte. Die Spalten sind unten beschrieben."),
        error_messages={"required": _("Bitte wählen Sie eine Datei aus.")},
    )


class InventoryAssumptionsForm(KernFormMixin, forms.ModelForm):
    formfield_callback = _formfield

    class Meta:
        model = Inventory
        fields = INVENTORY_ASSUMPTION_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _number_fields(self)


# The scenario's fields in groups, as the page and the report show them.
SCENARIO_GROUPS = (
    (
        _("Ziel-Geräteflotte: gemeinsam genutzte Multifunktionsgeräte"),
        (
            "target_employees_per_device",
            "device_cost_per_month",
            "click_mono",
            "click_colour",
            "energy_per_page",
        ),
    ),
    (
        _("Follow-Me-Drucken"),
        (
            "follow_me",
            "follow_me_licence_per_device",
            "follow_me_setup",
            "follow_me_reduction_min",
            "follow_me_reduction_expected",
            "follow_me_reduction_max",
        ),
    ),
    (
        _("Schwarzweiß als Standard"),
        ("mono_default", "mono_shift_min", "mono_shift_expected", "mono_shift_max"),
    ),
    (
        _("Beidseitiger Druck als Standard"),
        ("duplex_default", "duplex_share_min", "duplex_share_expected", "duplex_share_max"),
    ),
    (
        _("Einmalkosten und Betrachtungszeitraum"),
        ("installation_per_device", "contract_exit_costs", "years", "price_increase_percent"),
    ),
)
assert {name for _title, names in SCENARIO_GROUPS for name in names} == set(SCENARIO_FIELDS)


class ScenarioForm(KernFormMixin, forms.ModelForm):
    formfield_callback = _formfield

    class Meta:
        model = Scenario
        fields = ("name", *SCENARIO_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _number_fields(self)

    def groups(self):
        """(legend, bound fields) per group, for fieldsets."""
        return [(title, [self[name] for name in names]) for title, names in SCENARIO_GROUPS]


# --- the values as text, for the report and the scenario page --------------------------------

_PERCENT_SUFFIXES = ("_min", "_expected", "_max", "_percent")


def value_text(model, name: str) -> str:
    """A field's value as the page and the report show it: "60,00 €", "0,0060 €", "10,0 %",
    "ja"."""
    field = model._meta.get_field(name)
    value = getattr(model, name)
    if isinstance(value, bool):
        return gettext("ja") if value else gettext("nein")
    if field.get_internal_type() != "DecimalField":
        return format_number(value)
    if name.endswith(_PERCENT_SUFFIXES):
        return format_percent(value, 1)
    if name == "target_employees_per_device":
        return format_number(value, 1)
    if field.decimal_places == 4:
        return f"{format_number(value, 4)} €"
    return format_money(value)


def assumption_rows(scenario) -> list[tuple[str, list[tuple[str, str]]]]:
    """(group legend, [(label, value text)]) of every assumption of the scenario."""
    return [
        (
            str(title),
            [
                (str(scenario._meta.get_field(n).verbose_name), value_text(scenario, n))
                for n in names
            ],
        )
        for title, names in SCENARIO_GROUPS
    ]


def inventory_assumption_rows(inventory) -> list[tuple[str, str]]:
    return [
        (str(inventory._meta.get_field(n).verbose_name), value_text(inventory, n))
        for n in INVENTORY_ASSUMPTION_FIELDS
    ]
