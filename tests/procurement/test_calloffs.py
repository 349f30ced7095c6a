"""Cart, submit, approval by the member's administration above its threshold, order, PDF."""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from openkommune.procurement import services
from openkommune.procurement.constants import CallOffStatus
from openkommune.procurement.documents import order_pdf
from openkommune.procurement.models import CallOff
from openkommune.procurement.selectors import call_off_lines
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scope, scopes_disabled
from tests.accounts.factories import UserFactory
from tests.procurement.factories import ContractFactory, ItemFactory
from tests.submissions.factories import pdf_streams

pytestmark = pytest.mark.django_db


def pdf_text(pdf: bytes) -> bytes:
    """Every stream of the PDF, inflated where compressed (for assertions on content)."""
    return b"".join(pdf_streams(pdf))


@pytest.fixture
def item():
    return ItemFactory(tiers=[(0, "100.00"), (10, "90.00")])


def _set_threshold(member, approver, amount):
    """The cooperative sets the member's threshold (a raise by a member administrator alone
    waits for a second person, see test_four_eyes.py)."""
    services.procurement_settings_update(
        tenant=member, actor=UserFactory(cooperative_staff=True), approval_threshold=Decimal(amount)
    )


def test_cart_collects_lines_per_contract_and_reprices_by_tier(member, clerk, item):
    call_off = services.call_off_add_line(tenant=member, actor=clerk, item=item, quantity=4)
    again = services.call_off_add_line(tenant=member, actor=clerk, item=item, quantity=6)
    assert again.pk == call_off.pk
    assert again.total == Decimal("900.00")  # 10 units reach the 90 € tier for all
    other_contract_item = ItemFactory()
    separate = services.call_off_add_line(
        tenant=member, actor=clerk, item=other_contract_item, quantity=1
    )
    assert separate.pk != call_off.pk
    with scope(tenant=member):
        assert [line.quantity for line in call_off_lines(call_off)] == [10]
        services.call_off_line_update(
            tenant=member, actor=clerk, call_off=call_off, item=item, quantity=9
        )
        call_off.refresh_from_db()
        assert call_off.total == Decimal("900.00")  # 9 x 100
    assert re.fullmatch(r"AB-\d{4}-[A-Z2-9]{6}", call_off.reference)


def test_submit_below_threshold_is_approved_without_approval(member, clerk, approver, item):
    _set_threshold(member, approver, "1000.00")
    call_off = services.call_off_add_line(tenant=member, actor=clerk, item=item, quantity=10)
    call_off = services.call_off_submit(tenant=member, actor=clerk, call_off=call_off)
    assert call_off.status == CallOffStatus.APPROVED
    assert call_off.threshold_class.startswith("unterhalb des EU-Schwellenwerts")
    assert call_off.approved_by is None


def test_above_threshold_needs_the_member_admin_and_four_eyes(member, clerk, approver, item):
    _set_threshold(member, approver, "500.00")
    call_off = services.call_off_add_line(tenant=member, actor=clerk, item=item, quantity=10)
    call_off = services.call_off_submit(tenant=member, actor=clerk, call_off=call_off)
    assert call_off.status == CallOffStatus.AWAITING_APPROVAL
    with pytest.raises(ValidationError):  # not approved yet: no order
        services.call_off_order(tenant=member, actor=clerk, call_off=call_off)
    with pytest.raises(PermissionDenied):  # a clerk does not approve
        services.call_off_approve(tenant=member, actor=clerk, call_off=call_off)
    call_off = services.call_off_approve(tenant=member, actor=approver, call_off=call_off)
    assert (call_off.status, call_off.approved_by) == (CallOffStatus.APPROVED, approver)
    call_off = services.call_off_order(tenant=member, actor=clerk, call_off=call_off)
    assert call_off.status == CallOffStatus.ORDERED
    with scopes_disabled():
        actions = list(
            AuditRecord.objects.filter(object_id=str(call_off.public_id))
            .order_by("id")
            .values_list("action", flat=True)
        )
    assert actions == [
        "call_off.create", "call_off.add_line", "call_off.submit", "call_off.approve",
        "call_off.order",
    ]  # fmt: skip


def test_approver_cannot_approve_own_call_off(member, approver, item):
    call_off = services.call_off_add_line(tenant=member, actor=approver, item=item, quantity=1)
    call_off = services.call_off_submit(tenant=member, actor=approver, call_off=call_off)
    with pytest.raises(PermissionDenied, match="Vier-Augen-Prinzip"):
        services.call_off_approve(tenant=member, actor=approver, call_off=call_off)


def test_reject_needs_a_reason_and_frees_the_volume(member, clerk, approver, item):
    call_off = services.call_off_add_line(tenant=member, actor=clerk, item=item, quantity=1)
    call_off = services.call_off_submit(tenant=member, actor=clerk, call_off=call_off)
    with pytest.raises(ValidationError):
        services.call_off_reject(tenant=member, actor=approver, call_off=call_off, note=" ")
    call_off = services.call_off_reject(
        tenant=member, actor=approver, call_off=call_off, note="Kein Bedarf"
    )
    assert call_off.status == CallOffStatus.REJECTED
    from openkommune.procurement.selectors import contract_usage

    assert contract_usage(item.contract).used_value == 0


def test_cancel_before_order_only(member, clerk, approver, item):
    _set_threshold(member, approver, "100000")
    call_off = services.call_off_add_line(tenant=member, actor=clerk, item=item, quantity=1)
    services.call_off_cancel(tenant=member, actor=clerk, call_off=call_off)
    ordered = services.call_off_add_line(tenant=member, actor=clerk, item=item, quantity=1)
    assert ordered.pk != call_off.pk  # a cancelled cart is not reused
    ordered = services.call_off_submit(tenant=member, actor=clerk, call_off=ordered)
    ordered = services.call_off_order(tenant=member, actor=clerk, call_off=ordered)
    with pytest.raises(ValidationError):
        services.call_off_cancel(tenant=member, actor=clerk, call_off=ordered)


def test_submitted_lines_keep_their_prices(member, clerk, approver, staff, item):
    _set_threshold(member, approver, "100000")
    call_off = services.call_off_add_line(tenant=member, actor=clerk, item=item, quantity=1)
    call_off = services.call_off_submit(tenant=member, actor=clerk, call_off=call_off)
    services.catalog_item_update(actor=staff, item=item, tiers=[(0, Decimal("150.00"))])
    call_off = services.call_off_order(tenant=member, actor=clerk, call_off=call_off)
    assert call_off.total == Decimal("100.00")


def test_order_re_checks_the_guards(member, clerk, approver, item):
    _set_threshold(member, approver, "100000")
    call_off = services.call_off_add_line(tenant=member, actor=clerk, item=item, quantity=1)
    call_off = services.call_off_submit(tenant=member, actor=clerk, call_off=call_off)
    contract = item.contract
    contract.ends_on = contract.starts_on
    contract.save()
    with pytest.raises(ValidationError, match="abgelaufen"):
        services.call_off_order(tenant=member, actor=clerk, call_off=call_off)


def test_people_of_another_member_cannot_touch_the_call_off(member, clerk, item):
    from tests.accounts.factories import UserFactory

    call_off = services.call_off_add_line(tenant=member, actor=clerk, item=item, quantity=1)
    stranger = UserFactory(clerk=True)
    with pytest.raises(PermissionDenied):
        services.call_off_submit(tenant=member, actor=stranger, call_off=call_off)
    with scopes_disabled():
        stranger_org = stranger.memberships.get().tenant
    with pytest.raises(CallOff.DoesNotExist):
        services.call_off_submit(tenant=stranger_org, actor=stranger, call_off=call_off)


def test_unauthorised_member_cannot_even_start_a_cart(member, clerk):
    contract = ContractFactory(callers_all_members=False)
    item = ItemFactory(contract=contract)
    with pytest.raises(PermissionDenied, match="nicht als abrufberechtigt"):
        services.call_off_add_line(tenant=member, actor=clerk, item=item, quantity=1)


def test_only_member_admin_sets_the_threshold(member, clerk):
    with pytest.raises(PermissionDenied):
        services.procurement_settings_update(
            tenant=member, actor=clerk, approval_threshold=Decimal("1")
        )


def test_order_pdf_names_reference_parties_and_demo(member, clerk, approver, item):
    _set_threshold(member, approver, "100000")
    call_off = services.call_off_add_line(tenant=member, actor=clerk, item=item, quantity=10)
    call_off = services.call_off_submit(tenant=member, actor=clerk, call_off=call_off)
    with pytest.raises(ValueError, match="Only an ordered call-off"):
        order_pdf(call_off)
    call_off = services.call_off_order(tenant=member, actor=clerk, call_off=call_off)
    with scope(tenant=member):
        pdf = order_pdf(call_off)
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert call_off.reference.encode() in text
    assert b"pdfuaid" in text  # PDF/UA identification in the XMP metadata
    assert b"(Demo)" in text  # test organisations are demo organisations
