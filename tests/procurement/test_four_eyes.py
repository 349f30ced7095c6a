"""Issue 19: the four-eyes controls hold. Each test reproduces a bypass the verification
found and shows it refused: clear German message, nothing changed, an audit record."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from openkommune.procurement import services
from openkommune.procurement.calloffs import needs_deputy
from openkommune.procurement.constants import CallOffStatus
from openkommune.procurement.models import CallOff, CallOffLine
from openkommune.procurement.selectors import procurement_settings
from openkommune.tenancy.constants import Role
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from tests.accounts.factories import UserFactory
from tests.procurement.factories import ItemFactory
from tests.tenancy.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def item():
    # A monitor at 279 € (the issue: 1 + 29 monitors = 8,370 €).
    return ItemFactory(tiers=[(0, "279.00")])


@pytest.fixture
def second_admin(member):
    user = UserFactory()
    MembershipFactory(tenant=member, user=user, role=Role.MEMBER_ADMIN)
    return user


def _refusals(member):
    with scopes_disabled():
        return list(
            AuditRecord.objects.filter(tenant=member, action="procurement.refused")
            .order_by("id")
            .values_list("after", flat=True)
        )


def _state(call_off):
    with scopes_disabled():
        call_off = CallOff.objects.get(pk=call_off.pk)
        return call_off.status, call_off.total, call_off.approved_by_id


def test_admin_who_added_items_cannot_approve_the_clerks_call_off(member, clerk, approver, item):
    """Clerk puts 1 monitor in a draft, shares it; the admin adds 29 and wants to approve."""
    call_off = services.call_off_add_line(tenant=member, actor=clerk, item=item, quantity=1)
    services.call_off_share(tenant=member, actor=clerk, call_off=call_off, people=[approver])
    services.call_off_add_line(
        tenant=member, actor=approver, item=item, quantity=29, call_off=call_off
    )
    call_off = services.call_off_submit(tenant=member, actor=clerk, call_off=call_off)
    assert call_off.total == Decimal("8370.00")
    assert call_off.status == CallOffStatus.AWAITING_APPROVAL
    with scopes_disabled():
        line = CallOffLine.objects.get(call_off=call_off)
        assert (line.added_by, line.changed_by) == (clerk, approver)
        assert set(call_off.contributors.all()) == {clerk, approver}
    before = _state(call_off)
    with pytest.raises(PermissionDenied, match="Vier-Augen-Prinzip: Sie haben diesen Abruf"):
        services.call_off_approve(tenant=member, actor=approver, call_off=call_off)
    assert _state(call_off) == before
    assert _refusals(member)[-1]["service"] == "call_off_approve"
    assert "Vier-Augen-Prinzip" in _refusals(member)[-1]["reason"]


def test_admin_who_submitted_cannot_approve(member, clerk, approver, item):
    call_off = services.call_off_add_line(tenant=member, actor=clerk, item=item, quantity=2)
    services.call_off_share(tenant=member, actor=clerk, call_off=call_off, people=[approver])
    call_off = services.call_off_submit(tenant=member, actor=approver, call_off=call_off)
    with pytest.raises(PermissionDenied, match="Vier-Augen-Prinzip"):
        services.call_off_reject(tenant=member, actor=approver, call_off=call_off, note="nein")
    assert _state(call_off)[0] == CallOffStatus.AWAITING_APPROVAL


def test_an_uninvolved_admin_approves(member, clerk, approver, second_admin, item):
    call_off = services.call_off_add_line(tenant=member, actor=clerk, item=item, quantity=1)
    services.call_off_share(tenant=member, actor=clerk, call_off=call_off, people=[approver])
    services.call_off_add_line(
        tenant=member, actor=approver, item=item, quantity=29, call_off=call_off
    )
    call_off = services.call_off_submit(tenant=member, actor=clerk, call_off=call_off)
    call_off = services.call_off_approve(tenant=member, actor=second_admin, call_off=call_off)
    assert call_off.status == CallOffStatus.APPROVED
    assert call_off.approved_by == second_admin


def test_drafts_belong_to_a_person_no_items_end_up_in_someone_elses(member, clerk, approver, item):
    """Before: one shared draft per member and contract; the admin's catalogue click landed
    in the clerk's draft, which the clerk then submitted without noticing."""
    clerks_draft = services.call_off_add_line(tenant=member, actor=clerk, item=item, quantity=1)
    admins_draft = services.call_off_add_line(tenant=member, actor=approver, item=item, quantity=29)
    assert admins_draft.pk != clerks_draft.pk
    assert clerks_draft.created_by == clerk
    assert admins_draft.created_by == approver
    clerks_draft.refresh_from_db()
    assert clerks_draft.total == Decimal("279.00")


def test_someone_elses_draft_is_refused_unless_shared(member, clerk, approver, item):
    call_off = services.call_off_add_line(tenant=member, actor=clerk, item=item, quantity=1)
    before = _state(call_off)
    with pytest.raises(PermissionDenied, match=r"gehört .* Ändern können ihn nur"):
        services.call_off_add_line(
            tenant=member, actor=approver, item=item, quantity=29, call_off=call_off
        )
    with pytest.raises(PermissionDenied, match="gehört"):
        services.call_off_line_update(
            tenant=member, actor=approver, call_off=call_off, item=item, quantity=30
        )
    with pytest.raises(PermissionDenied, match="gehört"):
        services.call_off_submit(tenant=member, actor=approver, call_off=call_off)
    with pytest.raises(PermissionDenied, match="gehört"):
        services.call_off_cancel(tenant=member, actor=approver, call_off=call_off)
    with pytest.raises(PermissionDenied, match="Nur die Person, der der Entwurf"):
        services.call_off_share(tenant=member, actor=approver, call_off=call_off, people=[approver])
    assert _state(call_off) == before
    with scopes_disabled():
        assert not call_off.shared_with.exists()
    assert [r["service"] for r in _refusals(member)] == [
        "call_off_add_line", "call_off_line_update", "call_off_submit", "call_off_cancel",
        "call_off_share",
    ]  # fmt: skip


def test_share_only_with_people_of_the_member(member, clerk, item):
    outsider = UserFactory(clerk=True)  # a clerk of another organisation
    call_off = services.call_off_add_line(tenant=member, actor=clerk, item=item, quantity=1)
    with pytest.raises(ValidationError, match="arbeitet nicht für"):
        services.call_off_share(tenant=member, actor=clerk, call_off=call_off, people=[outsider])
    with scopes_disabled():
        assert not call_off.shared_with.exists()
        assert AuditRecord.objects.filter(action="call_off.share").count() == 0


def test_admin_cannot_raise_the_threshold_and_approve_himself(member, approver, item):
    """Before: the admin raised the threshold over his call-off and it went through."""
    services.call_off_add_line(tenant=member, actor=approver, item=item, quantity=30)
    row = services.procurement_settings_update(
        tenant=member, actor=approver, approval_threshold=Decimal("10000")
    )
    assert row.approval_threshold == Decimal("0")  # not applied
    assert row.pending_threshold == Decimal("10000")
    with scopes_disabled():
        call_off = CallOff.objects.get(created_by=approver)
    call_off = services.call_off_submit(tenant=member, actor=approver, call_off=call_off)
    assert call_off.status == CallOffStatus.AWAITING_APPROVAL
    with pytest.raises(PermissionDenied, match="beantragte Freigabegrenze bestätigt eine andere"):
        services.procurement_threshold_decide(tenant=member, actor=approver, confirm=True)
    with scopes_disabled():
        assert procurement_settings(tenant=member).approval_threshold == Decimal("0")
    assert _refusals(member)[-1]["service"] == "procurement_threshold_decide"


def test_another_admin_or_the_cooperative_confirms_a_raise(member, approver, second_admin, staff):
    services.procurement_settings_update(
        tenant=member, actor=approver, approval_threshold=Decimal("5000")
    )
    row = services.procurement_threshold_decide(tenant=member, actor=second_admin, confirm=True)
    assert row.approval_threshold == Decimal("5000")
    assert row.pending_threshold is None
    # lowering applies at once (more approvals, never fewer)
    row = services.procurement_settings_update(
        tenant=member, actor=approver, approval_threshold=Decimal("100")
    )
    assert row.approval_threshold == Decimal("100")
    services.procurement_settings_update(
        tenant=member, actor=approver, approval_threshold=Decimal("900")
    )
    row = services.procurement_threshold_decide(tenant=member, actor=staff, confirm=False)
    assert row.approval_threshold == Decimal("100")
    assert row.pending_threshold is None
    with scopes_disabled():
        actions = list(
            AuditRecord.objects.filter(tenant=member, action__startswith="procurement_settings")
            .order_by("id")
            .values_list("action", "actor_id")
        )
    assert actions == [
        ("procurement_settings.update", approver.pk),
        ("procurement_settings.threshold_confirm", second_admin.pk),
        ("procurement_settings.update", approver.pk),
        ("procurement_settings.update", approver.pk),
        ("procurement_settings.threshold_decline", staff.pk),
    ]


def test_clerk_cannot_change_the_threshold(member, clerk):
    with pytest.raises(PermissionDenied, match="Nur die Mitgliedsverwaltung"):
        services.procurement_settings_update(
            tenant=member, actor=clerk, approval_threshold=Decimal("1")
        )


def test_stuck_approval_of_a_member_with_one_admin_is_resolved_by_the_cooperative(
    member, approver, staff, item
):
    """Before: the only admin's own call-off stayed in "Zur Freigabe" forever."""
    call_off = services.call_off_add_line(tenant=member, actor=approver, item=item, quantity=3)
    call_off = services.call_off_submit(tenant=member, actor=approver, call_off=call_off)
    assert needs_deputy(member, call_off)
    call_off = services.call_off_approve(
        tenant=member, actor=staff, call_off=call_off, note="Vertretung"
    )
    assert call_off.status == CallOffStatus.APPROVED
    assert call_off.approved_by == staff
    with scopes_disabled():
        record = AuditRecord.objects.filter(tenant=member, action="call_off.approve").get()
    assert record.actor == staff


def test_cooperative_does_not_decide_when_the_member_can(member, clerk, approver, staff, item):
    call_off = services.call_off_add_line(tenant=member, actor=clerk, item=item, quantity=3)
    call_off = services.call_off_submit(tenant=member, actor=clerk, call_off=call_off)
    assert not needs_deputy(member, call_off)
    with pytest.raises(PermissionDenied, match="nur stellvertretend"):
        services.call_off_approve(tenant=member, actor=staff, call_off=call_off)
    assert _state(call_off)[0] == CallOffStatus.AWAITING_APPROVAL
    assert _refusals(member)[-1]["service"] == "call_off_approve"
