import json

from django import forms
from django.utils.translation import gettext_lazy as _

from openkommune.core.forms import KernFormMixin
from openkommune.payments.constants import PayWhen, Provider
from openkommune.payments.providers import ID_PATTERN


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
    decision_requires_payment = forms.BooleanField(
        label=_("Positive Entscheidung erst nach Zahlung"),
        required=False,
        help_text=_(
            "Ist die Gebühr fällig und nicht bezahlt, kann kein bewilligender Bescheid "
            "erlassen werden."
        ),
    )
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


class FeeNoticeForm(KernFormMixin, forms.Form):
    """The clerk's Gebührenbescheid: amount (default from the fee rule), due date,
    Kassenzeichen (empty: the next of the member's scheme)."""

    amount = forms.CharField(
        label=_("Betrag in Euro"),
        max_length=20,
        required=False,
        help_text=_("Leer: der Betrag nach der Gebührenregel, sofern sie einen ergibt."),
    )
    due_on = forms.DateField(
        label=_("Zu zahlen bis"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Bitte ein Datum angeben, zum Beispiel 31.12.2026.")},
    )
    kassenzeichen = forms.CharField(
        label=_("Kassenzeichen"),
        max_length=40,
        required=False,
        help_text=_("Leer: wird nach dem Schema Ihrer Kasse vergeben."),
    )
    legal_basis = forms.CharField(
        label=_("Rechtsgrundlage"),
        max_length=500,
        required=False,
        help_text=_("Leer: die Rechtsgrundlage der festgelegten Gebühr."),
    )


class ReasonForm(KernFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Grund"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class WriteOnlyTextarea(forms.Textarea):
    """A textarea that never shows a value again, not even the one just posted (a key)."""

    def format_value(self, value):
        return None


ID_INVALID = _("Bis zu 36 Buchstaben ohne Umlaute, Ziffern, _ oder -.")


class ProviderConfigForm(KernFormMixin, forms.Form):
    """The member's connection to its Bezahldienst. The private key, the client secret and
    the notification secret are write-only: never filled from the stored value; empty keeps
    them."""

    provider = forms.ChoiceField(label=_("Bezahldienst"), choices=Provider.choices)
    base_url = forms.URLField(
        label=_("Adresse des Bezahldienstes"),
        max_length=300,
        assume_scheme="https",
        help_text=_("Von der Kasse oder dem Betreiber, z. B. https://epay.example.de/"),
    )
    originator_id = forms.RegexField(
        regex=ID_PATTERN,
        error_messages={"invalid": ID_INVALID},
        label=_("Originator-ID (Online-Dienst)"),
        max_length=36,
        help_text=_(
            "Vom Bezahldienst vergeben (XBezahldienste originatorId, bis 36 Buchstaben, "
            "Ziffern, _ oder -). pmPayment: das Verfahren; ePayBL-Konnektor: die mit dem "
            "Betreiber vereinbarte Kennung des Online-Dienstes."
        ),
    )
    endpoint_id = forms.RegexField(
        regex=ID_PATTERN,
        error_messages={"invalid": ID_INVALID},
        label=_("Endpoint-ID (zuständige Stelle)"),
        max_length=36,
        help_text=_(
            "Vom Bezahldienst vergeben (XBezahldienste endPointId): die zuständige Stelle, "
            "z. B. der Amtliche Gemeindeschlüssel (pmPayment) oder die mit dem Betreiber des "
            "ePayBL-Konnektors vereinbarte Kennung."
        ),
    )
    client_certificate = forms.CharField(
        label=_("Client-Zertifikat (PEM, ePayBL)"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=_(
            "Das Zertifikat, mit dem sich die Plattform beim ePayBL-Konnektor anmeldet "
            "(beginnt mit -----BEGIN CERTIFICATE-----)."
        ),
    )
    client_key = forms.CharField(
        label=_("Privater Schlüssel zum Client-Zertifikat (PEM, ePayBL)"),
        required=False,
        max_length=20000,
        strip=True,
        widget=WriteOnlyTextarea(attrs={"rows": 4, "spellcheck": "false", "autocomplete": "off"}),
        help_text=_(
            "Unverschlüsselt im PEM-Format. Wird verschlüsselt gespeichert und nie wieder "
            "angezeigt. Leer lassen, um den hinterlegten Schlüssel zu behalten."
        ),
    )
    ca_bundle = forms.CharField(
        label=_("CA-Zertifikate des Bezahldienstes (PEM, optional)"),
        required=False,
        max_length=100000,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text=_(
            "Nur nötig, wenn das Server-Zertifikat des Bezahldienstes nicht von einer "
            "allgemein anerkannten Zertifizierungsstelle stammt."
        ),
    )
    token_url = forms.URLField(
        label=_("Token-Adresse (OAuth2, pmPayment)"),
        required=False,
        max_length=300,
        assume_scheme="https",
    )
    client_id = forms.CharField(
        label=_("Client-ID (OAuth2, pmPayment)"), required=False, max_length=200
    )
    client_secret = forms.CharField(
        label=_("Client-Secret (OAuth2, pmPayment)"),
        required=False,
        max_length=500,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_(
            "Wird verschlüsselt gespeichert und nie wieder angezeigt. Leer lassen, um das "
            "hinterlegte zu behalten."
        ),
    )
    secret = forms.CharField(
        label=_("Schlüssel für Benachrichtigungen (optional)"),
        required=False,
        max_length=500,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_(
            "Nur für Bezahldienste, die Zahlungen zusätzlich signiert melden (nicht Teil von "
            "XBezahldienste 1.0). Wird verschlüsselt gespeichert und nie wieder angezeigt. "
            "Leer lassen, um den hinterlegten Schlüssel zu behalten."
        ),
    )
    haushaltsstelle = forms.CharField(label=_("Haushaltsstelle"), max_length=40)
    objektnummer = forms.CharField(label=_("Objektnummer"), max_length=40, required=False)
    kassenzeichen_prefix = forms.RegexField(
        label=_("Kassenzeichen-Präfix"),
        max_length=8,
        regex=r"^[A-Za-z0-9]{1,8}$",
        error_messages={"invalid": _("Höchstens 8 Buchstaben oder Ziffern.")},
        help_text=_("Kassenzeichen: Präfix, Jahr, laufende Nummer und Prüfziffer."),
    )
