"""/api/v1/coverage and /api/v1/ozg-progress: the cooperative's figures.

Both are public: coverage is derived from the public register and official region data; OZG
progress only from the responsibility rules and from which member offers which Leistung
online, which every service page already publishes. Per-service details stay on the page.
"""

import datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from openkommune.accounts.access import require_login
from openkommune.core.schemas import ErrorOut, IsoDate
from openkommune.reports import selectors
from openkommune.reports.procurement import procurement_report_for
from openkommune.tenancy.models import Organisation
from openkommune.tenancy.selectors import current_tenant, organisation_get

router = Router(tags=["Genossenschaft"])


class FigureOut(Schema):
    covered: float = Field(description="abgedeckt")
    total: float = Field(description="insgesamt")
    share: float = Field(description="Anteil zwischen 0 und 1")


class KreisCoverageOut(Schema):
    ars: str
    name: str
    gemeinden: FigureOut
    population: FigureOut
    area_km2: FigureOut


class CoverageOut(Schema):
    date: datetime.date
    gemeinden: FigureOut
    population: FigureOut
    area_km2: FigureOut
    by_kreis: list[KreisCoverageOut]


def _figure(figure: selectors.Figure) -> dict:
    covered, total = figure.covered, figure.total
    return {"covered": float(covered), "total": float(total), "share": figure.share}


@router.get(
    "/coverage",
    response={200: CoverageOut, 422: ErrorOut},
    summary="Abdeckung Sachsen-Anhalts durch die Mitglieder",
    description=(
        "Eine Gemeinde gilt als abgedeckt, wenn sie, ihre Verbandsgemeinde oder ihr Kreis am "
        "Stichtag Mitglied ist. Ohne `date` gilt der heutige Tag."
    ),
)
def coverage(
    request,
    date: Annotated[IsoDate | None, Query(description="Stichtag im Format JJJJ-MM-TT")] = None,
):
    result = selectors.coverage(as_of=date or timezone.localdate())
    return {
        "date": result.as_of,
        "gemeinden": _figure(result.land.gemeinden),
        "population": _figure(result.land.population),
        "area_km2": _figure(result.land.area_km2),
        "by_kreis": [
            {
                "ars": kreis.ars,
                "name": kreis.name,
                "gemeinden": _figure(kreis.gemeinden),
                "population": _figure(kreis.population),
                "area_km2": _figure(kreis.area_km2),
            }
            for kreis in result.by_kreis
        ],
    }


class ThemenfeldOut(Schema):
    themenfeld: str
    must: int
    online: int
    share: float


class MemberProgressOut(Schema):
    member: UUID = Field(description="public_id der Organisation")
    name: str
    must: int = Field(description="Leistungen, für die das Mitglied zuständig ist")
    online: int = Field(description="davon auf der Plattform online angeboten")
    share: float
    by_reifegrad: dict[str, int] = Field(description="Anzahl je Reifegrad 0–4 (OZG-Modell 1.1)")
    by_themenfeld: list[ThemenfeldOut]


class RankingOut(Schema):
    rank: int
    member: UUID
    name: str
    must: int
    online: int
    share: float


class OverviewOut(Schema):
    must: int
    online: int
    share: float
    by_reifegrad: dict[str, int]
    by_themenfeld: list[ThemenfeldOut]
    ranking: list[RankingOut]


def _themenfelder(rows) -> list[dict]:
    return [
        {"themenfeld": r.name, "must": r.must, "online": r.online, "share": r.share} for r in rows
    ]


def _grades(grades: dict[int, int]) -> dict[str, int]:
    return {str(grade): count for grade, count in grades.items()}


@router.get(
    "/ozg-progress",
    response={200: MemberProgressOut | OverviewOut, 404: ErrorOut, 422: ErrorOut},
    summary="OZG-Umsetzungsstand der Mitglieder",
    description=(
        "Mit `member` (public_id einer Mitgliedsorganisation) der Stand dieses Mitglieds, ohne "
        "die Summen der Genossenschaft und die Rangfolge nach Anteil online angebotener Leistungen."
    ),
)
def ozg_progress(
    request,
    member: Annotated[UUID | None, Query(description="public_id der Organisation")] = None,
):
    if member is None:
        overview = selectors.ozg_progress_overview(today=timezone.localdate())
        return OverviewOut(
            must=overview.must,
            online=overview.online,
            share=overview.share,
            by_reifegrad=_grades(overview.by_reifegrad),
            by_themenfeld=_themenfelder(overview.by_themenfeld),
            ranking=[
                RankingOut(
                    rank=rank,
                    member=m.organisation.public_id,
                    name=m.organisation.name,
                    must=m.must,
                    online=m.online,
                    share=m.share,
                )
                for rank, m in enumerate(overview.members, start=1)
            ],
        )
    try:
        organisation = organisation_get(public_id=member)
    except Organisation.DoesNotExist:
        organisation = None
    if organisation is None or organisation.is_cooperative:
        raise HttpError(404, _("Dieses Mitglied gibt es nicht."))
    progress = selectors.ozg_progress(member_org=organisation)
    return MemberProgressOut(
        member=organisation.public_id,
        name=organisation.name,
        must=progress.must,
        online=progress.online,
        share=progress.share,
        by_reifegrad=_grades(progress.by_reifegrad),
        by_themenfeld=_themenfelder(progress.by_themenfeld),
    )


# --- procurement: spend and savings (reports/procurement.py) ------------------------------


class ProcurementFiguresOut(Schema):
    key: str = Field(description="public_id des Mitglieds, Vertragsnummer oder Jahr")
    label: str
    spend: Decimal = Field(description="Ausgaben für bestellte Abrufe (Euro, netto)")
    call_offs: int
    tier_savings: Decimal = Field(description="Listenpreis (erste Staffel) minus gezahlter Preis")
    bundling_savings: Decimal = Field(
        description="Einzelkauf minus getragener Kostenanteil (gebündelter Preis plus Ausgleich)"
    )
    settlement: Decimal = Field(
        description="Ausgleich aus Bündelungsrunden: Kostenanteil minus Kosten zum "
        "Staffelpreis (positiv: zahlt ein, negativ: Gutschrift); je Vertrag 0"
    )
    savings: Decimal


class ProcurementReportOut(Schema):
    year: int | None
    total: ProcurementFiguresOut
    by_member: list[ProcurementFiguresOut]
    by_contract: list[ProcurementFiguresOut]
    by_year: list[ProcurementFiguresOut]


def _procurement_figures(figures) -> ProcurementFiguresOut:
    return ProcurementFiguresOut(
        key=figures.key,
        label=figures.label,
        spend=figures.spend,
        call_offs=figures.call_offs,
        tier_savings=figures.tier_savings,
        bundling_savings=figures.bundling_savings,
        settlement=figures.settlement,
        savings=figures.savings,
    )


@router.get(
    "/reports/procurement",
    response={200: ProcurementReportOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="Beschaffung: Ausgaben und Ersparnis",
    description=(
        "Ausgaben (bestellte Abrufe), Staffel- und Bündelungsersparnis je Mitglied, "
        "Rahmenvertrag und Jahr. Mitglieder sehen nur ihre eigenen Zahlen, die Genossenschaft "
        "alle. Anmeldung erforderlich."
    ),
)
def procurement_report(
    request,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="nur dieses Jahr")] = None,
):
    require_login(request)
    report, _is_staff = procurement_report_for(
        request.user, tenant=current_tenant(request), year=year
    )
    return ProcurementReportOut(
        year=report.year,
        total=_procurement_figures(report.total),
        by_member=[_procurement_figures(f) for f in report.by_member],
        by_contract=[_procurement_figures(f) for f in report.by_contract],
        by_year=[_procurement_figures(f) for f in report.by_year],
    )
