"""The "Beschaffung" section of the account overview, the start page of every role (issue
19, part 4: notifications on the start page too): what waits for this person — call-offs to
approve (member administrators who may decide them), and for the cooperative's staff the
stuck approvals it decides as deputy, contracts ending within 90 days and contracts at 80 %
of their volume. Left out when nothing waits."""

from __future__ import annotations

import datetime

from openkommune.accounts.sections import OverviewSection, register
from openkommune.procurement.calloffs import call_offs_awaiting_deputy, eligible_approvers
from openkommune.procurement.constants import USAGE_WARNING_SHARE, CallOffStatus
from openkommune.procurement.models import CallOff, FrameworkContract
from openkommune.procurement.selectors import contract_usage, today
from openkommune.tenancy.constants import Role
from openkommune.tenancy.scoping import scope
from openkommune.tenancy.selectors import current_tenant, user_is_cooperative_staff, user_roles


def _waiting_for_me(request) -> list[CallOff]:
    tenant = current_tenant(request)
    if tenant is None or tenant.is_cooperative:
        return []
    if Role.MEMBER_ADMIN not in user_roles(request.user, tenant=tenant):
        return []
    with scope(tenant=tenant):
        waiting = list(
            CallOff.objects.filter(tenant=tenant, status=CallOffStatus.AWAITING_APPROVAL)
            .select_related("supplier")
            .order_by("submitted_at", "id")
        )
    return [c for c in waiting if request.user in eligible_approvers(tenant, c)]


def _section(request) -> OverviewSection | None:
    if not request.user.is_authenticated:
        return None
    context: dict = {"to_approve": _waiting_for_me(request)}
    if user_is_cooperative_staff(request.user):
        on = today()
        running = FrameworkContract.objects.filter(starts_on__lte=on, ends_on__gte=on)
        context["deputy"] = call_offs_awaiting_deputy()
        context["expiring"] = list(
            running.filter(ends_on__lte=on + datetime.timedelta(days=90)).order_by("ends_on")
        )
        context["nearly_used"] = [
            c for c in running.order_by("number") if contract_usage(c).share >= USAGE_WARNING_SHARE
        ]
    if not any(context.values()):
        return None
    return OverviewSection(template_name="procurement/account_section.html", context=context)


register("30-procurement", _section)
