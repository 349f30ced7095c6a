import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from openkommune.members.models import CooperativeMember
from openkommune.members.selectors import members_as_of, membership_spans
from openkommune.members.services import (
    member_contact_add,
    member_contact_remove,
    member_join,
    member_leave,
    member_update,
)
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from tests.accounts.factories import UserFactory
from tests.tenancy.factories import OrganisationFactory, cooperative

pytestmark = pytest.mark.django_db
D = datetime.date


def _audit_actions(organisation):
    with scopes_disabled():
        return list(
            AuditRecord.objects.filter(tenant=organisation)
            .order_by("id")
            .values_list("action", flat=True)
        )


def test_join_creates_member_and_period_audited_for_the_member():
    staff = UserFactory(cooperative_staff=True)
    organisation = OrganisationFactory()
    period = member_join(
        actor=staff, organisation=organisation, joined_on=D(2012, 5, 1), shares_count=2
    )
    assert period.member.organisation == organisation
    assert period.member.shares_count == 2
    assert _audit_actions(organisation) == ["member.create", "member.join"]


def test_leave_and_rejoin_keep_history():
    organisation = OrganisationFactory()
    period = member_join(actor=None, organisation=organisation, joined_on=D(2012, 5, 1))
    member_leave(actor=None, member=period.member, left_on=D(2016, 1, 1), reason="Fusion")
    member_join(actor=None, organisation=organisation, joined_on=D(2018, 1, 1))
    spans = [s for s in membership_spans() if s.organisation_id == organisation.pk]
    assert [(s.joined_on, s.left_on) for s in spans] == [
        (D(2012, 5, 1), D(2016, 1, 1)),
        (D(2018, 1, 1), None),
    ]
    assert organisation.pk not in {s.organisation_id for s in members_as_of(D(2017, 1, 1))}
    assert organisation.pk in {s.organisation_id for s in members_as_of(D(2015, 12, 31))}
    assert organisation.pk not in {s.organisation_id for s in members_as_of(D(2016, 1, 1))}
    assert "member.leave" in _audit_actions(organisation)


def test_join_in_the_future_is_rejected():
    with pytest.raises(ValidationError, match="Zukunft"):
        member_join(
            actor=None,
            organisation=OrganisationFactory(),
            joined_on=datetime.date.today() + datetime.timedelta(days=1),
        )
    assert not CooperativeMember.objects.exists()


def test_leave_before_join_is_rejected():
    period = member_join(actor=None, organisation=OrganisationFactory(), joined_on=D(2012, 5, 1))
    with pytest.raises(ValidationError, match="nach dem Beitritt"):
        member_leave(actor=None, member=period.member, left_on=D(2011, 1, 1), reason="")


def test_overlapping_periods_are_rejected():
    organisation = OrganisationFactory()
    member_join(actor=None, organisation=organisation, joined_on=D(2012, 5, 1))
    with pytest.raises(ValidationError, match="überschneidet"):
        member_join(actor=None, organisation=organisation, joined_on=D(2014, 1, 1))


def test_the_cooperative_cannot_join_itself():
    with pytest.raises(ValidationError):
        member_join(actor=None, organisation=cooperative(), joined_on=D(2012, 1, 1))


@pytest.mark.parametrize("trait", ["clerk", "member_admin"])
def test_only_cooperative_staff_may_write(trait):
    user = UserFactory(**{trait: True})
    with scopes_disabled():
        own = user.memberships.get().tenant
    with pytest.raises(PermissionDenied):
        member_join(actor=user, organisation=own, joined_on=D(2012, 1, 1))
    period = member_join(actor=None, organisation=own, joined_on=D(2012, 1, 1))
    with pytest.raises(PermissionDenied):
        member_update(actor=user, member=period.member, shares_count=99)
    with pytest.raises(PermissionDenied):
        member_contact_add(actor=user, member=period.member, name="X")


def test_update_audits_only_changes_and_contacts_add_remove():
    staff = UserFactory(cooperative_staff=True)
    period = member_join(actor=None, organisation=OrganisationFactory(), joined_on=D(2012, 1, 1))
    member = period.member
    member_update(actor=staff, member=member, shares_count=0)  # unchanged: default 0
    member_update(actor=staff, member=member, shares_count=4, shares_amount="2000.00")
    contact = member_contact_add(actor=staff, member=member, name="Frau Muster", is_public=True)
    member_contact_remove(actor=staff, contact=contact)
    assert _audit_actions(member.organisation) == [
        "member.create",
        "member.join",
        "member.update",
        "member.contact_add",
        "member.contact_remove",
    ]
    member.refresh_from_db()
    assert member.shares_count == 4
    assert not member.contacts.exists()


def test_staff_name_bodies_that_call_off_for_a_member_audited():
    """Issue 19: a member names the bodies that call off on its behalf (e.g. its schools)."""
    from openkommune.members.services import member_bodies_set
    from tests.members.factories import member_with_period

    member = member_with_period()
    school = OrganisationFactory(name="Grundschule Am Markt")
    clerk = UserFactory(clerk=True)
    with pytest.raises(PermissionDenied, match="Verwaltung des Mitglieds oder die"):
        member_bodies_set(actor=clerk, member=member, bodies=[school])
    with pytest.raises(ValidationError, match="keine benannte Stelle"):
        member_bodies_set(actor=None, member=member, bodies=[member.organisation])
    assert not member.bodies.exists()
    staff = UserFactory(cooperative_staff=True)
    member_bodies_set(actor=staff, member=member, bodies=[school])
    assert list(member.bodies.all()) == [school]
    with scopes_disabled():
        record = AuditRecord.objects.get(action="member.bodies")
    assert record.after == {"bodies": ["Grundschule Am Markt"]}
    assert record.actor == staff
