"""Forms of the member administrators' FIT-Connect pages (admin_views.py)."""

import json
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from openkommune.core.forms import KernFormMixin
from openkommune.fitconnect.constants import ClientRole, KeyUse

JWK_MAX_BYTES = 64 * 1024
KIND_FACHVERFAHREN = "fachverfahren"
KIND_INBOX = "posteingang"


def _jwk_from_upload(upload) -> dict:
    if upload.size > JWK_MAX_BYTES:
        raise forms.ValidationError(_("Die Datei ist größer als 64 KB; ein JWK ist viel kleiner."))
    try:
        data = json.loads(upload.read().decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise forms.ValidationError(_("Die Datei ist kein JSON (JWK).")) from None
    if not isinstance(data, dict):
        raise forms.ValidationError(_("Die Datei enthält kein JSON-Objekt (JWK)."))
    return data


class _LeikaField(forms.CharField):
    """The LeiKa keys of the services a destination serves: 14 digits each, separated by
    spaces, commas or semicolons; cleaned to a list."""

    def __init__(self):
        super().__init__(
            label=_("LeiKa-Schlüssel der Leistungen"),
            max_length=500,
            help_text=_("14 Ziffern je Leistung, mehrere durch Leerzeichen oder Komma getrennt."),
            error_messages={"required": _("Bitte geben Sie mindestens einen LeiKa-Schlüssel an.")},
        )

    def clean(self, value):
        keys = [k for k in re.split(r"[\s,;]+", super().clean(value)) if k]
        if not keys:
            raise forms.ValidationError(_("Bitte geben Sie mindestens einen LeiKa-Schlüssel an."))
        return keys


class _Form(KernFormMixin, forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "kern-form-input__select"


class DestinationCreateForm(_Form):
    art = forms.ChoiceField(
        label=_("Wohin gehen die Anträge?"),
        choices=[
            (
                KIND_FACHVERFAHREN,
                _("In unser Fachverfahren (wir laden die öffentlichen Schlüssel hoch)"),
            ),
            (
                KIND_INBOX,
                _(
                    "In den Posteingang der Plattform (die Plattform erzeugt und verwahrt die "
                    "Schlüssel)"
                ),
            ),
        ],
    )
    leika = _LeikaField()
    verschluesselung = forms.FileField(
        label=_("Öffentlicher Verschlüsselungsschlüssel (JWK-Datei)"),
        required=False,
        help_text=_('RSA ab 4096 Bit, alg RSA-OAEP-256, key_ops ["wrapKey"], mit kid.'),
    )
    signatur = forms.FileField(
        label=_("Öffentlicher Signaturprüfschlüssel (JWK-Datei)"),
        required=False,
        help_text=_(
            'RSA ab 4096 Bit, alg PS512, key_ops ["verify"], mit kid. Ohne ihn kann das '
            "Fachverfahren Anträge nicht annehmen oder ablehnen."
        ),
    )

    def clean_verschluesselung(self):
        upload = self.cleaned_data.get("verschluesselung")
        return _jwk_from_upload(upload) if upload else None

    def clean_signatur(self):
        upload = self.cleaned_data.get("signatur")
        return _jwk_from_upload(upload) if upload else None

    def clean(self):
        data = super().clean()
        if (
            data.get("art") == KIND_FACHVERFAHREN
            and not data.get("verschluesselung")
            and "verschluesselung" not in self.errors
        ):
            self.add_error(
                "verschluesselung",
                _("Bitte laden Sie den öffentlichen Verschlüsselungsschlüssel hoch."),
            )
        if data.get("art") == KIND_INBOX and (data.get("verschluesselung") or data.get("signatur")):
            self.add_error(
                "art",
                _(
                    "Ein Posteingang bekommt Schlüssel der Plattform; bitte keine Dateien "
                    "hochladen."
                ),
            )
        return data


class KeyRotateForm(_Form):
    verwendung = forms.ChoiceField(label=_("Welcher Schlüssel?"), choices=KeyUse.choices)
    datei = forms.FileField(
        label=_("Neuer öffentlicher Schlüssel (JWK-Datei)"),
        error_messages={"required": _("Bitte laden Sie den neuen öffentlichen Schlüssel hoch.")},
    )

    def clean_datei(self):
        return _jwk_from_upload(self.cleaned_data["datei"])


class InboxKeyRotateForm(_Form):
    """An inbox destination's key is made by the platform: only which one to renew."""

    verwendung = forms.ChoiceField(label=_("Welcher Schlüssel?"), choices=KeyUse.choices)


class CallbackForm(_Form):
    url = forms.CharField(
        label=_("Callback-URL"),
        max_length=500,
        help_text=_(
            "Die Adresse Ihres Fachverfahrens, an die die Plattform neue Einreichungen meldet; "
            "nur https://."
        ),
        error_messages={"required": _("Bitte geben Sie die Callback-URL an.")},
    )


class ClientCreateForm(_Form):
    rolle = forms.ChoiceField(label=_("Rolle"), choices=ClientRole.choices)
    zustellpunkt = forms.ChoiceField(
        label=_("Zustellpunkt"),
        required=False,
        help_text=_(
            "Subscriber: leer für alle Zustellpunkte Ihrer Organisation. Sender: leer für "
            "alle Zustellpunkte in Deutschland (send:region:DE)."
        ),
    )

    def __init__(self, *args, destinations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zustellpunkt"].choices = [("", _("alle"))] + [
            (str(d.destination_id), f"{d.destination_id} ({', '.join(d.services)})")
            for d in destinations
        ]


class ExternalDestinationForm(_Form):
    """A destination at an external FIT-Connect Zustelldienst (outbound.py, ADR 0043)."""

    leika = _LeikaField()
    zustellpunkt = forms.CharField(
        label=_("Zustellpunkt-ID beim Zustelldienst"),
        max_length=36,
        error_messages={"required": _("Bitte geben Sie die Zustellpunkt-ID an.")},
    )
    api_url = forms.URLField(
        label=_("Adresse der Submission API"),
        max_length=300,
        assume_scheme="https",
        help_text=_("Ohne /v1, z. B. https://submission-api-testing.fit-connect.fitko.dev"),
        error_messages={"required": _("Bitte geben Sie die Adresse der Submission API an.")},
    )
    token_url = forms.URLField(
        label=_("Adresse des Token-Endpunkts"),
        max_length=300,
        assume_scheme="https",
        help_text=_("z. B. https://auth-testing.fit-connect.fitko.dev/token"),
        error_messages={"required": _("Bitte geben Sie die Adresse des Token-Endpunkts an.")},
    )
    client_id = forms.CharField(
        label=_("Client-ID des Senders"),
        max_length=200,
        error_messages={"required": _("Bitte geben Sie die Client-ID an.")},
    )
    client_secret = forms.CharField(
        label=_("Client-Secret des Senders"),
        max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Wird nur verschlüsselt gespeichert und nie wieder angezeigt."),
        error_messages={"required": _("Bitte geben Sie das Client-Secret an.")},
    )
    vertrauensanker = forms.CharField(
        label=_("Vertrauensanker (PEM, optional)"),
        required=False,
        max_length=64 * 1024,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Wurzelzertifikat(e) der Verwaltungs-PKI: dann muss die Zertifikatskette (x5c) "
            "des Schlüssels dorthin führen. Ohne Anker wird die Kette nicht geprüft."
        ),
    )


class ExternalSecretForm(_Form):
    client_secret = forms.CharField(
        label=_("Neues Client-Secret des Senders"),
        max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Wird nur verschlüsselt gespeichert und nie wieder angezeigt."),
        error_messages={"required": _("Bitte geben Sie das Client-Secret an.")},
    )
