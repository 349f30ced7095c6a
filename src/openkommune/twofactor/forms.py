from django import forms
from django.utils.translation import gettext_lazy as _

from openkommune.core.forms import KernFormMixin


class TotpCodeForm(KernFormMixin, forms.Form):
    code = forms.CharField(
        label=_("Sechsstelliger Code aus Ihrer App"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        if not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError(_("Bitte geben Sie die sechs Ziffern aus Ihrer App ein."))
        return code


class RecoveryCodeForm(KernFormMixin, forms.Form):
    code = forms.CharField(
        label=_("Wiederherstellungscode"),
        help_text=_("Zum Beispiel ABCD-EFGH-JKLM-NPQR. Jeder Code gilt nur einmal."),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
