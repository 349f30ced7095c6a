"""State changes of the member register. Each is atomic and audited (tenant = the member
organisation). Only cooperative staff, superusers (the platform operator) and the system
(`actor=None`: imports, the demo loader) may write.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openkommune.core.formatting import format_date
from openkommune.members.models import CooperativeMember, MemberContact, MembershipPeriod
from openkommune.tenancy.constants import Role
from openkommune.tenancy.models import Organisation
from openkommune.tenancy.selectors import (
    acts_for_cooperative,
    require_cooperative_staff,
    user_roles,
)
from openkommune.tenancy.services import (
    audit_changes,
    audit_record,
    reject_unknown_fields,
    save_audited,
    snapshot,
)

MEMBER_FIELDS = (
    "is_founding_member",
    "shares_count",
    "shares_amount",
    "shares_public",
    "notes",
    "source",
    "is_demo",
)
PERIOD_FIELDS = ("joined_on", "left_on", "leave_reason")
CONTACT_FIELDS = ("name", "function", "email", "phone", "is_public")


def _require_register_editor(actor) -> None:
    require_cooperative_staff(
        actor, _("Nur Beschäftigte der Genossenschaft dürfen das Register ändern.")
    )


def _today() -> datetime.date:
    return timezone.localdate()


def _check_not_future(value: datetime.date, field: str, label: str) -> None:
    if value > _today():
        raise ValidationError(
            {field: _("%(label)s %(date)s liegt in der Zukunft.")
             % {"label": label, "date": format_date(value)}}
        )  # fmt: skip


def _check_overlap(member: CooperativeMember, joined_on, left_on, exclude_pk=None) -> None:
    for other in member.periods.exclude(pk=exclude_pk):
        other_end = other.left_on or datetime.date.max
        end = left_on or datetime.date.max
        # Periods are half-open [joined_on, left_on): leaving and re-joining on one day is fine.
        if joined_on < other_end and other.joined_on < end:
            raise ValidationError(
                {"joined_on": _("Der Zeitraum überschneidet sich mit der Mitgliedschaft vom "
                                "%(date)s.") % {"date": format_date(other.joined_on)}}
            )  # fmt: skip


@transaction.atomic
def member_join(
    *,
    actor,
    organisation: Organisation,
    joined_on: datetime.date,
    is_founding_member: bool = False,
    shares_count: int = 0,
    shares_amount: Decimal | int = 0,
    shares_public: bool = False,
    notes: str = "",
    source: str = "",
    is_demo: bool = False,
) -> MembershipPeriod:
    """Record that `organisation` joined on `joined_on`: creates the register entry on the
    first join, a new period on a later one. Raises ValidationError for a future date or an
    overlap with an existing period."""
    _require_register_editor(actor)
    if organisation.is_cooperative:
        raise ValidationError(_("Die Genossenschaft kann nicht ihr eigenes Mitglied sein."))
    _check_not_future(joined_on, "joined_on", _("Das Beitrittsdatum"))
    member = CooperativeMember.objects.select_for_update().filter(organisation=organisation).first()
    if member is None:
        member = CooperativeMember(
            organisation=organisation,
            is_founding_member=is_founding_member,
            shares_count=shares_count,
            shares_amount=Decimal(shares_amount),
            shares_public=shares_public,
            notes=notes,
            source=source,
            is_demo=is_demo,
        )
        save_audited(
            member, tenant=organisation, actor=actor, action="member.create", fields=MEMBER_FIELDS
        )
    _check_overlap(member, joined_on, None)
    period = MembershipPeriod(member=member, joined_on=joined_on)
    return save_audited(
        period,
        tenant=organisation,
        actor=actor,
        action="member.join",
        fields=PERIOD_FIELDS,
        obj=member,
    )


@transaction.atomic
def member_leave(
    *, actor, member: CooperativeMember, left_on: datetime.date, reason: str = ""
) -> MembershipPeriod:
    """End the running period on `left_on` (the first day without membership)."""
    _require_register_editor(actor)
    period = (
        MembershipPeriod.objects.select_for_update()
        .filter(member=member, left_on__isnull=True)
        .order_by("-joined_on")
        .first()
    )
    if period is None:
        raise ValidationError(_("%(name)s ist derzeit kein Mitglied.") % {"name": member})
    _check_not_future(left_on, "left_on", _("Das Austrittsdatum"))
    if left_on <= period.joined_on:
        raise ValidationError(
            {"left_on": _("Der Austritt (%(left)s) muss nach dem Beitritt (%(joined)s) liegen.")
             % {"left": format_date(left_on),
                "joined": format_date(period.joined_on)}}
        )  # fmt: skip
    before = snapshot(period, PERIOD_FIELDS)
    period.left_on = left_on
    period.leave_reason = reason
    return save_audited(
        period,
        tenant=member.organisation,
        actor=actor,
        action="member.leave",
        fields=PERIOD_FIELDS,
        obj=member,
        before=before,
    )


@transaction.atomic
def member_update(*, actor, member: CooperativeMember, **changes) -> CooperativeMember:
    """Change register fields (shares, notes, flags); no write and no audit if unchanged."""
    _require_register_editor(actor)
    reject_unknown_fields(changes, MEMBER_FIELDS, "member")
    member = CooperativeMember.objects.select_for_update().get(pk=member.pk)
    before = snapshot(member, MEMBER_FIELDS)
    for name, value in changes.items():
        setattr(member, name, Decimal(value) if name == "shares_amount" else value)
    member.full_clean()
    after = snapshot(member, MEMBER_FIELDS)
    if after == before:
        return member
    member.save()
    audit_changes(
        tenant=member.organisation,
        actor=actor,
        action="member.update",
        obj=member,
        before=before,
        after=after,
    )
    return member


@transaction.atomic
def member_period_update(
    *, actor, period: MembershipPeriod, joined_on=None, left_on=None, leave_reason=None
) -> MembershipPeriod:
    """Correct a period (import of a changed register); same checks as join/leave."""
    _require_register_editor(actor)
    period = MembershipPeriod.objects.select_for_update().get(pk=period.pk)
    before = snapshot(period, PERIOD_FIELDS)
    if joined_on is not None:
        period.joined_on = joined_on
    period.left_on = left_on
    if leave_reason is not None:
        period.leave_reason = leave_reason
    _check_not_future(period.joined_on, "joined_on", _("Das Beitrittsdatum"))
    if period.left_on is not None:
        _check_not_future(period.left_on, "left_on", _("Das Austrittsdatum"))
        if period.left_on <= period.joined_on:
            raise ValidationError({"left_on": _("Der Austritt muss nach dem Beitritt liegen.")})
    _check_overlap(period.member, period.joined_on, period.left_on, exclude_pk=period.pk)
    after = snapshot(period, PERIOD_FIELDS)
    if after == before:
        return period
    period.full_clean()
    period.save()
    audit_record(
        tenant=period.member.organisation,
        actor=actor,
        action="member.period_update",
        obj=period.member,
        before=before,
        after=after,
    )
    return period


@transaction.atomic
def member_contact_add(*, actor, member: CooperativeMember, **fields) -> MemberContact:
    _require_register_editor(actor)
    reject_unknown_fields(fields, CONTACT_FIELDS, "contact")
    return save_audited(
        MemberContact(member=member, **fields),
        tenant=member.organisation,
        actor=actor,
        action="member.contact_add",
        fields=CONTACT_FIELDS,
    )


@transaction.atomic
def member_contact_remove(*, actor, contact: MemberContact) -> None:
    _require_register_editor(actor)
    contact = MemberContact.objects.select_related("member__organisation").get(pk=contact.pk)
    audit_record(
        tenant=contact.member.organisation,
        actor=actor,
        action="member.contact_remove",
        obj=contact,
        before=snapshot(contact, CONTACT_FIELDS),
    )
    contact.delete()


def may_name_bodies(actor, member: CooperativeMember) -> bool:
    """Cooperative staff, or an administrator of the member's own organisation."""
    if acts_for_cooperative(actor):
        return True
    return actor is not None and Role.MEMBER_ADMIN in user_roles(actor, tenant=member.organisation)


@transaction.atomic
def member_bodies_set(*, actor, member: CooperativeMember, bodies) -> CooperativeMember:
    """The bodies the member names to call off from framework contracts on its behalf (its
    schools, Eigenbetriebe …; issue 19). Replaces the list; audited in the member's trail.
    Cooperative staff, or an administrator of the member itself (its own page, *Abrufberechtigte
    Stellen*). A body is named by one member only, and never the cooperative or a member of
    the register itself (a member calls off in its own right)."""
    if not may_name_bodies(actor, member):
        raise PermissionDenied(
            _(
                "Abrufberechtigte Stellen benennt die Verwaltung des Mitglieds oder die "
                "Genossenschaft."
            )
        )
    bodies = list(bodies)
    registered = set(
        CooperativeMember.objects.exclude(pk=member.pk).values_list("organisation_id", flat=True)
    )
    others = CooperativeMember.bodies.through.objects.exclude(cooperativemember_id=member.pk)
    named_elsewhere = dict(
        others.values_list("organisation_id", "cooperativemember__organisation__name")
    )
    for body in bodies:
        if body.is_cooperative or body.pk == member.organisation_id or body.pk in registered:
            raise ValidationError(
                {
                    "bodies": _("%(name)s kann keine benannte Stelle von %(member)s sein.")
                    % {"name": body.name, "member": member.organisation.name}
                }
            )
        if body.pk in named_elsewhere:
            raise ValidationError(
                {
                    "bodies": _("%(name)s ist schon von %(other)s benannt.")
                    % {"name": body.name, "other": named_elsewhere[body.pk]}
                }
            )
    member = CooperativeMember.objects.select_for_update().get(pk=member.pk)
    before = sorted(o.name for o in member.bodies.all())
    member.bodies.set(bodies)
    after = sorted(o.name for o in member.bodies.all())
    if before != after:
        audit_record(
            tenant=member.organisation,
            actor=actor,
            action="member.bodies",
            obj=member,
            before={"bodies": before},
            after={"bodies": after},
        )
    return member
