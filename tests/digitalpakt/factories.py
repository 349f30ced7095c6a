"""Procurement rows for the DigitalPakt, bundling and procurement-report tests.

Thin keyword helpers over the procurement factories (`tests/procurement/factories.py`), which
write rows directly so a test controls exactly what exists: contracts, articles with tier
prices, call-offs in a given state. `tests/bundling` and `tests/reports` import these too.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from openkommune.procurement.constants import CallOffStatus, TierMode
from openkommune.procurement.models import CallOff, CatalogItem, FrameworkContract, Supplier
from openkommune.tenancy.scoping import scopes_disabled
from tests.procurement.factories import (
    CallOffFactory,
    ContractFactory,
    ItemFactory,
    SupplierFactory,
    add_line,
)


def supplier(name: str | None = None) -> Supplier:
    return SupplierFactory(**({"name": name} if name else {}), is_demo=True)


def contract(
    *,
    number: str | None = None,
    suppliers=(),
    callers_all_members: bool = True,
    named_callers=(),
    max_value: Decimal | None = Decimal("1000000.00"),
) -> FrameworkContract:
    fields = {"number": number} if number else {}
    result = ContractFactory(
        **fields,
        title="Testrahmenvertrag Hardware",
        suppliers=list(suppliers),
        callers_all_members=callers_all_members,
        max_value=max_value,
        is_demo=True,
    )
    result.named_callers.set(named_callers)
    return result


def article(
    *,
    contract: FrameworkContract,
    supplier: Supplier,
    description: str = "Notebook 14 Zoll",
    cpv_code: str = "30213100-6",
    tiers=((0, "800.00"), (10, "750.00"), (50, "700.00")),
    tier_mode: str = TierMode.ALL_UNITS,
    article_number: str | None = None,
) -> CatalogItem:
    contract.suppliers.add(supplier)
    fields = {"article_number": article_number} if article_number else {}
    return ItemFactory(
        **fields,
        contract=contract,
        supplier=supplier,
        description=description,
        cpv_code=cpv_code,
        tier_mode=tier_mode,
        tiers=list(tiers),
    )


def call_off(
    *,
    tenant,
    lines,
    status: str = CallOffStatus.ORDERED,
    ordered_at: datetime.datetime | None = None,
) -> CallOff:
    """A call-off of `tenant` with lines [(article, quantity), ...] priced by the tiers."""
    first = lines[0][0]
    if ordered_at is None and status == CallOffStatus.ORDERED:
        ordered_at = timezone.now()
    result = CallOffFactory(
        tenant=tenant,
        contract=first.contract,
        supplier=first.supplier,
        status=status,
        ordered_at=ordered_at,
        is_demo=True,
    )
    with scopes_disabled():
        for item, quantity in lines:
            add_line(result, item, quantity)
    return result
