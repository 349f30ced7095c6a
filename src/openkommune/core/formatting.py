"""German display formatting of numbers, money, percentages and dates, in one place.

Built on Django's localisation (`django.utils.formats`) under the active language, so the
separators and the date pattern come from Django's locale data (for "de": "1.234,56" and
"05.03.2024") instead of hand-written `replace()` chains. Use it for text people read:
pages, e-mails, PDFs, messages. Machine formats (CSV/XLSX cells, XRechnung, JSON, API
payloads) keep their own fixed notation and must not use it.
"""

import datetime
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

from django.utils import formats
from django.utils.translation import gettext as _

from openkommune.core.timezone import LOCAL_TZ

EMPTY = "–"


def _decimal(value) -> Decimal:
    # Decimal(float) is exact, so rounding below matches what f"{value:.1f}" did.
    return value if isinstance(value, Decimal) else Decimal(value)


def format_number(
    value, places: int | None = None, *, grouping: bool = True, rounding: str = ROUND_HALF_EVEN
) -> str:
    """12345.678 -> "12.345,678"; with places=2 -> "12.345,68"; grouping=False -> "12345,68".

    Django's number_format cuts surplus decimals off; rounding happens here first."""
    number = _decimal(value)
    if places is not None:
        number = number.quantize(Decimal(1).scaleb(-places), rounding=rounding)
    return formats.number_format(number, places, use_l10n=True, force_grouping=grouping)


def format_money(value, *, currency: bool = True) -> str:
    """1234.5 -> "1.234,50 €" (two places, grouped, commercial rounding);
    currency=False -> "1.234,50"."""
    text = format_number(value, 2, rounding=ROUND_HALF_UP)
    return f"{text} €" if currency else text


def format_percent(value, places: int = 1, *, rounding: str = ROUND_HALF_EVEN) -> str:
    """A value already in percent: 81.5 -> "81,5 %"."""
    return f"{format_number(value, places, rounding=rounding)} %"


def format_share(share, places: int = 1, *, rounding: str = ROUND_HALF_EVEN) -> str:
    """A share of one: 0.815 -> "81,5 %"."""
    return format_percent(_decimal(share) * 100, places, rounding=rounding)


def _local(value):
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.astimezone(LOCAL_TZ)
    return value


def format_date(value: datetime.date | datetime.datetime) -> str:
    """A day as "05.03.2024"; an aware moment is shown as its German calendar day."""
    return formats.date_format(_local(value), "SHORT_DATE_FORMAT")


def format_datetime(value: datetime.datetime) -> str:
    """A moment in German time: "05.03.2024, 14:30 Uhr"."""
    local = _local(value)
    return _("%(date)s, %(time)s Uhr") % {
        "date": formats.date_format(local, "SHORT_DATE_FORMAT"),
        "time": formats.time_format(local, "TIME_FORMAT"),
    }
