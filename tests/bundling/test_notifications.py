"""Issue 19, part 4: e-mails when a bundling round opens and shortly before it closes."""

import datetime

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from openkommune.bundling import notifications, services
from openkommune.core.models import OutboxMail
from openkommune.tenancy.constants import Role
from tests.accounts.factories import UserFactory
from tests.bundling.round_factories import build_market
from tests.tenancy.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db
IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _immediate_tasks():
    with override_settings(TASKS=IMMEDIATE):
        yield


def _admins(market):
    admins = []
    for member in market.members:
        admin = UserFactory()
        MembershipFactory(tenant=member, user=admin, role=Role.MEMBER_ADMIN)
        admins.append(admin)
    return admins


def test_an_opened_round_is_mailed_to_the_administrators_of_current_members_only(
    django_capture_on_commit_callbacks,
):
    market = build_market()
    admins = _admins(market)
    outsider = UserFactory()  # an administrator of an organisation outside the register
    MembershipFactory(tenant=OrganisationFactory(), user=outsider, role=Role.MEMBER_ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        opened = services.round_create(
            actor=market.staff,
            title="Monitore 2027 (Test)",
            deadline=timezone.now() + datetime.timedelta(days=10),
        )
    rows = OutboxMail.objects.filter(kind=notifications.ROUND_OPENED, subject_id=opened.pk)
    assert sorted(r.recipient for r in rows) == sorted(a.email for a in admins)
    message = next(m for m in mail.outbox if "Monitore 2027 (Test)" in m.subject)
    assert "Melden Sie Ihren Bedarf bis" in message.body
    assert f"/{opened.public_id}/" in message.body

    # The e-mails (with the addresses) go with the round (its GenericRelation).
    opened.delete()
    assert not OutboxMail.objects.filter(kind=notifications.ROUND_OPENED).exists()


def test_a_round_closing_soon_reminds_members_without_demand_once(
    django_capture_on_commit_callbacks,
):
    market = build_market()
    admins = _admins(market)
    services.demand_set(
        tenant=market.members[0],
        actor=market.clerks[0],
        bundling_round=market.round,
        quantities={market.notebook: 3},
    )
    assert notifications.notices_due() == 0  # deadline in 14 days: too early
    soon = market.round.deadline - datetime.timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications.notices_due(now=soon) == 2
    rows = OutboxMail.objects.filter(kind=notifications.ROUND_CLOSING)
    assert sorted(r.recipient for r in rows) == sorted([admins[1].email, admins[2].email])
    assert notifications.notices_due(now=soon) == 0
    services.round_close(actor=market.staff, bundling_round=market.round)
    assert notifications.notices_due(now=soon) == 0
    assert any("endet am" in m.subject for m in mail.outbox)
