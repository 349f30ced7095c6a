"""The procurement report page: spend and savings per member, contract and year.

People of a member organisation see their own figures; cooperative staff every member's.
Every table can be downloaded as CSV or XLSX (`?tabelle=…&format=csv|xlsx`).
"""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from openkommune.accounts.access import logged_in_page
from openkommune.core import tables
from openkommune.reports import charts
from openkommune.reports.procurement import procurement_report_for, table_rows
from openkommune.tenancy.selectors import current_tenant

# Lazy: translated in the language of the request that downloads the table.
TABLES = {
    "mitglieder": (gettext_lazy("Mitglied"), "by_member"),
    "vertraege": (gettext_lazy("Rahmenvertrag"), "by_contract"),
    "jahre": (gettext_lazy("Jahr"), "by_year"),
}
HEADERS = [
    gettext_lazy("Ausgaben (Euro, bestellte Abrufe)"),
    gettext_lazy("Abrufe"),
    gettext_lazy("Staffelersparnis (Euro)"),
    gettext_lazy("Bündelungsersparnis (Euro)"),
    gettext_lazy("Ersparnis gesamt (Euro)"),
]
SETTLEMENT_HEADER = gettext_lazy("Ausgleich Bündelung (Euro)")


def parse_year(raw: str) -> tuple[int | None, str]:
    raw = (raw or "").strip()
    if not raw:
        return None, ""
    if raw.isdigit() and len(raw) == 4:
        return int(raw), ""
    return None, _("Bitte ein Jahr mit vier Ziffern angeben, zum Beispiel 2025.")


def _float(value) -> float:
    return float(value)


@require_GET
@logged_in_page
def procurement(request):
    year, error = parse_year(request.GET.get("jahr", ""))
    report, is_staff = procurement_report_for(
        request.user, tenant=current_tenant(request), year=year
    )
    fmt = request.GET.get("format")
    table = request.GET.get("tabelle", "mitglieder")
    if fmt in tables.FORMATS and not error:
        label, attribute = TABLES.get(table, TABLES["mitglieder"])
        with_settlement = attribute != "by_contract"
        rows = table_rows(getattr(report, attribute), settlement=with_settlement)
        suffix = f"-{year}" if year else ""
        headers = (label, *HEADERS, *([SETTLEMENT_HEADER] if with_settlement else []))
        return tables.table_response(
            format=fmt,
            filename=f"beschaffung-{table if table in TABLES else 'mitglieder'}{suffix}",
            headers=[str(header) for header in headers],
            rows=rows,
            title=_("Beschaffung"),
        )
    spend_chart = charts.horizontal_bar_chart(
        chart_id="ausgaben-diagramm",
        # The bars are spend only; the savings per member are in the table below the chart.
        title=_("Ausgaben je Mitglied (Euro)")
        if is_staff
        else _("Ausgaben je Rahmenvertrag (Euro)"),
        labels=[f.label for f in (report.by_member if is_staff else report.by_contract)],
        values=[_float(f.spend) for f in (report.by_member if is_staff else report.by_contract)],
        unit=" €",
        empty_message=_("Keine bestellten Abrufe im gewählten Zeitraum."),
    )
    year_chart = charts.vertical_bar_chart(
        chart_id="jahre-diagramm",
        title=_("Ausgaben und Ersparnis je Jahr (Euro)"),
        description=_(
            "Säulen je Jahr: Ausgaben für bestellte Abrufe, Staffelersparnis und "
            "Bündelungsersparnis. Die Zahlen stehen auch in der Tabelle."
        ),
        categories=[f.label for f in report.by_year],
        series=[
            charts.Series(_("Ausgaben"), tuple(_float(f.spend) for f in report.by_year)),
            charts.Series(
                _("Staffelersparnis"), tuple(_float(f.tier_savings) for f in report.by_year)
            ),
            charts.Series(
                _("Bündelungsersparnis"), tuple(_float(f.bundling_savings) for f in report.by_year)
            ),
        ],
        unit=" €",
        empty_message=_("Noch keine Ausgaben oder Ersparnisse."),
    )
    context = {
        "report": report,
        "is_staff": is_staff,
        "year": year,
        "jahr": request.GET.get("jahr", "") if error else (year or ""),
        "error": error,
        "spend_chart": spend_chart,
        "year_chart": year_chart,
    }
    return render(request, "reports/procurement.html", context, status=400 if error else 200)
