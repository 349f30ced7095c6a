"""BundID login pages: SP metadata, start (AuthnRequest), ACS, the first-login decision,
single logout. Thin: SAML is in `saml`, sessions and audit in `services`."""

from __future__ import annotations

import logging

from django.contrib.auth import authenticate
from django.contrib.auth import logout as django_logout
from django.core import signing
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openkommune.identity import saml, services
from openkommune.identity.constants import FIELD_LABELS, TrustLevel

logger = logging.getLogger(__name__)

REQUEST_COOKIE = "okbundid_request"
REQUEST_SALT = "openkommune.identity.request"
REQUEST_MAX_AGE = 15 * 60
MAX_OPEN_REQUESTS = 5


def _base_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _configured() -> None:
    if not saml.is_configured():
        raise Http404(_("Die Anmeldung mit BundID ist in dieser Installation nicht eingerichtet."))


def _safe_next(request, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return reverse("accounts:overview")


def error_page(request, error: saml.SamlRejected, *, status: int = 400, step_up_level=0):
    return render(
        request,
        "identity/error.html",
        {"message": error.message, "step_up_level": step_up_level},
        status=status,
    )


@require_GET
def metadata(request):
    _configured()
    return HttpResponse(
        saml.metadata_xml(_base_url(request)), content_type="application/samlmetadata+xml"
    )


@require_GET
def login(request):
    """Start a login at the identity provider, asking for at least `niveau` (1 to 4)."""
    _configured()
    try:
        level = TrustLevel(int(request.GET.get("niveau", TrustLevel.NORMAL)))
    except ValueError:
        level = TrustLevel.NORMAL
    next_url = _safe_next(request, request.GET.get("next"))
    request_id, location = saml.authn_request(_base_url(request), level, relay_state="")
    open_requests = _open_requests(request)
    open_requests[request_id] = {"level": int(level), "next": next_url}
    open_requests = dict(list(open_requests.items())[-MAX_OPEN_REQUESTS:])
    response = HttpResponseRedirect(location)
    _set_cookie(
        request,
        response,
        REQUEST_COOKIE,
        signing.dumps(open_requests, salt=REQUEST_SALT, compress=True),
        REQUEST_MAX_AGE,
        same_site="None" if request.is_secure() else "Lax",
    )
    return response


def _open_requests(request) -> dict:
    try:
        return signing.loads(
            request.COOKIES.get(REQUEST_COOKIE, ""), salt=REQUEST_SALT, max_age=REQUEST_MAX_AGE
        )
    except signing.BadSignature:
        return {}


def _set_cookie(request, response, name, value, max_age, *, same_site="Lax"):
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/konto/bundid/",
        secure=request.is_secure(),
        httponly=True,
        samesite=same_site,
    )


@csrf_exempt
@require_POST
def assertion_consumer(request):
    """The identity provider's response (HTTP-POST binding). It arrives cross-site, without
    the session cookie: verified here, the login continues on /konto/bundid/weiter/."""
    _configured()
    open_requests = _open_requests(request)
    requested = {key: int(value["level"]) for key, value in open_requests.items()}
    try:
        login = saml.parse_response(
            _base_url(request), request.POST.get("SAMLResponse", ""), requested
        )
        token = services.verified(login)
    except saml.SamlRejected as error:
        services.reject(error)
        return error_page(request, error)
    entry = open_requests.pop(_request_id_of(login, open_requests), {"next": ""})
    response = redirect(reverse("identity:resume") + "?" + _next_query(entry.get("next")))
    _set_cookie(request, response, services.PENDING_COOKIE, token, services.PENDING_MINUTES * 60)
    response.delete_cookie(REQUEST_COOKIE, path="/konto/bundid/")
    return response


def _request_id_of(login, open_requests) -> str:
    return login.in_response_to if login.in_response_to in open_requests else ""


def _next_query(next_url: str | None) -> str:
    from urllib.parse import urlencode

    return urlencode({"next": next_url or ""})


@require_GET
def resume(request):
    pending = services.take_pending(request.COOKIES.get(services.PENDING_COOKIE))
    if pending is None:
        return error_page(request, saml.SamlRejected("no_pending"))
    outcome = services.accept(request, pending)
    next_url = _safe_next(request, request.GET.get("next"))
    if outcome == "confirm":
        request.session["bundid_next"] = next_url
        response = redirect("identity:link")
    else:
        response = HttpResponseRedirect(next_url)
    response.delete_cookie(services.PENDING_COOKIE, path="/konto/bundid/")
    return response


@require_http_methods(["GET", "POST"])
def link(request):
    """A first BundID login: link it to an existing account (after the citizen confirms,
    with that account's password unless it is the one logged in) or open a new account."""
    pending = request.session.get(services.SESSION_PENDING)
    if not pending:
        return redirect("accounts:login")
    existing = services.existing_account_for(pending, request.user)
    next_url = request.session.get("bundid_next") or reverse("accounts:overview")
    error = ""
    if request.method == "POST":
        choice = request.POST.get("auswahl")
        if choice == "neu":
            services.complete_first_login(request, pending)
            return HttpResponseRedirect(next_url)
        if choice == "verknuepfen" and existing is not None:
            logged_in = request.user.is_authenticated and request.user.pk == existing.pk
            if logged_in or authenticate(
                request, username=existing.email, password=request.POST.get("passwort", "")
            ):
                services.complete_first_login(request, pending, link_to=existing)
                return HttpResponseRedirect(next_url)
            error = _("Das Passwort ist nicht richtig. Das Konto wurde nicht verknüpft.")
        elif choice != "verknuepfen":
            error = _("Bitte wählen Sie, wie es weitergehen soll.")
    rows = [
        (str(FIELD_LABELS.get(name, name)), item.get("value", ""))
        for name, item in pending["attributes"].items()
        if name != "bpk2"
    ]
    return render(
        request,
        "identity/link.html",
        {
            "existing": existing,
            "logged_in": request.user.is_authenticated,
            "rows": rows,
            "error": error,
            "level": pending["level"],
        },
        status=400 if error else 200,
    )


@require_POST
def logout(request):
    """Log out here and, after a BundID login, at the identity provider (single logout)."""
    data = request.session.get(services.SESSION_LOGOUT)
    django_logout(request)
    if data and saml.is_configured():
        try:
            return HttpResponseRedirect(
                saml.logout_request(
                    _base_url(request),
                    data["name_id"],
                    data["name_id_format"],
                    data["session_index"],
                )
            )
        except Exception:  # the identity provider is out of reach: logged out here anyway
            logger.exception("BundID single logout could not be started")
    return redirect("home")


@require_GET
def single_logout(request):
    """The identity provider's LogoutResponse (after ours) or LogoutRequest (logout started
    elsewhere): the session here ends in both cases."""
    _configured()
    try:
        location = saml.handle_logout_message(_base_url(request), request.GET.dict())
    except saml.SamlRejected as error:
        services.reject(error)
        return error_page(request, error)
    django_logout(request)
    if location:
        return HttpResponseRedirect(location)
    return render(request, "identity/logged_out.html")
