"""/api/v1/procurement/digitalpakt: the Schulträger's DigitalPakt budgets and ledgers (read).

Session login: anonymous callers get 401; a logged-in person without a member organisation
403. A member's people see its own budgets; another member's budget answers 404 like a
missing one. Cooperative staff see every Schulträger (named cross-tenant read).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from uuid import UUID

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from openkommune.core.schemas import ErrorOut
from openkommune.digitalpakt import selectors
from openkommune.digitalpakt.access import budget_viewer
from openkommune.digitalpakt.ledger import Balance
from openkommune.digitalpakt.models import SchoolAuthorityBudget

router = Router(tags=["DigitalPakt Schule"])


class BalanceOut(Schema):
    allocation: Decimal = Field(description="zugewiesene Bundesmittel")
    committed: Decimal = Field(description="gebunden (Abrufe, inkl. Eigenanteil)")
    committed_federal: Decimal
    committed_own: Decimal
    paid: Decimal
    paid_federal: Decimal
    paid_own: Decimal
    open_commitments: Decimal = Field(description="gebunden − gezahlt")
    remaining: Decimal = Field(
        description="verfügbare Bundesmittel: Zuweisung − gebundener Bundesanteil"
    )
    reconciles: bool


class BudgetOut(Schema):
    id: UUID = Field(description="öffentliche ID des Budgets")
    schooltraeger: str
    schooltraeger_id: UUID
    programme: str
    programme_code: str
    federal_share: Decimal
    own_share: Decimal
    balance: BalanceOut


class EntryOut(Schema):
    id: UUID
    kind: str = Field(description="allocation, commitment, payment oder correction")
    counts_as: str = Field(description="die Art, deren Summe die Buchung ändert")
    booked_on: datetime.date
    amount: Decimal
    federal_part: Decimal
    own_part: Decimal
    call_off: str | None = Field(description="Abrufnummer")
    supplier: str
    invoice_reference: str
    text: str


class LedgerOut(BudgetOut):
    entries: list[EntryOut]


def _balance(balance: Balance) -> BalanceOut:
    return BalanceOut(
        allocation=balance.allocation,
        committed=balance.committed,
        committed_federal=balance.committed_federal,
        committed_own=balance.committed_own,
        paid=balance.paid,
        paid_federal=balance.paid_federal,
        paid_own=balance.paid_own,
        open_commitments=balance.open_commitments,
        remaining=balance.remaining,
        reconciles=balance.reconciles(),
    )


def _budget(budget: SchoolAuthorityBudget, balance: Balance) -> dict:
    return {
        "id": budget.public_id,
        "schooltraeger": budget.tenant.name,
        "schooltraeger_id": budget.tenant.public_id,
        "programme": budget.programme.name,
        "programme_code": budget.programme.code,
        "federal_share": budget.programme.federal_share,
        "own_share": budget.programme.own_share,
        "balance": _balance(balance),
    }


@router.get(
    "/budgets",
    response={200: list[BudgetOut], 401: ErrorOut, 403: ErrorOut},
    summary="Budgets der Schulträger",
    description="Eigene Budgets; Beschäftigte der Genossenschaft sehen alle Schulträger.",
)
def list_budgets(request):
    is_staff, tenant = budget_viewer(request)
    if is_staff:
        return [_budget(o.budget, o.balance) for o in selectors.budgets_across_members()]
    return [
        _budget(budget, selectors.budget_balance(budget))
        for budget in selectors.budget_list(tenant=tenant).select_related("tenant")
    ]


@router.get(
    "/budgets/{public_id}",
    response={200: LedgerOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Konto eines Budgets",
    description="Stand und alle Buchungen eines Budgets, älteste zuerst.",
)
def get_budget(request, public_id: UUID):
    is_staff, tenant = budget_viewer(request)
    try:
        if is_staff:
            ledger = selectors.ledger_get_for_cooperative(public_id=public_id)
        else:
            ledger = selectors.ledger_get(tenant=tenant, public_id=public_id)
    except SchoolAuthorityBudget.DoesNotExist:
        raise HttpError(404, _("Dieses Budget gibt es nicht.")) from None
    entries = [
        EntryOut(
            id=e.public_id,
            kind=e.kind,
            counts_as=e.counts_as,
            booked_on=e.booked_on,
            amount=e.amount,
            federal_part=e.federal_part,
            own_part=e.own_part,
            call_off=e.call_off.reference if e.call_off else None,
            supplier=e.supplier_name,
            invoice_reference=e.invoice_reference,
            text=e.text,
        )
        for e in ledger.entries
    ]
    return {**_budget(ledger.budget, ledger.balance), "entries": entries}
