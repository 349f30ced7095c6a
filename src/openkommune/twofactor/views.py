"""/konto/zwei-faktor/: set-up or verification of the second factor after the password, the
recovery codes (shown once) and their renewal (ADR 0020)."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from openkommune.twofactor.constants import FRESH_CODES_SESSION_KEY
from openkommune.twofactor.forms import RecoveryCodeForm, TotpCodeForm
from openkommune.twofactor.selectors import (
    confirmed_totp_device,
    needs_second_factor,
    recovery_codes_left,
    second_factor_done,
)
from openkommune.twofactor.services import (
    SecondFactorRefused,
    recovery_code_use,
    recovery_codes_create,
    totp_pending_device,
    totp_qr_svg,
    totp_secret_text,
    totp_set_up,
    totp_verify,
    webauthn_authentication_options,
    webauthn_credentials,
    webauthn_register,
    webauthn_registration_options,
    webauthn_verify,
)


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


def _with_next(name: str, next_url: str) -> str:
    return reverse(name) + "?" + urlencode({"next": next_url})


def _staff_view(view):
    """Logged-in people who need the second factor (others have nothing to do here)."""

    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not needs_second_factor(request.user):
            return redirect(_next_url(request))
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return never_cache(wrapper)


@_staff_view
@require_http_methods(["GET", "POST"])
def challenge(request):
    """After the password: set up the app (first time) or enter its current code."""
    next_url = _next_url(request)
    if second_factor_done(request):
        return redirect(next_url)
    device = confirmed_totp_device(request.user)
    setting_up = device is None
    if setting_up:
        device = totp_pending_device(request.user)
    form = TotpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if setting_up:
                codes = totp_set_up(request, device=device, code=form.cleaned_data["code"])
                request.session[FRESH_CODES_SESSION_KEY] = codes
                return redirect(_with_next("twofactor:recovery_codes", next_url))
            totp_verify(request, code=form.cleaned_data["code"])
        except SecondFactorRefused as refused:
            form.add_error("code", refused.message)
        else:
            return redirect(next_url)
    context = {"form": form, "next": next_url, "setting_up": setting_up}
    if not setting_up:
        # A security key (WebAuthn) instead of the app's code; needs JavaScript.
        context["webauthn_options"] = webauthn_authentication_options(request)
    if setting_up:
        context |= {"qr_svg": totp_qr_svg(device), "secret": totp_secret_text(device)}
    return render(request, "twofactor/challenge.html", context)


@_staff_view
@require_http_methods(["GET", "POST"])
def recovery(request):
    """A recovery code instead of the app's code (each works once)."""
    next_url = _next_url(request)
    if second_factor_done(request):
        return redirect(next_url)
    if confirmed_totp_device(request.user) is None:
        return redirect(_with_next("twofactor:challenge", next_url))
    form = RecoveryCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            left = recovery_code_use(request, code=form.cleaned_data["code"])
        except SecondFactorRefused as refused:
            form.add_error("code", refused.message)
        else:
            messages.warning(
                request,
                _(
                    "Sie haben sich mit einem Wiederherstellungscode angemeldet. Es bleiben "
                    "%(left)d Codes. Erzeugen Sie neue Codes unter „Zweiter Faktor“ in Ihrem "
                    "Konto, bevor sie ausgehen."
                )
                % {"left": left},
            )
            return redirect(next_url)
    return render(request, "twofactor/recovery.html", {"form": form, "next": next_url})


@_staff_view
def recovery_codes(request):
    """The recovery codes just made, once: a reload shows them no more."""
    codes = request.session.pop(FRESH_CODES_SESSION_KEY, None)
    if not second_factor_done(request):
        return redirect(_with_next("twofactor:challenge", _next_url(request)))
    if not codes:
        return redirect("twofactor:manage")
    return render(
        request, "twofactor/recovery_codes.html", {"codes": codes, "next": _next_url(request)}
    )


@_staff_view
def manage(request):
    if not second_factor_done(request):
        return redirect(_with_next("twofactor:challenge", request.get_full_path()))
    device = confirmed_totp_device(request.user)
    return render(
        request,
        "twofactor/manage.html",
        {
            "device": device,
            "codes_left": recovery_codes_left(request.user),
            "keys": webauthn_credentials(request.user),
            "webauthn_options": webauthn_registration_options(request),
        },
    )


@_staff_view
@require_http_methods(["GET", "POST"])
def renew_codes(request):
    """New recovery codes after a confirmation; the old ones stop working."""
    if not second_factor_done(request):
        return redirect(_with_next("twofactor:challenge", request.get_full_path()))
    if request.method == "POST":
        codes = recovery_codes_create(request.user, actor=request.user)
        request.session[FRESH_CODES_SESSION_KEY] = codes
        return redirect(_with_next("twofactor:recovery_codes", reverse("twofactor:manage")))
    return render(
        request,
        "twofactor/renew_codes.html",
        {
            "title": _("Neue Wiederherstellungscodes erzeugen?"),
            "text": _(
                "Ihre bisherigen Wiederherstellungscodes gelten danach nicht mehr, auch die "
                "noch unbenutzten."
            ),
            "confirm": _("Neue Codes erzeugen"),
        },
    )


@_staff_view
@require_POST
def webauthn_add(request):
    """The manage page's "Sicherheitsschlüssel hinzufügen" (the browser's answer in
    `credential`, put there by static/openkommune/webauthn.js)."""
    if not second_factor_done(request):
        return redirect(_with_next("twofactor:challenge", reverse("twofactor:manage")))
    try:
        webauthn_register(
            request,
            credential=request.POST.get("credential", ""),
            name=request.POST.get("name", ""),
        )
    except SecondFactorRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Der Sicherheitsschlüssel ist hinzugefügt."))
    return redirect("twofactor:manage")


@_staff_view
@require_POST
def webauthn_login(request):
    """The challenge page's "Mit Sicherheitsschlüssel bestätigen"."""
    next_url = _next_url(request)
    if second_factor_done(request):
        return redirect(next_url)
    try:
        webauthn_verify(request, credential=request.POST.get("credential", ""))
    except SecondFactorRefused as refused:
        messages.error(request, refused.message)
        return redirect(_with_next("twofactor:challenge", next_url))
    return redirect(next_url)
