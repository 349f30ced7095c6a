"""Login, logout, password reset and the account overview. Thin: logic is in services."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openkommune.accounts.forms import (
    LOGIN_ERROR_ID,
    EmailAuthenticationForm,
    KernPasswordResetForm,
    KernSetPasswordForm,
)
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


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = KernSetPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@login_required
def overview(request):
    return render(
        request,
        "accounts/overview.html",
        {
            "organisations": user_organisations(request.user),
            "active_organisation": current_tenant(request),
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
