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
from tests.bundling.round_factories import build_market, member_with_clerk
from tests.digitalpakt import factories
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
    # Member 0 buys at Gamma (650 €) alone and bundled: it plays no part. Members 1 and 2
    # alone: 6,320 and 3,160; together 12 x 750 = 9,000. Shapley (two players): member 1
    # carries (6,320 + 9,000 - 3,160) / 2 = 6,080, so it realises 6,320 - 6,080 = 240 (not
    # 320 at the tier price) and owes a settlement of 6,080 - 6,000 = 80 (ADR 0045).
    assert member_1.bundling_savings == D("240.00")
    assert member_1.settlement == D("80.00")
    assert member_1.spend == D("6000.00")
    # Tier part against the list price (800): 8 x 800 - 6,320 alone; together: list - carried.
    assert member_1.tier_savings == D("80.00")
    assert member_1.savings == 8 * D("800.00") - (D("6000.00") + D("80.00"))
    assert report.total.bundling_savings == D("240.00")


def _single_supplier_round(demands):
    """One supplier, one article with tiers 800 / 750 from 10 / 700 from 20; members with
    the given demands, evaluated and awarded; each member's administrator approves and its
    clerk orders. Returns (members, result, call-offs by member)."""
    staff = UserFactory(cooperative_staff=True)
    pairs = [member_with_clerk(f"Mitglied {name} (Test)") for name in "ABC"[: len(demands)]]
    supplier = factories.supplier("Einzig GmbH (Test)")
    contract = factories.contract(number="RV-T-010", suppliers=[supplier])
    article = factories.article(
        contract=contract, supplier=supplier, article_number="E-NB",
        tiers=((0, "800.00"), (10, "750.00"), (20, "700.00")),
    )  # fmt: skip
    bundling_round = services.round_create(
        actor=staff, title="Ausgleich (Test)",
        deadline=timezone.now() + datetime.timedelta(days=7),
    )  # fmt: skip
    item = services.round_item_add(actor=staff, bundling_round=bundling_round, title="Notebook")
    services.round_offer_add(actor=staff, item=item, catalog_item=article)
    for (member, clerk), quantity in zip(pairs, demands, strict=True):
        services.demand_set(
            tenant=member, actor=clerk, bundling_round=bundling_round, quantities={item: quantity}
        )
    services.round_close(actor=staff, bundling_round=bundling_round)
    result = services.round_evaluate(actor=staff, bundling_round=bundling_round)
    services.round_award(actor=staff, bundling_round=bundling_round)
    call_offs = _call_offs()
    for member, _clerk in pairs:
        admin = UserFactory()
        MembershipFactory(tenant=member, user=admin, role=Role.MEMBER_ADMIN)
        procurement_services.call_off_approve(
            tenant=member, actor=admin, call_off=call_offs[member.pk]
        )
    return pairs, result, call_offs


def test_hand_worked_unequal_shares_are_booked_exactly_with_their_settlement():
    """Demands 6, 6 and 12 at one supplier (800 €; 750 € from 10; 700 € from 20).

    Alone: A 6 x 800 = 4,800, B 4,800, C 12 x 750 = 9,000 (together 18,600). Groups:
    AB 12 x 750 = 9,000; AC and BC 18 x 750 = 13,500; ABC 24 x 700 = 16,800.
    Shapley for A, marginal costs over the six orders: first 4,800 (twice); after B 4,200;
    after C 4,500; after B and C 3,300 (twice): 24,900 / 6 = 4,150; B the same; C carries
    16,800 - 8,300 = 8,500. No one above alone, so these are the shares.
    Savings (alone - share): A 650, B 650, C 500 (1,800 together). At the tier price all
    pay 700: A 4,200, B 4,200, C 8,400, which would book 600 each; the settlement (share -
    tier cost) is A -50, B -50 (credits), C +100, adding up to zero.
    """
    pairs, result, call_offs = _single_supplier_round((6, 6, 12))
    (a, _), (b, _), (c, clerk_c) = pairs
    with scopes_disabled():
        rows = {r.tenant_id: r for r in RoundMemberResult.objects.filter(result=result)}
        lines = {al.tenant_id: al for al in RoundAllocation.objects.filter(result=result)}
    assert result.allocation_method == "shapley"
    assert {m.pk: rows[m.pk].allocated_cost for m in (a, b, c)} == {
        a.pk: D("4150.00"),
        b.pk: D("4150.00"),
        c.pk: D("8500.00"),
    }
    assert {m.pk: rows[m.pk].settlement for m in (a, b, c)} == {
        a.pk: D("-50.00"),
        b.pk: D("-50.00"),
        c.pk: D("100.00"),
    }
    assert {m.pk: rows[m.pk].savings for m in (a, b, c)} == {
        a.pk: D("650.00"),
        b.pk: D("650.00"),
        c.pk: D("500.00"),
    }
    assert {m.pk: lines[m.pk].settlement for m in (a, b, c)} == {
        m.pk: rows[m.pk].settlement for m in (a, b, c)
    }
    # Each call-off carries its member's settlement; total + settlement = the cost share.
    assert {m.pk: call_offs[m.pk].round_settlement for m in (a, b, c)} == {
        m.pk: rows[m.pk].settlement for m in (a, b, c)
    }
    assert {m.pk: call_offs[m.pk].carried_cost for m in (a, b, c)} == {
        m.pk: rows[m.pk].allocated_cost for m in (a, b, c)
    }
    # The call-offs keep the supplier's tier price (what it invoices).
    assert {m.pk: call_offs[m.pk].total for m in (a, b, c)} == {
        a.pk: D("4200.00"),
        b.pk: D("4200.00"),
        c.pk: D("8400.00"),
    }
    # Ordered A and B only: exactly their savings of the round page, C books nothing yet.
    for member, clerk in pairs[:2]:
        procurement_services.call_off_order(
            tenant=member, actor=clerk, call_off=call_offs[member.pk]
        )
    booked = {f.label: f for f in procurement_report_across_members().by_member}
    assert (booked[a.name].bundling_savings, booked[a.name].settlement) == (
        D("650.00"),
        D("-50.00"),
    )
    assert (booked[b.name].bundling_savings, booked[b.name].settlement) == (
        D("650.00"),
        D("-50.00"),
    )
    assert c.name not in booked
    # C orders: every member books alone - share, the total is the round's saving, the
    # settlements add up to zero.
    procurement_services.call_off_order(tenant=c, actor=clerk_c, call_off=call_offs[c.pk])
    report = procurement_report_across_members()
    booked = {f.label: f for f in report.by_member}
    assert {m.name: booked[m.name].bundling_savings for m in (a, b, c)} == {
        a.name: D("650.00"),
        b.name: D("650.00"),
        c.name: D("500.00"),
    }
    assert report.total.bundling_savings == result.savings == D("1800.00")
    assert report.total.settlement == D("0.00")
    assert booked[c.name].settlement == D("100.00")
    # Tier savings against the list price: C 12 x 800 - 9,000 alone = 600; with the bundling
    # savings, list price minus what C carries (8,400 + 100).
    assert booked[c.name].tier_savings == D("600.00")
    assert booked[c.name].savings == 12 * D("800.00") - D("8500.00")


def test_the_awarded_settlements_are_in_the_audit_trail():
    pairs, _result, _call_offs = _single_supplier_round((6, 6, 12))
    with scopes_disabled():
        award = AuditRecord.objects.get(action="bundling.round_award")
    assert award.after["settlements"] == {
        str(pairs[0][0].public_id): "-50.00",
        str(pairs[1][0].public_id): "-50.00",
        str(pairs[2][0].public_id): "100.00",
    }
