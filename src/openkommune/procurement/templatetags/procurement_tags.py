"""Display helpers of the procurement templates."""

from decimal import Decimal

from django import template

from openkommune.procurement.pricing import format_euro_plain

register = template.Library()


@register.filter
def euro(value) -> str:
    """1234.5 -> "1.234,50 €"."""
    if value is None or value == "":
        return "–"
    return f"{format_euro_plain(Decimal(value))} €"


@register.filter
def percent(share) -> str:
    """0.815 -> "81,5 %"."""
    if share is None:
        return "–"
    value = (Decimal(share) * 100).quantize(Decimal("0.1"))
    return f"{value}".replace(".", ",") + " %"
