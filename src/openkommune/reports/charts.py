"""Bar charts as server-rendered SVG strings, accessible by construction.

Each chart is an `<svg role="img">` with a `<title>` (and `<desc>`) referenced through
`aria-labelledby`; every bar carries its value as visible text, so the chart does not depend
on colour alone. Pages still put a data table with the same numbers next to each chart: a
screen reader reads the table, not the drawing. Labels are escaped here, never in templates.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

from openkommune.core.formatting import format_number

# Colours of KERN's palette with sufficient contrast against white (WCAG 1.4.11, 3:1).
SERIES_COLOURS = ("#1d4f91", "#b3591f", "#2c6b3f", "#6b2c6b")
TEXT_COLOUR = "#171a1c"
MIN_WIDTH = 560


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]


def _format(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    places = 1 if isinstance(value, float) and not value.is_integer() else 0
    return f"{format_number(value, places)}{unit}"


def _header(chart_id: str, title: str, description: str, width: int, height: int) -> list[str]:
    title_id, desc_id = f"{chart_id}-titel", f"{chart_id}-beschreibung"
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="ok-chart" id="{escape(chart_id)}" '
        f'role="img" aria-labelledby="{escape(title_id)} {escape(desc_id)}" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
        f'<desc id="{escape(desc_id)}">{escape(description)}</desc>',
    ]


def _empty(chart_id: str, title: str, width: int, message: str) -> SafeString:
    parts = _header(chart_id, title, message, width, 40)
    parts.append(
        f'<text x="0" y="24" font-size="14" fill="{TEXT_COLOUR}">{escape(message)}</text></svg>'
    )
    return mark_safe("".join(parts))  # noqa: S308 - every piece is escaped above


def horizontal_bar_chart(
    *,
    chart_id: str,
    title: str,
    labels: list[str],
    values: list[float | None],
    maximum: float | None = None,
    unit: str = "",
    description: str = "",
    empty_message: str = "Keine Daten vorhanden.",
    width: int = 720,
    label_width: int = 240,
    bar_height: int = 22,
) -> SafeString:
    """One bar per label, left to right; `maximum` fixes the scale (100 for percentages)."""
    if not labels:
        return _empty(chart_id, title, width, empty_message)
    scale_max = maximum or max((v or 0) for v in values) or 1
    value_width = 90
    bar_area = width - label_width - value_width
    row = bar_height + 8
    height = row * len(labels) + 8
    parts = _header(chart_id, title, description or title, width, height)
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 4 + index * row
        length = 0 if value is None else max(0.0, min(value, scale_max)) / scale_max * bar_area
        text_y = y + bar_height * 0.7
        parts.append(
            f'<text x="{label_width - 8}" y="{text_y:.1f}" text-anchor="end" font-size="13" '
            f'fill="{TEXT_COLOUR}">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" '
            f'fill="{SERIES_COLOURS[0]}"><title>{escape(label)}: '
            f"{escape(_format(value, unit))}</title></rect>"
            f'<text x="{label_width + length + 6:.1f}" y="{text_y:.1f}" font-size="13" '
            f'fill="{TEXT_COLOUR}">{escape(_format(value, unit))}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece is escaped above


def vertical_bar_chart(
    *,
    chart_id: str,
    title: str,
    categories: list[str],
    series: list[Series],
    unit: str = "",
    description: str = "",
    empty_message: str = "Keine Daten vorhanden.",
    height: int = 280,
) -> SafeString:
    """Grouped columns: one group per category, one column per series, with a legend."""
    if not categories or not series:
        return _empty(chart_id, title, 720, empty_message)
    for one in series:
        if len(one.values) != len(categories):
            raise ValueError(f"Series {one.name!r} has not one value per category.")
    group_width = max(36, 18 * len(series) + 14)
    left, bottom, top = 8, 40, 24 + 20 * len(series)
    # The drawing scales to the page's width: a narrow one (a single year) would be drawn
    # thousands of pixels tall and cut its legend. So it is at least MIN_WIDTH wide and wide
    # enough for the longest legend entry (about 7.5 units per character at 13 px).
    legend = left + 20 + max(len(one.name) for one in series) * 7.5 + 8
    width = int(max(left + group_width * len(categories) + 8, legend, MIN_WIDTH))
    plot_height = height - top - bottom
    scale_max = max((v or 0) for one in series for v in one.values) or 1
    column = (group_width - 10) / len(series)
    parts = _header(chart_id, title, description or title, width, height)
    for index, one in enumerate(series):
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        y = 6 + index * 20
        parts.append(
            f'<rect x="{left}" y="{y}" width="14" height="14" fill="{colour}"/>'
            f'<text x="{left + 20}" y="{y + 12}" font-size="13" fill="{TEXT_COLOUR}">'
            f"{escape(one.name)}</text>"
        )
    baseline = top + plot_height
    for c_index, category in enumerate(categories):
        group_x = left + c_index * group_width + 5
        for s_index, one in enumerate(series):
            value = one.values[c_index]
            if value is None:
                continue
            bar = max(0.0, value) / scale_max * plot_height
            x = group_x + s_index * column
            colour = SERIES_COLOURS[s_index % len(SERIES_COLOURS)]
            parts.append(
                f'<rect x="{x:.1f}" y="{baseline - bar:.1f}" width="{column - 2:.1f}" '
                f'height="{bar:.1f}" fill="{colour}"><title>{escape(category)}, '
                f"{escape(one.name)}: {escape(_format(value, unit))}</title></rect>"
                f'<text x="{x + (column - 2) / 2:.1f}" y="{baseline - bar - 3:.1f}" '
                f'text-anchor="middle" font-size="11" fill="{TEXT_COLOUR}">'
                f"{escape(_format(value, unit))}</text>"
            )
        parts.append(
            f'<text x="{group_x + (group_width - 10) / 2:.1f}" y="{baseline + 16}" '
            f'text-anchor="middle" font-size="12" fill="{TEXT_COLOUR}">{escape(category)}</text>'
        )
    parts.append(
        f'<line x1="{left}" y1="{baseline}" x2="{width - 8}" y2="{baseline}" '
        f'stroke="{TEXT_COLOUR}" stroke-width="1"/></svg>'
    )
    return mark_safe("".join(parts))  # noqa: S308 - every piece is escaped above
