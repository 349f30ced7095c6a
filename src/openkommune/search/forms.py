from django import forms
from django.utils.translation import gettext_lazy as _

from openkommune.core.forms import KernFormMixin
from openkommune.search.selectors import MAX_QUERY_LENGTH


class SearchForm(KernFormMixin, forms.Form):
    # No `maxlength` in HTML: the browser would cut the text silently; the server says why.
    q = forms.CharField(
        label=_("Wonach suchen Sie?"),
        help_text=_(
            "In Ihren Worten, zum Beispiel „Personalausweis beantragen“ oder „Hund anmelden“"
        ),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        error_messages={
            "max_length": _("Bitte fassen Sie sich kürzer: höchstens %(limit_value)d Zeichen.")
        },
        widget=forms.TextInput(attrs={"type": "search", "spellcheck": "true"}),
    )

    def __init__(self, *args, **kwargs):
        # Stable ids for the label, the error summary and the browser tests: the input is `suche`.
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["id"] = "suche"
