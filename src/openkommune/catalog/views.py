"""Pages of the catalogue: browse, the service page with the responsible authority, the
member administrators' activation pages and the cooperative's overview. Thin: the decisions
are in selectors and services."""

import uuid
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openkommune.accounts.access import cooperative_staff_page, member_admin_page
from openkommune.catalog import easy_language, selectors, services
from openkommune.catalog.constants import ResponsibleLevel
from openkommune.catalog.forms import ResponsibilityForm, ServiceActivationForm
from openkommune.catalog.models import OzgLeistung, ServiceActivation, Themenfeld
from openkommune.core import vcard
from openkommune.core.forms import flash_outcome, render_form, submit_form
from openkommune.regions import services as region_services
from openkommune.regions.models import Region

PAGE_SIZE = 50


@require_GET
def index(request):
    return render(request, "catalog/index.html", {"themenfelder": selectors.themenfeld_list()})


@require_GET
def themenfeld(request, official_id: int):
    field = get_object_or_404(Themenfeld, official_id=official_id, is_current=True)
    leistungen = selectors.ozg_leistung_list(themenfeld=field).order_by("lage__name", "name")
    lagen: dict = {}
    for leistung in leistungen:
        lagen.setdefault(leistung.lage, []).append(leistung)
    return render(request, "catalog/themenfeld.html", {"themenfeld": field, "lagen": lagen})


def _leistung_or_404(ozg_id: str) -> OzgLeistung:
    try:
        return selectors.ozg_leistung_get(ozg_id=ozg_id)
    except OzgLeistung.DoesNotExist:
        raise Http404(_("Diese Leistung gibt es nicht.")) from None


@require_GET
def service(request, ozg_id: str):
    """The Leistung, and for a postcode (and a chosen Gemeinde) who is responsible."""
    leistung = _leistung_or_404(ozg_id)
    form = ResponsibilityForm(request.GET if "plz" in request.GET else None)
    postcode = None
    gemeinden: list[Region] = []
    results = None
    if form.is_bound and form.is_valid():
        postcode = form.cleaned_data["plz"]
        found = selectors.responsibilities_published(ozg_leistung=leistung, postcode=postcode)
        chosen = form.cleaned_data["ars"]
        # The start page shows what is online for this place from now on (issue 14).
        region_services.place_remember(request.session, postcode=postcode, ars=chosen)
        if chosen:
            found = [r for r in found if r.gemeinde.ars == chosen] or found
        gemeinden = [r.gemeinde for r in found]
        if len(found) <= 1:
            results = found
    assignments = [a for a in leistung.leika_assignments if a.is_current]
    context = {
        "leistung": leistung,
        "assignments": assignments,
        "easy_language": easy_language.page_for_leika_keys(a.leika_key for a in assignments),
        "form": form,
        "postcode": postcode,
        "gemeinde_choices": gemeinden if results is None and postcode else [],
        "results": results,
        # The platform's own form: the page starts the application itself (postcode and
        # one click, submissions:start) instead of sending the applicant through more pages.
        "platform_form": selectors.platform_form_title(leistung),
    }
    if context["platform_form"]:
        # The BundID level the application needs, shown before the citizen starts: the
        # form's default, or for the place found (at most one result) its member's level.
        activation = results[0].activation if results else None
        context["required_trust_level"] = selectors.required_trust_level(leistung, activation)
        context["trust_level_varies"] = not results and selectors.trust_level_overridden(leistung)
    return render(request, "catalog/service.html", context)


@require_GET
def authority_vcard(request, ozg_id: str):
    """ "Ins Adressbuch exportieren": the authority responsible for the Leistung at the
    postcode (and Gemeinde) of the query, as a vCard 4.0; 404 when the place names none."""
    leistung = _leistung_or_404(ozg_id)
    form = ResponsibilityForm(request.GET)
    if not form.is_valid():
        raise Http404(_("Für diese Angaben gibt es keine zuständige Stelle."))
    found = selectors.responsibilities_published(
        ozg_leistung=leistung, postcode=form.cleaned_data["plz"]
    )
    chosen = form.cleaned_data["ars"]
    if chosen:
        found = [result for result in found if result.gemeinde.ars == chosen]
    if len(found) != 1 or (found[0].region is None and found[0].organisation is None):
        raise Http404(_("Für diese Angaben gibt es keine zuständige Stelle."))
    result = found[0]
    authority = result.authority
    if result.organisation is not None:
        uid = f"urn:uuid:{result.organisation.public_id}"
    else:
        office = result.administered_by or result.region
        uid = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'urn:de:ars:{office.ars}')}"
    contact = vcard.Contact(
        name=authority.name,
        uid=uid,
        street=authority.street,
        postcode=authority.postcode,
        city=authority.city,
        email=authority.email,
        phone=authority.phone,
        note=_("Zuständig für %(leistung)s in %(gemeinde)s")
        % {"leistung": leistung.name, "gemeinde": result.gemeinde.name},
    )
    response = HttpResponse(
        vcard.render(contact).encode("utf-8"), content_type="text/vcard; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{vcard.filename(authority.name)}"'
    return response


@require_GET
def easy_language_index(request):
    """Leichte Sprache: the platform, and the services with a page of their own."""
    return render(request, "catalog/leichte_sprache/index.html", {"pages": easy_language.PAGES})


@require_GET
def easy_language_service(request, slug: str):
    page = easy_language.BY_SLUG.get(slug)
    if page is None:
        raise Http404(_("Diese Seite gibt es nicht."))
    leistung = selectors.leistung_for_leika_keys(page.leika_keys)
    return render(request, page.template, {"page": page, "leistung": leistung})


@require_GET
def online_start(request, ozg_id: str):
    """The service page's "Online beantragen": on to the online application (a page of the
    submissions app, named by URL only: the catalogue does not depend on it). A postcode
    and Gemeinde already chosen go along, so the applicant is not asked again."""
    leistung = _leistung_or_404(ozg_id)
    target = reverse("submissions:start", args=[leistung.ozg_id])
    place = {key: request.GET[key] for key in ("plz", "ars") if request.GET.get(key)}
    return redirect(f"{target}?{urlencode(place)}" if place else target)


# --- member administrators ---------------------------------------------------------------


@dataclass(frozen=True)
class AdminRow:
    leistung: OzgLeistung
    level: ResponsibleLevel
    own: bool
    activation: ServiceActivation | None
    # How citizens would apply online (only for the rows of the page shown).
    way: selectors.ApplicationWay | None = None

    @property
    def is_active(self) -> bool:
        return self.activation is not None and self.activation.is_active


SORTS = {
    "name": lambda row: (row.leistung.name.lower(), row.leistung.ozg_id),
    "ozg_id": lambda row: row.leistung.ozg_id,
    "status": lambda row: (not row.is_active, row.leistung.name.lower()),
}


@require_GET
@member_admin_page
def admin_list(request, *, tenant):
    own_levels = selectors.organisation_levels(tenant)
    levels = selectors.responsible_levels()
    activations = {a.ozg_leistung_id: a for a in selectors.service_activation_list(tenant=tenant)}
    only_own = request.GET.get("zustaendig", "1") != "0"
    query = request.GET.get("q", "").strip()[:100]
    sort = request.GET.get("sortierung", "name")
    sort = sort if sort in SORTS else "name"
    leistungen = OzgLeistung.objects.filter(is_current=True)
    if query:
        leistungen = leistungen.filter(Q(name__icontains=query) | Q(ozg_id=query))
    rows = []
    for leistung in leistungen:
        level = levels.get(leistung.ozg_id, ResponsibleLevel.KREIS)
        own = level in own_levels
        activation = activations.get(leistung.pk)
        if only_own and not own and activation is None:
            continue
        rows.append(AdminRow(leistung, level, own, activation))
    rows.sort(key=SORTS[sort])
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("seite"))
    page.object_list = [
        replace(
            row,
            way=selectors.application_way(
                ozg_leistung=row.leistung,
                start_url=row.activation.start_url if row.activation else "",
            ),
        )
        for row in page.object_list
    ]
    context = {
        "tenant": tenant,
        "page": page,
        "only_own": only_own,
        "query": query,
        "sort": sort,
        "active_count": sum(1 for a in activations.values() if a.is_active),
    }
    return render(request, "catalog/admin_list.html", context)


def _confirm_off(request, leistung, action_url):
    hidden = [(k, v) for k, v in request.POST.items() if k != "csrfmiddlewaretoken"]
    context = {"leistung": leistung, "hidden": hidden, "action_url": action_url}
    return render(request, "catalog/admin_confirm_off.html", context)


@require_http_methods(["GET", "POST"])
@member_admin_page
def admin_edit(request, ozg_id: str, *, tenant):
    leistung = _leistung_or_404(ozg_id)
    try:
        activation = selectors.service_activation_get(tenant=tenant, ozg_id=ozg_id)
    except ServiceActivation.DoesNotExist:
        activation = ServiceActivation(tenant=tenant, ozg_leistung=leistung)
    was_active = activation.is_active
    # As stored: the form writes what was posted onto the instance while validating.
    way = selectors.application_way(ozg_leistung=leistung, start_url=activation.start_url)
    form = ServiceActivationForm(request.POST or None, instance=activation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if was_active and not data["is_active"] and request.POST.get("bestaetigt") != "1":
            return _confirm_off(request, leistung, request.path)
        params = {name: data[name] for name in services.ACTIVATION_PARAMETERS}
        saved = submit_form(
            request,
            form,
            lambda: services.service_activation_set(
                tenant=tenant,
                actor=request.user,
                ozg_leistung=leistung,
                is_active=data["is_active"],
                **params,
            ),
            success=_("Die Angaben zu „%(name)s“ sind gespeichert.") % {"name": leistung.name},
        )
        if saved:
            return redirect("catalog:admin_list")
    context = {
        "tenant": tenant,
        "leistung": leistung,
        "activation": activation,
        "way": way,
        "platform_form_title": selectors.platform_form_title(leistung),
    }
    return render_form(request, "catalog/admin_edit.html", form, context)


@require_POST
@member_admin_page
def admin_toggle(request, ozg_id: str, *, tenant):
    leistung = _leistung_or_404(ozg_id)
    switch_on = request.POST.get("is_active") == "1"
    if not switch_on and request.POST.get("bestaetigt") != "1":
        return _confirm_off(request, leistung, request.path)
    if switch_on:
        text = _("„%(name)s“ wird jetzt online angeboten.")
    else:
        text = _("„%(name)s“ wird nicht mehr online angeboten.")
    flash_outcome(
        request,
        lambda: services.service_activation_set(
            tenant=tenant, actor=request.user, ozg_leistung=leistung, is_active=switch_on
        ),
        success=text % {"name": leistung.name},
    )
    back = request.POST.get("zurueck", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("catalog:admin_list")
    return redirect(back)


# --- cooperative staff -------------------------------------------------------------------


@cooperative_staff_page
@require_GET
def offers(request):
    """Which members offer what: counts per Leistung and per member."""
    sort = request.GET.get("sortierung", "anzahl")
    sort = sort if sort in {"anzahl", "name"} else "anzahl"
    per_leistung = selectors.activation_counts_per_leistung_across_members()
    per_member = selectors.activation_counts_per_member_across_members()
    if sort == "anzahl":
        per_leistung = per_leistung.order_by("-member_count", "name")
        per_member = per_member.order_by("-active_count", "name")
    else:
        per_leistung = per_leistung.order_by("name")
        per_member = per_member.order_by("name")
    context = {
        "sort": sort,
        "leistungen": Paginator(per_leistung, PAGE_SIZE).get_page(request.GET.get("seite")),
        "members": Paginator(per_member, PAGE_SIZE).get_page(request.GET.get("mitglieder_seite")),
    }
    return render(request, "catalog/offers.html", context)
