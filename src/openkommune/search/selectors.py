"""Reads for the service search: everyday-language search and the alphabetical list."""

from dataclasses import dataclass, field

from django.db.models import QuerySet

from openkommune.catalog import selectors as catalog_selectors
from openkommune.catalog.models import OzgLeistung
from openkommune.core.read_cache import Topic, cached_read
from openkommune.search import engine

MAX_QUERY_LENGTH = 200


@dataclass(frozen=True)
class ThemenfeldFacet:
    official_id: int
    name: str


@dataclass(frozen=True)
class SearchResult:
    # (OZG-Leistung, score, best matching LeiKa services as (key or None, name)), best first.
    items: list[tuple[OzgLeistung, float, list[tuple[str | None, str]]]]
    total: int
    # Matches per Themenfeld over all results (before the Themenfeld filter), most first.
    facets: dict[ThemenfeldFacet, int] = field(default_factory=dict)


def service_search(
    *, query: str, limit: int = 10, offset: int = 0, themenfeld: int | None = None
) -> SearchResult:
    """OZG-Leistungen matching an everyday query, best first; `themenfeld` is an official
    Themenfeld ID to narrow to. Unknown words, typos and stopword-only queries just give
    fewer or no results. Cached until the index is rebuilt or the catalogue imported."""
    query = (query or "")[:MAX_QUERY_LENGTH]
    return cached_read(
        "service_search",
        (query, limit, offset, themenfeld),
        topics=(Topic.SEARCH_INDEX, Topic.CATALOG),
        compute=lambda: _service_search(query, limit, offset, themenfeld),
    )


def _service_search(query: str, limit: int, offset: int, themenfeld: int | None) -> SearchResult:
    index = engine.current_index()
    if index is None or limit <= 0:
        return SearchResult(items=[], total=0)
    clauses = index.analyse(query)
    if not clauses:
        return SearchResult(items=[], total=0)
    ranked = index and engine.rank(index, clauses)
    counts: dict[ThemenfeldFacet, int] = {}
    for ozg_id, _score in ranked:
        facet = ThemenfeldFacet(*index.docs[ozg_id].themenfeld)
        counts[facet] = counts.get(facet, 0) + 1
    facets = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].official_id)))
    if themenfeld is not None:
        ranked = [(o, s) for o, s in ranked if index.docs[o].themenfeld[0] == themenfeld]
    page = ranked[max(offset, 0) : max(offset, 0) + limit]
    objects = OzgLeistung.objects.select_related("lage", "themenfeld").in_bulk(
        [o for o, _ in page], field_name="ozg_id"
    )
    items = [
        (objects[o], score, index.matched_leika(index.docs[o], clauses))
        for o, score in page
        if o in objects
    ]
    return SearchResult(items=items, total=len(ranked), facets=facets)


def service_list() -> QuerySet[OzgLeistung]:
    """All current OZG-Leistungen in alphabetical order (the list without a query)."""
    return catalog_selectors.ozg_leistung_list().order_by("name", "ozg_id")


def service_get(*, ozg_id: str) -> OzgLeistung:
    """One OZG-Leistung with its LeiKa rows. Raises OzgLeistung.DoesNotExist."""
    return catalog_selectors.ozg_leistung_get(ozg_id=ozg_id)
