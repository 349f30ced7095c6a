"""Where posted data (API) goes: the Gemeinde of the applicant's address and the OZG-Leistung
whose form it is and that is offered there. Use it through `openkommune.submissions.services`."""

from __future__ import annotations

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from openkommune.catalog.models import OzgLeistung
from openkommune.catalog.selectors import Responsibility
from openkommune.core.read_cache import Topic, cached_read
from openkommune.forms.selectors import form_id_for_leistung, version_definition
from openkommune.regions.constants import RegionLevel
from openkommune.regions.models import Region
from openkommune.regions.selectors import gemeinden_for_postcode_cached, region_get_cached
from openkommune.submissions.errors import LocationAmbiguous, ServiceNotOffered
from openkommune.submissions.services.drafts import offered_responsibility, place_name


def _gemeinde(ars: str) -> Region:
    # Cached per process (regions change only by an import): see `regions.selectors`.
    return region_get_cached(ars=ars, level=RegionLevel.GEMEINDE)


def resolve_gemeinde(*, postcode: str | None, gemeinde_ars: str | None) -> Region:
    """The Gemeinde of the applicant's address; `LocationAmbiguous` (German message and
    `fields`) when it is unknown or the postcode needs a choice."""
    if gemeinde_ars:
        try:
            gemeinde = _gemeinde(gemeinde_ars)
        except Region.DoesNotExist:
            raise LocationAmbiguous(
                _("Zu diesem Regionalschlüssel gibt es keine Gemeinde."),
                {"gemeinde_ars": [_("Zu diesem Regionalschlüssel gibt es keine Gemeinde.")]},
            ) from None
        if postcode and gemeinde.ars not in {
            g.ars for g in gemeinden_for_postcode_cached(postcode=postcode)
        }:
            message = _("Die Gemeinde liegt nicht im Gebiet dieser Postleitzahl.")
            raise LocationAmbiguous(message, {"gemeinde_ars": [message]})
        return gemeinde
    if not postcode:
        message = _("Bitte geben Sie die Postleitzahl oder den Regionalschlüssel der Gemeinde an.")
        raise LocationAmbiguous(message, {"postcode": [message]})
    found = gemeinden_for_postcode_cached(postcode=postcode)
    if not found:
        message = _("Zu dieser Postleitzahl ist keine Gemeinde bekannt.")
        raise LocationAmbiguous(message, {"postcode": [message]})
    if len(found) > 1:
        choices = ", ".join(f"{place_name(g)} ({g.ars})" for g in found)
        message = _(
            "Die Postleitzahl %(postcode)s gehört zu mehreren Gemeinden: %(choices)s. Bitte "
            "geben Sie den Regionalschlüssel (gemeinde_ars) an."
        ) % {"postcode": postcode, "choices": choices}
        raise LocationAmbiguous(message, {"gemeinde_ars": [message]})
    return found[0]


def route_for_form(*, form_version, gemeinde: Region) -> tuple[OzgLeistung, Responsibility]:
    """The OZG-Leistung whose form this is and that is offered at `gemeinde` (a form may
    serve several Leistungen sharing a LeiKa key), with who is responsible for it there
    (`offered_responsibility`): the submit resolves it once and passes it on.
    `ServiceNotOffered` when no such Leistung is offered there.

    Kept in the read cache (ADR 0014) while the catalogue and its overrides, the regions, the
    members and the services they offer, and the published forms are unchanged: every change
    of them gives its topic a new version in its own transaction, so a route is never served
    after the change that alters it is committed — one small query instead of about eight
    (none when the caller pinned the versions, `read_cache.versions_pinned`), and kept in
    the process too (nobody changes the answer). A refusal is not kept."""
    return cached_read(
        "submit_route",
        (form_version.pk, gemeinde.pk, get_language()),
        topics=(Topic.CATALOG, Topic.REGIONS, Topic.ORGANISATIONS, Topic.FORMS),
        compute=lambda: _route(form_version, gemeinde),
        in_process=True,
    )


def _route(form_version, gemeinde: Region) -> tuple[OzgLeistung, Responsibility]:
    keys = version_definition(form_version).leika_keys
    candidates = (
        OzgLeistung.objects.filter(
            is_current=True, assignments__leika_key__in=keys, assignments__is_current=True
        )
        .distinct()
        .order_by("ozg_id")
    )
    refusal = None
    for leistung in candidates:
        if form_id_for_leistung(ozg_leistung=leistung) != form_version.form_id:
            continue
        try:
            return leistung, offered_responsibility(ozg_leistung=leistung, gemeinde=gemeinde)
        except ServiceNotOffered as error:
            refusal = refusal or error
    raise refusal or ServiceNotOffered(
        _("Das Formular „%(title)s“ gehört zu keiner Leistung, die hier angeboten wird.")
        % {"title": form_version.form.title}
    )
