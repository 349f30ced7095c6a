"""Reads of the Fachverfahren catalogue, and what each member pays for its subscriptions.

The charge of a subscription in a year is the price per year times the quantity times the share of
the year's days it runs (start and end inclusive), rounded half up to cents: a subscription
from 1 July in a year of 365 days pays 184/365 of the year.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, QuerySet

from openkommune.fachverfahren.models import Fachverfahren, Subscription
from openkommune.tenancy.models import Organisation
from openkommune.tenancy.scoping import scope, scopes_disabled

SORTS = {
    "name": ("name", "version"),
    "-name": ("-name", "-version"),
    "preis": ("price_per_year", "name"),
    "-preis": ("-price_per_year", "name"),
    "hersteller": ("vendor", "name"),
    "-hersteller": ("-vendor", "name"),
}
CENT = Decimal("0.01")


def fachverfahren_list(
    *, include_inactive: bool = False, sort: str = "name"
) -> QuerySet[Fachverfahren]:
    rows = Fachverfahren.objects.all()
    if not include_inactive:
        rows = rows.filter(is_active=True)
    return rows.order_by(*SORTS.get(sort, SORTS["name"]))


def fachverfahren_get(*, public_id) -> Fachverfahren:
    try:
        return Fachverfahren.objects.get(public_id=public_id)
    except (ValueError, TypeError) as error:
        raise Fachverfahren.DoesNotExist(str(error)) from error


def days_in_year(year: int) -> int:
    return 366 if calendar.isleap(year) else 365


def days_covered(subscription: Subscription, year: int) -> int:
    """The days of `year` on which the subscription runs (start and end inclusive)."""
    first = max(subscription.starts_on, datetime.date(year, 1, 1))
    last = min(subscription.ends_on or datetime.date(year, 12, 31), datetime.date(year, 12, 31))
    return max(0, (last - first).days + 1)


def charge(subscription: Subscription, year: int) -> Decimal:
    days = days_covered(subscription, year)
    amount = (
        subscription.fachverfahren.price_per_year
        * subscription.quantity
        * Decimal(days)
        / Decimal(days_in_year(year))
    )
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ChargeLine:
    subscription: Subscription
    days: int
    amount: Decimal


@dataclass
class MemberCharges:
    member: Organisation
    lines: list[ChargeLine] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))


def _running_in(year: int) -> Q:
    return Q(starts_on__lte=datetime.date(year, 12, 31)) & (
        Q(ends_on__isnull=True) | Q(ends_on__gte=datetime.date(year, 1, 1))
    )


def _charges(subscriptions: Iterable[Subscription], year: int) -> list[MemberCharges]:
    by_member: dict[int, MemberCharges] = {}
    for subscription in subscriptions:
        entry = by_member.setdefault(subscription.tenant_id, MemberCharges(subscription.tenant))
        entry.lines.append(
            ChargeLine(subscription, days_covered(subscription, year), charge(subscription, year))
        )
    return sorted(by_member.values(), key=lambda entry: entry.member.name)


def member_charges(*, year: int) -> list[MemberCharges]:
    """What every member pays in `year` (cooperative staff; a cross-tenant read)."""
    with scopes_disabled():
        rows = list(
            Subscription.objects.filter(_running_in(year))
            .select_related("tenant", "fachverfahren")
            .order_by("tenant__name", "fachverfahren__name", "starts_on")
        )
    return _charges(rows, year)


def own_charges(*, tenant: Organisation, year: int) -> MemberCharges:
    """What one member pays in `year` (its own subscriptions only)."""
    with scope(tenant=tenant):
        rows = list(
            Subscription.objects.filter(_running_in(year), tenant=tenant)
            .select_related("tenant", "fachverfahren")
            .order_by("fachverfahren__name", "starts_on")
        )
    found = _charges(rows, year)
    return found[0] if found else MemberCharges(tenant)


def subscribers(*, fachverfahren: Fachverfahren, on: datetime.date) -> list[Subscription]:
    """The subscriptions running on `on` (cooperative staff; a cross-tenant read)."""
    with scopes_disabled():
        return list(
            fachverfahren.subscriptions.filter(
                Q(starts_on__lte=on) & (Q(ends_on__isnull=True) | Q(ends_on__gte=on))
            )
            .select_related("tenant")
            .order_by("tenant__name")
        )


def subscription_list(*, tenant: Organisation | None = None) -> list[Subscription]:
    """Subscriptions, newest first per Fachverfahren: of `tenant` only (its own scope), or,
    with None, of every member (cooperative staff; a cross-tenant read)."""
    if tenant is not None:
        with scope(tenant=tenant):
            return list(
                Subscription.objects.filter(tenant=tenant)
                .select_related("tenant", "fachverfahren")
                .order_by("fachverfahren__name", "-starts_on")
            )
    with scopes_disabled():
        return list(
            Subscription.objects.select_related("tenant", "fachverfahren").order_by(
                "tenant__name", "fachverfahren__name", "-starts_on"
            )
        )


def subscription_get(*, public_id) -> Subscription:
    """Any member's subscription (cooperative staff; a cross-tenant read)."""
    with scopes_disabled():
        return Subscription.objects.select_related("tenant", "fachverfahren").get(
            public_id=public_id
        )


def is_running(subscription: Subscription, on: datetime.date) -> bool:
    return subscription.starts_on <= on and (
        subscription.ends_on is None or subscription.ends_on >= on
    )
