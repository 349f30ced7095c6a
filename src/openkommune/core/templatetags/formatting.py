"""Display filters for German numbers and dates, for every app's templates:
{% load formatting %} … {{ amount|euro }} {{ share|percent }} {{ value|number:2 }} {{ day|date_de }}
Empty values show a dash (formatting.EMPTY)."""

from django import template

from openkommune.core import formatting

register = template.Library()


def _empty(value) -> bool:
    return value is None or value == ""


@register.filter
def euro(value) -> str:
    """1234.5 -> "1.234,50 €"."""
    return formatting.EMPTY if _empty(value) else formatting.format_money(value)


@register.filter
def percent(share) -> str:
    """A share of one: 0.815 -> "81,5 %"."""
    return formatting.EMPTY if _empty(share) else formatting.format_share(share)


@register.filter
def number(value, places=None) -> str:
    """12345.6|number:2 -> "12.345,60"."""
    if _empty(value):
        return formatting.EMPTY
    return formatting.format_number(value, None if places is None else int(places))


@register.filter
def date_de(value) -> str:
    """A day or an aware moment as "05.03.2024" (in English "05/03/2024")."""
    return formatting.EMPTY if _empty(value) else formatting.format_date(value)


@register.filter
def day(value) -> str:
    """A day in the interface language's notation: "05.03.2024", in English "05/03/2024"
    (templates used to write `date:"d.m.Y"`, German in English too)."""
    return formatting.EMPTY if _empty(value) else formatting.format_date(value)


@register.filter
def moment(value) -> str:
    """A moment in German time: "05.03.2024, 14:30 Uhr", in English "05/03/2024, 14:30"."""
    return formatting.EMPTY if _empty(value) else formatting.format_datetime(value)
