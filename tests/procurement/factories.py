"""Contracts, items and call-offs for tests. Contract data is written through the services
where the rule under test lives there; these factories write rows directly so a test
controls exactly what exists."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory

from openkommune.procurement.constants import CallOffStatus, LegalBasis, TierMode
from openkommune.procurement.models import (
    CallOff,
    CallOffLine,
    CatalogItem,
    FrameworkContract,
    Lot,
    PriceTier,
    Supplier,
)
from openkommune.tenancy.scoping import scopes_disabled
from tests.tenancy.factories import OrganisationFactory

TODAY = datetime.date.today()


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supplier

    name = factory.Sequence(lambda n: f"Test-Lieferant {n} GmbH")
    address = "Musterstraße 1\n39104 Magdeburg"
    email = factory.Sequence(lambda n: f"lieferant{n}@test.example.org")


class ContractFactory(factory.django.DjangoModelFactory):
    """A running contract (one year either side of today) callable by all members."""

    class Meta:
        model = FrameworkContract
        skip_postgeneration_save = True

    number = factory.Sequence(lambda n: f"RV-TEST-{n:04d}")
    title = factory.Sequence(lambda n: f"Testvertrag {n}")
    legal_basis = LegalBasis.VGV_21
    starts_on = factory.LazyFunction(lambda: TODAY - datetime.timedelta(days=365))
    ends_on = factory.LazyFunction(lambda: TODAY + datetime.timedelta(days=365))
    max_value = Decimal("100000.00")
    max_quantity = None
    callers_all_members = True
    caller_kinds = factory.LazyFunction(list)

    @factory.post_generation
    def suppliers(self, create, extracted, **kwargs):
        self.suppliers.set(extracted if extracted is not None else [SupplierFactory()])


class LotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lot

    contract = factory.SubFactory(ContractFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = "Testlos"


class ItemFactory(factory.django.DjangoModelFactory):
    """An item with tiers `tiers` (default: 0 → 100 €, 10 → 90 €)."""

    class Meta:
        model = CatalogItem
        skip_postgeneration_save = True

    contract = factory.SubFactory(ContractFactory)
    supplier = factory.LazyAttribute(lambda o: o.contract.suppliers.first())
    article_number = factory.Sequence(lambda n: f"ART-{n:05d}")
    description = factory.Sequence(lambda n: f"Testartikel {n}")
    cpv_code = "30213100-6"
    unit = "Stück"
    valid_from = factory.LazyAttribute(lambda o: o.contract.starts_on)
    tier_mode = TierMode.ALL_UNITS

    @factory.post_generation
    def tiers(self, create, extracted, **kwargs):
        tiers = extracted if extracted is not None else [(0, "100.00"), (10, "90.00")]
        for min_quantity, price in tiers:
            PriceTier.objects.create(
                item=self, min_quantity=min_quantity, unit_price=Decimal(price)
            )


class CallOffFactory(factory.django.DjangoModelFactory):
    """A call-off row written directly (e.g. to fill a contract's usage)."""

    class Meta:
        model = CallOff

    tenant = factory.SubFactory(OrganisationFactory)
    reference = factory.Sequence(lambda n: f"AB-TEST-{n:06d}")
    contract = factory.SubFactory(ContractFactory)
    supplier = factory.LazyAttribute(lambda o: o.contract.suppliers.first())
    status = CallOffStatus.ORDERED
    total = Decimal("0.00")
    quantity_total = 0

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with scopes_disabled():
            return super()._create(model_class, *args, **kwargs)


def add_line(call_off: CallOff, item: CatalogItem, quantity: int) -> CallOffLine:
    from openkommune.procurement.selectors import line_total

    total = line_total(item, quantity)
    with scopes_disabled():
        line = CallOffLine.objects.create(
            tenant=call_off.tenant,
            call_off=call_off,
            item=item,
            quantity=quantity,
            unit_price=(total / quantity).quantize(Decimal("0.01")),
            line_total=total,
        )
        call_off.total += total
        call_off.quantity_total += quantity
        call_off.save()
    return line
