"""The delivery date of a notice by § 9 Abs. 1 OZG: deemed delivered on the fourth day after it
was made available (German calendar day, the day itself not counted), or on the day of the
first retrieval if that is earlier; a retrieval after the deemed day leaves the deemed day."""

from __future__ import annotations

import datetime as dt

from hypothesis import example, given
from hypothesis import strategies as st

from openkommune.cases.models import Notice, deemed_delivery_date
from openkommune.cases.services.notices import notice_delivery_status
from openkommune.core.timezone import LOCAL_TZ, local_date

UTC = dt.UTC

moments = st.datetimes(
    min_value=dt.datetime(2000, 1, 1),
    max_value=dt.datetime(2099, 12, 31),
    timezones=st.just(UTC),
)
delays = st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=30))


def notice(made_available_at: dt.datetime, opened_at: dt.datetime | None = None) -> Notice:
    return Notice(
        made_available_at=made_available_at,
        deemed_delivered_on=deemed_delivery_date(made_available_at),
        first_opened_at=opened_at,
    )


def berlin(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LOCAL_TZ)


@given(made=moments)
@example(made=berlin(2026, 12, 29, 10, 0))  # over the year end
@example(made=berlin(2027, 2, 26, 23, 59))  # end of February, common year
@example(made=berlin(2028, 2, 26, 0, 1))  # end of February, leap year
@example(made=dt.datetime(2026, 3, 31, 22, 30, tzinfo=UTC))  # already 1 April in Germany
@example(made=berlin(2026, 3, 28, 12, 0))  # over the switch to summer time
def test_deemed_delivery_is_the_fourth_day_after_being_made_available(made):
    day = local_date(made)
    assert deemed_delivery_date(made) == day + dt.timedelta(days=4)
    assert (deemed_delivery_date(made) - day).days == 4
    # Unopened: delivered on the deemed day.
    assert notice(made).delivered_on == deemed_delivery_date(made)


def test_known_days():
    assert deemed_delivery_date(berlin(2026, 12, 29, 10, 0)) == dt.date(2027, 1, 2)
    assert deemed_delivery_date(berlin(2027, 2, 26, 23, 59)) == dt.date(2027, 3, 2)
    assert deemed_delivery_date(berlin(2028, 2, 26, 0, 1)) == dt.date(2028, 3, 1)
    assert deemed_delivery_date(dt.datetime(2026, 3, 31, 22, 30, tzinfo=UTC)) == dt.date(2026, 4, 5)
    # Not moved off a weekend: made available on a Tuesday, delivered on the Saturday.
    assert deemed_delivery_date(berlin(2026, 11, 24, 9, 0)) == dt.date(2026, 11, 28)


@given(made=moments, delay=delays)
@example(made=berlin(2026, 12, 30, 8, 0), delay=dt.timedelta(days=1, hours=17))  # 1 Jan
@example(made=berlin(2026, 1, 31, 23, 0), delay=dt.timedelta(hours=2))  # next month
def test_the_earlier_of_first_retrieval_and_deemed_day_counts(made, delay):
    opened = made + delay
    item = notice(made, opened)
    opened_day = local_date(opened)
    deemed = deemed_delivery_date(made)
    delivered = item.delivered_on
    assert delivered == min(opened_day, deemed)
    if opened_day < deemed:
        assert delivered == opened_day  # retrieved earlier: that day
    else:
        assert delivered == deemed  # retrieved later: the deemed day stays
    assert item.delivered_on == delivered  # the model's derived value agrees


@given(made=moments, delay=delays)
def test_the_status_text_names_the_delivery_day(made, delay):
    deemed = deemed_delivery_date(made)
    day = deemed.strftime("%d.%m.%Y")
    # Before the deemed day, unopened: provisional.
    before = notice_delivery_status(notice(made), today=deemed - dt.timedelta(days=1))
    assert before.text == f"gilt als zugestellt am {day} (sofern nicht früher abgerufen)"
    assert not before.is_final
    # The deemed day has come, unopened: final.
    on = notice_delivery_status(notice(made), today=deemed)
    assert on.is_final
    assert on.text.startswith(f"zugestellt am {day}")
    # Opened: final, on the earlier day.
    opened = notice_delivery_status(notice(made, made + delay), today=deemed - dt.timedelta(days=3))
    assert opened.is_final
    assert opened.text.startswith(f"zugestellt am {opened.delivered_on.strftime('%d.%m.%Y')}")
    assert opened.opened_on == (made + delay).astimezone(LOCAL_TZ).date()


def test_the_status_texts():
    made = berlin(2026, 11, 23, 10, 0)  # Monday -> deemed Friday 27 November
    assert (
        notice_delivery_status(notice(made), today=dt.date(2026, 11, 24)).text
        == "gilt als zugestellt am 27.11.2026 (sofern nicht früher abgerufen)"
    )
    assert (
        notice_delivery_status(notice(made, berlin(2026, 11, 24, 8, 0))).text
        == "zugestellt am 24.11.2026 (abgerufen)"
    )
    assert (
        notice_delivery_status(notice(made, berlin(2026, 12, 1, 8, 0))).text
        == "zugestellt am 27.11.2026 (gilt als zugestellt; abgerufen am 01.12.2026)"
    )
    assert (
        notice_delivery_status(notice(made), today=dt.date(2026, 11, 30)).text
        == "zugestellt am 27.11.2026 (gilt als zugestellt; noch nicht abgerufen)"
    )
