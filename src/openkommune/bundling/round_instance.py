"""From a closed round's data to the optimiser's `Instance`, and back to stored results.

Identifiers in the instance: members are organisation public ids, items round-item public
ids, and a "supplier" is a supplier under one framework contract (`offer_supplier_key`),
because a member's eligibility follows the contract's caller rule
(`procurement.selectors.may_call_off`): a member not authorised for an offer's contract is
ineligible for that supplier-and-contract.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from openkommune.bundling.models import BundlingRound, RoundItem, RoundOffer
from openkommune.bundling.optimizer import Instance
from openkommune.bundling.selectors import (
    DemandRow,
    demand_across_members,
    offer_supplier_key,
    round_items,
)
from openkommune.procurement.constants import ContractStatus
from openkommune.procurement.selectors import contract_status, may_call_off, today
from openkommune.tenancy.models import Organisation


@dataclass
class RoundInstance:
    instance: Instance
    members: dict[str, Organisation]  # member id -> organisation
    items: dict[str, RoundItem]  # item id -> round item
    offers: dict[tuple[str, str], RoundOffer]  # (supplier key, item id) -> offer
    problems: list[str]  # German messages: demand nobody may serve
    excluded: list[str]  # German notes: offers left out (contract not running, article invalid)


def build_instance(bundling_round: BundlingRound) -> RoundInstance:
    items = round_items(bundling_round)
    demand: list[DemandRow] = demand_across_members(bundling_round)
    by_pk = {item.pk: item for item in items}
    members: dict[str, Organisation] = {}
    for row in demand:
        members.setdefault(str(row.tenant.public_id), row.tenant)
    item_ids = {str(item.public_id): item for item in items}
    offers: dict[tuple[str, str], RoundOffer] = {}
    supplier_contracts: dict[str, object] = {}
    capacity: dict[str, dict[str, int]] = {}
    prices = []
    on = today()
    usable: dict[int, bool] = {}
    excluded: list[str] = []
    for item in items:
        item_id = str(item.public_id)
        for offer in item.offers.all():
            contract = offer.catalog_item.contract
            if contract.pk not in usable:
                usable[contract.pk] = contract_status(contract, on=on) == ContractStatus.ACTIVE
            article = offer.catalog_item
            if not usable[contract.pk] or not (article.is_active and article.is_valid_on(on)):
                # Expired, not yet valid or exhausted contracts (and withdrawn articles) take
                # no part: their prices could never be called off (issue 19).
                excluded.append(
                    _("„%(item)s“: das Angebot %(article)s (Vertrag %(number)s, %(status)s) "
                      "nimmt nicht teil.")
                    % {
                        "item": item.title,
                        "article": article.article_number,
                        "number": contract.number,
                        "status": ContractStatus(contract_status(contract, on=on)).label
                        if not usable[contract.pk]
                        else _("Artikel nicht gültig"),
                    }
                )  # fmt: skip
                continue
            key = offer_supplier_key(offer)
            offers[(key, item_id)] = offer
            supplier_contracts[key] = offer.catalog_item.contract
            if offer.capacity is not None:
                capacity.setdefault(key, {})[item_id] = offer.capacity
            prices.append(
                {
                    "supplier": key,
                    "item": item_id,
                    "tiers": [
                        {"min_qty": tier.min_quantity, "unit_price": str(tier.unit_price)}
                        for tier in offer.catalog_item.tiers.all()
                    ],
                }
            )
    allowed: dict[tuple[str, str], bool] = {}
    ineligible = []
    for member_id, organisation in members.items():
        for key, contract in supplier_contracts.items():
            if (key, member_id) not in allowed:
                allowed[(key, member_id)] = may_call_off(contract, organisation)
            if not allowed[(key, member_id)]:
                ineligible.append({"member": member_id, "supplier": key})
    data = {
        "members": list(members),
        "items": list(item_ids),
        "suppliers": [{"id": key, "capacity": capacity.get(key, {})} for key in supplier_contracts],
        "prices": prices,
        "demand": [
            {
                "member": str(row.tenant.public_id),
                "item": str(by_pk[row.round_item_id].public_id),
                "qty": row.quantity,
            }
            for row in demand
        ],
        "ineligible": ineligible,
    }
    instance = Instance.from_json(data)
    problems = []
    for one in instance.demand:
        if not instance.candidates(one):
            problems.append(
                _("%(member)s kann „%(item)s“ (%(qty)s %(unit)s) bei keinem Anbieter der Runde "
                  "bestellen: nicht abrufberechtigt oder die Kapazität reicht nicht.")
                % {
                    "member": members[one.member].name,
                    "item": item_ids[one.item].title,
                    "qty": one.qty,
                    "unit": item_ids[one.item].unit,
                }
            )  # fmt: skip
    if problems:
        problems.extend(excluded)  # why an offer the member might expect is missing
    return RoundInstance(instance, members, item_ids, offers, problems, excluded)
