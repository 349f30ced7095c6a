"""The round result chart: per member, the cost alone, bundled and the Shapley share.

A grouped horizontal bar chart as server-rendered SVG, built the way `reports/charts.py`
builds its charts (role="img", title and description, values as visible text, colours with
3:1 contrast, a data table next to it on the page). It lives here because bundling sits
below reports in the layer contract and the reports charts have no grouped horizontal form.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape

from django.utils.safestring import SafeString, mark_safe

from openkommune.core.formatting import EMPTY, format_money

COLOURS = ("#b3591f", "#1d4f91", "#2c6b3f")
TEXT = "#171a1c"


def _euro(value: Decimal | None) -> str:
    return EMPTY if value is None else format_money(value)


def member_costs_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    labels: list[str],
    series: list[tuple[str, list[Decimal | None]]],
    empty_message: str,
) -> SafeString:
    width, label_width, value_width, bar = 760, 220, 110, 14
    title_id, desc_id = f"{chart_id}-titel", f"{chart_id}-beschreibung"
    legend_height = 22 * len(series) + 6
    group = bar * len(series) + 12
    height = legend_height + max(1, len(labels)) * group + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="ok-chart" id="{escape(chart_id)}" '
        f'role="img" aria-labelledby="{escape(title_id)} {escape(desc_id)}" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
        f'<desc id="{escape(desc_id)}">{escape(description if labels else empty_message)}</desc>',
    ]
    if not labels:
        parts.append(
            f'<text x="0" y="{legend_height}" font-size="14" fill="{TEXT}">'
            f"{escape(empty_message)}</text></svg>"
        )
        return mark_safe("".join(parts))  # noqa: S308 - every piece is escaped above
    for index, (name, _values) in enumerate(series):
        y = 4 + index * 22
        parts.append(
            f'<rect x="0" y="{y}" width="14" height="14" fill="{COLOURS[index % 3]}"/>'
            f'<text x="20" y="{y + 12}" font-size="13" fill="{TEXT}">{escape(name)}</text>'
        )
    scale = max((v or 0) for _name, values in series for v in values) or Decimal(1)
    area = width - label_width - value_width
    for row, label in enumerate(labels):
        top = legend_height + row * group
        parts.append(
            f'<text x="{label_width - 8}" y="{top + group / 2:.1f}" text-anchor="end" '
            f'font-size="13" fill="{TEXT}">{escape(label)}</text>'
        )
        for index, (name, values) in enumerate(series):
            value = values[row]
            length = 0 if value is None else float(max(value, 0) / scale) * area
            y = top + index * bar
            parts.append(
                f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar - 2}" '
                f'fill="{COLOURS[index % 3]}"><title>{escape(label)}, {escape(name)}: '
                f"{escape(_euro(value))}</title></rect>"
                f'<text x="{label_width + length + 6:.1f}" y="{y + bar - 4}" font-size="11" '
                f'fill="{TEXT}">{escape(_euro(value))}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece is escaped above
