from django import forms
from django.utils.translation import gettext_lazy as _

from openkommune.staffsso.models import StaffLoginProvider


class ProviderForm(forms.ModelForm):
    client_secret = forms.CharField(
        label=_("Client-Geheimnis"),
        required=False,
        strip=True,
        max_length=300,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Leer lassen, um das gespeicherte Geheimnis zu behalten."),
    )

    class Meta:
        model = StaffLoginProvider
        fields = [
            "is_active",
            "label",
            "issuer",
            "client_id",
            "role_claim",
            "clerk_value",
            "admin_value",
            "enforces_mfa",
        ]
        help_texts = {
            "issuer": _(
                "Die Adresse Ihres Anbieters; seine Angaben liest die Plattform unter "
                "/.well-known/openid-configuration."
            ),
            "role_claim": _("Name des Claims im ID-Token, der die Rollen der Person aufzählt."),
            "enforces_mfa": _(
                "Nur ankreuzen, wenn Ihr Anbieter bei jeder Anmeldung einen zweiten Faktor "
                "verlangt. Dann entfällt der zweite Faktor der Plattform, wenn das ID-Token "
                "ihn nennt (amr)."
            ),
        }
