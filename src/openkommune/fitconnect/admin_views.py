"""Pages of the member administrators under `schnittstellen/fit-connect/`: the member's
FIT-Connect destinations (register with public JWKs, or an inbox whose keys the platform
holds; rotate keys) and API clients (create with the secret shown once, revoke after a
confirmation). The same as `fitconnect_destination` / `fitconnect_client` on the command
line; every change is audited by the services."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openkommune.accounts.access import member_admin_page
from openkommune.core.forms import render_form
from openkommune.fitconnect import callbacks, jose, selectors, services
from openkommune.fitconnect.forms import (
    KIND_INBOX,
    CallbackForm,
    ClientCreateForm,
    DestinationCreateForm,
    ExternalDestinationForm,
    ExternalSecretForm,
    InboxKeyRotateForm,
    KeyRotateForm,
)
from openkommune.fitconnect.inbox import create_inbox_destination, rotate_inbox_key
from openkommune.fitconnect.models import Client, Destination


def _destination_or_404(tenant, destination_id) -> Destination:
    try:
        return selectors.destination_get(tenant=tenant, destination_id=destination_id)
    except Destination.DoesNotExist:
        raise Http404(_("Diesen Zustellpunkt gibt es nicht.")) from None


def _client_or_404(tenant, client_id) -> Client:
    try:
        return selectors.client_get(tenant=tenant, client_id=client_id)
    except Client.DoesNotExist:
        raise Http404(_("Diesen API-Client gibt es nicht.")) from None


@require_GET
@member_admin_page
def overview(request, *, tenant):
    destinations = selectors.destination_list(tenant=tenant)
    context = {
        "tenant": tenant,
        "destinations": [
            {
                "destination": d,
                "keys": sorted(
                    (k for k in d.keys.all() if k.retired_at is None), key=lambda k: k.use
                ),
                "callback": None if d.inbox else selectors.callback_of(d),
            }
            for d in destinations
        ],
        "clients": selectors.client_list(tenant=tenant),
        "externals": selectors.external_list(tenant=tenant),
    }
    return render(request, "fitconnect/admin/overview.html", context)


@require_http_methods(["GET", "POST"])
@member_admin_page
def destination_create(request, *, tenant):
    form = DestinationCreateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["art"] == KIND_INBOX:
                destination = create_inbox_destination(
                    tenant=tenant, leika_keys=data["leika"], actor=request.user
                )
            else:
                destination = services.create_destination(
                    tenant=tenant,
                    leika_keys=data["leika"],
                    encryption_jwk=data["verschluesselung"],
                    signature_jwk=data["signatur"],
                    actor=request.user,
                )
        except (ValueError, jose.JoseError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Der Zustellpunkt %(id)s ist angelegt.") % {"id": destination.destination_id},
            )
            return redirect("fitconnect_admin:overview")
    return render_form(
        request, "fitconnect/admin/destination_create.html", form, {"tenant": tenant}
    )


@require_http_methods(["GET", "POST"])
@member_admin_page
def key_rotate(request, destination_id, *, tenant):
    destination = _destination_or_404(tenant, destination_id)
    if destination.inbox:
        return _inbox_key_rotate(request, tenant, destination)
    form = KeyRotateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.rotate_key(
                destination=destination,
                use=form.cleaned_data["verwendung"],
                public_jwk=form.cleaned_data["datei"],
                actor=request.user,
            )
        except (ValueError, jose.JoseError) as error:
            form.add_error("datei", str(error))
        else:
            messages.success(
                request,
                _(
                    "Der neue Schlüssel gilt ab sofort; der alte bleibt für ältere Einreichungen "
                    "abrufbar."
                ),
            )
            return redirect("fitconnect_admin:overview")
    return render_form(
        request,
        "fitconnect/admin/key_rotate.html",
        form,
        {"tenant": tenant, "destination": destination},
    )


def _inbox_key_rotate(request, tenant, destination):
    """An inbox's keys are the platform's: it makes the new pair and seals the private half;
    the old key still decrypts what was encrypted to it before."""
    form = InboxKeyRotateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        kid = rotate_inbox_key(
            destination=destination, use=form.cleaned_data["verwendung"], actor=request.user
        )
        messages.success(
            request,
            _(
                "Die Plattform hat einen neuen Schlüssel erzeugt (kid %(kid)s). Einreichungen, "
                "die noch mit dem alten verschlüsselt wurden, werden weiter entschlüsselt."
            )
            % {"kid": kid},
        )
        return redirect("fitconnect_admin:overview")
    return render_form(
        request,
        "fitconnect/admin/key_rotate.html",
        form,
        {"tenant": tenant, "destination": destination},
    )


def _callback_destination(tenant, destination_id) -> Destination:
    destination = _destination_or_404(tenant, destination_id)
    if destination.inbox:
        # The platform takes what arrives at an inbox itself; nobody needs to be called.
        raise Http404(_("Ein Posteingang der Plattform braucht keinen Callback."))
    return destination


@never_cache
@require_http_methods(["GET", "POST"])
@member_admin_page
def callback_edit(request, destination_id, *, tenant):
    """Set the callback URL; every save makes a new secret, shown once (also the way to
    rotate it)."""
    destination = _callback_destination(tenant, destination_id)
    current = selectors.callback_of(destination)
    form = CallbackForm(request.POST or None, initial={"url": current.url if current else ""})
    if request.method == "POST" and form.is_valid():
        try:
            secret = callbacks.set_callback(
                destination, form.cleaned_data["url"].strip(), actor=request.user
            )
        except ValueError as error:
            form.add_error("url", str(error))
        else:
            # Rendered, not redirected: the secret must not wait in a session or a URL.
            return render(
                request,
                "fitconnect/admin/callback_saved.html",
                {
                    "tenant": tenant,
                    "destination": destination,
                    "url": form.cleaned_data["url"].strip(),
                    "secret": secret,
                },
            )
    return render_form(
        request,
        "fitconnect/admin/callback_edit.html",
        form,
        {"tenant": tenant, "destination": destination, "current": current},
    )


@require_POST
@member_admin_page
def callback_remove(request, destination_id, *, tenant):
    destination = _callback_destination(tenant, destination_id)
    if callbacks.remove_callback(destination, actor=request.user):
        messages.success(
            request,
            _("Der Callback von %(id)s ist entfernt; Ihr Fachverfahren muss nun selbst abfragen.")
            % {"id": destination.destination_id},
        )
    return redirect("fitconnect_admin:overview")


@never_cache
@require_http_methods(["GET", "POST"])
@member_admin_page
def client_create(request, *, tenant):
    destinations = selectors.destination_list(tenant=tenant)
    form = ClientCreateForm(request.POST or None, destinations=destinations)
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data["zustellpunkt"]
        destination = _destination_or_404(tenant, chosen) if chosen else None
        try:
            created = services.create_client(
                tenant=tenant,
                role=form.cleaned_data["rolle"],
                destination=destination,
                actor=request.user,
            )
        except ValueError as error:
            form.add_error(None, str(error))
        else:
            # Rendered, not redirected: the secret must not wait in a session or a URL.
            return render(
                request,
                "fitconnect/admin/client_created.html",
                {"tenant": tenant, "client": created.client, "secret": created.secret},
            )
    return render_form(request, "fitconnect/admin/client_create.html", form, {"tenant": tenant})


@require_http_methods(["GET", "POST"])
@member_admin_page
def client_revoke(request, client_id, *, tenant):
    """GET asks for the confirmation; POST revokes."""
    client = _client_or_404(tenant, client_id)
    if client.revoked_at is not None:
        messages.info(request, _("Dieser API-Client ist bereits widerrufen."))
        return redirect("fitconnect_admin:overview")
    if request.method == "POST":
        services.revoke_client(client_id=str(client.client_id), actor=request.user)
        messages.success(
            request,
            _("Der API-Client %(id)s ist widerrufen; seine Tokens gelten nicht mehr.")
            % {"id": client.client_id},
        )
        return redirect("fitconnect_admin:overview")
    return render(
        request, "fitconnect/admin/client_revoke.html", {"tenant": tenant, "client": client}
    )


# --- destinations at an external Zustelldienst (outbound.py, ADR 0043) ------------------


def _external_or_404(tenant, route_pk):
    from openkommune.fitconnect.models import ExternalDestination

    try:
        return selectors.external_get(tenant=tenant, pk=route_pk)
    except ExternalDestination.DoesNotExist:
        raise Http404(_("Diesen externen Zustellpunkt gibt es nicht.")) from None


@require_http_methods(["GET", "POST"])
@never_cache
@member_admin_page
def external_create(request, *, tenant):
    from openkommune.fitconnect import outbound

    form = ExternalDestinationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            route = outbound.create_external_destination(
                tenant=tenant,
                leika_keys=data["leika"],
                destination_id=data["zustellpunkt"],
                api_url=data["api_url"],
                token_url=data["token_url"],
                client_id=data["client_id"],
                secret=data["client_secret"],
                trust_anchors_pem=data["vertrauensanker"],
                actor=request.user,
            )
        except ValueError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Der externe Zustellpunkt %(id)s ist eingetragen.")
                % {"id": route.destination_id},
            )
            return redirect("fitconnect_admin:overview")
    return render_form(request, "fitconnect/admin/external_create.html", form, {"tenant": tenant})


@require_http_methods(["GET", "POST"])
@never_cache
@member_admin_page
def external_secret(request, route_pk, *, tenant):
    from openkommune.fitconnect import outbound

    route = _external_or_404(tenant, route_pk)
    form = ExternalSecretForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outbound.set_external_secret(route, form.cleaned_data["client_secret"], actor=request.user)
        messages.success(request, _("Das neue Client-Secret ist gespeichert."))
        return redirect("fitconnect_admin:overview")
    return render_form(
        request, "fitconnect/admin/external_secret.html", form, {"tenant": tenant, "route": route}
    )


@require_POST
@member_admin_page
def external_retry(request, route_pk, *, tenant):
    from openkommune.fitconnect import outbound

    route = _external_or_404(tenant, route_pk)
    count = 0
    for failed in selectors.external_failed(route):
        outbound.retry(failed, actor=request.user)
        count += 1
    messages.success(
        request,
        _("%(count)s gescheiterte Zustellungen werden erneut versucht.") % {"count": count},
    )
    return redirect("fitconnect_admin:overview")
