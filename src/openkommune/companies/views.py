"""/konto/unternehmenskonto/: log-in with the organisation account (OIDC)."""

import logging

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from openkommune.companies.selectors import company_provider
from openkommune.companies.services import company_login, company_login_failed
from openkommune.core import oidc

logger = logging.getLogger(__name__)


def _redirect_uri(request) -> str:
    return request.build_absolute_uri(reverse("companies:callback"))


@never_cache
@require_GET
def start(request):
    """A link, not a form: the page's Content-Security-Policy (`form-action 'self'`) would
    stop a form whose answer redirects to the provider. Starting a login changes nothing but
    this session's pending login."""
    provider = company_provider()
    if provider is None:
        raise Http404(_("Die Anmeldung mit Unternehmenskonto ist hier nicht eingerichtet."))
    next_url = request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("accounts:overview")
    try:
        url = oidc.authorization_url(
            request.session, provider, redirect_uri=_redirect_uri(request), next_url=next_url
        )
    except oidc.OIDCError as error:
        return _failed(request, provider, error.reason)
    return redirect(url)


@never_cache
@require_GET
def callback(request):
    provider = company_provider()
    if provider is None:
        raise Http404(_("Die Anmeldung mit Unternehmenskonto ist hier nicht eingerichtet."))
    try:
        claims = oidc.complete(request.session, provider, params=request.GET)
        representative = company_login(request, claims, issuer=provider.issuer)
    except oidc.OIDCError as error:
        return _failed(request, provider, error.reason)
    messages.success(
        request,
        _("Sie sind angemeldet und handeln für %(company)s.")
        % {"company": representative.company.name},
    )
    return redirect(claims["_next"])


def _failed(request, provider, reason: str):
    logger.warning("company login failed: %s", reason)
    company_login_failed(issuer=provider.issuer, reason=reason)
    return render(request, "companies/login_failed.html", status=400)
