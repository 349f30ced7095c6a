"""Reads of the member register.

Who sees what: the register itself (name, kind, region, join/leave dates, founding member)
is public — the cooperative publishes its members. Shares and contact persons are the
member's own data: visible to cooperative staff, to people of the member organisation, and
to everybody else only where the entry is marked public.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from openkommune.members.models import CooperativeMember, MemberContact, MembershipPeriod
from openkommune.tenancy.selectors import user_is_cooperative_staff, user_memberships


@dataclass(frozen=True)
class MemberSpan:
    """One membership period of one organisation: the unit the reports count with.

    `left_on` is None while the organisation is a member; a member who left and joined
    again has two spans.
    """

    organisation_id: int
    name: str
    kind: str
    region_ars: str
    joined_on: datetime.date
    left_on: datetime.date | None


def membership_spans() -> list[MemberSpan]:
    """Every membership period of every member, ordered by join date and name."""
    periods = MembershipPeriod.objects.select_related("member__organisation").order_by(
        "joined_on", "member__organisation__name", "member_id"
    )
    return [
        MemberSpan(
            organisation_id=period.member.organisation_id,
            name=period.member.organisation.name,
            kind=period.member.organisation.kind,
            region_ars=period.member.organisation.region_ars,
            joined_on=period.joined_on,
            left_on=period.left_on,
        )
        for period in periods
    ]


def members_as_of(date: datetime.date) -> list[MemberSpan]:
    """Spans of the organisations that were members on `date` (joined on or before it, not
    yet left: the leave date is the first day without membership)."""
    return [
        span
        for span in membership_spans()
        if span.joined_on <= date and (span.left_on is None or span.left_on > date)
    ]


# --- visibility -----------------------------------------------------------------------


def _own_organisation_ids(viewer) -> set[int]:
    return {m.tenant_id for m in user_memberships(viewer)}


@dataclass(frozen=True)
class Viewer:
    """What one person may see of the register (computed once per request)."""

    is_staff: bool
    own_organisation_ids: frozenset[int]

    @classmethod
    def of(cls, user) -> Viewer:
        if user is None or not user.is_authenticated:
            return cls(is_staff=False, own_organisation_ids=frozenset())
        return cls(
            is_staff=user_is_cooperative_staff(user),
            own_organisation_ids=frozenset(_own_organisation_ids(user)),
        )

    def sees_private(self, member: CooperativeMember) -> bool:
        return self.is_staff or member.organisation_id in self.own_organisation_ids

    def sees_shares(self, member: CooperativeMember) -> bool:
        return member.shares_public or self.sees_private(member)

    def visible_contacts(self, member: CooperativeMember) -> list[MemberContact]:
        contacts = list(member.contacts.all())
        if self.sees_private(member):
            return contacts
        return [contact for contact in contacts if contact.is_public]


# --- register -------------------------------------------------------------------------

ORDERINGS = {
    "name": ("organisation__name", "pk"),
    "-name": ("-organisation__name", "-pk"),
    "joined": ("first_joined_on", "organisation__name"),
    "-joined": ("-first_joined_on", "organisation__name"),
    "kind": ("organisation__kind", "organisation__name"),
}
DEFAULT_ORDERING = "name"


def _periods_active_on(date: datetime.date) -> Q:
    return Q(joined_on__lte=date) & (Q(left_on__isnull=True) | Q(left_on__gt=date))


def member_list(
    *,
    viewer,
    as_of: datetime.date | None = None,
    kind: str | None = None,
    region_ars_prefix: str | None = None,
    ordering: str = DEFAULT_ORDERING,
) -> QuerySet[CooperativeMember]:
    """The register. With `as_of`, only organisations that were members on that date;
    without it, everybody who ever was (history included). `region_ars_prefix` ("15082")
    keeps members whose key lies in that region. Everyone may call this: shares
    and contacts are filtered when shown (`Viewer`), the register itself is public."""
    from django.db.models import Min

    members = (
        CooperativeMember.objects.select_related("organisation")
        .prefetch_related(
            Prefetch("periods", queryset=MembershipPeriod.objects.order_by("joined_on")),
            "contacts",
        )
        .annotate(first_joined_on=Min("periods__joined_on"))
    )
    if as_of is not None:
        active = MembershipPeriod.objects.filter(_periods_active_on(as_of), member=OuterRef("pk"))
        members = members.filter(Exists(active))
    if kind:
        members = members.filter(organisation__kind=kind)
    if region_ars_prefix:
        members = members.filter(organisation__region_ars__startswith=region_ars_prefix)
    return members.order_by(*ORDERINGS.get(ordering, ORDERINGS[DEFAULT_ORDERING]))


def member_count(*, as_of: datetime.date | None = None) -> int:
    """How many organisations are members on `as_of` (today): the number the register shows
    for that day and the one every page of the cooperative quotes (issue 14: the start page
    once said 29 while the register listed 6)."""
    date = as_of or timezone.localdate()
    active = MembershipPeriod.objects.filter(_periods_active_on(date), member=OuterRef("pk"))
    return CooperativeMember.objects.filter(Exists(active)).count()


def member_get(*, public_id: UUID | str, viewer) -> CooperativeMember:
    """One register entry; raises `CooperativeMember.DoesNotExist` (also for a bad id)."""
    try:
        return (
            CooperativeMember.objects.select_related("organisation")
            .prefetch_related(
                Prefetch("periods", queryset=MembershipPeriod.objects.order_by("joined_on")),
                "contacts",
            )
            .get(public_id=public_id)
        )
    except (ValidationError, ValueError, TypeError) as error:
        raise CooperativeMember.DoesNotExist(str(error)) from error


def member_for_organisation(organisation) -> CooperativeMember | None:
    return CooperativeMember.objects.filter(organisation=organisation).first()


def current_period(member: CooperativeMember, *, as_of: datetime.date | None = None):
    """The period running on `as_of` (today), else the latest one."""
    periods = list(member.periods.all())
    if not periods:
        return None
    date = as_of or datetime.date.today()
    for period in periods:
        if period.joined_on <= date and (period.left_on is None or period.left_on > date):
            return period
    return periods[-1]


def is_caller_on(organisation, date: datetime.date) -> bool:
    """Whether the organisation may call off from the cooperative's framework contracts on
    `date`: it is a member then (a period of the register runs on that day), or a body a
    member of that day names (`CooperativeMember.bodies`). Procurement's one register check."""
    if organisation is None:
        return False
    running = MembershipPeriod.objects.filter(_periods_active_on(date))
    return (
        running.filter(member__organisation=organisation).exists()
        or running.filter(member__bodies=organisation).exists()
    )
