import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from openkommune.catalog.models import ServiceActivation
from openkommune.catalog.services import ACTIVATION_FIELDS
from openkommune.core.forms import KernFormMixin
from openkommune.regions.constants import ARS_PATTERN
from openkommune.regions.forms import PostcodeForm

_ARS = re.compile(ARS_PATTERN)


class ResponsibilityForm(PostcodeForm):
    """Postcode of the citizen, and the chosen Gemeinde where the postcode spans several."""

    ars = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plz = self.fields["plz"]
        plz.label = _("Ihre Postleitzahl")
        plz.error_messages["required"] = _("Bitte geben Sie Ihre Postleitzahl ein.")

    def clean_ars(self) -> str:
        ars = self.cleaned_data["ars"].strip()
        if ars and not _ARS.fullmatch(ars):
            raise ValidationError(_("Bitte wählen Sie eine Gemeinde aus der Liste."))
        return ars


class ServiceActivationForm(KernFormMixin, forms.ModelForm):
    class Meta:
        model = ServiceActivation
        fields = list(ACTIVATION_FIELDS)  # what the service takes, in this order
        labels = {"is_active": _("Diese Leistung auf der Plattform online anbieten")}
        help_texts = {
            "fee": _("In Euro, zum Beispiel 12,50. Leer lassen, wenn keine Gebühr anfällt."),
            "start_url": _(
                "Beginnt mit „https://“. Leer lassen, wenn das Formular der Plattform genutzt "
                "werden soll (nur möglich, wenn es eines gibt)."
            ),
            "processing_time": _("Zum Beispiel „etwa zwei Wochen“"),
        }
        widgets = {
            "opening_hours": forms.Textarea(attrs={"rows": 3}),
            "citizen_notes": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)
        self.fields["fee"].localize = True
        self.fields["fee"].widget = forms.TextInput(attrs={"inputmode": "decimal"})
        self.fields["fee"].widget.attrs["class"] = "kern-form-input__input"
        # A checkbox has its own KERN class, not that of a text input.
        self.fields["is_active"].widget.attrs["class"] = "kern-form-check__input"
        # Empty: the level the cooperative set for the form applies.
        level = self.fields["min_trust_level"]
        level.choices = [("", _("wie vom Formular vorgegeben")), *list(level.choices)[1:]]
