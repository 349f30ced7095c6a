"""The SLA clock against hand-worked examples (business hours Mo-Fr 8-16, Saxony-Anhalt's
public holidays, pauses, daylight saving) and properties that must hold for any input."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openkommune.servicedesk.sla import BusinessHours, business_time_between, due_at

BERLIN = ZoneInfo("Europe/Berlin")
HOURS = BusinessHours()  # Mo-Fr 8-16, Sachsen-Anhalt
H = timedelta(hours=1)


def local(*args):
    return datetime(*args, tzinfo=BERLIN)


def test_saxony_anhalt_holidays_are_not_business_days():
    assert HOURS.holiday_name(local(2025, 10, 31).date()) == "Reformationstag"
    assert HOURS.holiday_name(local(2026, 1, 6).date()) == "Heilige Drei Könige"
    assert not HOURS.is_business_day(local(2025, 10, 31).date())
    assert HOURS.is_business_day(local(2025, 10, 30).date())
    # Berlin (BE) has neither; the configuration is the state's, not Germany's.
    assert BusinessHours(subdiv="BE").is_business_day(local(2026, 1, 6).date())


def test_across_reformationstag_and_weekend():
    # Thu 30.10.2025 14:00, 8 h: Thu 14-16 = 2 h; Fri 31.10. Reformationstag; Sat, Sun;
    # Mon 3.11. 8:00 + 6 h = 14:00.
    opened = local(2025, 10, 30, 14)
    assert due_at(HOURS, opened, 8 * H) == local(2025, 11, 3, 14)
    assert business_time_between(HOURS, opened, local(2025, 11, 3, 14)) == 8 * H


def test_across_heilige_drei_koenige():
    # Mon 5.1.2026 15:00, 4 h: Mon 15-16 = 1 h; Tue 6.1. holiday; Wed 7.1. 8:00 + 3 h = 11:00.
    assert due_at(HOURS, local(2026, 1, 5, 15), 4 * H) == local(2026, 1, 7, 11)


def test_opened_outside_business_hours_starts_next_morning():
    # Sat 7.11.2026 22:00, 2 h -> Mon 9.11. 10:00; Fri 17:30, 1 h -> Mon 9:00.
    assert due_at(HOURS, local(2026, 11, 7, 22), 2 * H) == local(2026, 11, 9, 10)
    assert due_at(HOURS, local(2026, 11, 6, 17, 30), 1 * H) == local(2026, 11, 9, 9)
    # Exactly used up at closing time: due at 16:00, not next morning.
    assert due_at(HOURS, local(2026, 11, 9, 8), 8 * H) == local(2026, 11, 9, 16)


def test_pause_stops_the_clock():
    # Mon 2.11.2026 9:00, 16 h, paused Mon 10:00 - Tue 12:00:
    # Mon 9-10 = 1 h, Tue 12-16 = 4 h, Wed 8 h (13 h), Thu 8:00 + 3 h = 11:00.
    opened = local(2026, 11, 2, 9)
    pause = (local(2026, 11, 2, 10), local(2026, 11, 3, 12))
    # Without the pause: Mon 9-16 = 7 h, Tue 8 h, Wed 8:00 + 1 h = 9:00.
    assert due_at(HOURS, opened, 16 * H) == local(2026, 11, 4, 9)
    assert due_at(HOURS, opened, 16 * H, [pause]) == local(2026, 11, 5, 11)
    assert business_time_between(HOURS, opened, local(2026, 11, 3, 16), [pause]) == 5 * H


def test_open_pause_stops_for_good_but_not_a_target_already_reached():
    opened = local(2026, 11, 2, 9)
    waiting = [(local(2026, 11, 2, 12), None)]
    assert due_at(HOURS, opened, 4 * H, waiting) is None
    assert due_at(HOURS, opened, 2 * H, waiting) == local(2026, 11, 2, 11)
    assert business_time_between(HOURS, opened, local(2026, 11, 9, 16), waiting) == 3 * H


def test_daylight_saving_ends_over_the_weekend():
    # Fri 23.10.2026 15:00 CEST, 2 h -> Mon 26.10. 9:00 CET (08:00 UTC, not 07:00).
    due = due_at(HOURS, local(2026, 10, 23, 15), 2 * H)
    assert due == datetime(2026, 10, 26, 8, tzinfo=UTC)


def test_configurable_hours_and_bad_configuration():
    saturday_too = BusinessHours(weekdays=frozenset(range(6)), start=time(7), end=time(12))
    # Fri 6.11.2026 11:00, 3 h: Fri 11-12 = 1 h, Sat 7:00 + 2 h = 9:00.
    assert due_at(saturday_too, local(2026, 11, 6, 11), 3 * H) == local(2026, 11, 7, 9)
    with pytest.raises(ValueError, match="end after"):
        BusinessHours(start=time(16), end=time(8))
    with pytest.raises(ValueError, match="weekdays"):
        BusinessHours(weekdays=frozenset())
    with pytest.raises(ValueError, match="naive"):
        due_at(HOURS, datetime(2026, 11, 2, 9), H)  # naive


moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
durations = st.integers(min_value=0, max_value=60 * 60 * 24 * 5).map(lambda s: timedelta(seconds=s))


@st.composite
def pauses(draw):
    result = []
    for _ in range(draw(st.integers(0, 3))):
        begin = draw(moments)
        length = draw(st.one_of(st.none(), durations.map(lambda d: d * 3)))
        result.append((begin, None if length is None else begin + length))
    return result


@settings(max_examples=60, deadline=None)
@given(opened=moments, target=durations, existing=pauses(), extra=pauses())
def test_adding_a_pause_never_makes_a_ticket_due_earlier(opened, target, existing, extra):
    before = due_at(HOURS, opened, target, existing)
    after = due_at(HOURS, opened, target, existing + extra)
    if before is None:
        assert after is None
    elif after is not None:
        assert after >= before


@settings(max_examples=60, deadline=None)
@given(opened=moments, target=durations, paused=pauses())
def test_due_time_is_exactly_the_target_of_running_business_time(opened, target, paused):
    due = due_at(HOURS, opened, target, paused)
    if due is not None:
        assert business_time_between(HOURS, opened, due, paused) == target
        assert HOURS.is_business_day(due.astimezone(BERLIN).date()) or target == timedelta(0)
