import json

from django import forms
from django.utils.translation import gettext_lazy as _

from openkommune.core.forms import KernFormMixin
from openkommune.payments.constants import PayWhen


class FeeScheduleForm(KernFormMixin, forms.Form):
    form_key = forms.ChoiceField(label=_("Formular"))
    legal_basis = forms.CharField(
        label=_("Rechtsgrundlage"),
        max_length=500,
        help_text=_(
            "Zum Beispiel: § 3 Gebührensatzung der Stadt in Verbindung mit Tarifstelle 4.2"
        ),
    )
    pay_when = forms.ChoiceField(label=_("Wann wird bezahlt?"), choices=PayWhen.choices)
    rule = forms.CharField(
        label=_("Gebührenregel (JSON)"),
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false"}),
        help_text=_("Aufbau siehe Betriebshandbuch „Gebühren und Bezahlen“ (docs/payment.md)."),
    )

    def __init__(self, *args, form_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["form_key"].choices = list(form_choices)

    def clean_rule(self):
        try:
            return json.loads(self.cleaned_data["rule"])
        except ValueError as error:
            raise forms.ValidationError(
                _("Die Gebührenregel ist kein gültiges JSON (Zeile %(line)s).")
                % {"line": getattr(error, "lineno", "?")}
            ) from None
