"""Reads of the DigitalPakt ledger.

Member paths read through the active tenant scope: another member's budget raises
`DoesNotExist`, exactly like a missing one. Cooperative staff see every Schulträger through
the two named cross-tenant reads at the end (`*_across_members`, `*_for_cooperative`); call
them only after checking `user_is_cooperative_staff`.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import QuerySet, Sum

from openkommune.digitalpakt.constants import CHARGEABLE_CALL_OFF_STATUSES, EntryKind
from openkommune.digitalpakt.ledger import ZERO, Balance, Line, balance_of
from openkommune.digitalpakt.models import (
    FundingProgramme,
    LedgerEntry,
    SchoolAuthorityBudget,
)
from openkommune.procurement.models import CallOff
from openkommune.tenancy.constants import Role
from openkommune.tenancy.models import Organisation
from openkommune.tenancy.scoping import scopes_disabled
from openkommune.tenancy.selectors import user_has_role, user_is_cooperative_staff, user_roles

# --- who may do what --------------------------------------------------------------------


def user_may_view_budgets(user, *, tenant: Organisation | None) -> bool:
    """Cooperative staff, and every person of the member organisation."""
    if user_is_cooperative_staff(user):
        return True
    return (
        tenant is not None and not tenant.is_cooperative and bool(user_roles(user, tenant=tenant))
    )


def user_may_book(user, *, tenant: Organisation) -> bool:
    """Cooperative staff and the member's administrators book entries of its ledger."""
    return user_is_cooperative_staff(user) or user_has_role(
        user, tenant=tenant, role=Role.MEMBER_ADMIN
    )


# --- programmes -------------------------------------------------------------------------


def programme_list(*, active_only: bool = True) -> QuerySet[FundingProgramme]:
    programmes = FundingProgramme.objects.prefetch_related("categories")
    return programmes.filter(is_active=True) if active_only else programmes


def programme_get(*, public_id: UUID | str) -> FundingProgramme:
    try:
        return FundingProgramme.objects.prefetch_related("categories").get(public_id=public_id)
    except (ValidationError, ValueError, TypeError) as error:
        raise FundingProgramme.DoesNotExist(str(error)) from error


def ineligible_lines(programme: FundingProgramme, call_off: CallOff) -> list:
    """Lines of the call-off whose CPV code is in none of the programme's categories."""
    categories = list(programme.categories.all())
    return [
        line
        for line in call_off.lines.select_related("item")
        if not any(category.matches(line.item.cpv_code) for category in categories)
    ]


# --- budgets and ledger (active scope) --------------------------------------------------


def budget_list(*, tenant: Organisation) -> QuerySet[SchoolAuthorityBudget]:
    return SchoolAuthorityBudget.objects.filter(tenant=tenant).select_related("programme")


def budget_get(*, tenant: Organisation, public_id: UUID | str) -> SchoolAuthorityBudget:
    """The tenant's budget; raises `DoesNotExist` for another tenant's, a missing or a bad id."""
    try:
        return SchoolAuthorityBudget.objects.select_related("programme", "tenant").get(
            tenant=tenant, public_id=public_id
        )
    except (ValidationError, ValueError, TypeError) as error:
        raise SchoolAuthorityBudget.DoesNotExist(str(error)) from error


def budget_balance(budget: SchoolAuthorityBudget) -> Balance:
    """Sums per kind computed by the database (corrections count for what they correct)."""
    rows = (
        LedgerEntry.objects.filter(budget=budget)
        .values("counts_as")
        .annotate(amount=Sum("amount"), federal=Sum("federal_part"), own=Sum("own_part"))
        .order_by()
    )
    return balance_of(
        Line(
            row["counts_as"],
            Decimal(row["amount"] or 0).quantize(ZERO),
            Decimal(row["federal"] or 0).quantize(ZERO),
            Decimal(row["own"] or 0).quantize(ZERO),
        )
        for row in rows
    )


@dataclass
class CallOffPosition:
    """Committed and paid amounts of one charged call-off in a budget."""

    call_off: CallOff
    committed: Decimal = ZERO
    committed_federal: Decimal = ZERO
    paid: Decimal = ZERO
    paid_federal: Decimal = ZERO

    @property
    def open(self) -> Decimal:
        return self.committed - self.paid


def call_off_positions(budget: SchoolAuthorityBudget) -> list[CallOffPosition]:
    """Every call-off with ledger entries in the budget, oldest first."""
    positions: dict[int, CallOffPosition] = {}
    entries = (
        LedgerEntry.objects.filter(budget=budget, call_off__isnull=False)
        .select_related("call_off__supplier")
        .order_by("booked_on", "id")
    )
    for entry in entries:
        position = positions.setdefault(entry.call_off_id, CallOffPosition(entry.call_off))
        if entry.counts_as == EntryKind.COMMITMENT:
            position.committed += entry.amount
            position.committed_federal += entry.federal_part
        elif entry.counts_as == EntryKind.PAYMENT:
            position.paid += entry.amount
            position.paid_federal += entry.federal_part
    return list(positions.values())


def call_off_totals(budget: SchoolAuthorityBudget, call_off: CallOff) -> dict[str, Decimal]:
    """Sums of amounts per kind for one call-off in the budget."""
    totals = {"commitment": ZERO, "payment": ZERO}
    rows = (
        LedgerEntry.objects.filter(budget=budget, call_off=call_off)
        .values("counts_as")
        .annotate(amount=Sum("amount"))
        .order_by()
    )
    for row in rows:
        if row["counts_as"] in totals:
            totals[row["counts_as"]] = Decimal(row["amount"] or 0).quantize(ZERO)
    return totals


def charged_call_off_ids(*, tenant: Organisation) -> set[int]:
    """Call-offs of the tenant with a commitment still standing in any of its budgets."""
    committed: dict[int, Decimal] = defaultdict(lambda: ZERO)
    rows = (
        LedgerEntry.objects.filter(tenant=tenant, counts_as=EntryKind.COMMITMENT)
        .values("call_off_id")
        .annotate(amount=Sum("amount"))
        .order_by()
    )
    for row in rows:
        committed[row["call_off_id"]] += Decimal(row["amount"] or 0)
    return {call_off_id for call_off_id, amount in committed.items() if amount > 0}


def chargeable_call_offs(*, tenant: Organisation) -> list[CallOff]:
    """The tenant's approved or ordered call-offs not charged to a programme yet."""
    charged = charged_call_off_ids(tenant=tenant)
    call_offs = (
        CallOff.objects.filter(tenant=tenant, status__in=CHARGEABLE_CALL_OFF_STATUSES)
        .select_related("supplier", "contract")
        .order_by("-created_at")
    )
    return [call_off for call_off in call_offs if call_off.pk not in charged]


def call_off_get(*, tenant: Organisation, public_id: UUID | str) -> CallOff:
    try:
        return CallOff.objects.select_related("supplier").get(tenant=tenant, public_id=public_id)
    except (ValidationError, ValueError, TypeError) as error:
        raise CallOff.DoesNotExist(str(error)) from error


@dataclass
class Ledger:
    """Everything the ledger page and the API show of one budget (lists, not querysets)."""

    budget: SchoolAuthorityBudget
    balance: Balance
    entries: list[LedgerEntry] = field(default_factory=list)
    positions: list[CallOffPosition] = field(default_factory=list)
    # Call-offs of the Schulträger that could be charged to this budget now.
    chargeable: list[CallOff] = field(default_factory=list)

    @property
    def payable(self) -> list[CallOffPosition]:
        return [position for position in self.positions if position.open > 0]

    @property
    def entry_totals(self) -> tuple[Decimal, Decimal, Decimal]:
        """Σ amount, Σ federal part, Σ own part over every entry."""
        return (
            sum((e.amount for e in self.entries), ZERO),
            sum((e.federal_part for e in self.entries), ZERO),
            sum((e.own_part for e in self.entries), ZERO),
        )


def _ledger(budget: SchoolAuthorityBudget) -> Ledger:
    entries = list(
        LedgerEntry.objects.filter(budget=budget)
        .select_related("call_off", "created_by")
        .order_by("booked_on", "id")
    )
    return Ledger(
        budget=budget,
        balance=budget_balance(budget),
        entries=entries,
        positions=call_off_positions(budget),
        chargeable=chargeable_call_offs(tenant=budget.tenant),
    )


def ledger_get(*, tenant: Organisation, public_id: UUID | str) -> Ledger:
    """The tenant's own ledger (active scope)."""
    return _ledger(budget_get(tenant=tenant, public_id=public_id))


@dataclass(frozen=True)
class ProofOfUseRow:
    booked_on: datetime.date
    supplier: str
    invoice_reference: str
    call_off_reference: str
    amount: Decimal
    federal_part: Decimal
    own_part: Decimal
    text: str
    category: str = ""


@dataclass(frozen=True)
class FundingNotice:
    reference: str
    booked_on: datetime.date
    amount: Decimal


def funding_notices(ledger: Ledger) -> list[FundingNotice]:
    """The allocations of the budget with their funding notice, for the proof of use."""
    return [
        FundingNotice(entry.notice_reference, entry.booked_on, entry.amount)
        for entry in ledger.entries
        if entry.kind == EntryKind.ALLOCATION
    ]


def _categories_of(programme: FundingProgramme, call_off: CallOff | None, cache: dict) -> str:
    """The programme's funding categories the call-off's articles fall into (by CPV code)."""
    if call_off is None:
        return ""
    if call_off.pk not in cache:
        categories = list(programme.categories.all())
        names = []
        for line in call_off.lines.select_related("item"):
            for category in categories:
                if category.matches(line.item.cpv_code) and category.name not in names:
                    names.append(category.name)
        cache[call_off.pk] = ", ".join(names)
    return cache[call_off.pk]


def proof_of_use_rows(
    ledger: Ledger, *, start: datetime.date | None = None, end: datetime.date | None = None
) -> list[ProofOfUseRow]:
    """One row per payment (and payment correction) booked in [start, end], with the
    funding categories of what it paid."""
    programme = ledger.budget.programme
    cache: dict = {}
    return [
        ProofOfUseRow(
            booked_on=entry.booked_on,
            supplier=entry.supplier_name,
            invoice_reference=entry.invoice_reference,
            call_off_reference=entry.call_off.reference if entry.call_off else "",
            amount=entry.amount,
            federal_part=entry.federal_part,
            own_part=entry.own_part,
            text=entry.text,
            category=_categories_of(programme, entry.call_off, cache),
        )
        for entry in ledger.entries
        if entry.counts_as == EntryKind.PAYMENT
        and (start is None or entry.booked_on >= start)
        and (end is None or entry.booked_on <= end)
    ]


# --- named cross-tenant reads (cooperative staff only) -----------------------------------


@dataclass(frozen=True)
class BudgetOverview:
    budget: SchoolAuthorityBudget
    balance: Balance


def budgets_across_members() -> list[BudgetOverview]:
    """Every Schulträger's budget with its balance: the cooperative's DigitalPakt overview.

    Crosses tenants on purpose; call only for cooperative staff.
    """
    with scopes_disabled():
        budgets = SchoolAuthorityBudget.objects.select_related("programme", "tenant").order_by(
            "tenant__name", "programme__name"
        )
        return [BudgetOverview(budget, budget_balance(budget)) for budget in budgets]


def ledger_get_for_cooperative(*, public_id: UUID | str) -> Ledger:
    """Any Schulträger's ledger, for cooperative staff. Raises `DoesNotExist`."""
    with scopes_disabled():
        try:
            budget = SchoolAuthorityBudget.objects.select_related("programme", "tenant").get(
                public_id=public_id
            )
        except (ValidationError, ValueError, TypeError) as error:
            raise SchoolAuthorityBudget.DoesNotExist(str(error)) from error
        return _ledger(budget)
