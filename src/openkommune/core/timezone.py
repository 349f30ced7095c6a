"""The platform's one local time zone (settings.TIME_ZONE, German time) and the few
helpers that turn a moment into a local calendar day or a day into a local moment.

Deadlines, notice dates, statistics months and retention periods are counted in German
calendar days, whatever zone a stored moment carries."""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

LOCAL_TZ = ZoneInfo(settings.TIME_ZONE)


def local_date(moment: datetime.datetime | None = None) -> datetime.date:
    """The local calendar day of an aware moment (now when none is given)."""
    return (moment or timezone.now()).astimezone(LOCAL_TZ).date()


def local_start_of_day(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of a local calendar day, as an aware moment."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=LOCAL_TZ)
