"""Migration `procurement 0006_four_eyes` keeps accepted data: a call-off from before (one
shared draft per member, no authors recorded) keeps its creator as owner and gets as
contributors everyone the audit trail names as having changed it, and its submitter; lines,
totals and status stay as they were. The data step runs on today's models (same fields)."""

import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied

from openkommune.procurement import services
from openkommune.procurement.constants import CallOffStatus
from openkommune.procurement.models import CallOff
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from tests.procurement.factories import ItemFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("openkommune.procurement.migrations.0006_four_eyes")


def test_contributors_and_submitter_come_from_the_audit_trail(member, clerk, approver):
    item = ItemFactory(tiers=[(0, "279.00")])
    call_off = services.call_off_add_line(tenant=member, actor=clerk, item=item, quantity=1)
    services.call_off_share(tenant=member, actor=clerk, call_off=call_off, people=[approver])
    services.call_off_add_line(
        tenant=member, actor=approver, item=item, quantity=29, call_off=call_off
    )
    call_off = services.call_off_submit(tenant=member, actor=approver, call_off=call_off)
    # As before the migration: no contributors, no submitter recorded.
    with scopes_disabled():
        call_off.contributors.clear()
        CallOff.objects.filter(pk=call_off.pk).update(submitted_by=None)
        records_before = AuditRecord.objects.count()

    migration.contributors_from_audit_trail(apps, None)

    with scopes_disabled():
        call_off = CallOff.objects.get(pk=call_off.pk)
        assert set(call_off.contributors.all()) == {clerk, approver}
        assert call_off.submitted_by == approver
        assert call_off.created_by == clerk  # the owner
        assert call_off.total == Decimal("8370.00")
        assert call_off.status == CallOffStatus.AWAITING_APPROVAL
        assert AuditRecord.objects.count() == records_before
    # and so the admin who added 29 monitors cannot approve it after the migration either
    with pytest.raises(PermissionDenied, match="Vier-Augen-Prinzip"):
        services.call_off_approve(tenant=member, actor=approver, call_off=call_off)
