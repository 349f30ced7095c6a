"""Reads for the service search: everyday-language search and the alphabetical list."""

from dataclasses import dataclass, field

from django.db.models import QuerySet

from openkommune.catalog import selectors as catalog_selectors
from openkommune.catalog.constants import LageKind
from openkommune.catalog.models import Lage, OzgLeistung
from openkommune.core.read_cache import Topic, cached_read
from openkommune.search import engine
from openkommune.search.models import SearchIndexState

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
    # True when no Leistung answers the query well (engine.MIN_SCORE/MIN_QUALITY): `items`
    # is then empty instead of unrelated hits, and the caller offers `fallback_choices()`.
    no_good_match: bool = False
    # "Meinten Sie …?": the query with unknown words replaced by the nearest index words.
    did_you_mean: str | None = None


@dataclass(frozen=True)
class FallbackChoices:
    """What to offer when nothing matches: the Lebenslagen and the most used services."""

    lebenslagen: list[Lage]
    most_used: list[OzgLeistung]


# The most used services, until the platform's own usage figures feed the start page (issue
# 14, part 1): the everyday services citizens ask their Gemeinde for most (Personalausweis,
# Wohnsitz, Kfz, Führerschein, Geburtsurkunde, Hund, Abfall, Reisepass).
MOST_USED = ["10119", "10124", "10439", "10169", "10557", "10160", "10110", "10177"]


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
    did_you_mean = index.suggestion(query)
    ranked = engine.rank(index, clauses) if clauses else []
    if not index.is_good(ranked, clauses):
        return SearchResult(items=[], total=0, no_good_match=True, did_you_mean=did_you_mean)
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
    return SearchResult(items=items, total=len(ranked), facets=facets, did_you_mean=did_you_mean)


def fallback_choices() -> FallbackChoices:
    """The Lebenslagen (alphabetical) and the most used services, offered when a search
    finds nothing good. Cached with the catalogue."""
    return cached_read("search_fallback", (), topics=(Topic.CATALOG,), compute=_fallback)


def _fallback() -> FallbackChoices:
    lagen = catalog_selectors.lage_list(kind=LageKind.LEBENSLAGE).order_by("name")
    services = catalog_selectors.ozg_leistung_list().filter(ozg_id__in=MOST_USED)
    by_id = {o.ozg_id: o for o in services.select_related("lage", "themenfeld")}
    return FallbackChoices(
        lebenslagen=list(lagen), most_used=[by_id[o] for o in MOST_USED if o in by_id]
    )


def thesaurus_synonyms() -> dict[str, list[str]]:
    """The OpenThesaurus synonyms the current index took (word → catalogue words)."""
    return SearchIndexState.objects.values_list("synonyms", flat=True).first() or {}


def service_list() -> QuerySet[OzgLeistung]:
    """All current OZG-Leistungen in alphabetical order (the list without a query)."""
    return catalog_selectors.ozg_leistung_list().order_by("name", "ozg_id")


def service_get(*, ozg_id: str) -> OzgLeistung:
    """One OZG-Leistung with its LeiKa rows. Raises OzgLeistung.DoesNotExist."""
    return catalog_selectors.ozg_leistung_get(ozg_id=ozg_id)
