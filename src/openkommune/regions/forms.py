import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from openkommune.core.forms import KernFormMixin
from openkommune.regions.constants import POSTCODE_PATTERN

_POSTCODE = re.compile(POSTCODE_PATTERN)


class PostcodeForm(KernFormMixin, forms.Form):
    # No HTML `pattern` or `maxlength`: the browser would block or cut the input silently;
    # the server answers with a message the user can act on, and keeps what was typed.
    plz = forms.CharField(
        label=_("Postleitzahl"),
        help_text=_("Fünf Ziffern, zum Beispiel 39104"),
        error_messages={"required": _("Bitte geben Sie eine Postleitzahl ein.")},
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "postal-code",
                "spellcheck": "false",
                "class": "kern-form-input__input--width-4",
            }
        ),
    )

    def __init__(self, *args, **kwargs):
        # Stable ids for the browser tests and the error summary links: the input is `plz`.
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)

    def clean_plz(self) -> str:
        # People paste "39 104" from letters; spaces never belong to a postcode.
        postcode = "".join(self.cleaned_data["plz"].split())
        if not _POSTCODE.fullmatch(postcode):
            raise ValidationError(
                _("Eine Postleitzahl besteht aus genau fünf Ziffern, zum Beispiel 39104."),
                code="invalid",
            )
        return postcode
