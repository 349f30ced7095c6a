"""Reads of the procurement app: who may call off what, prices, usage and the guards.

Contracts and catalogue items are cooperative data (unscoped). Call-offs are tenant-owned:
read through the active scope, except in the two named cross-tenant reads at the end, which
return sums (usage) and never another member's rows to a member.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from openkommune.core import outbox
from openkommune.core.formatting import format_date, format_money, format_number
from openkommune.core.models import OutboxMail
from openkommune.members.selectors import is_caller_on
from openkommune.procurement.constants import (
    COMMITTED_STATUSES,
    ORDER_MAIL_KIND,
    USAGE_WARNING_SHARE,
    CallOffStatus,
    ContractStatus,
    ThresholdKind,
)
from openkommune.procurement.models import (
    CallOff,
    CallOffLine,
    CatalogItem,
    FrameworkContract,
    MemberProcurementSettings,
    PriceTier,
    Supplier,
    ThresholdTable,
)
from openkommune.procurement.pricing import tier_price, tier_total
from openkommune.tenancy.constants import OrganisationKind
from openkommune.tenancy.models import Organisation
from openkommune.tenancy.scoping import scopes_disabled

# --- prices ------------------------------------------------------------------------------


def _tiers(item: CatalogItem) -> list[tuple[int, Decimal]]:
    return [(t.min_quantity, t.unit_price) for t in item.tiers.all()]


def unit_price_for(item: CatalogItem, quantity: int) -> Decimal:
    """Unit price of the tier `quantity` reaches: for all-units tiers the price every unit
    pays, for incremental tiers the price of the last (marginal) unit."""
    tiers = sorted(_tiers(item))
    if not tiers:
        raise ValueError(f"Catalogue item {item.pk} has no price tiers.")
    return tier_price(tiers, quantity)


def line_total(item: CatalogItem, quantity: int) -> Decimal:
    return tier_total(_tiers(item), quantity, item.tier_mode)


# --- contracts ---------------------------------------------------------------------------


def today() -> datetime.date:
    return timezone.localdate()


def is_registered_caller(organisation: Organisation, on: datetime.date | None = None) -> bool:
    """A current member of the member register on `on` (today), or a body such a member
    names: only these call off, whatever their kind (issue 19)."""
    return is_caller_on(organisation, on or today())


def may_call_off(
    contract: FrameworkContract, organisation: Organisation, on: datetime.date | None = None
) -> bool:
    """Whether the organisation may call off the contract on `on` (today): it is a member of
    the register that day (or a body a member names), and the contract names it as a buyer
    (all members, its kind, or by name). The cooperative itself is no caller. Uses
    `named_callers` when prefetched."""
    if organisation is None or organisation.is_cooperative or not organisation.is_active:
        return False
    if not is_registered_caller(organisation, on):
        return False
    if contract.callers_all_members or organisation.kind in (contract.caller_kinds or []):
        return True
    return any(o.pk == organisation.pk for o in contract.named_callers.all())


def caller_description(contract: FrameworkContract) -> str:
    if contract.callers_all_members:
        return _("alle Mitglieder")
    parts = [
        str(OrganisationKind(kind).label)
        for kind in contract.caller_kinds or []
        if kind in OrganisationKind.values
    ]
    parts = [_("alle: %(kind)s") % {"kind": p} for p in parts]
    parts += [o.name for o in contract.named_callers.all()]
    return "; ".join(parts) or _("niemand")


def contract_list() -> QuerySet[FrameworkContract]:
    return FrameworkContract.objects.prefetch_related("suppliers").annotate(
        item_count=Count("items", distinct=True)
    )


def contract_get(*, public_id: UUID | str) -> FrameworkContract:
    """Raises `FrameworkContract.DoesNotExist` (also for a malformed id)."""
    try:
        return FrameworkContract.objects.get(public_id=public_id)
    except (ValidationError, ValueError) as error:
        raise FrameworkContract.DoesNotExist(str(error)) from error


def contracts_callable_by(
    organisation: Organisation, *, on: datetime.date | None = None
) -> QuerySet[FrameworkContract]:
    """Contracts the organisation may call off; with `on`, only those in term that day.

    The caller rule is checked in Python: JSON containment is not portable to SQLite, and a
    cooperative has dozens of contracts, not thousands.
    """
    contracts = FrameworkContract.objects.prefetch_related("named_callers")
    if on is not None:
        contracts = contracts.filter(starts_on__lte=on, ends_on__gte=on)
    ids = [c.pk for c in contracts if may_call_off(c, organisation)]
    return FrameworkContract.objects.filter(pk__in=ids)


def contract_status(
    contract: FrameworkContract, *, on: datetime.date | None = None, usage: Usage | None = None
) -> str:
    """Planned, expired, exhausted or active; pass `usage` when the caller has it already."""
    on = on or today()
    if on < contract.starts_on:
        return ContractStatus.PLANNED
    if on > contract.ends_on:
        return ContractStatus.EXPIRED
    if (usage or contract_usage(contract)).share >= 1:
        return ContractStatus.EXHAUSTED
    return ContractStatus.ACTIVE


def contract_filter_status(
    contracts: QuerySet[FrameworkContract], status: str, *, on: datetime.date | None = None
) -> QuerySet[FrameworkContract]:
    on = on or today()
    if status == ContractStatus.PLANNED:
        return contracts.filter(starts_on__gt=on)
    if status == ContractStatus.EXPIRED:
        return contracts.filter(ends_on__lt=on)
    running = contracts.filter(starts_on__lte=on, ends_on__gte=on)
    exhausted = [c.pk for c in running if contract_usage(c).share >= 1]
    if status == ContractStatus.EXHAUSTED:
        return running.filter(pk__in=exhausted)
    return running.exclude(pk__in=exhausted)


def supplier_list() -> QuerySet[Supplier]:
    return Supplier.objects.annotate(contract_count=Count("contracts", distinct=True)).order_by(
        "name"
    )


def supplier_get(*, public_id) -> Supplier:
    try:
        return Supplier.objects.get(public_id=public_id)
    except (ValidationError, ValueError) as error:
        raise Supplier.DoesNotExist(str(error)) from error


def item_list(*, contract: FrameworkContract) -> QuerySet[CatalogItem]:
    return contract.items.select_related("supplier", "lot").prefetch_related(
        Prefetch("tiers", queryset=PriceTier.objects.order_by("min_quantity"))
    )


def catalog_search(
    *, organisation: Organisation, query: str = "", contract_public_id: str | None = None
) -> QuerySet[CatalogItem]:
    """Active items valid today of the contracts the member may call off today."""
    on = today()
    contracts = contracts_callable_by(organisation, on=on)
    items = (
        CatalogItem.objects.filter(contract__in=contracts, is_active=True, valid_from__lte=on)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .select_related("contract", "supplier", "lot")
        .prefetch_related(Prefetch("tiers", queryset=PriceTier.objects.order_by("min_quantity")))
        .order_by("contract__number", "description", "article_number")
    )
    if contract_public_id:
        items = items.filter(contract__public_id=contract_public_id)
    for word in query.split()[:8]:
        items = items.filter(
            Q(description__icontains=word)
            | Q(article_number__icontains=word)
            | Q(cpv_code__startswith=word)
            | Q(supplier__name__icontains=word)
        )
    return items


def catalog_item_for_member(*, organisation: Organisation, public_id) -> CatalogItem:
    """An item the member may call off today; DoesNotExist otherwise (also a bad id)."""
    try:
        return catalog_search(organisation=organisation).get(public_id=public_id)
    except (ValidationError, ValueError) as error:
        raise CatalogItem.DoesNotExist(str(error)) from error


# --- call-offs (scoped) --------------------------------------------------------------------


def call_off_list(*, tenant: Organisation, status: str | None = None) -> QuerySet[CallOff]:
    call_offs = CallOff.objects.filter(tenant=tenant).select_related("contract", "supplier")
    if status:
        call_offs = call_offs.filter(status=status)
    return call_offs


def call_off_get(*, tenant: Organisation, reference: str) -> CallOff:
    """Raises CallOff.DoesNotExist for a missing call-off and for another member's."""
    return call_off_list(tenant=tenant).get(reference=reference)


def call_off_lines(call_off: CallOff) -> QuerySet[CallOffLine]:
    return CallOffLine.objects.filter(
        tenant_id=call_off.tenant_id, call_off=call_off
    ).select_related("item", "item__lot")


def order_mail_for(call_off: CallOff) -> OutboxMail | None:
    """The order e-mail of an ordered call-off (its row in the outbox, `core.outbox`); None
    for older orders and unordered ones."""
    return (
        outbox.mails_about(call_off)
        .filter(tenant_id=call_off.tenant_id, kind=ORDER_MAIL_KIND)
        .first()
    )


def draft_for(*, tenant: Organisation, owner, contract: FrameworkContract, supplier: Supplier):
    """The owner's own draft for the contract and supplier (drafts belong to a person)."""
    drafts = call_off_list(tenant=tenant, status=CallOffStatus.DRAFT).filter(
        contract=contract, supplier=supplier
    )
    if owner is None or not owner.is_authenticated:
        return drafts.filter(created_by__isnull=True).first()
    return drafts.filter(created_by=owner).first()


def procurement_settings(*, tenant: Organisation) -> MemberProcurementSettings:
    """The member's settings; unsaved defaults (approval from 0 €) when never saved."""
    found = MemberProcurementSettings.objects.filter(tenant=tenant).first()
    return found or MemberProcurementSettings(tenant=tenant)


# --- thresholds ----------------------------------------------------------------------------


def threshold_on(
    on: datetime.date, kind: str = ThresholdKind.SUPPLIES_SERVICES_MUNICIPAL
) -> ThresholdTable | None:
    return ThresholdTable.objects.filter(kind=kind, valid_from__lte=on, valid_until__gte=on).first()


def threshold_class(value: Decimal, on: datetime.date) -> str:
    """What the estimated value means relative to the EU threshold valid on `on`."""
    row = threshold_on(on)
    if row is None:
        return _("kein EU-Schwellenwert für den %(date)s hinterlegt") % {"date": format_date(on)}
    amount = format_money(row.amount, currency=False).removesuffix(",00")
    years = f"{row.valid_from.year}–{row.valid_until.year}"
    params = {"amount": amount, "years": years}
    if value < row.amount:
        return _("unterhalb des EU-Schwellenwerts (%(amount)s €, gültig %(years)s)") % params
    return _(
        "erreicht oder überschreitet den EU-Schwellenwert (%(amount)s €, gültig %(years)s)"
    ) % (params)


# --- usage and guards ----------------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    used_value: Decimal
    used_quantity: int
    share: Decimal  # of the maximum, 1 = 100 %; the larger of value and quantity share

    def __iter__(self):
        # Unpacks as the (used_value, used_quantity, share) triple of the data contract.
        return iter((self.used_value, self.used_quantity, self.share))

    @property
    def percent(self) -> Decimal:
        return (self.share * 100).quantize(Decimal("0.1"))


def usage_share(contract: FrameworkContract, value: Decimal, quantity: int) -> Decimal:
    shares = [Decimal(0)]
    if contract.max_value is not None:
        shares.append(
            Decimal("Infinity") if contract.max_value == 0 else value / contract.max_value
        )
    if contract.max_quantity is not None:
        shares.append(
            Decimal("Infinity")
            if contract.max_quantity == 0
            else Decimal(quantity) / contract.max_quantity
        )
    return max(shares)


def contract_usage(contract: FrameworkContract, *, exclude: CallOff | None = None) -> Usage:
    """What all members together have committed under the contract (submitted, approved or
    ordered call-offs). Cross-tenant, but returns sums only."""
    with scopes_disabled():
        committed = CallOff.objects.filter(contract=contract, status__in=COMMITTED_STATUSES)
        if exclude is not None and exclude.pk:
            committed = committed.exclude(pk=exclude.pk)
        sums = committed.aggregate(value=Sum("total"), quantity=Sum("quantity_total"))
    value = sums["value"] or Decimal("0.00")
    quantity = sums["quantity"] or 0
    return Usage(value, quantity, usage_share(contract, value, quantity))


@dataclass(frozen=True)
class MemberUsage:
    organisation_name: str
    organisation_public_id: UUID
    used_value: Decimal
    used_quantity: int
    call_off_count: int


def contract_usage_across_members(contract: FrameworkContract) -> list[MemberUsage]:
    """Usage per member for cooperative staff (the caller checks the role)."""
    with scopes_disabled():
        rows = (
            CallOff.objects.filter(contract=contract, status__in=COMMITTED_STATUSES)
            .values("tenant__name", "tenant__public_id")
            .annotate(value=Sum("total"), quantity=Sum("quantity_total"), count=Count("id"))
            .order_by("-value", "tenant__name")
        )
        return [
            MemberUsage(
                r["tenant__name"], r["tenant__public_id"], r["value"], r["quantity"], r["count"]
            )
            for r in rows
        ]


@dataclass
class GuardResult:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    threshold_class: str = ""
    usage_after: Usage | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def _percent_text(share: Decimal, rounding: str) -> str:
    """The share in percent with one decimal, rounded in the direction that keeps the text
    true: down below the maximum, up beyond it, so neither side ever reads "100,0 %"."""
    return format_number(share * 100, 1, rounding=rounding)


def _excess_errors(contract: FrameworkContract, value: Decimal, quantity: int) -> list[str]:
    """What a call-off brings beyond the contract's maximum value and quantity, by how much."""
    errors = []
    if contract.max_value is not None and value > contract.max_value:
        errors.append(
            _("Der Abruf überschreitet den Höchstwert des Rahmenvertrags %(number)s um "
              "%(excess)s € (mit diesem Abruf %(percent)s %%). Bitte verringern Sie die Menge.")
            % {
                "number": contract.number,
                "excess": format_money(value - contract.max_value, currency=False),
                "percent": _percent_text(usage_share(contract, value, 0), ROUND_CEILING),
            }
        )  # fmt: skip
    if contract.max_quantity is not None and quantity > contract.max_quantity:
        excess = quantity - contract.max_quantity
        errors.append(
            ngettext(
                "Der Abruf überschreitet die Höchstmenge des Rahmenvertrags %(number)s um "
                "%(excess)d Einheit (mit diesem Abruf %(percent)s %%). Bitte verringern Sie "
                "die Menge.",
                "Der Abruf überschreitet die Höchstmenge des Rahmenvertrags %(number)s um "
                "%(excess)d Einheiten (mit diesem Abruf %(percent)s %%). Bitte verringern Sie "
                "die Menge.",
                excess,
            )
            % {
                "number": contract.number,
                "excess": excess,
                "percent": _percent_text(Decimal(quantity) / contract.max_quantity, ROUND_CEILING),
            }
        )
    return errors


def call_off_guards(call_off: CallOff, *, on: datetime.date | None = None) -> GuardResult:
    """Every check of a call-off on a date, each with a clear German message.

    1. contract in term; 2. caller authorised; 3. lines present and items valid that day;
    4. cumulative volume incl. this call-off (warning from 80 %, refused above 100 % and
    once the contract is exhausted); 5. EU threshold class of the call-off value (informs).
    """
    on = on or today()
    contract = call_off.contract
    result = GuardResult()
    date_text = format_date(on)
    if on < contract.starts_on:
        result.errors.append(
            _(
                "Der Rahmenvertrag %(number)s beginnt erst am %(start)s; "
                "vorher ist kein Abruf möglich."
            )
            % {"number": contract.number, "start": format_date(contract.starts_on)}
        )
    elif on > contract.ends_on:
        result.errors.append(
            _(
                "Der Rahmenvertrag %(number)s ist am %(end)s abgelaufen; "
                "ein Abruf ist nicht mehr möglich."
            )
            % {"number": contract.number, "end": format_date(contract.ends_on)}
        )
    if not call_off.tenant.is_cooperative and not is_registered_caller(call_off.tenant, on):
        result.errors.append(
            _(
                "%(member)s ist am %(date)s kein Mitglied der Genossenschaft (laut "
                "Mitgliederverzeichnis) und keine von einem Mitglied benannte Stelle; "
                "abrufen dürfen nur Mitglieder."
            )
            % {"member": call_off.tenant.name, "date": format_date(on)}
        )
    elif not may_call_off(contract, call_off.tenant, on):
        result.errors.append(
            _("%(member)s ist im Rahmenvertrag %(number)s nicht als abrufberechtigt genannt.")
            % {"member": call_off.tenant.name, "number": contract.number}
        )
    lines = list(call_off_lines(call_off))
    if not lines:
        result.errors.append(_("Der Abruf hat noch keine Positionen."))
    for line in lines:
        item = line.item
        if item.contract_id != contract.pk or not item.is_active or not item.is_valid_on(on):
            result.errors.append(
                _("Artikel %(article)s ist am %(date)s nicht abrufbar.")
                % {"article": item.article_number, "date": date_text}
            )
    value = sum((line.line_total for line in lines), Decimal("0.00"))
    quantity = sum(line.quantity for line in lines)
    before = contract_usage(contract, exclude=call_off)
    after_value, after_quantity = before.used_value + value, before.used_quantity + quantity
    after = Usage(after_value, after_quantity, usage_share(contract, after_value, after_quantity))
    result.usage_after = after
    if before.share >= 1:
        result.errors.append(
            _("Der Rahmenvertrag %(number)s ist ausgeschöpft: die Höchstmenge bzw. der "
              "Höchstwert ist erreicht.") % {"number": contract.number}
        )  # fmt: skip
    elif after.share > 1:
        result.errors.extend(_excess_errors(contract, after_value, after_quantity))
    elif after.share == 1:
        result.warnings.append(
            _("Mit diesem Abruf ist der Rahmenvertrag %(number)s ausgeschöpft (100 %%); danach "
              "ist kein weiterer Abruf möglich.") % {"number": contract.number}
        )  # fmt: skip
    elif after.share >= USAGE_WARNING_SHARE:
        result.warnings.append(
            _("Mit diesem Abruf sind %(percent)s %% des Rahmenvertrags %(number)s ausgeschöpft.")
            % {"number": contract.number, "percent": _percent_text(after.share, ROUND_FLOOR)}
        )
    result.threshold_class = threshold_class(value, on)
    if threshold_on(on) is None:
        result.warnings.append(result.threshold_class)
    return result
