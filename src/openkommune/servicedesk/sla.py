"""SLA clock of the support desk: business hours, public holidays, pauses, due times.

Pure module (no database, no Django): everything it needs comes in as arguments, so the
hand-worked examples in tests/servicedesk/test_sla.py pin it down exactly.

* Business time runs on the configured weekdays between `start` and `end` (local time of
  `timezone`, Europe/Berlin by default, daylight saving included) and never on a public holiday of
  the configured German state (`holidays.Germany(subdiv="ST")` for Saxony-Anhalt: Heilige Drei
  Könige on 6 January and Reformationstag on 31 October are holidays there).
* A pause ("wartet auf Rückmeldung") stops the clock from its start to its end; an open pause
  (end None) stops it for good, so a target not reached before it has no due time (None).
* A due time is the earliest instant at which the business time since the ticket was opened, less
  the pauses, reaches the target duration.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

# Beyond this many calendar days the search for a due time gives up (a misconfiguration, e.g. a
# duration of years); it raises instead of looping.
MAX_DAYS = 3 * 366

Pause = tuple[datetime, datetime | None]


@functools.lru_cache(maxsize=8)
def _holiday_calendar(subdiv: str) -> holidays.HolidayBase:
    return holidays.Germany(subdiv=subdiv)


@dataclass(frozen=True)
class BusinessHours:
    weekdays: frozenset[int] = field(default_factory=lambda: frozenset(range(5)))  # Mon=0
    start: time = time(8)
    end: time = time(16)
    subdiv: str = "ST"
    timezone: str = "Europe/Berlin"

    def __post_init__(self) -> None:
        if not self.weekdays or not self.weekdays <= set(range(7)):
            raise ValueError("weekdays must be a non-empty subset of 0..6")
        if self.start >= self.end:
            raise ValueError("business hours must end after they start")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def holiday_name(self, day: date) -> str | None:
        return _holiday_calendar(self.subdiv).get(day)

    def is_business_day(self, day: date) -> bool:
        return day.weekday() in self.weekdays and self.holiday_name(day) is None

    def windows(self, since: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Business-time windows (aware, local) from `since` on, in order, the first one cut."""
        _require_aware(since)
        local = since.astimezone(self.tz)
        day = local.date()
        for _ in range(MAX_DAYS):
            if self.is_business_day(day):
                begin = datetime.combine(day, self.start, self.tz)
                finish = datetime.combine(day, self.end, self.tz)
                begin = max(begin, local)
                if begin < finish:
                    yield begin, finish
            day += timedelta(days=1)
        raise ValueError(f"no end within {MAX_DAYS} days")


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime; the SLA clock needs aware datetimes")


def _merged(pauses: Iterable[Pause]) -> list[Pause]:
    """Pauses sorted and merged; an open pause swallows everything after its start."""
    result: list[Pause] = []
    for begin, finish in sorted(pauses, key=lambda p: p[0]):
        _require_aware(begin)
        if finish is not None:
            _require_aware(finish)
            if finish <= begin:
                continue
        if result:
            last_begin, last_finish = result[-1]
            if last_finish is None:
                break
            if begin <= last_finish:
                merged_finish = None if finish is None else max(last_finish, finish)
                result[-1] = (last_begin, merged_finish)
                continue
        result.append((begin, finish))
    return result


def _running(
    window: tuple[datetime, datetime], pauses: list[Pause]
) -> Iterator[tuple[datetime, datetime]]:
    """The parts of a window in which the clock runs (the window minus the pauses)."""
    begin, finish = window
    for p_begin, p_finish in pauses:
        if p_finish is not None and p_finish <= begin:
            continue
        if p_begin >= finish:
            break
        if p_begin > begin:
            yield begin, p_begin
        if p_finish is None or p_finish >= finish:
            return
        begin = p_finish
    if begin < finish:
        yield begin, finish


def due_at(
    hours: BusinessHours,
    opened: datetime,
    target: timedelta,
    pauses: Iterable[Pause] = (),
) -> datetime | None:
    """When `target` of business time has run since `opened` (None: stopped by an open pause)."""
    if target < timedelta(0):
        raise ValueError("target must not be negative")
    merged = _merged(pauses)
    remaining = target
    for window in hours.windows(opened):
        for begin, finish in _running(window, merged):
            span = finish - begin
            if span >= remaining:
                return (begin + remaining).astimezone(opened.tzinfo)
            remaining -= span
        if merged and merged[-1][1] is None and merged[-1][0] <= window[1]:
            return None
    raise AssertionError("unreachable")  # windows() raises first


def business_time_between(
    hours: BusinessHours,
    start: datetime,
    end: datetime,
    pauses: Iterable[Pause] = (),
) -> timedelta:
    """Business time on the clock between `start` and `end`, pauses left out."""
    _require_aware(end)
    total = timedelta(0)
    if end <= start:
        return total
    merged = _merged(pauses)
    for window in hours.windows(start):
        if window[0] >= end:
            break
        clipped = (window[0], min(window[1], end))
        for begin, finish in _running(clipped, merged):
            total += finish - begin
    return total
