"""/api/v1/procurement/bundling: bundling rounds, the member's own demand and results (read).

Session login: anonymous callers get 401; people without a member organisation (and not
cooperative staff) 403. Rounds are the cooperative's data and visible to every member. Demand
and results are the member's own: a member reads its own rows, another member's result
answers 404 like a missing one; cooperative staff read every member's result.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from uuid import UUID

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from openkommune.bundling import selectors
from openkommune.bundling.access import viewer_of
from openkommune.bundling.constants import RoundStatus
from openkommune.bundling.models import BundlingRound, RoundMemberResult
from openkommune.core.schemas import ErrorOut

router = Router(tags=["Bündelung"])


class OfferTierOut(Schema):
    min_quantity: int
    unit_price: Decimal


class OfferOut(Schema):
    catalog_item: UUID
    article_number: str
    supplier: str
    contract: str
    capacity: int | None = Field(description="Höchstmenge; null = unbegrenzt")
    tiers: list[OfferTierOut]


class RoundItemOut(Schema):
    id: UUID
    title: str
    unit: str
    offers: list[OfferOut]


class RoundOut(Schema):
    id: UUID
    title: str
    status: str = Field(description="open, closed, evaluated oder awarded")
    deadline: datetime.datetime
    accepts_demand: bool
    prefill_from: datetime.date | None
    prefill_until: datetime.date | None


class RoundDetailOut(RoundOut):
    items: list[RoundItemOut]


class DemandOut(Schema):
    item: UUID
    title: str
    quantity: int


class AllocationOut(Schema):
    item: UUID
    title: str
    catalog_item: UUID
    supplier: str
    quantity: int
    unit_price: Decimal
    cost: Decimal


class MemberResultOut(Schema):
    member: UUID
    name: str
    cost: Decimal = Field(description="Kosten zum gebündelten Preis")
    alone_cost: Decimal | None = Field(description="Kosten beim Einzelkauf")
    savings: Decimal | None = Field(description="Kosten beim Einzelkauf minus Kostenanteil")
    shapley_cost: Decimal | None = Field(description="Kostenanteil nach Shapley")
    allocated_cost: Decimal | None = Field(
        description="Kostenanteil, den das Mitglied trägt: nie über den Kosten beim Einzelkauf"
    )
    settlement: Decimal | None = Field(
        default=None,
        description="Ausgleich: Kostenanteil minus Kosten zum Staffelpreis (positiv: zahlt "
        "ein, negativ: Gutschrift); die Ausgleiche einer Runde ergeben zusammen null",
    )
    allocations: list[AllocationOut]


class ResultOut(Schema):
    solver_status: str
    allocation_method: str = Field(
        description="Aufteilung: shapley, core, rational, core_empty, not_rational (siehe "
        "docs/bundling.md); leer bei alten Ergebnissen"
    )
    total: Decimal | None = Field(description="nur für die Genossenschaft")
    alone_total: Decimal | None
    savings: Decimal | None
    members: list[MemberResultOut] = Field(description="Mitglieder: nur die eigene Zeile")


def _round(public_id) -> BundlingRound:
    try:
        return selectors.round_get(public_id=public_id)
    except BundlingRound.DoesNotExist:
        raise HttpError(404, _("Diese Runde gibt es nicht.")) from None


def _round_out(r: BundlingRound) -> dict:
    return {
        "id": r.public_id,
        "title": r.title,
        "status": r.status,
        "deadline": r.deadline,
        "accepts_demand": selectors.round_accepts_demand(r),
        "prefill_from": r.prefill_from,
        "prefill_until": r.prefill_until,
    }


def _member_out(row: RoundMemberResult, allocations) -> MemberResultOut:
    return MemberResultOut(
        member=row.tenant.public_id,
        name=row.tenant.name,
        cost=row.cost,
        alone_cost=row.alone_cost,
        savings=row.savings,
        shapley_cost=row.shapley_cost,
        allocated_cost=row.allocated_cost,
        settlement=row.settlement,
        allocations=[
            AllocationOut(
                item=a.round_item.public_id,
                title=a.round_item.title,
                catalog_item=a.catalog_item.public_id,
                supplier=a.catalog_item.supplier.name,
                quantity=a.quantity,
                unit_price=a.unit_price,
                cost=a.cost,
            )
            for a in allocations
            if a.tenant_id == row.tenant_id
        ],
    )


@router.get(
    "/rounds",
    response={200: list[RoundOut], 401: ErrorOut, 403: ErrorOut},
    summary="Bündelungsrunden",
)
def list_rounds(request):
    viewer_of(request)
    return [_round_out(r) for r in selectors.round_list()]


@router.get(
    "/rounds/{public_id}",
    response={200: RoundDetailOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Eine Runde mit Positionen und Angeboten",
)
def get_round(request, public_id: UUID):
    viewer_of(request)
    bundling_round = _round(public_id)
    items = [
        RoundItemOut(
            id=item.public_id,
            title=item.title,
            unit=item.unit,
            offers=[
                OfferOut(
                    catalog_item=o.catalog_item.public_id,
                    article_number=o.catalog_item.article_number,
                    supplier=o.catalog_item.supplier.name,
                    contract=o.catalog_item.contract.number,
                    capacity=o.capacity,
                    tiers=[
                        OfferTierOut(min_quantity=t.min_quantity, unit_price=t.unit_price)
                        for t in o.catalog_item.tiers.all()
                    ],
                )
                for o in item.offers.all()
            ],
        )
        for item in selectors.round_items(bundling_round)
    ]
    return {**_round_out(bundling_round), "items": items}


@router.get(
    "/rounds/{public_id}/demand",
    response={200: list[DemandOut], 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Der eigene gemeldete Bedarf",
    description="Nur für Mitglieder: die Mengen der eigenen Organisation je Position.",
)
def own_demand(request, public_id: UUID):
    viewer = viewer_of(request)
    if not viewer.is_member:
        raise HttpError(403, _("Bedarf melden die Mitglieder."))
    bundling_round = _round(public_id)
    entries = selectors.demand_for_member(tenant=viewer.tenant, bundling_round=bundling_round)
    return [
        DemandOut(item=item.public_id, title=item.title, quantity=entries[item.pk].quantity)
        for item in selectors.round_items(bundling_round)
        if item.pk in entries
    ]


def _result_or_404(bundling_round):
    if bundling_round.status not in (RoundStatus.EVALUATED, RoundStatus.AWARDED):
        raise HttpError(404, _("Die Runde ist noch nicht ausgewertet."))


@router.get(
    "/rounds/{public_id}/result",
    response={200: ResultOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Ergebnis einer ausgewerteten Runde",
    description=(
        "Die Genossenschaft sieht alle Mitglieder und die Summen; ein Mitglied nur seine "
        "eigene Zeile (ohne die Summen der Runde)."
    ),
)
def round_result(request, public_id: UUID):
    viewer = viewer_of(request)
    bundling_round = _round(public_id)
    _result_or_404(bundling_round)
    if viewer.is_staff:
        full = selectors.result_for_cooperative(bundling_round)
        return ResultOut(
            solver_status=full.result.solver_status,
            allocation_method=full.result.allocation_method,
            total=full.result.total,
            alone_total=full.result.alone_total,
            savings=full.result.savings,
            members=[_member_out(row, full.allocations) for row in full.rows],
        )
    own = selectors.result_for_member(tenant=viewer.tenant, bundling_round=bundling_round)
    return ResultOut(
        solver_status=own.result.solver_status,
        allocation_method=own.result.allocation_method,
        total=None,
        alone_total=None,
        savings=None,
        members=[_member_out(own.row, own.allocations)] if own.row else [],
    )


@router.get(
    "/rounds/{public_id}/results/{member_id}",
    response={200: MemberResultOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Ergebnis eines Mitglieds",
    description="Ein Mitglied sieht nur sein eigenes Ergebnis; ein anderes antwortet mit 404.",
)
def member_result(request, public_id: UUID, member_id: UUID):
    viewer = viewer_of(request)
    bundling_round = _round(public_id)
    _result_or_404(bundling_round)
    if viewer.is_staff:
        full = selectors.result_for_cooperative(bundling_round)
        row = next((r for r in full.rows if r.tenant.public_id == member_id), None)
        allocations = full.allocations
    else:
        own = selectors.result_for_member(tenant=viewer.tenant, bundling_round=bundling_round)
        row = own.row if own.row and own.row.tenant.public_id == member_id else None
        allocations = own.allocations
    if row is None:
        raise HttpError(404, _("Für dieses Mitglied gibt es kein Ergebnis."))
    return _member_out(row, allocations)
