"""/api/v1/regions: postcode lookup and the official key hierarchy. Public reference data."""

from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Path, Query, Router
from ninja.errors import HttpError

from openkommune.core.api_policy import public_response
from openkommune.core.schemas import ErrorOut
from openkommune.regions import selectors
from openkommune.regions.constants import ARS_PATTERN, POSTCODE_PATTERN, RegionLevel, kind_label
from openkommune.regions.models import Region
from openkommune.regions.schemas import (
    GemeindeOut,
    RegionCountsOut,
    RegionDetailOut,
    RegionRefOut,
    ResolveOut,
)

router = Router(tags=["Regionen"])
# Public reference data, the same for everyone: cacheable (no `no-store`).
router.add_decorator(public_response, mode="operation")


def _ref(region: Region | None) -> RegionRefOut | None:
    if region is None:
        return None
    return RegionRefOut(
        ars=region.ars,
        name=region.name,
        level=region.level,
        kind=region.kind,
        kind_label=kind_label(region.kind),
    )


def _area_km2(region: Region) -> float | None:
    return None if region.area_ha is None else region.area_ha / 100


def _gemeinde_out(gemeinde: Region) -> GemeindeOut:
    context = selectors.gemeinde_context(gemeinde)
    return GemeindeOut(
        ags=gemeinde.ags,
        ars=gemeinde.ars,
        name=gemeinde.name,
        level=gemeinde.level,
        kind=gemeinde.kind,
        kind_label=kind_label(gemeinde.kind),
        population=gemeinde.population,
        area_km2=_area_km2(gemeinde),
        verband=_ref(context["verband"]),
        kreis=_ref(context["kreis"]),
        land=_ref(context["land"]),
    )


@router.get(
    "/resolve",
    response={200: ResolveOut, 404: ErrorOut, 422: ErrorOut},
    summary="Gemeinden zu einer Postleitzahl",
    description=(
        "Alle Gemeinden, die ganz oder teilweise im Gebiet der Postleitzahl liegen, mit "
        "Gemeindeverband (falls die Gemeinde einem angehört), Kreis und Land. Quelle der "
        "Zuordnung: OpenStreetMap (ODbL)."
    ),
)
def resolve(
    request,
    plz: Annotated[str, Query(pattern=POSTCODE_PATTERN, description="Postleitzahl, fünf Ziffern")],
):
    gemeinden = selectors.gemeinden_for_postcode(postcode=plz)
    if not gemeinden:
        raise HttpError(
            404, _("Für die Postleitzahl %(plz)s ist keine Gemeinde bekannt.") % {"plz": plz}
        )
    return ResolveOut(postcode=plz, items=[_gemeinde_out(g) for g in gemeinden])


@router.get(
    "/{ars}",
    response={200: RegionDetailOut, 404: ErrorOut, 422: ErrorOut},
    summary="Gebietseinheit zu einem Regionalschlüssel",
    description=(
        "Eine Gebietseinheit mit ihren übergeordneten Einheiten (vom Land abwärts) und, außer "
        "bei Gemeinden, der Zahl der Einheiten darunter. Schlüssel kürzerer Ebenen sind mit "
        "Nullen auf zwölf Stellen aufgefüllt (Land 15 = 150000000000). Eine kreisfreie Stadt "
        "ist Kreis, Gemeindeverband und Gemeinde unter demselben Schlüssel; ohne `level` "
        "wird die allgemeinste Ebene geliefert, `same_ars_levels` nennt die übrigen."
    ),
)
def region_detail(
    request,
    ars: Annotated[
        str, Path(pattern=ARS_PATTERN, description="Amtlicher Regionalschlüssel, zwölf Ziffern")
    ],
    level: Annotated[RegionLevel | None, Query(description="Ebene, falls mehrdeutig")] = None,
):
    try:
        region = selectors.region_get(ars=ars, level=level)
    except Region.DoesNotExist:
        raise HttpError(
            404,
            _("Für den Regionalschlüssel %(ars)s ist keine Gebietseinheit bekannt.") % {"ars": ars},
        ) from None
    chain = selectors.region_hierarchy(region)
    parents = [_ref(unit) for unit in chain.values() if unit is not None and unit.pk != region.pk]
    counts = None
    children_count = None
    if region.level != RegionLevel.GEMEINDE:
        counts = RegionCountsOut(**selectors.region_counts(within=region))
        children_count = selectors.region_children(region=region).count()
    return RegionDetailOut(
        ars=region.ars,
        ags=region.ags,
        name=region.name,
        level=region.level,
        level_label=str(RegionLevel(region.level).label),
        kind=region.kind,
        kind_label=kind_label(region.kind),
        seat=region.seat,
        population=region.population,
        population_male=region.population_male,
        area_km2=_area_km2(region),
        postcode_of_seat=region.postcode_of_seat,
        has_several_postcodes=region.has_several_postcodes,
        gebietsstand=region.gebietsstand,
        is_current=region.is_current,
        parents=parents,
        same_ars_levels=selectors.region_levels_for_ars(ars=region.ars),
        children_count=children_count,
        counts=counts,
    )
