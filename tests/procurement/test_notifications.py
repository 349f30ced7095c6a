"""Issue 19, part 4: e-mails through the outbox when an approval waits and is decided, when a
contract expires in 90 and 30 days and when its volume reaches 80 %."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.test import override_settings

from openkommune.core.models import OutboxMail
from openkommune.procurement import notifications, services
from openkommune.procurement.selectors import today
from openkommune.tenancy.constants import Role
from tests.accounts.factories import UserFactory
from tests.procurement.factories import ContractFactory, ItemFactory
from tests.tenancy.factories import MembershipFactory

pytestmark = pytest.mark.django_db
IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _immediate_tasks():
    with override_settings(TASKS=IMMEDIATE):
        yield


def _rows(kind):
    return list(OutboxMail.objects.filter(kind=kind).order_by("recipient"))


def _submitted(member, clerk, capture, *, quantity=2, contract=None):
    item = ItemFactory(
        tiers=[(0, "279.00")], **({"contract": contract} if contract is not None else {})
    )
    call_off = services.call_off_add_line(tenant=member, actor=clerk, item=item, quantity=quantity)
    with capture(execute=True):
        return services.call_off_submit(tenant=member, actor=clerk, call_off=call_off)


def test_waiting_approval_mails_every_admin_who_may_decide_and_the_decision_mails_the_submitter(
    member, clerk, approver, django_capture_on_commit_callbacks
):
    second = UserFactory(email="zweite@example.org")
    MembershipFactory(tenant=member, user=second, role=Role.MEMBER_ADMIN)
    call_off = _submitted(member, clerk, django_capture_on_commit_callbacks)

    waiting = _rows(notifications.APPROVAL_WAITING)
    assert sorted(r.recipient for r in waiting) == sorted([approver.email, second.email])
    assert clerk.email not in {r.recipient for r in waiting}  # never the one who submitted
    assert {r.status for r in waiting} == {"sent"}
    sent = [m for m in mail.outbox if call_off.reference in m.subject]
    assert len(sent) == 2
    assert "wartet auf Ihre Freigabe" in sent[0].subject
    assert f"/beschaffung/abrufe/{call_off.reference}/" in sent[0].body

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.call_off_reject(
            tenant=member, actor=approver, call_off=call_off, note="Kein Budget mehr."
        )
    [decided] = _rows(notifications.APPROVAL_DECIDED)
    assert decided.recipient == clerk.email
    [message] = mail.outbox
    assert message.to == [clerk.email]
    assert "ist abgelehnt" in message.subject
    assert "Kein Budget mehr." in message.body


def test_nobody_of_the_member_may_approve_so_the_cooperative_is_mailed_as_deputy(
    member, approver, staff, django_capture_on_commit_callbacks
):
    # The only administrator submits herself: only the cooperative may decide.
    call_off = _submitted(member, approver, django_capture_on_commit_callbacks)
    [row] = _rows(notifications.APPROVAL_WAITING)
    assert row.recipient == staff.email
    assert row.subject == call_off


def test_a_call_off_approved_on_submission_owes_no_approval_mail(
    member, clerk, approver, staff, django_capture_on_commit_callbacks
):
    services.procurement_settings_update(
        tenant=member, actor=staff, approval_threshold=Decimal("10000")
    )
    _submitted(member, clerk, django_capture_on_commit_callbacks)
    assert _rows(notifications.APPROVAL_WAITING) == []


@pytest.mark.parametrize(
    ("days_left", "notice"),
    [(120, None), (90, 90), (31, 90), (30, 30), (0, 30)],
)
def test_contract_expiry_is_mailed_90_and_30_days_ahead_once(
    staff, days_left, notice, django_capture_on_commit_callbacks
):
    contract = ContractFactory(ends_on=today() + datetime.timedelta(days=days_left))
    with django_capture_on_commit_callbacks(execute=True):
        owed = notifications.notices_due()
    rows = [r for r in _rows(notifications.CONTRACT_EXPIRY) if r.subject == contract]
    if notice is None:
        assert rows == []
        return
    assert [r.recipient for r in rows] == [staff.email]
    assert rows[0].dedupe_key.split(":")[-2] == str(notice)
    assert owed >= 1
    assert notifications.notices_due() == 0  # the daily check again owes nothing new
    message = next(m for m in mail.outbox if contract.number in m.subject)
    assert "läuft am" in message.subject


def test_volume_at_80_percent_is_mailed_to_the_cooperative_once(
    member, clerk, staff, django_capture_on_commit_callbacks
):
    contract = ContractFactory(max_value=Decimal("1000.00"))
    services.procurement_settings_update(
        tenant=member, actor=staff, approval_threshold=Decimal("10000")
    )
    _submitted(member, clerk, django_capture_on_commit_callbacks, quantity=2, contract=contract)
    assert _rows(notifications.VOLUME_WARNING) == []  # 558 € of 1,000 €: 55.8 %
    _submitted(member, clerk, django_capture_on_commit_callbacks, quantity=1, contract=contract)
    [row] = _rows(notifications.VOLUME_WARNING)  # 837 €: 83.7 %
    assert row.recipient == staff.email
    assert row.tenant is None
    message = next(m for m in mail.outbox if "80 % des Volumens" in m.subject)
    assert "83 %" in message.body
    assert notifications.notices_due() == 0


def test_the_start_page_shows_what_waits_for_the_role(
    client, member, clerk, approver, staff, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    call_off = _submitted(member, clerk, django_capture_on_commit_callbacks)
    overview = reverse("accounts:overview")
    client.force_login(approver)
    page = client.get(overview).content.decode()
    assert 'id="beschaffung-wartet"' in page
    assert f"Abruf {call_off.reference}" in page
    client.force_login(clerk)  # submitted it: nothing to decide
    assert 'id="beschaffung-wartet"' not in client.get(overview).content.decode()
    ending = ContractFactory(ends_on=today() + datetime.timedelta(days=45))
    client.force_login(staff)
    page = client.get(overview).content.decode()
    assert f"Rahmenvertrag {ending.number} läuft am" in page
