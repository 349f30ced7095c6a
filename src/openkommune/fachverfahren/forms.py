"""Forms of the cooperative's staff pages for the catalogue and the subscriptions; every save
goes through the audited services, which check the rules again."""

from django import forms
from django.utils.translation import gettext_lazy as _

from openkommune.core.forms import KernFormMixin
from openkommune.fachverfahren.models import Fachverfahren
from openkommune.fachverfahren.services import FACHVERFAHREN_FIELDS
from openkommune.tenancy.models import Organisation

DATE_FORMATS = ["%d.%m.%Y", "%Y-%m-%d"]
DATE_HINT = _("Format: TT.MM.JJJJ")


class FachverfahrenForm(KernFormMixin, forms.ModelForm):
    class Meta:
        model = Fachverfahren
        fields = list(FACHVERFAHREN_FIELDS)
        # "1.200,50" in German; the number input would refuse the decimal comma.
        localized_fields = ["price_per_year"]
        widgets = {
            "maintenance_windows": forms.Textarea(attrs={"rows": 3}),
            "service_hours": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("is_active", "is_demo"):
            self.fields[name].widget.attrs["class"] = "kern-form-check__input"


def member_organisations():
    return Organisation.objects.filter(is_cooperative=False, is_active=True).order_by("name")


class SubscriptionForm(KernFormMixin, forms.Form):
    tenant = forms.ModelChoiceField(
        label=_("Mitglied"), queryset=Organisation.objects.none(), to_field_name="public_id"
    )
    fachverfahren = forms.ModelChoiceField(
        label=_("Fachverfahren"),
        queryset=Fachverfahren.objects.filter(is_active=True).order_by("name", "version"),
        to_field_name="public_id",
    )
    quantity = forms.IntegerField(label=_("Anzahl Lizenzen"), min_value=1, initial=1)
    starts_on = forms.DateField(label=_("Beginn"), input_formats=DATE_FORMATS, help_text=DATE_HINT)
    ends_on = forms.DateField(
        label=_("Ende"),
        required=False,
        input_formats=DATE_FORMATS,
        help_text=_("Leer: läuft weiter. Format: TT.MM.JJJJ"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tenant"].queryset = member_organisations()

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("Das Ende liegt vor dem Beginn."))
        return cleaned


class SubscriptionEndForm(KernFormMixin, forms.Form):
    ends_on = forms.DateField(
        label=_("Letzter Tag"), input_formats=DATE_FORMATS, help_text=DATE_HINT
    )
