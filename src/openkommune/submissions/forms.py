"""Page forms of the citizen journey outside the form engine: where the applicant lives
(postcode and, where it spans several, the Gemeinde) and the e-mail address an anonymous
applicant gives to get the link to continue later."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from openkommune.core.forms import KernFormMixin
from openkommune.regions.constants import ARS_PATTERN
from openkommune.regions.forms import PostcodeForm

_ARS = re.compile(ARS_PATTERN)

EMAIL_ERRORS = {
    "required": _("Bitte geben Sie Ihre E-Mail-Adresse ein."),
    "invalid": _("Bitte geben Sie eine E-Mail-Adresse wie name@beispiel.de ein."),
}


class LocationForm(PostcodeForm):
    """The applicant's postcode; `ars` names the Gemeinde where the postcode spans several
    (radio buttons the page renders from `gemeinde_choices`)."""

    ars = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, gemeinde_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.gemeinde_required = gemeinde_required
        plz = self.fields["plz"]
        plz.label = _("Postleitzahl Ihres Wohnorts")
        plz.error_messages["required"] = _("Bitte geben Sie Ihre Postleitzahl ein.")
        self.fields["ars"].label = _("Gemeinde")

    def clean_ars(self) -> str:
        ars = self.cleaned_data["ars"].strip()
        if ars and not _ARS.fullmatch(ars):
            raise ValidationError(_("Bitte wählen Sie Ihre Gemeinde aus der Liste."))
        if not ars and self.gemeinde_required:
            raise ValidationError(_("Bitte wählen Sie Ihre Gemeinde aus der Liste."))
        return ars


class StartForm(LocationForm):
    """Confirms the place (postcode and Gemeinde as hidden fields) for the start button."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plz"].widget = forms.HiddenInput()


class ResumeEmailForm(KernFormMixin, forms.Form):
    """Where to send the link to continue later, for an anonymous applicant who saves
    before the form's contact step gave an address."""

    email = forms.EmailField(
        label=_("Ihre E-Mail-Adresse"),
        max_length=254,
        help_text=_("Dorthin senden wir den Link, mit dem Sie den Antrag später fortsetzen."),
        error_messages=EMAIL_ERRORS,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
