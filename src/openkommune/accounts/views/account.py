"""Login, logout, sign-up, password reset and the account overview. Thin: logic is in
services (and in the forms' `save`, like Django's own password forms)."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from openkommune.accounts import throttle
from openkommune.accounts.forms import (
    LOGIN_ERROR_ID,
    ActivationSetPasswordForm,
    ContactDetailsForm,
    EmailAuthenticationForm,
    KernPasswordResetForm,
    KernSetPasswordForm,
    SignupForm,
)
from openkommune.accounts.models import User
from openkommune.accounts.sections import overview_sections
from openkommune.accounts.services import user_contact_details_set
from openkommune.accounts.tokens import account_activation_token
from openkommune.core.forms import render_form
from openkommune.tenancy.models import Organisation
from openkommune.tenancy.selectors import current_tenant, user_organisations
from openkommune.tenancy.services import active_organisation_set


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True
    extra_context = {"login_error_id": LOGIN_ERROR_ID}


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default): a link or prefetch must not log anybody out."""


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    form_class = KernPasswordResetForm
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        # Rate limits (accounts.throttle): too many requests from one client get a message;
        # too many for one address are not sent, with the same page as always.
        minutes = throttle.mail_client_wait(self.request, "reset")
        if minutes:
            form.add_error(None, throttle.too_many_requests_message(minutes))
            return self.form_invalid(form)
        if not throttle.mail_address_allowed("reset", form.cleaned_data["email"]):
            return redirect(self.get_success_url())
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = KernSetPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("accounts:overview")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Same rate limits as the password reset (see PasswordResetView.form_valid).
        minutes = throttle.mail_client_wait(request, "signup")
        if minutes:
            form.add_error(None, throttle.too_many_requests_message(minutes))
            return render(request, "accounts/signup.html", {"form": form})
        if throttle.mail_address_allowed("signup", form.cleaned_data["email"]):
            form.save(request)
        return redirect("accounts:signup_done")
    return render(request, "accounts/signup.html", {"form": form})


def signup_done(request):
    return render(request, "accounts/signup_done.html")


class SignupActivateView(auth_views.PasswordResetConfirmView):
    """Django's password-reset confirmation (it moves the token out of the URL into the
    session before the form is shown) with the activation token and form."""

    template_name = "accounts/signup_activate.html"
    form_class = ActivationSetPasswordForm
    token_generator = account_activation_token
    reset_url_token = "konto-anlegen"  # noqa: S105 - a URL segment, not a secret
    post_reset_login = True
    success_url = reverse_lazy("accounts:overview")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Ihr Konto ist eingerichtet. Sie sind angemeldet."))
        return response


@login_required
def overview(request):
    return render(
        request,
        "accounts/overview.html",
        {
            "organisations": user_organisations(request.user),
            "active_organisation": current_tenant(request),
            "sections": overview_sections(request),
        },
    )


@login_required
@require_POST
def switch_organisation(request):
    try:
        organisation = active_organisation_set(
            request.session, user=request.user, public_id=request.POST.get("organisation", "")
        )
    except Organisation.DoesNotExist as error:
        # Not a member and not existing look the same (architecture: 404 for both).
        raise Http404(_("Organisation nicht gefunden.")) from error
    messages.success(request, _("Sie handeln jetzt für: %(name)s") % {"name": organisation.name})
    return redirect("accounts:overview")


@login_required
@require_http_methods(["GET", "POST"])
def contact_details(request):
    """The person's name, address and phone number: online forms fill them in
    ("aus Ihrem Konto"), editable there."""
    # A copy read afresh: the form writes the posted values onto its instance while
    # validating, and the service compares against the account as stored.
    stored = User.objects.get(pk=request.user.pk)
    form = ContactDetailsForm(request.POST or None, instance=stored)
    if request.method == "POST" and form.is_valid():
        user_contact_details_set(
            actor=request.user,
            user=request.user,
            **{name: form.cleaned_data[name] for name in form.Meta.fields},
        )
        messages.success(request, _("Ihre Angaben sind gespeichert."))
        return redirect("accounts:overview")
    return render_form(request, "accounts/contact_details.html", form)
