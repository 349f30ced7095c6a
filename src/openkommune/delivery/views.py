"""Pages of the member administrators under `schnittstellen/`: API keys (list, create with
the secret shown once, revoke after a confirmation) and the case export download."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from openkommune.accounts.access import back_office, member_admin_page
from openkommune.cases.models import Case
from openkommune.cases.selectors import case_get
from openkommune.core.files import download_response
from openkommune.core.forms import submit_form_result
from openkommune.delivery import selectors, services
from openkommune.delivery.export import case_export_zip, export_file_name
from openkommune.delivery.forms import ApiKeyCreateForm
from openkommune.delivery.models import ApiKey


def _key_or_404(tenant, public_id) -> ApiKey:
    try:
        return selectors.api_key_get(tenant=tenant, public_id=public_id)
    except ApiKey.DoesNotExist:
        raise Http404(_("Diesen API-Schlüssel gibt es nicht.")) from None


@require_GET
@member_admin_page
def key_list(request, *, tenant):
    keys = list(selectors.api_key_list(tenant=tenant))
    context = {
        "tenant": tenant,
        "keys": keys,
        "active_count": sum(1 for key in keys if key.is_active),
    }
    return render(request, "delivery/key_list.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@member_admin_page
def key_create(request, *, tenant):
    form = ApiKeyCreateForm(request.POST or None)
    created = submit_form_result(
        request,
        form,
        lambda: services.api_key_create(
            tenant=tenant, actor=request.user, name=form.cleaned_data["name"]
        ),
    )
    if created is not None:
        # Rendered, not redirected: the secret must not wait in a session or a URL.
        return render(
            request,
            "delivery/key_created.html",
            {"tenant": tenant, "api_key": created.api_key, "secret": created.secret},
        )
    return render(request, "delivery/key_create.html", {"tenant": tenant, "form": form})


@require_http_methods(["GET", "POST"])
@member_admin_page
def key_revoke(request, public_id, *, tenant):
    """GET asks for the confirmation; POST revokes."""
    api_key = _key_or_404(tenant, public_id)
    if request.method == "POST":
        services.api_key_revoke(tenant=tenant, actor=request.user, api_key=api_key)
        messages.success(
            request,
            _("Der API-Schlüssel „%(name)s“ ist widerrufen. Er wird ab sofort abgelehnt.")
            % {"name": api_key.name},
        )
        return redirect("delivery:key_list")
    if not api_key.is_active:
        messages.info(request, _("Dieser API-Schlüssel ist bereits widerrufen."))
        return redirect("delivery:key_list")
    return render(request, "delivery/key_revoke.html", {"tenant": tenant, "api_key": api_key})


# --- case export -------------------------------------------------------------------------


@back_office
@require_http_methods(["GET", "POST"])
def case_export(request, public_id, *, tenant):
    """GET explains the export; POST builds the ZIP and records the export in the case's
    history. Clerks and member administrators of the case's organisation only; another
    organisation's case answers 404 like a missing one."""
    try:
        case = case_get(tenant=tenant, public_id=public_id)
    except Case.DoesNotExist:
        raise Http404(_("Diesen Vorgang gibt es nicht.")) from None
    if request.method == "GET":
        return render(request, "delivery/case_export.html", {"case": case})
    archive = case_export_zip(tenant=tenant, case=case, actor=request.user)
    return download_response(
        content=archive, filename=export_file_name(case), content_type="application/zip"
    )
