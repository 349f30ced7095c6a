"""The cooperative's report pages. Thin: parse the request, call a selector, render or export.

Who may see what:
- Abdeckung and Entwicklung: public. They are computed from the public register and from
  official statistics, and the cooperative quotes these numbers itself.
- OZG-Fortschritt: people of a member organisation and cooperative staff. Everyone of them
  sees the cooperative's totals and the ranking of all members (it is meant for members to
  learn from each other); the per-Leistung details of a member only its own people and
  cooperative staff.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from openkommune.accounts.access import logged_in_page
from openkommune.core import tables
from openkommune.core.formatting import format_date, format_percent
from openkommune.reports import charts, selectors
from openkommune.tenancy.constants import OrganisationKind
from openkommune.tenancy.selectors import current_tenant, user_is_cooperative_staff
from openkommune.website import selectors as news_selectors


def _export_format(request) -> str | None:
    wanted = request.GET.get("format")
    return wanted if wanted in tables.FORMATS else None


# --- overview ----------------------------------------------------------------------------


@require_GET
def overview(request):
    """The cooperative in figures: members as in the register, the published count, and the
    reference data the platform works with. Public."""
    context = {
        "figures": selectors.platform_figures(),
        "news": list(news_selectors.news_published_list()[:3]),
        "office": news_selectors.office_get(),
    }
    return render(request, "reports/overview.html", context)


# --- coverage ----------------------------------------------------------------------------

COVERAGE_HEADERS = [
    "Regionalschlüssel",
    "Kreis",
    "Gemeinden abgedeckt",
    "Gemeinden insgesamt",
    "Anteil Gemeinden (%)",
    "Einwohner abgedeckt",
    "Einwohner insgesamt",
    "Anteil Einwohner (%)",
    "Fläche abgedeckt (km²)",
    "Fläche insgesamt (km²)",
    "Anteil Fläche (%)",
]


def _coverage_row(area) -> list:
    return [
        area.ars,
        area.name,
        area.gemeinden.covered,
        area.gemeinden.total,
        area.gemeinden.percent,
        area.population.covered,
        area.population.total,
        area.population.percent,
        area.area_km2.covered,
        area.area_km2.total,
        area.area_km2.percent,
    ]


@require_GET
def coverage(request):
    today = timezone.localdate()
    raw = request.GET.get("stand", "").strip()
    error = ""
    as_of = today
    if raw:
        try:
            as_of = datetime.date.fromisoformat(raw)
        except ValueError:
            error = _("Bitte ein Datum im Format JJJJ-MM-TT angeben, zum Beispiel %(d)s.") % {
                "d": today.isoformat()
            }
    result = selectors.coverage(as_of=as_of)
    if (fmt := _export_format(request)) is not None:
        rows = [_coverage_row(kreis) for kreis in result.by_kreis]
        rows.append(_coverage_row(result.land))
        return tables.table_response(
            format=fmt,
            filename=f"abdeckung-{as_of.isoformat()}",
            headers=COVERAGE_HEADERS,
            rows=rows,
            title="Abdeckung",
        )
    chart = charts.horizontal_bar_chart(
        chart_id="abdeckung-diagramm",
        title=_("Anteil der abgedeckten Einwohner je Kreis am %(d)s") % {"d": format_date(as_of)},
        labels=[kreis.name for kreis in result.by_kreis],
        values=[kreis.population.percent for kreis in result.by_kreis],
        maximum=100,
        unit=" %",
    )
    context = {
        "result": result,
        "as_of": as_of,
        "stand": raw if error else as_of.isoformat(),
        "error": error,
        "chart": chart,
    }
    return render(request, "reports/coverage.html", context, status=400 if error else 200)


# --- membership over time ----------------------------------------------------------------


def _kind_label(kind: str) -> str:
    try:
        return str(OrganisationKind(kind).label)
    except ValueError:
        return kind


@require_GET
def membership(request):
    today = timezone.localdate()
    years = selectors.membership_over_time(today=today)
    published = selectors.published_member_counts()
    by_year = selectors.published_count_by_year(published)
    kinds = sorted({kind for year in years for kind in year.by_kind})
    kind_labels = {kind: _kind_label(kind) for kind in kinds}
    rows = []
    for year in years:
        count = by_year.get(year.day.year) if year.label != "aktuell" else None
        rows.append(
            {
                "label": year.label,
                "day": year.day,
                "total": year.total,
                "kinds": [year.by_kind.get(kind, 0) for kind in kinds],
                "published": count,
            }
        )
    if (fmt := _export_format(request)) is not None:
        headers = ["Jahr", "Stichtag", "Mitglieder laut Register"]
        headers += [f"davon {kind_labels[k]}" for k in kinds]
        headers += ["veröffentlichte Zahl", "veröffentlicht zum", "Quelle"]
        table = [
            [row["label"], row["day"], row["total"], *row["kinds"]]
            + (
                [
                    row["published"].members,
                    row["published"].published_as,
                    row["published"].source_url,
                ]
                if row["published"]
                else [None, None, None]
            )
            for row in rows
        ]
        return tables.table_response(
            format=fmt,
            filename="mitglieder-entwicklung",
            headers=headers,
            rows=table,
            title="Mitglieder",
        )
    chart = charts.vertical_bar_chart(
        chart_id="mitglieder-diagramm",
        title=_("Mitglieder je Jahr: Register und veröffentlichte Zahl"),
        description=_(
            "Säulen je Jahr: Mitglieder laut Register am 31.12. (zuletzt: heute) und die in "
            "diesem Jahr zuletzt veröffentlichte Mitgliederzahl. Die Zahlen stehen auch in der "
            "Tabelle unter dem Diagramm."
        ),
        categories=[row["label"] for row in rows],
        series=[
            charts.Series(_("Register (Stichtag 31.12.)"), tuple(row["total"] for row in rows)),
            charts.Series(
                _("veröffentlichte Zahl"),
                tuple(row["published"].members if row["published"] else None for row in rows),
            ),
        ],
        empty_message=_("Das Register enthält noch keine Mitgliedschaften."),
    )
    context = {
        "rows": rows,
        "kinds": [kind_labels[k] for k in kinds],
        "published": published,
        "chart": chart,
        "today": today,
    }
    return render(request, "reports/membership.html", context)


# --- OZG progress ------------------------------------------------------------------------


@require_GET
@logged_in_page
def ozg_progress(request):
    is_staff = user_is_cooperative_staff(request.user)
    tenant = current_tenant(request)
    if not is_staff and (tenant is None or tenant.is_cooperative):
        raise PermissionDenied(
            _("Diese Seite ist den Mitgliedern und der Genossenschaft vorbehalten.")
        )
    overview = selectors.ozg_progress_overview(today=timezone.localdate())
    own = None
    if tenant is not None and not tenant.is_cooperative:
        own = next((m for m in overview.members if m.organisation.pk == tenant.pk), None)
        if own is None:
            own = selectors.ozg_progress(member_org=tenant)
    details = overview.members if is_staff else ([own] if own else [])
    fmt = _export_format(request)
    table = request.GET.get("tabelle", "rangfolge")
    if fmt is not None:
        if table == "themenfelder":
            headers = ["Themenfeld", "zuständig", "online", "Anteil online (%)"]
            rows = [[r.name, r.must, r.online, r.percent] for r in overview.by_themenfeld]
        elif table == "leistungen":
            headers = [
                "Mitglied",
                "OZG-ID",
                "Leistung",
                "Themenfeld",
                "Ebene",
                "online",
                "Reifegrad",
            ]
            rows = [
                [
                    m.organisation.name,
                    s.ozg_id,
                    s.name,
                    s.themenfeld,
                    s.level,
                    s.online,
                    s.reifegrad,
                ]
                for m in details
                for s in m.services
            ]
        else:
            table = "rangfolge"
            headers = ["Rang", "Mitglied", "zuständig", "online", "Anteil online (%)"]
            rows = [
                [rank, m.organisation.name, m.must, m.online, m.percent]
                for rank, m in enumerate(overview.members, start=1)
            ]
        return tables.table_response(
            format=fmt,
            filename=f"ozg-fortschritt-{table}",
            headers=headers,
            rows=rows,
            title="OZG-Fortschritt",
        )
    chart = charts.horizontal_bar_chart(
        chart_id="ozg-diagramm",
        title=_("Anteil online angebotener Leistungen je Mitglied"),
        labels=[m.organisation.name for m in overview.members],
        values=[m.percent for m in overview.members],
        maximum=100,
        unit=" %",
        empty_message=_("Das Register enthält keine aktuellen Mitglieder."),
    )
    context = {
        "overview": overview,
        "own": own,
        "details": details,
        "is_staff": is_staff,
        "chart": chart,
        "reifegrad_labels": selectors.REIFEGRAD_LABELS,
        "overall_percent": format_percent(overview.share * 100),
    }
    return render(request, "reports/ozg_progress.html", context)
