"""The planner's charts as server-rendered SVG, for the page and (inline) the PDF report.

Built the way `reports/charts.py` and `bundling/charts.py` build theirs (this app sits below
reports in the layer contract): `<svg role="img">` named by its `<title>` and `<desc>`,
values as visible text where they fit, colours of KERN's palette with 3:1 contrast against
white, and a table with the same numbers next to each chart on the page and in the report.
Every label is escaped here.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from openkommune.core.formatting import format_money, format_number
from openkommune.printplanner.calculation import ScenarioResult

COLOURS = ("#1d4f91", "#b3591f", "#2c6b3f", "#6b2c6b", "#5c5c5c")
TEXT = "#171a1c"
WIDTH = 720


def _open(chart_id: str, title: str, description: str, height: int) -> list[str]:
    title_id, desc_id = f"{chart_id}-titel", f"{chart_id}-beschreibung"
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="ok-chart" id="{escape(chart_id)}" '
        f'role="img" aria-labelledby="{escape(title_id)} {escape(desc_id)}" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
        f'<desc id="{escape(desc_id)}">{escape(description)}</desc>',
    ]


def _legend(names: list[str], top: int = 4) -> tuple[list[str], int]:
    parts = []
    for index, name in enumerate(names):
        y = top + index * 20
        parts.append(
            f'<rect x="0" y="{y}" width="14" height="14" fill="{COLOURS[index % len(COLOURS)]}"/>'
            f'<text x="20" y="{y + 12}" font-size="13" fill="{TEXT}">{escape(name)}</text>'
        )
    return parts, top + 20 * len(names) + 6


def _finish(parts: list[str]) -> SafeString:
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece is escaped above


def _bars(
    chart_id: str,
    title: str,
    description: str,
    labels: list[str],
    values: list[Decimal],
) -> SafeString:
    """One bar per label (label left, the amount right of the bar); the first bar (today)
    in the first colour, the others in the second."""
    label_width, value_width, bar, gap, top = 230, 130, 22, 8, 4
    height = top + len(labels) * (bar + gap) + 4
    parts = _open(chart_id, title, description, height)
    scale = max([v for v in values if v > 0], default=Decimal(1))
    area = WIDTH - label_width - value_width
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + index * (bar + gap)
        length = float(max(value, Decimal(0)) / scale) * area
        parts.append(
            f'<text x="{label_width - 8}" y="{y + bar - 6}" text-anchor="end" font-size="13" '
            f'fill="{TEXT}">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar}" '
            f'fill="{COLOURS[0] if index == 0 else COLOURS[1]}"/>'
            f'<text x="{label_width + length + 6:.1f}" y="{y + bar - 6}" font-size="12" '
            f'fill="{TEXT}">{escape(format_money(value))}</text>'
        )
    return _finish(parts)


def tco_chart(result: ScenarioResult, *, chart_id: str = "tco-diagramm") -> SafeString:
    years = len(result.today_years)
    labels = [_("Heute, fortgeschrieben")] + [
        _("Szenario, %(case)s") % {"case": case.label} for case in result.cases
    ]
    values = [result.today_tco] + [case.tco for case in result.cases]
    description = ngettext(
        "Gesamtkosten über %(years)d Jahr: heute %(today)s, Szenario niedrig %(low)s, "
        "erwartet %(expected)s, hoch %(high)s.",
        "Gesamtkosten über %(years)d Jahre: heute %(today)s, Szenario niedrig %(low)s, "
        "erwartet %(expected)s, hoch %(high)s.",
        years,
    ) % {
        "years": years,
        "today": format_money(result.today_tco),
        "low": format_money(result.cases[0].tco),
        "expected": format_money(result.cases[1].tco),
        "high": format_money(result.cases[2].tco),
    }
    title = ngettext(
        "Gesamtkosten über %(years)d Jahr", "Gesamtkosten über %(years)d Jahre", years
    ) % {"years": years}
    return _bars(chart_id, title, description, labels, values)


def cost_structure_chart(
    result: ScenarioResult, *, chart_id: str = "kostenstruktur-diagramm"
) -> SafeString:
    """Stacked bars: one year's costs by category, today and in the expected case."""
    rows = [
        (_("Heute"), result.today.total.costs),
        (_("Szenario, erwartet"), result.expected.costs),
    ]
    categories = [label for _key, label, _value in rows[0][1].by_category()]
    legend, top = _legend([str(c) for c in categories])
    label_width, value_width, bar, gap = 230, 130, 26, 12
    height = top + len(rows) * (bar + gap) + 4
    summary = "; ".join(
        f"{name}: "
        + ", ".join(f"{label} {format_money(value)}" for _k, label, value in costs.by_category())
        for name, costs in rows
    )
    parts = _open(
        chart_id, _("Kosten eines Jahres nach Art (Preise des ersten Jahres)"), summary, height
    )
    parts += legend
    scale = max((costs.total for _n, costs in rows), default=Decimal(1)) or Decimal(1)
    area = WIDTH - label_width - value_width
    for index, (name, costs) in enumerate(rows):
        y = top + index * (bar + gap)
        parts.append(
            f'<text x="{label_width - 8}" y="{y + bar - 8}" text-anchor="end" font-size="13" '
            f'fill="{TEXT}">{escape(name)}</text>'
        )
        x = float(label_width)
        for position, (_key, label, value) in enumerate(costs.by_category()):
            length = float(max(value, Decimal(0)) / scale) * area
            if length <= 0:
                continue
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{length:.1f}" height="{bar}" '
                f'fill="{COLOURS[position % len(COLOURS)]}" stroke="#ffffff" stroke-width="1">'
                f"<title>{escape(name)}, {escape(str(label))}: {escape(format_money(value))}"
                f"</title></rect>"
            )
            x += length
        parts.append(
            f'<text x="{x + 6:.1f}" y="{y + bar - 8}" font-size="12" fill="{TEXT}">'
            f"{escape(format_money(costs.total))}</text>"
        )
    return _finish(parts)


def devices_chart(result: ScenarioResult, *, chart_id: str = "geraete-diagramm") -> SafeString:
    """Grouped bars per site: devices today and in the scenario."""
    names = [_("Geräte heute"), _("Geräte im Szenario")]
    legend, top = _legend(names)
    label_width, value_width, bar = 230, 60, 14
    group = 2 * bar + 10
    height = top + len(result.sites) * group + 4
    summary = "; ".join(
        _("%(site)s: heute %(today)s, im Szenario %(target)s")
        % {"site": site.name, "today": site.devices_today, "target": site.devices}
        for site in result.sites
    )
    parts = _open(chart_id, _("Geräte je Standort"), summary, height) + legend
    scale = max((site.devices_today for site in result.sites), default=1) or 1
    area = WIDTH - label_width - value_width
    for index, site in enumerate(result.sites):
        y = top + index * group
        parts.append(
            f'<text x="{label_width - 8}" y="{y + bar + 4}" text-anchor="end" font-size="13" '
            f'fill="{TEXT}">{escape(site.name)}</text>'
        )
        for position, value in enumerate((site.devices_today, site.devices)):
            length = value / scale * area
            top_y = y + position * bar
            parts.append(
                f'<rect x="{label_width}" y="{top_y}" width="{length:.1f}" height="{bar - 2}" '
                f'fill="{COLOURS[position]}"/>'
                f'<text x="{label_width + length + 6:.1f}" y="{top_y + bar - 4}" font-size="11" '
                f'fill="{TEXT}">{escape(format_number(value))}</text>'
            )
    return _finish(parts)
