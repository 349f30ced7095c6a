"""Reads of the OZG catalogue. Reference data: not tenant-scoped.

By default only entries of the current release are returned; `include_retired=True` also
returns entries a newer release dropped (for history and for records that point at them).
"""

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet

from openkommune.catalog.constants import LageKind
from openkommune.catalog.models import Lage, LeikaAssignment, LeikaService, OzgLeistung, Themenfeld


def _current(queryset: QuerySet, include_retired: bool) -> QuerySet:
    return queryset if include_retired else queryset.filter(is_current=True)


def _assignments(include_retired: bool) -> QuerySet:
    return _current(
        LeikaAssignment.objects.select_related("leika_service", "ozg_leistung"), include_retired
    ).order_by("leika_key", "name", "occurrence")


def themenfeld_list(*, include_retired: bool = False) -> QuerySet[Themenfeld]:
    """Themenfelder in official order, with `ozg_leistung_count` (current Leistungen)."""
    # Explicit order_by: Meta.ordering is not applied to queries with GROUP BY.
    return (
        _current(Themenfeld.objects.all(), include_retired)
        .annotate(
            ozg_leistung_count=Count("ozg_leistungen", filter=Q(ozg_leistungen__is_current=True))
        )
        .order_by("official_id")
    )


def lage_list(
    *,
    themenfeld: Themenfeld | None = None,
    kind: LageKind | None = None,
    include_retired: bool = False,
) -> QuerySet[Lage]:
    queryset = _current(Lage.objects.select_related("themenfeld"), include_retired)
    if themenfeld is not None:
        queryset = queryset.filter(themenfeld=themenfeld)
    if kind is not None:
        queryset = queryset.filter(kind=kind)
    return queryset


def ozg_leistung_list(
    *,
    themenfeld: Themenfeld | None = None,
    lage: Lage | None = None,
    include_retired: bool = False,
) -> QuerySet[OzgLeistung]:
    queryset = _current(OzgLeistung.objects.select_related("lage", "themenfeld"), include_retired)
    if themenfeld is not None:
        queryset = queryset.filter(themenfeld=themenfeld)
    if lage is not None:
        queryset = queryset.filter(lage=lage)
    return queryset


def ozg_leistung_get(*, ozg_id: str, include_retired: bool = False) -> OzgLeistung:
    """One OZG-Leistung with its LeiKa rows in `leika_assignments` (each with its
    `leika_service`, None for rows "nicht im LeiKa"). Raises OzgLeistung.DoesNotExist."""
    queryset = ozg_leistung_list(include_retired=include_retired).prefetch_related(
        Prefetch("assignments", queryset=_assignments(include_retired), to_attr="leika_assignments")
    )
    return queryset.get(ozg_id=ozg_id)


def leika_service_get(*, key: str, include_retired: bool = False) -> LeikaService:
    """One LeiKa service with its rows in `ozg_assignments` (each with its `ozg_leistung`,
    None for rows without one). Raises LeikaService.DoesNotExist."""
    queryset = _current(LeikaService.objects.all(), include_retired).prefetch_related(
        Prefetch("assignments", queryset=_assignments(include_retired), to_attr="ozg_assignments")
    )
    return queryset.get(key=key)


def leika_service_list(
    *, executed_by_kommune: bool | None = None, include_retired: bool = False
) -> QuerySet[LeikaService]:
    queryset = _current(LeikaService.objects.all(), include_retired)
    if executed_by_kommune is not None:
        queryset = queryset.filter(executed_by_kommune=executed_by_kommune)
    return queryset


@dataclass(frozen=True)
class CatalogCounts:
    themenfelder: int
    lagen: int
    lebenslagen: int
    unternehmenslagen: int
    ozg_leistungen: int
    leika_services: int
    assignments: int
    assignments_without_key: int


def catalog_counts() -> CatalogCounts:
    """Sizes of the current release (for the status page and reports)."""
    lagen = Lage.objects.filter(is_current=True).aggregate(
        total=Count("pk"),
        leben=Count("pk", filter=Q(kind=LageKind.LEBENSLAGE)),
        unternehmen=Count("pk", filter=Q(kind=LageKind.UNTERNEHMENSLAGE)),
    )
    assignments = LeikaAssignment.objects.filter(is_current=True).aggregate(
        total=Count("pk"), without_key=Count("pk", filter=Q(leika_key=""))
    )
    return CatalogCounts(
        themenfelder=Themenfeld.objects.filter(is_current=True).count(),
        lagen=lagen["total"],
        lebenslagen=lagen["leben"],
        unternehmenslagen=lagen["unternehmen"],
        ozg_leistungen=OzgLeistung.objects.filter(is_current=True).count(),
        leika_services=LeikaService.objects.filter(is_current=True).count(),
        assignments=assignments["total"],
        assignments_without_key=assignments["without_key"],
    )
