"""Spend and savings of the members' procurement: per member, per contract and per year.

Definitions (docs/bundling-rounds.md, "Berichte"):
- Spend: the totals of **ordered** call-offs (status "Bestellt"), in the year of their order
  date (Europe/Berlin).
- Tier savings on call-offs: per line, the list price (the unit price of the item's first
  tier, from quantity 0) times the quantity, minus what the line costs. It is what the tier
  prices of the framework contract saved against buying single units. The item's current
  tiers are used: a contract whose first tier was changed later is measured against the new
  price.
- Bundling savings are booked only when realised: per ordered call-off line that an awarded
  bundling round made (`RoundAllocation.call_off_line`), "cost of that demand when buying
  alone" (`alone_cost`, the member's own tier at the cheapest eligible supplier) minus what
  the member carries for the line: its cost at the bundled price plus the line's part of
  the member's settlement (`RoundAllocation.settlement`, ADR 0045), in the year of the
  order. A member whose round call-offs are all ordered so books exactly the round's
  saving for it, alone cost minus cost share (ADR 0042). For such a line the tier savings
  are the list price times the quantity minus the alone cost, so that tier plus bundling
  savings of the line are list price minus what the member carries for it. An evaluated
  round that was never awarded, and round call-offs that were cancelled or rejected, book
  nothing. Bundling savings and settlements are shown per member and year (the contract
  table shows tier savings).
- Settlement: the sum of those lines' settlement parts (positive: the member pays into the
  round's settlement; negative: it is credited). Spend stays what the call-offs cost at the
  suppliers' tier prices; spend plus settlement is what the member carries.

Nothing is stored; a member's people see only its own figures (active scope), cooperative
staff every member's through the named cross-tenant read `procurement_report_across_members`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from openkommune.bundling.models import RoundAllocation
from openkommune.procurement.constants import CallOffStatus
from openkommune.procurement.models import CallOff, CallOffLine, PriceTier
from openkommune.tenancy.models import Organisation
from openkommune.tenancy.scoping import scopes_disabled
from openkommune.tenancy.selectors import user_is_cooperative_staff, user_roles

ZERO = Decimal("0.00")


@dataclass
class Figures:
    key: str
    label: str
    spend: Decimal = ZERO
    call_offs: int = 0
    tier_savings: Decimal = ZERO
    bundling_savings: Decimal = ZERO
    settlement: Decimal = ZERO

    @property
    def savings(self) -> Decimal:
        return self.tier_savings + self.bundling_savings


@dataclass
class ProcurementReport:
    year: int | None
    by_member: list[Figures] = field(default_factory=list)
    by_contract: list[Figures] = field(default_factory=list)
    by_year: list[Figures] = field(default_factory=list)
    total: Figures = field(default_factory=lambda: Figures("", _("Summe")))
    years: list[int] = field(default_factory=list)  # every year with data, for the filter


def _year(moment) -> int:
    return timezone.localtime(moment).year


def _build(*, tenant: Organisation | None, year: int | None) -> ProcurementReport:
    call_offs = CallOff.objects.filter(status=CallOffStatus.ORDERED, ordered_at__isnull=False)
    lines = CallOffLine.objects.filter(
        call_off__status=CallOffStatus.ORDERED, call_off__ordered_at__isnull=False
    )
    bundled = RoundAllocation.objects.filter(
        alone_cost__isnull=False,
        call_off_line__call_off__status=CallOffStatus.ORDERED,
        call_off_line__call_off__ordered_at__isnull=False,
    )
    if tenant is not None:
        call_offs = call_offs.filter(tenant=tenant)
        lines = lines.filter(tenant=tenant)
        bundled = bundled.filter(tenant=tenant)
    alone_by_line = dict(bundled.values_list("call_off_line_id", "alone_cost"))
    members: dict[str, Figures] = {}
    contracts: dict[str, Figures] = {}
    years: dict[str, Figures] = {}
    seen_years: set[int] = set()

    def member(row_id, name) -> Figures:
        return members.setdefault(str(row_id), Figures(str(row_id), name))

    for call_off in call_offs.values(
        "tenant__public_id",
        "tenant__name",
        "contract__number",
        "contract__title",
        "ordered_at",
        "total",
    ):
        when = _year(call_off["ordered_at"])
        seen_years.add(when)
        if year is not None and when != year:
            continue
        for figures in (
            member(call_off["tenant__public_id"], call_off["tenant__name"]),
            contracts.setdefault(
                call_off["contract__number"],
                Figures(
                    call_off["contract__number"],
                    f"{call_off['contract__number']} {call_off['contract__title']}",
                ),
            ),
            years.setdefault(str(when), Figures(str(when), str(when))),
        ):
            figures.spend += call_off["total"]
            figures.call_offs += 1

    line_rows = list(
        lines.values(
            "id", "item_id", "quantity", "line_total", "call_off__ordered_at",
            "call_off__tenant__public_id", "call_off__tenant__name", "call_off__contract__number",
        )
    )  # fmt: skip
    list_prices = dict(
        PriceTier.objects.filter(
            item_id__in={row["item_id"] for row in line_rows}, min_quantity=0
        ).values_list("item_id", "unit_price")
    )
    for row in line_rows:
        when = _year(row["call_off__ordered_at"])
        if (year is not None and when != year) or row["item_id"] not in list_prices:
            continue
        paid = alone_by_line.get(row["id"], row["line_total"])  # round lines: vs. alone
        saving = list_prices[row["item_id"]] * row["quantity"] - paid
        member(
            row["call_off__tenant__public_id"], row["call_off__tenant__name"]
        ).tier_savings += saving
        contracts[row["call_off__contract__number"]].tier_savings += saving
        years[str(when)].tier_savings += saving

    for row in bundled.values(
        "tenant__public_id", "tenant__name", "alone_cost", "settlement",
        "call_off_line__line_total", "call_off_line__call_off__ordered_at",
    ):  # fmt: skip
        when = _year(row["call_off_line__call_off__ordered_at"])
        if year is not None and when != year:
            continue
        settlement = row["settlement"] if row["settlement"] is not None else ZERO
        saving = row["alone_cost"] - (row["call_off_line__line_total"] + settlement)
        for figures in (
            member(row["tenant__public_id"], row["tenant__name"]),
            years.setdefault(str(when), Figures(str(when), str(when))),
        ):
            figures.bundling_savings += saving
            figures.settlement += settlement

    total = Figures("", _("Summe"))
    for figures in members.values():
        total.spend += figures.spend
        total.call_offs += figures.call_offs
        total.tier_savings += figures.tier_savings
        total.bundling_savings += figures.bundling_savings
        total.settlement += figures.settlement
    return ProcurementReport(
        year=year,
        by_member=sorted(members.values(), key=lambda f: (-f.spend, f.label)),
        by_contract=sorted(contracts.values(), key=lambda f: f.key),
        by_year=sorted(years.values(), key=lambda f: f.key),
        total=total,
        years=sorted(seen_years),
    )


def procurement_report(*, tenant: Organisation, year: int | None = None) -> ProcurementReport:
    """The member's own figures (reads through the active scope, which must include it)."""
    return _build(tenant=tenant, year=year)


def procurement_report_across_members(*, year: int | None = None) -> ProcurementReport:
    """Every member's figures: the cooperative's procurement report.

    Crosses tenants on purpose; call only for cooperative staff.
    """
    with scopes_disabled():
        return _build(tenant=None, year=year)


def procurement_report_for(user, *, tenant: Organisation | None, year: int | None = None):
    """(report, is_staff) for a person acting for `tenant`: staff see every member, people
    of a member organisation their own; PermissionDenied for everybody else."""
    if user_is_cooperative_staff(user):
        return procurement_report_across_members(year=year), True
    if tenant is None or tenant.is_cooperative or not user_roles(user, tenant=tenant):
        raise PermissionDenied(
            _("Diese Seite ist den Mitgliedern und der Genossenschaft vorbehalten.")
        )
    return procurement_report(tenant=tenant, year=year), False


def table_rows(rows: Iterable[Figures], *, settlement: bool = True) -> list[list]:
    """Rows for the CSV/XLSX export (numbers stay numbers); the settlement column last, not
    for contracts (a round's settlement belongs to no single contract)."""
    return [
        [f.label, f.spend, f.call_offs, f.tier_savings, f.bundling_savings, f.savings]
        + ([f.settlement] if settlement else [])
        for f in rows
    ]
