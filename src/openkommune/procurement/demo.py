"""Demo framework contracts: invented, marked "Demo" everywhere and flagged `is_demo`.

Nothing here is a real contract or supplier. Suppliers use the reserved domain example.org
and the non-existent postcode 00000. The CPV codes are real codes of the Common Procurement
Vocabulary (they only classify). Terms start on 1 January of the current year, so the demo
contracts are always running. Idempotent: keyed by contract number, supplier name and article
number; a second run changes (and audits) only what differs.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from openkommune.procurement import services
from openkommune.procurement.constants import LegalBasis, TierMode
from openkommune.procurement.models import CatalogItem, FrameworkContract, Lot, Supplier
from openkommune.tenancy.constants import OrganisationKind

SUPPLIERS = {
    "it": ("Beispiel IT-Handel GmbH (Demo)", "Beispielweg 1\n00000 Beispielstadt",
           "bestellung@it-handel.example.org"),
    "system": ("Muster Systemhaus AG (Demo)", "Musterallee 2\n00000 Musterstadt",
               "auftrag@systemhaus.example.org"),
    "service": ("Beispiel Software & Service GmbH (Demo)", "Demoplatz 3\n00000 Beispielstadt",
                "service@software.example.org"),
}  # fmt: skip

# (supplier key, lot number, article number, description, CPV, unit, tier mode, tiers)
HARDWARE_ITEMS = [
    ("it", 1, "DEMO-NB-14", "Notebook 14 Zoll, 16 GB RAM, 512 GB SSD (Demo)", "30213100-6",
     "Stück", TierMode.ALL_UNITS, [(0, "949.00"), (10, "899.00"), (50, "849.00")]),
    ("system", 1, "DEMO-NB-16", "Notebook 16 Zoll, 32 GB RAM, 1 TB SSD (Demo)", "30213100-6",
     "Stück", TierMode.ALL_UNITS, [(0, "1349.00"), (10, "1289.00"), (50, "1229.00")]),
    ("it", 2, "DEMO-MON-24", "Bildschirm 24 Zoll, höhenverstellbar (Demo)", "30231000-7",
     "Stück", TierMode.ALL_UNITS, [(0, "189.00"), (20, "175.00"), (100, "159.00")]),
    ("system", 2, "DEMO-MON-27", "Bildschirm 27 Zoll, USB-C (Demo)", "30231000-7",
     "Stück", TierMode.ALL_UNITS, [(0, "299.00"), (20, "279.00")]),
]  # fmt: skip
SERVICE_ITEMS = [
    ("service", None, "DEMO-SW-OFFICE", "Bürosoftware, Jahreslizenz je Arbeitsplatz (Demo)",
     "48000000-8", "Lizenz", TierMode.INCREMENTAL, [(0, "120.00"), (101, "95.00"), (501, "80.00")]),
    ("service", None, "DEMO-SCHULUNG", "Anwenderschulung, ganztägig, bis 10 Personen (Demo)",
     "80500000-9", "Tag", TierMode.ALL_UNITS, [(0, "950.00"), (5, "890.00")]),
    ("service", None, "DEMO-WARTUNG", "Wartung Arbeitsplatzrechner, je Gerät und Jahr (Demo)",
     "50300000-8", "Gerät", TierMode.ALL_UNITS, [(0, "60.00"), (50, "52.00"), (200, "45.00")]),
]  # fmt: skip


def _contracts(year: int) -> list[dict]:
    start = datetime.date(year, 1, 1)
    return [
        {
            "fields": {
                "number": "DEMO-RV-001",
                "title": "Demo-Rahmenvertrag Arbeitsplatz-Hardware",
                "subject": "Erfundener Rahmenvertrag zur Vorführung der Plattform: Notebooks "
                "und Bildschirme für Arbeitsplätze der Mitglieder. Kein echter Vertrag.",
                "legal_basis": LegalBasis.VGV_21,
                "starts_on": start,
                "ends_on": datetime.date(year + 3, 12, 31),
                "max_value": Decimal("2500000.00"),
                "max_quantity": None,
                "callers_all_members": True,
                "caller_kinds": [],
                "is_demo": True,
            },
            "suppliers": ["it", "system"],
            "lots": [(1, "Notebooks (Demo)"), (2, "Bildschirme (Demo)")],
            "items": HARDWARE_ITEMS,
        },
        {
            "fields": {
                "number": "DEMO-RV-002",
                "title": "Demo-Rahmenvertrag Software, Schulung und Wartung",
                "subject": "Erfundener Rahmenvertrag unterhalb der EU-Schwellenwerte für "
                "Landkreise und kreisfreie Städte. Kein echter Vertrag.",
                "legal_basis": LegalBasis.UVGO_15,
                "starts_on": start,
                "ends_on": datetime.date(year + 5, 12, 31),
                "max_value": Decimal("200000.00"),
                "max_quantity": None,
                "callers_all_members": False,
                "caller_kinds": [OrganisationKind.LANDKREIS, OrganisationKind.KREISFREIE_STADT],
                "is_demo": True,
            },
            "suppliers": ["service"],
            "lots": [],
            "items": SERVICE_ITEMS,
        },
    ]


@dataclass
class DemoResult:
    contracts: list[str] = field(default_factory=list)
    suppliers: int = 0
    items: int = 0


def _supplier(key: str) -> Supplier:
    name, address, email = SUPPLIERS[key]
    fields = {"address": address, "email": email, "is_demo": True}
    supplier = Supplier.objects.filter(name=name).first()
    if supplier is None:
        return services.supplier_create(actor=None, name=name, **fields)
    return services.supplier_update(actor=None, supplier=supplier, **fields)


@transaction.atomic
def load_procurement_demo(*, today: datetime.date | None = None) -> DemoResult:
    year = (today or timezone.localdate()).year
    result = DemoResult()
    suppliers = {key: _supplier(key) for key in SUPPLIERS}
    result.suppliers = len(suppliers)
    for spec in _contracts(year):
        fields = spec["fields"]
        chosen = [suppliers[key] for key in spec["suppliers"]]
        contract = FrameworkContract.objects.filter(number=fields["number"]).first()
        if contract is None:
            contract = services.contract_create(actor=None, suppliers=chosen, **fields)
        else:
            contract = services.contract_update(
                actor=None, contract=contract, suppliers=chosen, **fields
            )
        lots = {}
        for number, title in spec["lots"]:
            lot = Lot.objects.filter(contract=contract, number=number).first()
            if lot is None:
                lot = services.lot_create(actor=None, contract=contract, number=number, title=title)
            lots[number] = lot
        for key, lot_number, article, description, cpv, unit, mode, tiers in spec["items"]:
            item_fields = {
                "lot": lots.get(lot_number),
                "description": description,
                "cpv_code": cpv,
                "unit": unit,
                "valid_from": contract.starts_on,
                "valid_until": None,
                "tier_mode": mode,
                "is_active": True,
            }
            prices = [(m, Decimal(p)) for m, p in tiers]
            supplier = suppliers[key]
            item = CatalogItem.objects.filter(
                contract=contract, supplier=supplier, article_number=article
            ).first()
            if item is None:
                services.catalog_item_create(
                    actor=None,
                    contract=contract,
                    tiers=prices,
                    supplier=supplier,
                    article_number=article,
                    **item_fields,
                )
            else:
                services.catalog_item_update(actor=None, item=item, tiers=prices, **item_fields)
            result.items += 1
        result.contracts.append(f"{contract.number} {contract.title}")
    return result
