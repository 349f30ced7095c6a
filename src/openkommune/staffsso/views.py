"""/konto/beschaeftigte/: staff log in through their member's own OpenID provider; the
member administrators set it up."""

import logging

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from openkommune.accounts.access import member_admin_page
from openkommune.core import oidc
from openkommune.core.forms import render_form, submit_form
from openkommune.staffsso import selectors, services
from openkommune.staffsso.forms import ProviderForm

logger = logging.getLogger(__name__)


def _redirect_uri(request) -> str:
    return request.build_absolute_uri(reverse("staffsso:callback"))


@never_cache
@require_GET
def start(request, organisation):
    """A link (see companies.views.start): starting changes only this session's pending
    login."""
    member = selectors.member_by_public_id(organisation)
    provider = selectors.provider_of(member) if member else None
    if provider is None:
        raise Http404(_("Für diese Organisation ist keine eigene Anmeldung eingerichtet."))
    next_url = request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("accounts:overview")
    request.session[selectors.SESSION_PENDING_ORGANISATION] = str(member.public_id)
    try:
        url = oidc.authorization_url(
            request.session,
            selectors.oidc_provider(provider),
            redirect_uri=_redirect_uri(request),
            next_url=next_url,
        )
    except oidc.OIDCError as error:
        return _failed(request, provider, error.reason)
    return redirect(url)


@never_cache
@require_GET
def callback(request):
    public_id = request.session.pop(selectors.SESSION_PENDING_ORGANISATION, None)
    member = selectors.member_by_public_id(public_id) if public_id else None
    provider = selectors.provider_of(member) if member else None
    if provider is None:
        return render(request, "staffsso/login_failed.html", status=400)
    try:
        claims = oidc.complete(
            request.session, selectors.oidc_provider(provider), params=request.GET
        )
        services.staff_login(request, provider, claims)
    except oidc.OIDCError as error:
        return _failed(request, provider, error.reason)
    messages.success(
        request, _("Sie sind für %(organisation)s angemeldet.") % {"organisation": member.name}
    )
    return redirect(claims["_next"])


def _failed(request, provider, reason: str):
    logger.warning("staff login failed: %s", reason)
    services.staff_login_failed(organisation=provider.tenant, reason=reason)
    return render(request, "staffsso/login_failed.html", {"reason": reason}, status=400)


@member_admin_page
@require_http_methods(["GET", "POST"])
def settings_page(request, *, tenant):
    provider = selectors.provider_of(tenant, active_only=False)
    form = ProviderForm(request.POST or None, instance=provider)
    if submit_form(
        request,
        form,
        lambda: services.staff_login_provider_set(
            tenant=tenant,
            actor=request.user,
            client_secret=form.cleaned_data["client_secret"],
            **{name: form.cleaned_data[name] for name in services.EDITABLE},
        ),
        success=_("Die Anmeldung der Beschäftigten ist gespeichert."),
    ):
        return redirect("staffsso:settings")
    callback_url = _redirect_uri(request)
    return render_form(
        request,
        "staffsso/settings.html",
        form,
        {"tenant": tenant, "provider": provider, "callback_url": callback_url},
    )
