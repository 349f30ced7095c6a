"""Reads of the regions app. Other apps walk the hierarchy through `region_hierarchy`."""

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Max, QuerySet, Sum

from openkommune.regions.constants import (
    ARS_PREFIX_LENGTH,
    LEVEL_ORDER,
    LEVEL_RANK,
    NO_ASSOCIATION_KIND,
    PLACE_SESSION_KEY,
    POSTCODE_PATTERN,
    RegionKind,
    RegionLevel,
)
from openkommune.regions.models import PostcodeArea, Region

# The deepest chain is Gemeinde -> Gemeindeverband -> Kreis -> Regierungsbezirk -> Land, four
# parent hops; joining them in one query makes `region_hierarchy` free of further queries.
ANCESTORS = "parent__parent__parent__parent"

HIERARCHY_KEYS = {
    RegionLevel.LAND: "land",
    RegionLevel.REGIERUNGSBEZIRK: "regierungsbezirk",
    RegionLevel.KREIS: "kreis",
    RegionLevel.GEMEINDEVERBAND: "verband",
    RegionLevel.GEMEINDE: "gemeinde",
}


def regions_with_ancestors() -> QuerySet[Region]:
    """Regions with their whole parent chain joined, ready for `region_hierarchy`."""
    return Region.objects.select_related(ANCESTORS)


def region_hierarchy(region: Region) -> dict[str, Region | None]:
    """The region and its ancestors by level name.

    Returns `{"land", "regierungsbezirk", "kreis", "verband", "gemeinde"}`, each a Region or
    None where the region has no unit at that level (levels below it, a Land without
    Regierungsbezirke, the Gemeindeverband of a Gemeinde outside any Kreis). Walks `parent`;
    load the region through `regions_with_ancestors()` so the walk costs no query.
    """
    chain: dict[str, Region | None] = dict.fromkeys(HIERARCHY_KEYS.values())
    node: Region | None = region
    while node is not None:
        chain[HIERARCHY_KEYS[node.level]] = node
        node = node.parent
    return chain


def gemeinde_context(gemeinde: Region) -> dict[str, Region | None]:
    """What pages and the API show around a Gemeinde: `{"land", "kreis", "verband"}`.

    Like `region_hierarchy`, except that the Verband is None for a verbandsfreie Gemeinde:
    its Gemeindeverband record is the Gemeinde itself, not an association of Gemeinden.
    """
    chain = region_hierarchy(gemeinde)
    verband = chain["verband"]
    if verband is not None and verband.kind == NO_ASSOCIATION_KIND:
        verband = None
    return {"land": chain["land"], "kreis": chain["kreis"], "verband": verband}


def region_get(*, ars: str, level: str | None = None) -> Region:
    """The region with this ARS, its ancestors joined. Raises `Region.DoesNotExist`.

    A padded ARS can name several levels (a kreisfreie Stadt is Kreis, Gemeindeverband and
    Gemeinde under one key); without `level` the most general of them is returned.
    """
    candidates = regions_with_ancestors().filter(ars=ars)
    if level is not None:
        return candidates.get(level=level)
    found = sorted(candidates, key=lambda region: LEVEL_RANK[region.level])
    if not found:
        raise Region.DoesNotExist(f"No region with ARS {ars}.")
    return found[0]


def region_levels_for_ars(*, ars: str) -> list[str]:
    """All levels that have a unit with this ARS, most general first."""
    levels = Region.objects.filter(ars=ars).values_list("level", flat=True)
    return sorted(levels, key=LEVEL_RANK.__getitem__)


def gemeinden_for_postcode(*, postcode: str) -> list[Region]:
    """Current Gemeinden covering a postcode, by name, with their ancestors joined."""
    areas = (
        PostcodeArea.objects.filter(postcode=postcode, gemeinde__is_current=True)
        .select_related(f"gemeinde__{ANCESTORS}")
        .order_by("gemeinde__name", "gemeinde__ars")
    )
    return [area.gemeinde for area in areas]


def region_children(*, region: Region, level: str | None = None) -> QuerySet[Region]:
    """Current direct children of a region (optionally of one level), by name."""
    children = Region.objects.filter(parent=region, is_current=True)
    if level is not None:
        children = children.filter(level=level)
    return children.order_by("name", "ars")


def region_descendants(*, region: Region, level: str) -> QuerySet[Region]:
    """Current units of `level` below `region`, found by ARS prefix (one indexed query)."""
    if LEVEL_RANK[level] <= LEVEL_RANK[region.level]:
        return Region.objects.none()
    prefix = region.ars[: ARS_PREFIX_LENGTH[region.level]]
    return Region.objects.filter(level=level, ars__startswith=prefix, is_current=True)


def region_counts(*, land_code: str | None = None, within: Region | None = None) -> dict:
    """Counts of current units per level, plus population and area summed over Gemeinden.

    For all of Germany, one Land (`land_code="15"`) or everything below a region (`within`,
    which itself is not counted). Returns `{"land": n, …, "gemeinde": n, "population": n,
    "area_ha": n}` with every level present.
    """
    regions = Region.objects.filter(is_current=True)
    if land_code is not None:
        regions = regions.filter(land_code=land_code)
    if within is not None:
        prefix = within.ars[: ARS_PREFIX_LENGTH[within.level]]
        below = [level for level in LEVEL_ORDER if LEVEL_RANK[level] > LEVEL_RANK[within.level]]
        regions = regions.filter(ars__startswith=prefix, level__in=below)
    counts: dict = dict.fromkeys((str(level) for level in LEVEL_ORDER), 0)
    for row in regions.values("level").annotate(n=Count("pk")).order_by():
        counts[row["level"]] = row["n"]
    totals = regions.filter(level=RegionLevel.GEMEINDE).aggregate(
        population=Sum("population"), area_ha=Sum("area_ha")
    )
    counts["population"] = totals["population"] or 0
    counts["area_ha"] = totals["area_ha"] or 0
    return counts


def current_gebietsstand():
    """Reference date of the most recent imported GV100AD release, or None before an import."""
    return Region.objects.filter(is_current=True).aggregate(latest=Max("gebietsstand"))["latest"]


def official_name(region: Region) -> tuple[str, str]:
    """Full and short name in the usual order: "Magdeburg, Landeshauptstadt" becomes
    "Landeshauptstadt Magdeburg"; a bare Landkreis, Gemeinde or Verbandsgemeinde name gets
    its type as prefix ("Landkreis Harz"), names containing "kreis" stay as they are."""
    if ", " in region.name:
        base, title = region.name.rsplit(", ", 1)
        return f"{title} {base}", base
    prefix = {
        RegionKind.LANDKREIS: "Landkreis",
        RegionKind.KREISANGEHOERIGE_GEMEINDE: "Gemeinde",
        RegionKind.VERBANDSGEMEINDE: "Verbandsgemeinde",
    }.get(region.kind)
    if prefix and "kreis" not in region.name.lower():
        return f"{prefix} {region.name}", region.name
    return region.name, region.name


# --- cached look-ups (the submit path) -------------------------------------------------------
#
# Regions change only when `regions_import` loads a new official register (a few times a
# year, as a management command: in a process of its own). The look-ups a submission makes
# are therefore kept per process for `REGION_CACHE_SECONDS`: a new register reaches the
# importing process at once (`regions_cache_clear` after its commit) and every other process
# within that time. A region retired meanwhile still routes as before, as it does for a
# draft started before the import. The cached objects are shared: never change them.

REGION_CACHE_SECONDS = 300
_CACHE_LIMIT = 4096
_cache: dict[tuple, tuple[float, object]] = {}


def _cached(key: tuple, load: Callable[[], object]):
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    value = load()  # a DoesNotExist is raised, not kept
    if len(_cache) >= _CACHE_LIMIT:
        _cache.clear()
    _cache[key] = (now + REGION_CACHE_SECONDS, value)
    return value


def gemeinden_for_postcode_cached(*, postcode: str) -> list[Region]:
    """`gemeinden_for_postcode`, kept per process (see above)."""
    key = ("postcode", postcode)
    return list(_cached(key, lambda: tuple(gemeinden_for_postcode(postcode=postcode))))


def region_get_cached(*, ars: str, level: str | None = None) -> Region:
    """`region_get`, kept per process (see above). Raises `Region.DoesNotExist`."""
    return _cached(("region", ars, level), lambda: region_get(ars=ars, level=level))


def regions_cache_clear() -> None:
    """Forget the cached look-ups of this process (after an import, in tests)."""
    _cache.clear()


# --- the visitor's remembered place ----------------------------------------------------


@dataclass(frozen=True)
class RememberedPlace:
    """The postcode a visitor gave (kept by `services.place_remember`), its Gemeinden and,
    once known, the one Gemeinde they live in (the only one, or the one they chose)."""

    postcode: str
    gemeinden: list[Region]
    gemeinde: Region | None

    @property
    def needs_choice(self) -> bool:
        return self.gemeinde is None and len(self.gemeinden) > 1


def place_remembered(session) -> RememberedPlace | None:
    """The remembered place, or None when the visitor gave no postcode yet. A postcode that
    is no longer in the directory gives a place without Gemeinden (the page says so); a
    chosen Gemeinde that no longer belongs to the postcode counts as not chosen."""
    stored = session.get(PLACE_SESSION_KEY) if session is not None else None
    if not isinstance(stored, dict):
        return None
    postcode = stored.get("plz", "")
    if not isinstance(postcode, str) or not re.fullmatch(POSTCODE_PATTERN, postcode):
        return None
    gemeinden = gemeinden_for_postcode_cached(postcode=postcode)
    chosen = [g for g in gemeinden if g.ars == stored.get("ars")]
    gemeinde = chosen[0] if chosen else gemeinden[0] if len(gemeinden) == 1 else None
    return RememberedPlace(postcode=postcode, gemeinden=gemeinden, gemeinde=gemeinde)
