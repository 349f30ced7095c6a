from django import forms
from django.utils.translation import gettext_lazy as _

from openkommune.core.forms import KernFormMixin
from openkommune.delivery.services import NAME_MAX_LENGTH


class ApiKeyCreateForm(KernFormMixin, forms.Form):
    name = forms.CharField(
        label=_("Bezeichnung"),
        max_length=NAME_MAX_LENGTH,
        help_text=_("Woran Sie den Schlüssel erkennen, z. B. „Fachverfahren Hundesteuer“."),
        error_messages={
            "required": _("Bitte geben Sie eine Bezeichnung ein."),
            "max_length": _("Bitte höchstens %(limit_value)d Zeichen angeben."),
        },
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)
