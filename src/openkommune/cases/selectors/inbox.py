"""The inbox of an authority: its cases, filtered, searched, sorted and paged.

Built for a million cases on one PostgreSQL: every query reads the `cases_case` table only
(the inbox columns are copied from the application), leads with `tenant_id` and is served by
the indexes of `Case.Meta` plus the trigram index of migration `0002_c4_inbox_indexes`:

- a page is one `SELECT … ORDER BY <sort>, id LIMIT 25 OFFSET n` (offset pagination, capped
  at `MAX_PAGED_RESULTS`: the first pages are what clerks use, and an offset within a
  tenant's index stays cheap up to that cap; beyond it the page asks to narrow the filter);
- the counts per status are one `GROUP BY status` over the same filters without the status
  filter; they are the tabs of the page and give the total, so there is no separate
  `COUNT(*)`;
- the search matches every word of the query as a substring of `Case.search_text`
  (lower-cased reference and applicant name), `LIKE '%word%'`, which the trigram GIN index
  answers on PostgreSQL and a scan of the tenant's rows on SQLite.
"""

from __future__ import annotations

import datetime
import math
import uuid
from dataclasses import dataclass, field, replace

from django.db.models import Case as SqlCase
from django.db.models import Count, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from openkommune.cases.constants import CaseStatus, Decision
from openkommune.cases.models import Case
from openkommune.tenancy.scoping import scope

PAGE_SIZE = 25
# Offsets beyond this many rows are not served: page numbers are clamped to the last page
# within the cap, and the page says to narrow the filter.
MAX_PAGED_RESULTS = 10_000
# Words of a search query that are used (each must occur); the rest is ignored.
MAX_SEARCH_WORDS = 5
MAX_QUERY_LENGTH = 100

# Statuses in which a passed legal deadline no longer matters.
FINISHED_STATUSES = frozenset({CaseStatus.DECIDED, CaseStatus.CLOSED})
# The order of the status sort: the order of the work, not of the codes.
STATUS_ORDER = [
    CaseStatus.RECEIVED,
    CaseStatus.IN_PROGRESS,
    CaseStatus.INFORMATION_REQUESTED,
    CaseStatus.DECIDED,
    CaseStatus.CLOSED,
    CaseStatus.DORMANT,
]


class Assignment:
    MINE = "mine"
    UNASSIGNED = "unassigned"


class Sort:
    SUBMITTED = "submitted"
    DUE = "due"
    STATUS = "status"
    REFERENCE = "reference"
    APPLICANT = "applicant"

    ALL = (SUBMITTED, DUE, STATUS, REFERENCE, APPLICANT)


# Newest first is what a clerk opens the inbox for.
DEFAULT_SORT = Sort.SUBMITTED
DEFAULT_DESCENDING = True

# Columns of a row of the inbox (service and assignee joined), read as plain values: a list
# of 25 rows needs no model instances.
ROW_COLUMNS = (
    "id",
    "public_id",
    "reference",
    "applicant_name",
    "submitted_at",
    "status",
    "decision",
    "due_on",
    "follow_up_on",
    "application__form_version__form__title",  # InboxRow.service_name, as everywhere
    "assigned_to_id",
    "assigned_to__first_name",
    "assigned_to__last_name",
    "assigned_to__email",
)


@dataclass(frozen=True)
class InboxRow:
    id: int
    public_id: uuid.UUID
    reference: str
    applicant_name: str
    submitted_at: datetime.datetime
    status: str
    decision: str
    due_on: datetime.date | None
    follow_up_on: datetime.date | None
    service_name: str
    assigned_to_id: int | None
    assignee_first_name: str | None
    assignee_last_name: str | None
    assignee_email: str | None

    @property
    def status_label(self) -> str:
        return str(CaseStatus(self.status).label)

    @property
    def decision_label(self) -> str:
        return str(Decision(self.decision).label) if self.decision else ""

    @property
    def assignee_name(self) -> str:
        if self.assigned_to_id is None:
            return ""
        full = f"{self.assignee_first_name or ''} {self.assignee_last_name or ''}".strip()
        return full or self.assignee_email or ""

    def is_overdue(self, today: datetime.date) -> bool:
        return bool(self.due_on and self.due_on < today and self.status not in FINISHED_STATUSES)


@dataclass(frozen=True)
class InboxFilters:
    """What the clerk asked for. Empty values mean "no restriction"."""

    status: str = ""
    ozg_leistung_id: int | None = None
    assignment: str = ""  # Assignment.MINE, Assignment.UNASSIGNED or ""
    overdue: bool = False
    follow_up_due: bool = False
    submitted_from: datetime.date | None = None
    submitted_to: datetime.date | None = None
    query: str = ""


@dataclass
class InboxPage:
    cases: list[InboxRow]
    number: int
    page_size: int
    # Cases matching all filters (exact), and per status under all filters but the status.
    total: int
    status_counts: dict[str, int] = field(default_factory=dict)

    @property
    def all_statuses_total(self) -> int:
        return sum(self.status_counts.values())

    @property
    def num_pages(self) -> int:
        """Pages that can be shown (at most up to `MAX_PAGED_RESULTS`)."""
        return max(1, math.ceil(min(self.total, MAX_PAGED_RESULTS) / self.page_size))

    @property
    def is_capped(self) -> bool:
        return self.total > MAX_PAGED_RESULTS

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.page_size + 1 if self.cases else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.page_size + len(self.cases)


def normalise_query(raw: str) -> str:
    """The search text as `Case.search_text` holds it: lower case, single spaces."""
    return " ".join((raw or "")[:MAX_QUERY_LENGTH].split()).lower()


def search_words(raw: str) -> list[str]:
    words = normalise_query(raw).split()
    # Longest words first: they narrow most, and the index uses the first ones best.
    unique = sorted(set(words), key=lambda w: (-len(w), w))
    return unique[:MAX_SEARCH_WORDS]


def _day_start(day: datetime.date) -> datetime.datetime:
    # Days are the authority's local days (settings.TIME_ZONE).
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def inbox_cases(
    *, tenant, user, filters: InboxFilters, today: datetime.date | None = None
) -> QuerySet[Case]:
    """The tenant's cases matching `filters`, unsorted. `user` is who "mine" means."""
    today = today or timezone.localdate()
    conditions = []
    if filters.status:
        conditions.append(Q(status=filters.status))
    if filters.ozg_leistung_id is not None:
        conditions.append(Q(ozg_leistung_id=filters.ozg_leistung_id))
    if filters.assignment == Assignment.MINE:
        # Nobody's cases are "mine" without a user: an impossible condition, no query.
        conditions.append(Q(assigned_to=user) if user is not None else Q(pk__in=[]))
    elif filters.assignment == Assignment.UNASSIGNED:
        conditions.append(Q(assigned_to__isnull=True))
    if filters.overdue:
        conditions.append(Q(due_on__lt=today) & ~Q(status__in=FINISHED_STATUSES))
    if filters.follow_up_due:
        conditions.append(Q(follow_up_on__lte=today) & ~Q(status=CaseStatus.CLOSED))
    if filters.submitted_from is not None:
        conditions.append(Q(submitted_at__gte=_day_start(filters.submitted_from)))
    if filters.submitted_to is not None:
        end = _day_start(filters.submitted_to + datetime.timedelta(days=1))
        conditions.append(Q(submitted_at__lt=end))
    conditions += [Q(search_text__contains=word) for word in search_words(filters.query)]
    # Built inside the tenant's scope (the manager adds `tenant_id = …`); the queryset
    # keeps that filter when it is evaluated later. One filter() call: fewer clones.
    with scope(tenant=tenant):
        return Case.objects.filter(*conditions)


def _status_rank():
    return SqlCase(
        *[When(status=status, then=Value(rank)) for rank, status in enumerate(STATUS_ORDER)],
        default=Value(len(STATUS_ORDER)),
        output_field=IntegerField(),
    )


def inbox_ordering(sort: str, descending: bool) -> list:
    """ORDER BY of a sort: the sort key, then the id in the same direction (stable pages).
    Cases without a deadline come last in both directions of the deadline sort."""
    if sort not in Sort.ALL:
        sort, descending = DEFAULT_SORT, DEFAULT_DESCENDING
    key = {
        Sort.SUBMITTED: F("submitted_at"),
        Sort.DUE: F("due_on"),
        Sort.STATUS: _status_rank(),
        Sort.REFERENCE: F("reference"),
        Sort.APPLICANT: F("applicant_name"),
    }[sort]
    if descending:
        primary = key.desc(nulls_last=True) if sort == Sort.DUE else key.desc()
        return [primary, F("id").desc()]
    primary = key.asc(nulls_last=True) if sort == Sort.DUE else key.asc()
    return [primary, F("id").asc()]


def inbox_status_counts(
    *, tenant, user, filters: InboxFilters, today: datetime.date | None = None
) -> dict[str, int]:
    """Cases per status under all filters except the status itself (one GROUP BY); every
    status is present, with 0 where there is none."""
    unfiltered_status = replace(filters, status="")
    rows = (
        inbox_cases(tenant=tenant, user=user, filters=unfiltered_status, today=today)
        .order_by()
        .values_list("status")
        # COUNT(*), not COUNT(id): the (tenant, status, …) index answers it alone.
        .annotate(count=Count("*"))
    )
    counts = {status.value: 0 for status in CaseStatus}
    counts.update(dict(rows))
    return counts


def inbox_rows(
    cases: QuerySet[Case], *, sort: str, descending: bool, offset: int = 0, limit: int = PAGE_SIZE
) -> list[InboxRow]:
    """One page of `cases` in the order of `sort`, as plain rows."""
    ordered = cases.order_by(*inbox_ordering(sort, descending)).values_list(*ROW_COLUMNS)
    return [InboxRow(*values) for values in ordered[offset : offset + limit]]


def inbox_page(
    *,
    tenant,
    user,
    filters: InboxFilters,
    sort: str = DEFAULT_SORT,
    descending: bool = DEFAULT_DESCENDING,
    page: int = 1,
    page_size: int = PAGE_SIZE,
    today: datetime.date | None = None,
) -> InboxPage:
    """One page of the inbox with the counts per status: two queries."""
    today = today or timezone.localdate()
    counts = inbox_status_counts(tenant=tenant, user=user, filters=filters, today=today)
    total = counts.get(filters.status, 0) if filters.status else sum(counts.values())
    result = InboxPage(cases=[], number=1, page_size=page_size, total=total, status_counts=counts)
    result.number = min(max(1, page), result.num_pages)
    if total:
        cases = inbox_cases(tenant=tenant, user=user, filters=filters, today=today)
        result.cases = inbox_rows(
            cases,
            sort=sort,
            descending=descending,
            offset=(result.number - 1) * page_size,
            limit=page_size,
        )
    return result
