import time

from django import forms
from django.core import signing
from django.utils.translation import gettext_lazy as _

from openkommune.core.forms import KernFormMixin
from openkommune.website.constants import CONTACT_MAX_FILL_SECONDS, CONTACT_MIN_FILL_SECONDS

FILL_TIME_SALT = "openkommune.website.contact.started"


class NewsForm(KernFormMixin, forms.Form):
    title = forms.CharField(label=_("Titel"), max_length=200)
    summary = forms.CharField(
        label=_("Kurzfassung"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Ein bis zwei Sätze; erscheinen in der Übersicht und im Feed."),
    )
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("Reiner Text; eine Leerzeile beginnt einen neuen Absatz."),
    )
    tags = forms.CharField(
        label=_("Stichwörter"),
        required=False,
        max_length=500,
        help_text=_("Durch Kommas getrennt, zum Beispiel: Beschaffung, Rahmenvertrag"),
    )


class PublishForm(KernFormMixin, forms.Form):
    published_at = forms.DateTimeField(
        label=_("Veröffentlichen ab"),
        help_text=_(
            "Datum und Uhrzeit, zum Beispiel 06.12.2026 09:00; ein späterer Zeitpunkt "
            "plant die Meldung."
        ),
        widget=forms.DateTimeInput(format="%d.%m.%Y %H:%M"),
        input_formats=["%d.%m.%Y %H:%M", "%d.%m.%Y", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        error_messages={
            "invalid": _("Bitte geben Sie Datum und Uhrzeit so ein: 06.12.2026 09:00.")
        },
    )


def fill_started_token(at: float | None = None) -> str:
    """The signed time the contact form was handed out (checked on sending)."""
    return signing.dumps({"t": time.time() if at is None else at}, salt=FILL_TIME_SALT)


class ContactForm(KernFormMixin, forms.Form):
    name = forms.CharField(
        label=_("Ihr Name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        label=_("Ihre E-Mail-Adresse"),
        max_length=254,
        help_text=_("An diese Adresse antworten wir."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "invalid": _(
                "Bitte geben Sie eine gültige E-Mail-Adresse ein, zum Beispiel name@example.org."
            )
        },
    )
    subject = forms.CharField(label=_("Betreff"), max_length=200)
    message = forms.CharField(
        label=_("Ihre Nachricht"), max_length=5000, widget=forms.Textarea(attrs={"rows": 8})
    )
    privacy = forms.BooleanField(
        label=_(
            "Ich habe den Datenschutzhinweis gelesen und bin einverstanden, dass meine "
            "Angaben zur Bearbeitung meiner Anfrage gespeichert werden."
        ),
        error_messages={
            "required": _("Bitte bestätigen Sie, dass Sie den Datenschutzhinweis gelesen haben.")
        },
    )
    # Spam protection without third parties: a field people do not see (bots fill it) and
    # the signed time the form was handed out (bots send at once).
    homepage = forms.CharField(required=False, label=_("Bitte dieses Feld leer lassen"))
    started = forms.CharField(required=False, widget=forms.HiddenInput)

    field_order = ["name", "email", "subject", "message", "privacy"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["homepage"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        if not self.is_bound:
            self.initial["started"] = fill_started_token()

    @property
    def visible_fields_without_trap(self):
        return [field for field in self.visible_fields() if field.name != "homepage"]

    def is_trap_filled(self) -> bool:
        return bool((self.data.get("homepage") or "").strip())

    def clean(self):
        cleaned = super().clean()
        try:
            started = signing.loads(cleaned.get("started") or "", salt=FILL_TIME_SALT)["t"]
            age = time.time() - float(started)
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            self._restart()
            raise forms.ValidationError(
                _("Das Formular ist unvollständig angekommen. Bitte senden Sie es noch einmal ab."),
                code="bad_start",
            ) from None
        if age > CONTACT_MAX_FILL_SECONDS:
            self._restart()
            raise forms.ValidationError(
                _("Das Formular war zu lange geöffnet. Bitte senden Sie es noch einmal ab."),
                code="expired",
            )
        if age < CONTACT_MIN_FILL_SECONDS:
            raise forms.ValidationError(
                _(
                    "Das ging sehr schnell. Bitte prüfen Sie Ihre Angaben und senden Sie das "
                    "Formular noch einmal ab."
                ),
                code="too_fast",
            )
        return cleaned

    def _restart(self) -> None:
        """A fresh start time for the form shown again."""
        data = self.data.copy()
        data["started"] = fill_started_token()
        self.data = data
