"""From an evaluated round to the members' call-offs at the bundled price (issue 19, part 2),
and the report booking exactly the savings the ordered call-offs realise."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from openkommune.bundling import services
from openkommune.bundling.constants import RoundStatus
from openkommune.bundling.models import RoundAllocation, RoundMemberResult
from openkommune.procurement import services as procurement_services
from openkommune.procurement.calloffs import Refused
from openkommune.procurement.constants import CallOffStatus
from openkommune.procurement.models import CallOff
from openkommune.procurement.selectors import contract_usage, line_total
from openkommune.reports.procurement import procurement_report_across_members
from openkommune.tenancy.constants import Role
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from tests.accounts.factories import UserFactory
from tests.bundling.round_factories import build_market
from tests.tenancy.factories import MembershipFactory

pytestmark = pytest.mark.django_db
D = Decimal


def _evaluate(market, quantities=(5, 8, 4), reporters=None):
    for index, quantity in enumerate(quantities):
        services.demand_set(
            tenant=market.members[index],
            actor=(reporters or market.clerks)[index],
            bundling_round=market.round,
            quantities={market.notebook: quantity},
        )
    services.round_close(actor=market.staff, bundling_round=market.round)
    return services.round_evaluate(actor=market.staff, bundling_round=market.round)


def _call_offs():
    with scopes_disabled():
        return {
            c.tenant_id: c
            for c in CallOff.objects.select_related("supplier").prefetch_related("lines")
        }


def test_award_makes_one_call_off_per_member_at_the_bundled_price_to_the_cent():
    market = build_market()
    result = _evaluate(market)
    awarded = services.round_award(actor=market.staff, bundling_round=market.round)

    assert len(awarded) == 3
    market.round.refresh_from_db()
    assert market.round.status == RoundStatus.AWARDED
    call_offs = _call_offs()
    with scopes_disabled():
        costs = {r.tenant_id: r.cost for r in RoundMemberResult.objects.filter(result=result)}
        allocations = list(RoundAllocation.objects.filter(result=result))
    for member in market.members:
        assert call_offs[member.pk].total == costs[member.pk]  # to the cent
        assert call_offs[member.pk].origin == "Bündelungsrunde „Notebooks 2026 (Test)“"
    assert sum(c.total for c in call_offs.values()) == result.total
    # Member 1 asked for 8 notebooks: alone its own tier at Alpha is 800 €, bundled with
    # member 2 (4) the 12 units reached the tier from 10: 750 €.
    line = call_offs[market.members[1].pk].lines.get()
    assert (line.quantity, line.unit_price, line.line_total) == (8, D("750.00"), D("6000.00"))
    assert line_total(market.articles["alpha"], 8) == D("6400.00")
    for allocation in allocations:
        assert allocation.call_off_line is not None
        assert allocation.call_off_line.line_total == allocation.cost
    # The call-offs count against the contracts' volume at once.
    assert contract_usage(market.articles["alpha"].contract).used_value == D("9000.00")
    assert contract_usage(market.articles["gamma"].contract).used_value == D("3250.00")
    # Approval threshold 0 (default): the member's four eyes still decide.
    assert {c.status for c in call_offs.values()} == {CallOffStatus.AWAITING_APPROVAL}
    with scopes_disabled():
        assert AuditRecord.objects.filter(action="bundling.round_award").count() == 1
        assert AuditRecord.objects.filter(action="call_off.award").count() == 3


def test_the_person_who_reported_the_demand_cannot_approve_the_awarded_call_off():
    market = build_market()
    reporter, other = UserFactory(), UserFactory()
    for person in (reporter, other):
        MembershipFactory(tenant=market.members[1], user=person, role=Role.MEMBER_ADMIN)
    _evaluate(market, reporters=[market.clerks[0], reporter, market.clerks[2]])
    services.round_award(actor=market.staff, bundling_round=market.round)
    tenant = market.members[1]
    call_off = _call_offs()[tenant.pk]
    with pytest.raises(Refused, match="Vier-Augen-Prinzip"):
        procurement_services.call_off_approve(tenant=tenant, actor=reporter, call_off=call_off)
    procurement_services.call_off_approve(tenant=tenant, actor=other, call_off=call_off)
    ordered = procurement_services.call_off_order(
        tenant=tenant, actor=market.clerks[1], call_off=call_off
    )
    assert ordered.status == CallOffStatus.ORDERED
    assert ordered.total == D("6000.00")  # the guards ran again; the price stayed


def test_award_only_by_staff_once_and_only_after_evaluation():
    market = build_market()
    with pytest.raises(ValidationError, match="ausgewertete"):
        services.round_award(actor=market.staff, bundling_round=market.round)
    _evaluate(market)
    with pytest.raises(PermissionDenied):
        services.round_award(actor=market.clerks[0], bundling_round=market.round)
    services.round_award(actor=market.staff, bundling_round=market.round)
    with pytest.raises(ValidationError, match="schon vergeben"):
        services.round_award(actor=market.staff, bundling_round=market.round)
    assert len(_call_offs()) == 3


def test_award_beyond_the_contract_maximum_is_refused_and_changes_nothing():
    market = build_market()
    _evaluate(market)
    contract = market.articles["alpha"].contract
    contract.max_value = D("8999.99")  # the round needs 9,000.00 under it
    contract.save()
    with pytest.raises(ValidationError) as refused:
        services.round_award(actor=market.staff, bundling_round=market.round)
    assert "RV-T-001" in str(refused.value)
    assert _call_offs() == {}
    market.round.refresh_from_db()
    assert market.round.status == RoundStatus.EVALUATED


def test_expired_contracts_take_no_part_in_a_round():
    market = build_market()
    gamma_contract = market.articles["gamma"].contract
    gamma_contract.ends_on = timezone.localdate() - datetime.timedelta(days=1)
    gamma_contract.starts_on = min(gamma_contract.starts_on, gamma_contract.ends_on)
    gamma_contract.save()
    result = _evaluate(market)
    with scopes_disabled():
        articles = {
            a.catalog_item.article_number for a in RoundAllocation.objects.filter(result=result)
        }
    assert "G-NB14" not in articles  # would be the cheapest (650 €) for member 0
    assert result.total == D("12750.00")  # 17 units at Alpha's tier from 10 (750 €)


def test_report_books_exactly_the_savings_of_ordered_round_call_offs():
    market = build_market()
    admins = []
    for member in market.members:
        admin = UserFactory()
        MembershipFactory(tenant=member, user=admin, role=Role.MEMBER_ADMIN)
        admins.append(admin)
    _evaluate(market)
    assert procurement_report_across_members().total.bundling_savings == D("0.00")
    services.round_award(actor=market.staff, bundling_round=market.round)
    call_offs = _call_offs()
    for index in (1, 2):
        tenant = market.members[index]
        procurement_services.call_off_approve(
            tenant=tenant, actor=admins[index], call_off=call_offs[tenant.pk]
        )
    # Member 1 orders (alone 8 x 790 at Beta = 6,320; bundled 6,000): 320 realised.
    tenant = market.members[1]
    procurement_services.call_off_order(
        tenant=tenant, actor=market.clerks[1], call_off=call_offs[tenant.pk]
    )
    # Member 2 withdraws its call-off: its 160 are not realised.
    tenant = market.members[2]
    procurement_services.call_off_cancel(
        tenant=tenant, actor=market.clerks[2], call_off=call_offs[tenant.pk]
    )
    report = procurement_report_across_members()
    by_member = {f.label: f for f in report.by_member}
    member_1 = by_member[market.members[1].name]
    assert member_1.bundling_savings == D("320.00")
    assert member_1.spend == D("6000.00")
    # Tier part against the list price (800): 8 x 800 - 6,320 alone; together: list - paid.
    assert member_1.tier_savings == D("80.00")
    assert member_1.savings == 8 * D("800.00") - D("6000.00")
    assert report.total.bundling_savings == D("320.00")
