"""Anonymous statistics of the back office for the cooperative's staff: how many cases per
month of submission, service and status, across all members.

A named cross-tenant read (`case_statistics_across_members`): it returns counts only, never
a reference, a name or the organisation; the caller checks that the user is cooperative
staff. Counts below `SMALL_COUNT_LIMIT` are suppressed (shown as "weniger als 5"), and there
are no sums: a row or column total would let anyone recompute a suppressed cell from the
others. Anonymised cases count (they keep service, month and status); deleted ones do not.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Max, Min
from django.db.models.functions import TruncMonth

from openkommune.cases.constants import CaseStatus
from openkommune.cases.models import Case
from openkommune.core.timezone import LOCAL_TZ
from openkommune.tenancy.scoping import scopes_disabled

SMALL_COUNT_LIMIT = 5


@dataclass(frozen=True)
class Cell:
    count: int | None  # None: suppressed (1 to SMALL_COUNT_LIMIT - 1)

    @property
    def suppressed(self) -> bool:
        return self.count is None


@dataclass
class Row:
    month: datetime.date
    ozg_id: str
    service_name: str
    cells: list[Cell] = field(default_factory=list)


@dataclass
class CaseStatistics:
    year: int
    years: list[int]
    statuses: list[tuple[str, str]]  # (code, label) in workflow order
    rows: list[Row]


def suppress(count: int) -> Cell:
    return Cell(count if count == 0 or count >= SMALL_COUNT_LIMIT else None)


def _year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    start = datetime.datetime(year, 1, 1, tzinfo=LOCAL_TZ)
    return start, datetime.datetime(year + 1, 1, 1, tzinfo=LOCAL_TZ)


def case_statistics_across_members(*, year: int, ozg_id: str = "") -> CaseStatistics:
    """Counts per month of submission (German calendar), service and status in `year`.

    Crosses tenants on purpose; call only for cooperative staff."""
    start, end = _year_bounds(year)
    with scopes_disabled():
        cases = Case.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
        if ozg_id:
            cases = cases.filter(ozg_leistung__ozg_id=ozg_id)
        grouped = (
            cases.annotate(month=TruncMonth("submitted_at", tzinfo=LOCAL_TZ))
            .values("month", "ozg_leistung__ozg_id", "ozg_leistung__name", "status")
            .annotate(count=Count("id"))
            .order_by()
        )
        counts: dict[tuple, dict[str, int]] = {}
        for item in grouped:
            month = item["month"]
            month = month.date() if isinstance(month, datetime.datetime) else month
            key = (month, item["ozg_leistung__ozg_id"], item["ozg_leistung__name"])
            counts.setdefault(key, {})[item["status"]] = item["count"]
        span = Case.objects.aggregate(first=Min("submitted_at"), last=Max("submitted_at"))
    statuses = [(status.value, str(status.label)) for status in CaseStatus]
    rows = [
        Row(month, ozg, name, [suppress(by_status.get(code, 0)) for code, _label in statuses])
        for (month, ozg, name), by_status in sorted(counts.items(), key=lambda kv: kv[0][:2])
    ]
    years = sorted(
        {year}
        | set(
            range(
                span["first"].astimezone(LOCAL_TZ).year if span["first"] else year,
                (span["last"].astimezone(LOCAL_TZ).year if span["last"] else year) + 1,
            )
        )
    )
    return CaseStatistics(year=year, years=years, statuses=statuses, rows=rows)
