"""Reads of bundling rounds.

Rounds, their items and offers are the cooperative's data: every member reads them. Demand
and results are tenant-owned and read through the active scope, except in the named reads
of the cooperative's bundling at the end (`*_across_members`, `*_for_cooperative`): the
optimiser needs every member's demand, and staff see every member's result. Call those only
for cooperative staff or from the evaluation service.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, QuerySet, Sum
from django.utils import timezone

from openkommune.bundling.constants import RoundStatus
from openkommune.bundling.models import (
    BundlingRound,
    DemandEntry,
    RoundAllocation,
    RoundItem,
    RoundMemberResult,
    RoundOffer,
    RoundResult,
)
from openkommune.procurement.constants import CallOffStatus
from openkommune.procurement.models import CallOffLine, PriceTier
from openkommune.procurement.selectors import may_call_off
from openkommune.tenancy.models import Organisation
from openkommune.tenancy.scoping import scopes_disabled
from openkommune.tenancy.selectors import user_roles

# --- who may do what ---------------------------------------------------------------------


def user_may_enter_demand(user, *, tenant: Organisation | None) -> bool:
    """Every person of a member organisation (clerks and administrators) reports demand."""
    return (
        tenant is not None
        and not tenant.is_cooperative
        and tenant.is_active
        and bool(user_roles(user, tenant=tenant))
    )


# --- rounds, items, offers (cooperative data) ----------------------------------------------


def round_list(*, status: str | None = None) -> QuerySet[BundlingRound]:
    rounds = BundlingRound.objects.annotate(item_count=Count("items", distinct=True))
    if status:
        rounds = rounds.filter(status=status)
    return rounds.order_by("-deadline", "title")


def round_get(*, public_id: UUID | str) -> BundlingRound:
    """Raises `BundlingRound.DoesNotExist` (also for a malformed id)."""
    try:
        return BundlingRound.objects.get(public_id=public_id)
    except (ValidationError, ValueError, TypeError) as error:
        raise BundlingRound.DoesNotExist(str(error)) from error


def round_accepts_demand(bundling_round: BundlingRound, *, now: datetime.datetime | None = None):
    return (
        bundling_round.status == RoundStatus.OPEN
        and (now or timezone.now()) < bundling_round.deadline
    )


def round_items(bundling_round: BundlingRound) -> list[RoundItem]:
    """Items with their offers, each offer with catalogue item, supplier, contract, tiers."""
    offers = RoundOffer.objects.select_related(
        "catalog_item__supplier", "catalog_item__contract"
    ).prefetch_related(
        Prefetch("catalog_item__tiers", queryset=PriceTier.objects.order_by("min_quantity"))
    )
    return list(
        bundling_round.items.prefetch_related(Prefetch("offers", queryset=offers)).order_by(
            "position", "id"
        )
    )


def round_item_get(*, bundling_round: BundlingRound, public_id: UUID | str) -> RoundItem:
    try:
        return bundling_round.items.get(public_id=public_id)
    except (ValidationError, ValueError, TypeError) as error:
        raise RoundItem.DoesNotExist(str(error)) from error


def offer_supplier_key(offer: RoundOffer) -> str:
    """The optimiser's "supplier": a supplier under one contract, since the caller rule (and
    so a member's eligibility) belongs to the contract."""
    item = offer.catalog_item
    return f"{item.supplier.public_id}/{item.contract.public_id}"


def eligible_offers(item: RoundItem, organisation: Organisation) -> list[RoundOffer]:
    """Offers of the item whose framework contract lets the organisation call off."""
    return [o for o in item.offers.all() if may_call_off(o.catalog_item.contract, organisation)]


# --- a member's own demand (active scope) --------------------------------------------------


def demand_for_member(
    *, tenant: Organisation, bundling_round: BundlingRound
) -> dict[int, DemandEntry]:
    """round_item id -> the member's entry."""
    entries = DemandEntry.objects.filter(tenant=tenant, round_item__round=bundling_round)
    return {entry.round_item_id: entry for entry in entries}


def prefill_quantities(
    *, tenant: Organisation, bundling_round: BundlingRound, items: list[RoundItem]
) -> dict[int, int]:
    """round_item id -> units of the item's catalogue articles the member ordered in the
    round's prefill period (its own ordered call-offs; nothing without a period)."""
    if bundling_round.prefill_from is None or bundling_round.prefill_until is None:
        return {}
    article_to_item = {
        offer.catalog_item_id: item.pk for item in items for offer in item.offers.all()
    }
    if not article_to_item:
        return {}
    rows = (
        CallOffLine.objects.filter(
            tenant=tenant,
            item_id__in=article_to_item,
            call_off__status=CallOffStatus.ORDERED,
            call_off__ordered_at__date__gte=bundling_round.prefill_from,
            call_off__ordered_at__date__lte=bundling_round.prefill_until,
        )
        .values("item_id")
        .annotate(quantity=Sum("quantity"))
        .order_by()
    )
    result: dict[int, int] = {}
    for row in rows:
        item_id = article_to_item[row["item_id"]]
        result[item_id] = result.get(item_id, 0) + int(row["quantity"] or 0)
    return result


@dataclass
class MemberResult:
    """A member's own view of an evaluated round: its row and its allocations."""

    result: RoundResult
    row: RoundMemberResult | None
    allocations: list[RoundAllocation] = field(default_factory=list)


def result_for_member(
    *, tenant: Organisation, bundling_round: BundlingRound
) -> MemberResult | None:
    result = RoundResult.objects.filter(round=bundling_round).first()
    if result is None:
        return None
    row = (
        RoundMemberResult.objects.filter(tenant=tenant, result=result)
        .select_related("tenant")
        .first()
    )
    allocations = list(
        RoundAllocation.objects.filter(tenant=tenant, result=result)
        .select_related("round_item", "catalog_item__supplier", "catalog_item__contract")
        .order_by("round_item__position", "round_item_id")
    )
    return MemberResult(result=result, row=row, allocations=allocations)


# --- the cooperative's bundling reads (cross-tenant, named) -------------------------------


@dataclass(frozen=True)
class DemandRow:
    tenant: Organisation
    round_item_id: int
    quantity: int


def demand_across_members(bundling_round: BundlingRound) -> list[DemandRow]:
    """Every member's positive demand in the round: the optimiser's input.

    The cooperative's bundling read: crosses tenants on purpose. Call it from the evaluation
    service or for cooperative staff, never for a member.
    """
    with scopes_disabled():
        entries = (
            DemandEntry.objects.filter(round_item__round=bundling_round, quantity__gt=0)
            .select_related("tenant")
            .order_by("tenant__name", "tenant_id", "round_item__position", "round_item_id")
        )
        return [DemandRow(e.tenant, e.round_item_id, e.quantity) for e in entries]


def demand_count_across_members(bundling_round: BundlingRound) -> int:
    """Number of positive demand entries (decides synchronous vs queued evaluation)."""
    with scopes_disabled():
        return DemandEntry.objects.filter(round_item__round=bundling_round, quantity__gt=0).count()


def participants_across_members(bundling_round: BundlingRound) -> list[tuple[Organisation, int]]:
    """(member, number of items with demand > 0), for the staff's round page."""
    with scopes_disabled():
        rows = (
            DemandEntry.objects.filter(round_item__round=bundling_round, quantity__gt=0)
            .values("tenant")
            .annotate(items=Count("id"))
            .order_by()
        )
        counts = {row["tenant"]: row["items"] for row in rows}
        organisations = Organisation.objects.filter(pk__in=counts).order_by("name")
        return [(organisation, counts[organisation.pk]) for organisation in organisations]


@dataclass
class CooperativeResult:
    result: RoundResult
    rows: list[RoundMemberResult]
    allocations: list[RoundAllocation]

    @property
    def member_total(self) -> Decimal:
        return sum((row.cost for row in self.rows), Decimal("0.00"))

    @property
    def settlement_total(self) -> Decimal | None:
        """The members' settlements added up: zero (None for results without them)."""
        if any(row.settlement is None for row in self.rows):
            return None
        return sum((row.settlement for row in self.rows), Decimal("0.00"))


def result_for_cooperative(bundling_round: BundlingRound) -> CooperativeResult | None:
    """The whole result with every member's rows, for cooperative staff."""
    result = RoundResult.objects.filter(round=bundling_round).first()
    if result is None:
        return None
    with scopes_disabled():
        rows = list(
            RoundMemberResult.objects.filter(result=result)
            .select_related("tenant")
            .order_by("tenant__name", "tenant_id")
        )
        allocations = list(
            RoundAllocation.objects.filter(result=result)
            .select_related("tenant", "round_item", "catalog_item__supplier")
            .order_by("tenant__name", "round_item__position", "round_item_id")
        )
    return CooperativeResult(result=result, rows=rows, allocations=allocations)
