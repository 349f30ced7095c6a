"""/api/v1/procurement: framework contracts, their catalogue and the caller's call-offs.

Session login (the same as the pages). Staff of the cooperative see every contract; people of
a member see the contracts their organisation may call off and its own call-offs only. Another
member's call-off answers 404 exactly like a missing one.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from uuid import UUID

from django.http import Http404
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.security import django_auth

from openkommune.core.schemas import ErrorOut
from openkommune.procurement import selectors
from openkommune.procurement.calloffs import CALLER_ROLES
from openkommune.procurement.constants import CallOffStatus
from openkommune.procurement.models import CallOff, FrameworkContract
from openkommune.tenancy.selectors import acts_for_cooperative, current_roles, current_tenant

router = Router(tags=["Beschaffung"], auth=django_auth)

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class PageQuery(Schema):
    limit: int = Field(25, ge=1, le=100)
    offset: int = Field(0, ge=0, le=1_000_000)


class ContractOut(Schema):
    id: UUID = Field(description="öffentliche ID")
    number: str
    title: str
    legal_basis: str
    starts_on: datetime.date
    ends_on: datetime.date
    max_value: Decimal | None
    max_quantity: int | None
    suppliers: list[str]
    is_demo: bool


class ContractPageOut(Schema):
    items: list[ContractOut]
    total: int


class TierOut(Schema):
    min_quantity: int
    unit_price: Decimal


class ContractItemOut(Schema):
    id: UUID
    article_number: str
    description: str
    cpv_code: str
    unit: str
    supplier: str
    lot: int | None
    tier_mode: str
    valid_from: datetime.date
    valid_until: datetime.date | None
    is_active: bool
    tiers: list[TierOut]


class CallOffLineOut(Schema):
    article_number: str
    description: str
    quantity: int
    unit_price: Decimal
    line_total: Decimal


class CallOffOut(Schema):
    reference: str
    contract: str
    supplier: str
    status: CallOffStatus
    total: Decimal
    threshold_class: str
    warnings: list[str]
    created_at: datetime.datetime
    ordered_at: datetime.datetime | None


class CallOffDetailOut(CallOffOut):
    lines: list[CallOffLineOut]


class CallOffPageOut(Schema):
    items: list[CallOffOut]
    total: int


class CallOffQuery(PageQuery):
    status: CallOffStatus | None = None


def _visible_contracts(request):
    if acts_for_cooperative(request.user):
        return FrameworkContract.objects.all()
    tenant = _member(request)
    return selectors.contracts_callable_by(tenant, on=selectors.today())


def _member(request):
    tenant = current_tenant(request)
    roles = set(current_roles(request))
    if tenant is None or tenant.is_cooperative or not roles & {str(r) for r in CALLER_ROLES}:
        raise HttpError(403, "Nur Beschäftigte eines Mitglieds oder der Genossenschaft.")
    return tenant


def _contract_out(contract) -> ContractOut:
    return ContractOut(
        id=contract.public_id,
        number=contract.number,
        title=contract.title,
        legal_basis=contract.legal_basis,
        starts_on=contract.starts_on,
        ends_on=contract.ends_on,
        max_value=contract.max_value,
        max_quantity=contract.max_quantity,
        suppliers=[s.name for s in contract.suppliers.all()],
        is_demo=contract.is_demo,
    )


def _call_off_out(call_off, schema=CallOffOut, **extra):
    return schema(
        reference=call_off.reference,
        contract=call_off.contract.number,
        supplier=call_off.supplier.name,
        status=call_off.status,
        total=call_off.total,
        threshold_class=call_off.threshold_class,
        warnings=[str(w) for w in call_off.warnings or []],
        created_at=call_off.created_at,
        ordered_at=call_off.ordered_at,
        **extra,
    )


@router.get(
    "/contracts",
    response={200: ContractPageOut, **ERRORS},
    summary="Rahmenverträge",
    description="Für Mitglieder die laufenden Verträge, aus denen sie abrufen dürfen; für die "
    "Genossenschaft alle.",
)
def list_contracts(request, page: Query[PageQuery]):
    contracts = _visible_contracts(request).prefetch_related("suppliers").order_by("number")
    total = contracts.count()
    items = [_contract_out(c) for c in contracts[page.offset : page.offset + page.limit]]
    return ContractPageOut(items=items, total=total)


@router.get(
    "/contracts/{contract_id}/items",
    response={200: list[ContractItemOut], **ERRORS},
    summary="Katalogartikel eines Rahmenvertrags",
)
def list_contract_items(request, contract_id: UUID):
    try:
        contract = _visible_contracts(request).get(public_id=contract_id)
    except FrameworkContract.DoesNotExist as error:
        raise Http404 from error
    items = selectors.item_list(contract=contract)
    if not acts_for_cooperative(request.user):
        items = items.filter(is_active=True)
    return [
        ContractItemOut(
            id=item.public_id,
            article_number=item.article_number,
            description=item.description,
            cpv_code=item.cpv_code,
            unit=item.unit,
            supplier=item.supplier.name,
            lot=item.lot.number if item.lot else None,
            tier_mode=item.tier_mode,
            valid_from=item.valid_from,
            valid_until=item.valid_until,
            is_active=item.is_active,
            tiers=[
                TierOut(min_quantity=t.min_quantity, unit_price=t.unit_price)
                for t in item.tiers.all()
            ],
        )
        for item in items
    ]


@router.get(
    "/call-offs",
    response={200: CallOffPageOut, **ERRORS},
    summary="Abrufe der eigenen Organisation",
)
def list_call_offs(request, filters: Query[CallOffQuery]):
    tenant = _member(request)
    call_offs = selectors.call_off_list(tenant=tenant, status=filters.status)
    total = call_offs.count()
    window = call_offs[filters.offset : filters.offset + filters.limit]
    return CallOffPageOut(items=[_call_off_out(c) for c in window], total=total)


@router.get(
    "/call-offs/{reference}",
    response={200: CallOffDetailOut, **ERRORS},
    summary="Ein Abruf der eigenen Organisation",
)
def get_call_off(request, reference: str):
    tenant = _member(request)
    try:
        call_off = selectors.call_off_get(tenant=tenant, reference=reference)
    except CallOff.DoesNotExist as error:
        raise Http404 from error
    lines = [
        CallOffLineOut(
            article_number=line.item.article_number,
            description=line.item.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            line_total=line.line_total,
        )
        for line in selectors.call_off_lines(call_off)
    ]
    return _call_off_out(call_off, CallOffDetailOut, lines=lines)
