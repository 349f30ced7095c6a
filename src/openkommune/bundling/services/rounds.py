"""State changes of bundling rounds up to the close. Each is atomic and audited.

Rounds, items and offers are the cooperative's (audited without a tenant); a member's demand
is the member's (audited in its tenant). Only cooperative staff (or the system, `actor=None`)
run rounds; every person of a member organisation may report its demand.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openkommune.bundling import notifications
from openkommune.bundling.constants import RoundStatus
from openkommune.bundling.models import BundlingRound, DemandEntry, RoundItem, RoundOffer
from openkommune.bundling.selectors import (
    eligible_offers,
    offer_supplier_key,
    round_accepts_demand,
    user_may_enter_demand,
)
from openkommune.core.formatting import format_datetime
from openkommune.procurement.constants import TierMode
from openkommune.procurement.models import CatalogItem, FrameworkContract
from openkommune.tenancy.models import Organisation
from openkommune.tenancy.scoping import scope
from openkommune.tenancy.selectors import require_cooperative_staff
from openkommune.tenancy.services import (
    audit_record,
    reject_unknown_fields,
    save_audited,
    save_changes,
    snapshot,
)

ROUND_FIELDS = ("title", "description", "deadline", "prefill_from", "prefill_until", "status")


def _audit(actor, action: str, obj, **change) -> None:
    """The audit record of a change by the cooperative (no tenant)."""
    audit_record(tenant=None, actor=actor, action=action, obj=obj, **change)


def _require_staff(actor) -> None:
    require_cooperative_staff(actor, _("Bündelungsrunden führt die Genossenschaft."))


def _locked_round(bundling_round: BundlingRound) -> BundlingRound:
    return BundlingRound.objects.select_for_update().get(pk=bundling_round.pk)


def _require_open(bundling_round: BundlingRound) -> None:
    if bundling_round.status != RoundStatus.OPEN:
        raise ValidationError(_("Die Runde ist geschlossen; sie lässt sich nicht mehr ändern."))


def _check_period(prefill_from, prefill_until) -> None:
    if bool(prefill_from) != bool(prefill_until):
        raise ValidationError(
            {
                "prefill_until": _(
                    "Bitte Beginn und Ende des Zeitraums angeben oder beide leer lassen."
                )
            }
        )
    if prefill_from and prefill_until < prefill_from:
        raise ValidationError({"prefill_until": _("Das Ende des Zeitraums liegt vor dem Beginn.")})


def _snapshot(bundling_round: BundlingRound) -> dict:
    return snapshot(bundling_round, ROUND_FIELDS)


@transaction.atomic
def round_create(
    *,
    actor,
    title: str,
    deadline: datetime.datetime,
    description: str = "",
    prefill_from: datetime.date | None = None,
    prefill_until: datetime.date | None = None,
    is_demo: bool = False,
) -> BundlingRound:
    """Open a round for demand until `deadline` (which must lie in the future)."""
    _require_staff(actor)
    if deadline <= timezone.now():
        raise ValidationError({"deadline": _("Die Frist muss in der Zukunft liegen.")})
    _check_period(prefill_from, prefill_until)
    bundling_round = BundlingRound(
        title=title.strip(),
        description=description.strip(),
        deadline=deadline,
        prefill_from=prefill_from,
        prefill_until=prefill_until,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        is_demo=is_demo,
    )
    bundling_round = save_audited(
        bundling_round,
        tenant=None,
        actor=actor,
        action="bundling.round_create",
        fields=ROUND_FIELDS,
    )
    notifications.round_opened_owe(bundling_round=bundling_round)
    return bundling_round


@transaction.atomic
def round_update(*, actor, bundling_round: BundlingRound, **changes) -> BundlingRound:
    """Change title, description, deadline or prefill period while the round is open."""
    _require_staff(actor)
    allowed = {"title", "description", "deadline", "prefill_from", "prefill_until"}
    reject_unknown_fields(changes, allowed, "round")
    bundling_round = _locked_round(bundling_round)
    _require_open(bundling_round)
    before = _snapshot(bundling_round)
    for name, value in changes.items():
        setattr(bundling_round, name, value.strip() if isinstance(value, str) else value)
    if "deadline" in changes and bundling_round.deadline <= timezone.now():
        raise ValidationError({"deadline": _("Die Frist muss in der Zukunft liegen.")})
    _check_period(bundling_round.prefill_from, bundling_round.prefill_until)
    return save_changes(
        bundling_round,
        tenant=None,
        actor=actor,
        action="bundling.round_update",
        fields=ROUND_FIELDS,
        before=before,
    )


@transaction.atomic
def round_item_add(
    *, actor, bundling_round: BundlingRound, title: str, unit: str = "Stück"
) -> RoundItem:
    _require_staff(actor)
    bundling_round = _locked_round(bundling_round)
    _require_open(bundling_round)
    position = bundling_round.items.count() + 1
    item = RoundItem(
        round=bundling_round, title=title.strip(), unit=unit.strip() or "Stück", position=position
    )
    item.full_clean()
    item.save()
    _audit(
        actor,
        "bundling.round_item_add",
        item,
        after={"round": str(bundling_round.public_id), "title": item.title, "unit": item.unit},
    )
    return item


@transaction.atomic
def round_item_remove(*, actor, item: RoundItem) -> None:
    """Remove an item with its offers and every member's demand for it (open rounds only)."""
    _require_staff(actor)
    bundling_round = _locked_round(item.round)
    _require_open(bundling_round)
    _audit(
        actor,
        "bundling.round_item_remove",
        item,
        before={"round": str(bundling_round.public_id), "title": item.title, "unit": item.unit},
    )
    item.delete()


def _check_offer(item: RoundItem, catalog_item: CatalogItem) -> None:
    if not catalog_item.is_active:
        raise ValidationError({"catalog_item": _("Dieser Katalogartikel ist nicht aktiv.")})
    if catalog_item.tier_mode != TierMode.ALL_UNITS:
        raise ValidationError(
            {"catalog_item": _("Die Bündelung rechnet mit Staffeln für alle Einheiten; dieser "
                               "Artikel hat eine angestoßene Staffel je Einheit.")}
        )  # fmt: skip
    tiers = list(catalog_item.tiers.order_by("min_quantity"))
    if not tiers or tiers[0].min_quantity != 0:
        raise ValidationError({"catalog_item": _("Der Artikel hat keinen Preis ab Menge 0.")})
    probe = RoundOffer(round_item=item, catalog_item=catalog_item)
    key = offer_supplier_key(probe)
    for existing in item.offers.select_related("catalog_item__supplier", "catalog_item__contract"):
        if existing.catalog_item_id == catalog_item.pk:
            raise ValidationError(
                {"catalog_item": _("Dieser Artikel ist schon Angebot der Position.")}
            )
        if offer_supplier_key(existing) == key:
            raise ValidationError(
                {"catalog_item": _("%(supplier)s bietet diese Position im selben Rahmenvertrag "
                                   "schon an (Artikel %(article)s).")
                 % {"supplier": catalog_item.supplier.name,
                    "article": existing.catalog_item.article_number}}
            )  # fmt: skip


@transaction.atomic
def round_offer_add(
    *, actor, item: RoundItem, catalog_item: CatalogItem, capacity: int | None = None
) -> RoundOffer:
    """Let a supplier's catalogue article serve the round item (one per supplier and
    contract; all-units tiers only, which is what the optimiser prices)."""
    _require_staff(actor)
    _require_open(_locked_round(item.round))
    _check_offer(item, catalog_item)
    if capacity is not None and capacity < 1:
        raise ValidationError(
            {"capacity": _("Die Kapazität muss mindestens 1 sein oder leer bleiben.")}
        )
    offer = RoundOffer(round_item=item, catalog_item=catalog_item, capacity=capacity)
    offer.full_clean()
    offer.save()
    _audit(
        actor,
        "bundling.round_offer_add",
        item,
        after={
            "catalog_item": str(catalog_item.public_id),
            "article": catalog_item.article_number,
            "capacity": capacity,
        },
    )
    return offer


@transaction.atomic
def round_offer_remove(*, actor, offer: RoundOffer) -> None:
    _require_staff(actor)
    _require_open(_locked_round(offer.round_item.round))
    _audit(
        actor,
        "bundling.round_offer_remove",
        offer.round_item,
        before={"catalog_item": str(offer.catalog_item.public_id), "capacity": offer.capacity},
    )
    offer.delete()


@transaction.atomic
def round_items_from_contract(
    *, actor, bundling_round: BundlingRound, contract: FrameworkContract
) -> list[RoundItem]:
    """One round item per article description and unit of the contract's active all-units
    articles, offered by every supplier that lists it. Descriptions already in the round are
    skipped, so running it twice adds nothing."""
    _require_staff(actor)
    bundling_round = _locked_round(bundling_round)
    _require_open(bundling_round)
    groups: dict[tuple[str, str], list[CatalogItem]] = defaultdict(list)
    articles = (
        contract.items.filter(is_active=True, tier_mode=TierMode.ALL_UNITS)
        .select_related("supplier", "contract")
        .order_by("description", "supplier__name", "article_number")
    )
    for article in articles:
        groups[(article.description.strip(), article.unit)].append(article)
    existing = set(bundling_round.items.values_list("title", flat=True))
    created = []
    for (title, unit), group in groups.items():
        if title in existing:
            continue
        item = round_item_add(actor=actor, bundling_round=bundling_round, title=title, unit=unit)
        for article in group:
            try:
                round_offer_add(actor=actor, item=item, catalog_item=article)
            except ValidationError:
                continue  # e.g. two articles of one supplier: the first one serves
        created.append(item)
    if not created:
        raise ValidationError(
            _("Der Rahmenvertrag %(number)s hat keine neuen aktiven Artikel mit Staffelpreisen "
              "für alle Einheiten.") % {"number": contract.number}
        )  # fmt: skip
    return created


@transaction.atomic
def demand_set(
    *,
    tenant: Organisation,
    actor,
    bundling_round: BundlingRound,
    quantities: dict[RoundItem, int],
) -> list[DemandEntry]:
    """Store the member's quantities (0 = none) until the deadline of an open round.

    A positive quantity needs at least one offer the member may call off (the contract's
    caller rule); the optimiser could not serve it otherwise.
    """
    if actor is not None and not user_may_enter_demand(actor, tenant=tenant):
        raise PermissionDenied(_("Bedarf melden nur Beschäftigte des Mitglieds."))
    bundling_round = _locked_round(bundling_round)
    if bundling_round.status != RoundStatus.OPEN:
        raise ValidationError(
            _("Die Runde ist geschlossen; Bedarf kann nicht mehr gemeldet werden.")
        )
    if not round_accepts_demand(bundling_round):
        raise ValidationError(
            _("Die Frist für Bedarfsmeldungen ist am %(date)s abgelaufen.")
            % {"date": format_datetime(bundling_round.deadline)}
        )
    errors: dict[str, list[str]] = {}
    for item, quantity in quantities.items():
        if item.round_id != bundling_round.pk:
            raise ValidationError(_("Diese Position gehört nicht zur Runde."))
        if not isinstance(quantity, int) or quantity < 0:
            errors.setdefault(str(item.public_id), []).append(
                _("Bitte eine ganze Zahl ab 0 angeben.")
            )
        elif quantity > 0 and not eligible_offers(item, tenant):
            errors.setdefault(str(item.public_id), []).append(
                _("Für „%(item)s“ ist Ihre Organisation bei keinem Anbieter der Runde "
                  "abrufberechtigt.") % {"item": item.title}
            )  # fmt: skip
    if errors:
        raise ValidationError(errors)
    saved = []
    with scope(tenant=tenant):
        current = {
            e.round_item_id: e
            for e in DemandEntry.objects.select_for_update().filter(
                tenant=tenant, round_item__round=bundling_round
            )
        }
        before, after = {}, {}
        for item, quantity in quantities.items():
            entry = current.get(item.pk)
            if entry is not None and entry.quantity == quantity:
                saved.append(entry)
                continue
            before[str(item.public_id)] = entry.quantity if entry else None
            after[str(item.public_id)] = quantity
            if entry is None:
                entry = DemandEntry(tenant=tenant, round_item=item, quantity=quantity)
            entry.quantity = quantity
            entry.updated_by = actor if actor is not None and actor.is_authenticated else None
            entry.save()
            saved.append(entry)
    if after:
        audit_record(
            tenant=tenant,
            actor=actor,
            action="bundling.demand_set",
            obj=bundling_round,
            before=before,
            after=after,
        )
    return saved


@transaction.atomic
def round_close(*, actor, bundling_round: BundlingRound) -> BundlingRound:
    """End demand reporting (also before the deadline); the round can then be evaluated."""
    _require_staff(actor)
    bundling_round = _locked_round(bundling_round)
    _require_open(bundling_round)
    before = _snapshot(bundling_round)
    bundling_round.status = RoundStatus.CLOSED
    bundling_round.closed_at = timezone.now()
    bundling_round.closed_by = actor if actor is not None and actor.is_authenticated else None
    bundling_round.save()
    _audit(
        actor,
        "bundling.round_close",
        bundling_round,
        before={"status": before["status"]},
        after={"status": bundling_round.status},
    )
    return bundling_round
