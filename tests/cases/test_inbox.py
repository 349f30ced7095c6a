"""The inbox selector against expectations computed independently in Python from the rows
the test wrote: filters, search, sorting with its tie-break, pagination and the counts per
status, for one fixed set of 60 cases and many combinations (hypothesis)."""

from __future__ import annotations

import datetime
import random
from collections import Counter
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openkommune.cases.constants import CaseStatus
from openkommune.cases.selectors import inbox
from openkommune.cases.selectors.inbox import (
    STATUS_ORDER,
    Assignment,
    InboxFilters,
    Sort,
    inbox_page,
    inbox_status_counts,
)
from openkommune.catalog.models import OzgLeistung
from openkommune.core.timezone import local_date
from tests.cases.factories import clerk_of, make_offer, other_tenant
from tests.cases.inbox_factories import berlin, make_case

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 15)
# Distinct first letters: the order is the same under every collation (SQLite, PostgreSQL
# with C or a language locale).
NAMES = [
    "Adler Anna",
    "Becker Bernd",
    "Conrad Clara",
    "Dietrich Dora",
    "Engel Emil",
    "Günther Gustav",
    "Müller Maria",
]


class World:
    def __init__(self):
        offer = make_offer()
        self.tenant = offer.tenant
        self.services = [
            offer.leistung,
            OzgLeistung.objects.filter(is_current=True).exclude(pk=offer.leistung.pk).first(),
        ]
        self.me = clerk_of(self.tenant, first_name="Ich", last_name="Selbst")
        self.colleague = clerk_of(self.tenant, first_name="Kollegin", last_name="Beispiel")
        rng = random.Random(20260315)
        statuses = list(CaseStatus)
        self.cases = []
        for number in range(60):
            day = datetime.date(2026, 2, 1) + datetime.timedelta(days=rng.randrange(48))
            hour, minute = rng.choice([(0, 30), (9, 0), (12, 15), (23, 30)])
            status = rng.choice(statuses)
            self.cases.append(
                make_case(
                    tenant=self.tenant,
                    form_version=offer.version,
                    ozg_leistung=rng.choice(self.services),
                    # Duplicate names and submission times make the tie-break matter.
                    applicant_name=rng.choice(NAMES),
                    submitted_at=berlin(day.year, day.month, day.day, hour, minute)
                    if number % 10
                    else berlin(2026, 3, 1, 12, 0),
                    status=status,
                    assigned_to=rng.choice([self.me, self.colleague, None]),
                    due_on=rng.choice(
                        [
                            None,
                            TODAY - datetime.timedelta(days=3),
                            TODAY,
                            TODAY + datetime.timedelta(days=9),
                        ]
                    ),
                    follow_up_on=rng.choice(
                        [
                            None,
                            TODAY - datetime.timedelta(days=1),
                            TODAY,
                            TODAY + datetime.timedelta(days=2),
                        ]
                    ),
                )
            )
        # Another authority's cases match every filter and search too: never shown.
        self.other = other_tenant()
        other_offer = make_offer(tenant=self.other)
        self.foreign = [
            make_case(
                tenant=self.other,
                form_version=other_offer.version,
                ozg_leistung=self.services[0],
                applicant_name=name,
                status=CaseStatus.IN_PROGRESS,
                due_on=TODAY - datetime.timedelta(days=30),
                follow_up_on=TODAY,
            )
            for name in NAMES
        ]


@pytest.fixture
def world():
    return World()


# --- the independent expectation -------------------------------------------------------------


def _matches(case, filters: InboxFilters, user) -> bool:
    if filters.status and case.status != filters.status:
        return False
    if filters.ozg_leistung_id is not None and case.ozg_leistung_id != filters.ozg_leistung_id:
        return False
    if filters.assignment == Assignment.MINE and case.assigned_to_id != user.pk:
        return False
    if filters.assignment == Assignment.UNASSIGNED and case.assigned_to_id is not None:
        return False
    finished = case.status in ("decided", "closed")
    if filters.overdue and not (case.due_on and case.due_on < TODAY and not finished):
        return False
    if filters.follow_up_due and not (
        case.follow_up_on and case.follow_up_on <= TODAY and case.status != "closed"
    ):
        return False
    local_day = local_date(case.submitted_at)
    if filters.submitted_from and local_day < filters.submitted_from:
        return False
    if filters.submitted_to and local_day > filters.submitted_to:
        return False
    text = f"{case.reference} {case.applicant_name}".lower()
    return all(word in text for word in filters.query.lower().split())


def _sorted(cases, sort: str, descending: bool):
    if sort == Sort.DUE:
        dated = sorted((c for c in cases if c.due_on), key=lambda c: (c.due_on, c.pk))
        undated = sorted((c for c in cases if not c.due_on), key=lambda c: c.pk)
        if descending:
            dated.reverse()
            undated.reverse()
        return dated + undated
    key = {
        Sort.SUBMITTED: lambda c: (c.submitted_at, c.pk),
        Sort.STATUS: lambda c: (STATUS_ORDER.index(c.status), c.pk),
        Sort.REFERENCE: lambda c: (c.reference, c.pk),
        Sort.APPLICANT: lambda c: (c.applicant_name, c.pk),
    }[sort]
    return sorted(cases, key=key, reverse=descending)


def _expected(world, filters, sort, descending):
    rows = [c for c in world.cases if _matches(c, filters, world.me)]
    return _sorted(rows, sort, descending)


def _refs(cases) -> list[str]:
    return [c.reference for c in cases]


# --- properties -----------------------------------------------------------------------------

filters_strategy = st.builds(
    InboxFilters,
    status=st.sampled_from(["", *CaseStatus.values]),
    ozg_leistung_id=st.sampled_from([None, 0, 1]),  # index into world.services
    assignment=st.sampled_from(["", Assignment.MINE, Assignment.UNASSIGNED]),
    overdue=st.booleans(),
    follow_up_due=st.booleans(),
    submitted_from=st.one_of(
        st.none(), st.dates(datetime.date(2026, 1, 25), datetime.date(2026, 3, 25))
    ),
    submitted_to=st.one_of(
        st.none(), st.dates(datetime.date(2026, 1, 25), datetime.date(2026, 3, 25))
    ),
    query=st.sampled_from(
        ["", "a", "er", "müller", "ANNA", "2026-mg", "nna adl", "Bernd Becker", "zzz", "%", "_"]
    ),
)


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    filters=filters_strategy,
    sort=st.sampled_from(Sort.ALL),
    descending=st.booleans(),
    page=st.integers(min_value=-1, max_value=9),
    page_size=st.sampled_from([1, 7, 25]),
)
def test_page_counts_and_order_match_the_independent_expectation(
    world, filters, sort, descending, page, page_size
):
    if filters.ozg_leistung_id is not None:
        service = world.services[filters.ozg_leistung_id]
        filters = replace(filters, ozg_leistung_id=service.pk)
    result = inbox_page(
        tenant=world.tenant,
        user=world.me,
        filters=filters,
        sort=sort,
        descending=descending,
        page=page,
        page_size=page_size,
        today=TODAY,
    )
    expected = _expected(world, filters, sort, descending)
    assert result.total == len(expected)
    pages = max(1, -(-len(expected) // page_size))
    assert result.num_pages == pages
    assert result.number == min(max(page, 1), pages)
    start = (result.number - 1) * page_size
    assert _refs(result.cases) == _refs(expected[start : start + page_size])

    without_status = replace(filters, status="")
    counted = Counter(c.status for c in world.cases if _matches(c, without_status, world.me))
    assert result.status_counts == {s: counted.get(s, 0) for s in CaseStatus.values}
    foreign = {c.reference for c in world.foreign}
    assert not foreign & set(_refs(result.cases))


# --- single rules, spelled out ---------------------------------------------------------------


def test_first_page_is_newest_first_with_the_id_breaking_ties(world):
    result = inbox_page(tenant=world.tenant, user=world.me, filters=InboxFilters(), today=TODAY)
    assert result.total == 60
    assert len(result.cases) == 25
    expected = sorted(world.cases, key=lambda c: (c.submitted_at, c.pk), reverse=True)
    assert _refs(result.cases) == _refs(expected[:25])
    # Six cases share one submission time: their order is by id, newest id first.
    same_time = [c for c in result.cases if c.submitted_at == berlin(2026, 3, 1, 12, 0)]
    assert len(same_time) > 1
    assert [c.id for c in same_time] == sorted((c.id for c in same_time), reverse=True)


def test_overdue_means_deadline_passed_and_not_decided_or_closed(world):
    base = {"tenant": world.tenant, "form_version": world.cases[0].application.form_version,
            "ozg_leistung": world.services[0], "applicant_name": "Zeta Zora"}  # fmt: skip
    yesterday = TODAY - datetime.timedelta(days=1)
    dormant = make_case(**base, status=CaseStatus.DORMANT, due_on=yesterday)
    make_case(**base, status=CaseStatus.DECIDED, due_on=yesterday)
    make_case(**base, status=CaseStatus.CLOSED, due_on=yesterday)
    make_case(**base, status=CaseStatus.RECEIVED, due_on=TODAY)  # due today: not yet overdue
    result = inbox_page(
        tenant=world.tenant,
        user=world.me,
        filters=InboxFilters(overdue=True, query="zeta"),
        today=TODAY,
    )
    assert _refs(result.cases) == [dormant.reference]


def test_follow_up_due_includes_today_and_excludes_closed_cases(world):
    base = {"tenant": world.tenant, "form_version": world.cases[0].application.form_version,
            "ozg_leistung": world.services[0], "applicant_name": "Zeta Zora"}  # fmt: skip
    due_today = make_case(**base, follow_up_on=TODAY)
    make_case(**base, follow_up_on=TODAY + datetime.timedelta(days=1))
    make_case(**base, status=CaseStatus.CLOSED, follow_up_on=TODAY)
    result = inbox_page(
        tenant=world.tenant,
        user=world.me,
        filters=InboxFilters(follow_up_due=True, query="zeta"),
        today=TODAY,
    )
    assert _refs(result.cases) == [due_today.reference]


def test_date_range_uses_the_authoritys_local_days(world):
    base = {"tenant": world.tenant, "form_version": world.cases[0].application.form_version,
            "ozg_leistung": world.services[0], "applicant_name": "Zeta Zora"}  # fmt: skip
    # 00:30 on 2 April in Berlin is 22:30 on 1 April in UTC: it belongs to 2 April.
    late = make_case(**base, submitted_at=berlin(2026, 4, 1, 23, 30))
    early = make_case(**base, submitted_at=berlin(2026, 4, 2, 0, 30))
    one_day = InboxFilters(
        query="zeta",
        submitted_from=datetime.date(2026, 4, 1),
        submitted_to=datetime.date(2026, 4, 1),
    )
    result = inbox_page(tenant=world.tenant, user=world.me, filters=one_day, today=TODAY)
    assert _refs(result.cases) == [late.reference]
    next_day = InboxFilters(query="zeta", submitted_from=datetime.date(2026, 4, 2))
    result = inbox_page(tenant=world.tenant, user=world.me, filters=next_day, today=TODAY)
    assert _refs(result.cases) == [early.reference]


def test_search_finds_part_of_a_reference_in_any_case_and_words_in_any_order(world):
    case = world.cases[7]
    part = case.reference.split("-")[2].lower()
    found = inbox_page(
        tenant=world.tenant, user=world.me, filters=InboxFilters(query=part), today=TODAY
    )
    assert case.reference in _refs(found.cases)
    first, last = case.applicant_name.split()
    reversed_name = InboxFilters(query=f"  {last.upper()}   {first[:3]} {part} ")
    found = inbox_page(tenant=world.tenant, user=world.me, filters=reversed_name, today=TODAY)
    assert _refs(found.cases) == [case.reference]


def test_wildcards_in_the_search_are_plain_characters(world):
    for query in ("%", "_", "a%b"):
        result = inbox_page(
            tenant=world.tenant, user=world.me, filters=InboxFilters(query=query), today=TODAY
        )
        assert result.total == 0, query


def test_mine_without_a_user_is_empty(world):
    result = inbox_page(
        tenant=world.tenant, user=None, filters=InboxFilters(assignment=Assignment.MINE)
    )
    assert result.total == 0
    assert result.cases == []


def test_pages_beyond_the_cap_are_not_served(world, monkeypatch):
    monkeypatch.setattr(inbox, "MAX_PAGED_RESULTS", 10)
    result = inbox_page(
        tenant=world.tenant, user=world.me, filters=InboxFilters(), page=99, page_size=4
    )
    assert result.is_capped
    assert result.num_pages == 3
    assert result.number == 3
    expected = sorted(world.cases, key=lambda c: (c.submitted_at, c.pk), reverse=True)
    assert _refs(result.cases) == _refs(expected[8:12])
    assert result.total == 60


def test_counts_are_one_group_by_and_a_page_two_queries(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        counts = inbox_status_counts(
            tenant=world.tenant, user=world.me, filters=InboxFilters(), today=TODAY
        )
    assert sum(counts.values()) == 60
    with django_assert_num_queries(2):
        page = inbox_page(tenant=world.tenant, user=world.me, filters=InboxFilters())
        assert all(c.service_name for c in page.cases)  # joined, no query per row
    # Named like the form the applicant filled in (and its e-mails and PDFs), not by the
    # catalogue's OZG-Leistung.
    titles = {c.application.form_version.form.title for c in world.cases}
    assert {c.service_name for c in page.cases} <= titles
    assert any(c.assignee_name for c in page.cases)


def test_an_empty_result_skips_the_page_query(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        page = inbox_page(
            tenant=world.tenant, user=world.me, filters=InboxFilters(query="keinsolchername")
        )
    assert page.total == 0
    assert page.cases == []
    assert page.num_pages == 1
