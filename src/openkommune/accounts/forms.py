"""Login, sign-up and password forms in KERN markup (labels and messages in German)."""

import re

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from openkommune.accounts import throttle
from openkommune.accounts.models import User
from openkommune.accounts.services import CONTACT_FIELDS, user_create, user_update
from openkommune.accounts.tokens import account_activation_token
from openkommune.core.forms import KernFormMixin

# Id of the message shown above the login fields when e-mail and password do not match.
LOGIN_ERROR_ID = "login-error"


class ThrottledLoginMixin:
    """Login throttling for an AuthenticationForm (`accounts.throttle`): each attempt is
    counted as a failure before its password is checked (so simultaneous attempts cannot
    slip past the limit); while the entered address or the client is locked, the password
    is not even checked and the form says how long to wait. The same holds for unknown
    addresses, so the message reveals no accounts."""

    def clean(self):
        email = self.cleaned_data.get("username") or ""
        if email and self.cleaned_data.get("password"):
            attempt = throttle.login_begin(self.request, email)
            if attempt.wait:
                raise ValidationError(throttle.blocked_message(attempt.wait), code="throttled")
            try:
                cleaned = super().clean()
            except ValidationError:
                if self.user_cache is not None:  # right password, e.g. a missing role
                    throttle.login_not_counted(attempt)
                    raise
                minutes = throttle.login_failed(attempt)
                if minutes:
                    raise ValidationError(
                        throttle.blocked_message(minutes), code="throttled"
                    ) from None
                raise
            throttle.login_succeeded(attempt)
            return cleaned
        return super().clean()


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The admin's login form with the same throttling as the citizen login."""


class EmailAuthenticationForm(ThrottledLoginMixin, KernFormMixin, AuthenticationForm):
    """Django's login form; its `username` field holds the e-mail address (USERNAME_FIELD)."""

    error_messages = {
        "invalid_login": _(
            "E-Mail-Adresse oder Passwort sind nicht richtig. Bitte prüfen Sie beides; "
            "beim Passwort zählt die Groß- und Kleinschreibung."
        ),
        "inactive": _("Dieser Zugang ist gesperrt."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        username = self.fields["username"]
        username.label = _("E-Mail-Adresse")
        username.widget = forms.EmailInput(
            attrs={
                "autocomplete": "email",
                "autofocus": True,
                "class": self.input_class,
                "maxlength": username.max_length,
            }
        )
        self.fields["password"].label = _("Passwort")

    def full_clean(self):
        super().full_clean()
        # A failed login is an error of the pair, not of one field: mark both as invalid and
        # point them at the one message, so screen readers announce it at either field.
        if self.non_field_errors():
            for name in ("username", "password"):
                attrs = self.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                error_class = f"{self.input_class}--error"
                if error_class not in attrs.get("class", "").split():
                    attrs["class"] = f"{attrs.get('class', '')} {error_class}".strip()
                ids = attrs.get("aria-describedby", "").split()
                if LOGIN_ERROR_ID not in ids:
                    attrs["aria-describedby"] = " ".join([*ids, LOGIN_ERROR_ID])


class KernPasswordResetForm(KernFormMixin, PasswordResetForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("E-Mail-Adresse")


class KernSetPasswordForm(KernFormMixin, SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = _("Neues Passwort")
        self.fields["new_password1"].help_text = _(
            "Mindestens 10 Zeichen, nicht nur Ziffern, kein gängiges Passwort und nicht Ihrer "
            "E-Mail-Adresse ähnlich."
        )
        self.fields["new_password2"].label = _("Neues Passwort wiederholen")
        self.fields["new_password2"].help_text = ""
        # Help texts were changed after KernFormMixin wired them; wire the new one again.
        self.fields["new_password2"].widget.attrs.pop("aria-describedby", None)
        self._describe("new_password1", "hint")

    def save(self, commit=True):
        # Through the service, so the password change is audited (without the hash).
        return user_update(
            actor=self.user, user=self.user, password=self.cleaned_data["new_password1"]
        )


class SignupForm(KernFormMixin, forms.Form):
    """A citizen account starts with the e-mail address only. The password is chosen behind
    the link sent there, so only who reads the mailbox can set it: nobody can register
    somebody else's address with a password they know."""

    email = forms.EmailField(
        label=_("E-Mail-Adresse"),
        max_length=254,
        help_text=_("An diese Adresse senden wir einen Link, mit dem Sie Ihr Passwort festlegen."),
        error_messages={
            "required": _("Bitte geben Sie Ihre E-Mail-Adresse ein."),
            "invalid": _("Bitte geben Sie eine E-Mail-Adresse wie name@beispiel.de ein."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_%s")
        super().__init__(*args, **kwargs)

    def save(self, request) -> None:
        """Create the inactive account and send its link, or tell an existing account holder
        by e-mail. The page says the same in every case, so it reveals no accounts."""
        email = User.objects.normalize_email(self.cleaned_data["email"])
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = user_create(actor=None, email=email, password=None, is_active=False)
        if user.is_active:
            context = {"login_url": request.build_absolute_uri(reverse("accounts:login"))}
            context["reset_url"] = request.build_absolute_uri(reverse("accounts:password_reset"))
            template = "accounts/signup_existing_email.txt"
        elif not user.awaits_setup:
            # Deactivated on purpose: signing up again must not switch it back on.
            context = {}
            template = "accounts/signup_deactivated_email.txt"
        else:
            path = reverse(
                "accounts:signup_activate",
                kwargs={
                    "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                    "token": account_activation_token.make_token(user),
                },
            )
            context = {"activation_url": request.build_absolute_uri(path)}
            template = "accounts/signup_activation_email.txt"
        send_mail(
            subject=str(_("Ihr Konto bei OpenKommune")),
            message=render_to_string(template, context),
            from_email=None,
            recipient_list=[user.email],
        )


class ActivationSetPasswordForm(KernSetPasswordForm):
    """The password chosen behind the sign-up link; saving it activates the account."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = _("Passwort")
        self.fields["new_password2"].label = _("Passwort wiederholen")

    def save(self, commit=True):
        return user_update(
            actor=self.user,
            user=self.user,
            password=self.cleaned_data["new_password1"],
            is_active=True,
        )


_PHONE = re.compile(r"[0-9 +/()\-]+")
_POSTCODE = re.compile(r"[0-9]{5}")


class ContactDetailsForm(KernFormMixin, forms.ModelForm):
    """Name, address and phone number kept in the account: online forms offer them as
    prefill ("aus Ihrem Konto"), and the applicant can still change them there."""

    class Meta:
        model = User
        fields = CONTACT_FIELDS
        labels = {
            "first_name": _("Vorname"),
            "last_name": _("Nachname"),
            "phone": _("Telefonnummer"),
            "street": _("Straße"),
            "house_number": _("Hausnummer"),
            "postcode": _("Postleitzahl"),
            "city": _("Ort"),
        }
        widgets = {
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
            "street": forms.TextInput(attrs={"autocomplete": "address-line1"}),
            "house_number": forms.TextInput(),
            "postcode": forms.TextInput(
                attrs={"autocomplete": "postal-code", "inputmode": "numeric"}
            ),
            "city": forms.TextInput(attrs={"autocomplete": "address-level2"}),
        }

    def clean_phone(self) -> str:
        phone = " ".join(self.cleaned_data["phone"].split())
        digits = sum(ch.isdigit() for ch in phone)
        if phone and (not _PHONE.fullmatch(phone) or not 6 <= digits <= 20):
            raise ValidationError(
                _("Bitte geben Sie eine Telefonnummer mit 6 bis 20 Ziffern an, z. B. 0391 123456.")
            )
        return phone

    def clean_postcode(self) -> str:
        postcode = self.cleaned_data["postcode"].strip()
        if postcode and not _POSTCODE.fullmatch(postcode):
            raise ValidationError(_("Die Postleitzahl hat fünf Ziffern, z. B. 39104."))
        return postcode

    def clean(self):
        cleaned = super().clean()
        parts = ("street", "house_number", "postcode", "city")
        if any(cleaned.get(part) for part in parts):
            for part in ("street", "postcode", "city"):
                if not cleaned.get(part) and part not in self.errors:
                    self.add_error(
                        part,
                        _("Bitte geben Sie die ganze Anschrift an: Straße, Postleitzahl und Ort."),
                    )
        return cleaned
