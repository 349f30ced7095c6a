from dataclasses import dataclass

from django.shortcuts import render
from django.views.decorators.http import require_GET

from openkommune.regions import selectors, services
from openkommune.regions.forms import PostcodeForm
from openkommune.regions.models import Region


@dataclass(frozen=True)
class GemeindeRow:
    gemeinde: Region
    verband: Region | None
    kreis: Region | None
    land: Region | None


def _row(gemeinde: Region) -> GemeindeRow:
    return GemeindeRow(gemeinde=gemeinde, **selectors.gemeinde_context(gemeinde))


@require_GET
def my_municipality(request):
    """Postcode in, the Gemeinden with Verband, Kreis and Land out. GET, so results are links."""
    form = PostcodeForm(request.GET if "plz" in request.GET else None)
    rows = None
    postcode = None
    if form.is_bound and form.is_valid():
        postcode = form.cleaned_data["plz"]
        services.place_remember(request.session, postcode=postcode)
        rows = [_row(g) for g in selectors.gemeinden_for_postcode(postcode=postcode)]
    context = {"form": form, "postcode": postcode, "rows": rows}
    return render(request, "regions/my_municipality.html", context)
