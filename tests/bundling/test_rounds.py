"""Bundling round lifecycle: demand until the deadline, prefill, close, evaluate, results."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openkommune.bundling import selectors, services
from openkommune.bundling.constants import EvaluationState, RoundStatus
from openkommune.bundling.models import (
    BundlingRound,
    DemandEntry,
    RoundAllocation,
    RoundMemberResult,
    RoundResult,
)
from openkommune.procurement.constants import TierMode
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scope, scopes_disabled
from tests.bundling.round_factories import build_market
from tests.digitalpakt import factories

pytestmark = pytest.mark.django_db
D = Decimal


def _demand(market, index, quantity, item=None):
    return services.demand_set(
        tenant=market.members[index],
        actor=market.clerks[index],
        bundling_round=market.round,
        quantities={item or market.notebook: quantity},
    )


def _evaluated(market, quantities=(5, 8, 4)):
    for index, quantity in enumerate(quantities):
        _demand(market, index, quantity)
    services.round_close(actor=market.staff, bundling_round=market.round)
    return services.round_evaluate(actor=market.staff, bundling_round=market.round)


def test_demand_is_stored_changed_and_audited():
    market = build_market()
    _demand(market, 0, 5)
    _demand(market, 0, 7)
    with scope(tenant=market.members[0]):
        assert DemandEntry.objects.get().quantity == 7
    with scopes_disabled():
        records = AuditRecord.objects.filter(
            tenant=market.members[0], action="bundling.demand_set"
        ).order_by("id")
        assert [r.after for r in records] == [
            {str(market.notebook.public_id): 5},
            {str(market.notebook.public_id): 7},
        ]


def test_no_demand_after_the_deadline_or_the_close():
    market = build_market()
    BundlingRound.objects.filter(pk=market.round.pk).update(
        deadline=timezone.now() - datetime.timedelta(minutes=1)
    )
    market.round.refresh_from_db()
    with pytest.raises(ValidationError, match="Frist"):
        _demand(market, 0, 5)
    BundlingRound.objects.filter(pk=market.round.pk).update(
        deadline=timezone.now() + datetime.timedelta(days=1)
    )
    services.round_close(actor=market.staff, bundling_round=market.round)
    with pytest.raises(ValidationError, match="geschlossen"):
        _demand(market, 0, 5)
    with scopes_disabled():
        assert not DemandEntry.objects.exists()


def test_positive_demand_needs_an_eligible_offer():
    market = build_market()
    only_gamma = services.round_item_add(
        actor=market.staff, bundling_round=market.round, title="Notebook (nur Gamma)"
    )
    services.round_offer_add(
        actor=market.staff, item=only_gamma, catalog_item=market.articles["gamma"]
    )
    with pytest.raises(ValidationError, match="bei keinem Anbieter"):
        _demand(market, 1, 3, item=only_gamma)
    _demand(market, 1, 0, item=only_gamma)  # "none" is fine
    _demand(market, 0, 3, item=only_gamma)  # the named caller may


def test_prefill_sums_the_members_own_ordered_call_offs_of_the_period():
    market = build_market(prefill_days=365)
    own, other = market.members[0], market.members[1]
    now = timezone.now()
    with scopes_disabled():
        factories.call_off(tenant=own, lines=[(market.articles["alpha"], 6)], ordered_at=now)
        factories.call_off(tenant=own, lines=[(market.articles["beta"], 4)], ordered_at=now)
        factories.call_off(tenant=own, lines=[(market.articles["alpha"], 50)], status="draft")
        factories.call_off(
            tenant=own,
            lines=[(market.articles["alpha"], 30)],
            ordered_at=now - datetime.timedelta(days=400),
        )
        factories.call_off(tenant=other, lines=[(market.articles["alpha"], 9)], ordered_at=now)
    items = selectors.round_items(market.round)
    with scope(tenant=own):
        assert selectors.prefill_quantities(
            tenant=own, bundling_round=market.round, items=items
        ) == {market.notebook.pk: 10}
    with scope(tenant=market.members[2]):
        assert (
            selectors.prefill_quantities(
                tenant=market.members[2], bundling_round=market.round, items=items
            )
            == {}
        )


def test_evaluation_honours_eligibility_and_member_costs_add_up_to_the_total():
    market = build_market()
    result = _evaluated(market)
    # Computed by hand: Gamma (650, only member 0 may call off) serves member 0 alone;
    # members 1 and 2 together buy 12 from Alpha at the tier from 10 (750).
    assert result.solver_status == "optimal"
    assert result.total == D("12250.00")
    assert result.alone_total == D("12730.00")  # 5x650 + 8x790 (Beta) + 4x790 (Beta)
    assert result.savings == D("480.00")
    with scopes_disabled():
        rows = {r.tenant_id: r for r in RoundMemberResult.objects.filter(result=result)}
        allocations = list(
            RoundAllocation.objects.filter(result=result).select_related("catalog_item")
        )
    first, second, third = (rows[m.pk] for m in market.members)
    assert (first.cost, first.alone_cost) == (D("3250.00"), D("3250.00"))
    assert (second.cost, second.alone_cost) == (D("6000.00"), D("6320.00"))
    assert (third.cost, third.alone_cost) == (D("3000.00"), D("3160.00"))
    # Members 1 and 2 share a two-player game (member 0 plays alone): Shapley splits their
    # saving of 480 equally, and nobody pays more than alone, so that is what they pay; the
    # savings are alone cost minus that share (issue 19).
    assert result.allocation_method == "shapley"
    assert [r.allocated_cost for r in (first, second, third)] == [
        D("3250.00"),
        D("6080.00"),
        D("2920.00"),
    ]
    assert [r.allocated_cost for r in (first, second, third)] == [
        r.shapley_cost for r in (first, second, third)
    ]
    assert [r.savings for r in (first, second, third)] == [D("0.00"), D("240.00"), D("240.00")]
    assert sum(r.cost for r in rows.values()) == result.total
    assert sum(a.cost for a in allocations) == result.total
    assert sum(r.shapley_cost for r in rows.values()) == result.total
    by_member = {a.tenant_id: a.catalog_item.article_number for a in allocations}
    assert by_member[market.members[0].pk] == "G-NB14"
    assert by_member[market.members[1].pk] == by_member[market.members[2].pk] == "A-NB14"
    market.round.refresh_from_db()
    assert market.round.status == RoundStatus.EVALUATED


@pytest.mark.parametrize(
    ("alpha_capacity", "total"),
    [
        # Members 1 and 2 need 12 together: they just fit and bundle at Alpha's tier from 10,
        # as without a cap.
        (12, D("12250.00")),
        # One unit less: each demand goes whole to one supplier, so they no longer reach
        # Alpha's tier together; both buy at Beta (12 x 790) and member 0 at Gamma (5 x 650).
        (11, D("12730.00")),
    ],
)
def test_a_round_offer_capacity_caps_what_the_offer_is_allocated(alpha_capacity, total):
    market = build_market(capacities={"alpha": alpha_capacity})
    result = _evaluated(market)
    assert result.solver_status == "optimal"
    assert result.total == total
    with scopes_disabled():
        allocations = list(
            RoundAllocation.objects.filter(result=result).select_related("catalog_item")
        )
    at_alpha = sum(a.quantity for a in allocations if a.catalog_item.article_number == "A-NB14")
    assert at_alpha <= alpha_capacity
    assert sum(a.quantity for a in allocations) == 5 + 8 + 4  # every demand is served
    assert sum(a.cost for a in allocations) == total


def test_re_evaluation_replaces_the_result_as_a_whole():
    market = build_market()
    first = _evaluated(market)
    second = services.round_evaluate(actor=market.staff, bundling_round=market.round)
    assert not RoundResult.objects.filter(pk=first.pk).exists()
    assert RoundResult.objects.get(round=market.round).pk == second.pk
    with scopes_disabled():
        assert RoundMemberResult.objects.count() == 3
        assert RoundAllocation.objects.count() == 3
    assert second.total == first.total


def test_open_rounds_and_rounds_without_demand_are_not_evaluated():
    market = build_market()
    with pytest.raises(ValidationError, match="zuerst"):
        services.round_evaluate(actor=market.staff, bundling_round=market.round)
    services.round_close(actor=market.staff, bundling_round=market.round)
    with pytest.raises(ValidationError, match="kein Mitglied Bedarf"):
        services.round_evaluate(actor=market.staff, bundling_round=market.round)
    market.round.refresh_from_db()
    assert market.round.evaluation_state == EvaluationState.FAILED
    assert "kein Mitglied" in market.round.evaluation_error
    assert not RoundResult.objects.exists()


def test_only_staff_run_rounds():
    market = build_market()
    clerk = market.clerks[0]
    with pytest.raises(PermissionDenied):
        services.round_create(
            actor=clerk, title="x", deadline=timezone.now() + datetime.timedelta(days=1)
        )
    with pytest.raises(PermissionDenied):
        services.round_close(actor=clerk, bundling_round=market.round)
    with pytest.raises(PermissionDenied):
        services.round_evaluation_request(actor=clerk, bundling_round=market.round)
    with pytest.raises(PermissionDenied):
        services.demand_set(
            tenant=market.members[1],
            actor=clerk,  # a clerk of another member
            bundling_round=market.round,
            quantities={market.notebook: 1},
        )


def test_round_changes_are_audited():
    market = build_market()
    services.round_close(actor=market.staff, bundling_round=market.round)
    with scopes_disabled():
        actions = set(
            AuditRecord.objects.filter(
                tenant=None, object_id=str(market.round.public_id)
            ).values_list("action", flat=True)
        )
    assert {"bundling.round_create", "bundling.round_close"} <= actions


def test_big_rounds_are_evaluated_by_a_queued_task(settings, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    from openkommune.bundling.tasks import evaluate_round

    market = build_market()
    for index, quantity in enumerate((5, 8, 4)):
        _demand(market, index, quantity)
    services.round_close(actor=market.staff, bundling_round=market.round)
    settings.OPENKOMMUNE_BUNDLING_SYNC_LIMIT = 2
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        done = services.round_evaluation_request(actor=market.staff, bundling_round=market.round)
    assert done is False
    assert callbacks == []  # the job's row is written in the request's transaction (ADR 0018)
    market.round.refresh_from_db()
    assert market.round.evaluation_state == EvaluationState.QUEUED
    queued = DBTaskResult.objects.get(task_path="openkommune.bundling.tasks.evaluate_round")
    kwargs = queued.args_kwargs["kwargs"]
    assert kwargs == {"round_public_id": str(market.round.public_id), "actor_id": market.staff.pk}
    assert not RoundResult.objects.exists()  # nothing happens before the worker runs
    assert evaluate_round.call(**kwargs) == "ok"
    market.round.refresh_from_db()
    assert market.round.status == RoundStatus.EVALUATED
    assert RoundResult.objects.get(round=market.round).total == D("12250.00")


def test_items_from_a_contract_group_suppliers_and_skip_incremental_tiers():
    market = build_market()
    contract = market.articles["alpha"].contract
    other_supplier = market.articles["beta"].supplier
    factories.article(
        contract=contract, supplier=other_supplier, description="Dockingstation",
        article_number="B-DOCK", tiers=((0, "120.00"),),
    )  # fmt: skip
    factories.article(
        contract=contract, supplier=other_supplier, description="Monitor 24 Zoll",
        article_number="B-MON", tier_mode=TierMode.INCREMENTAL,
    )  # fmt: skip
    created = services.round_items_from_contract(
        actor=market.staff, bundling_round=market.round, contract=contract
    )
    titles = {item.title: item for item in created}
    # The notebook's description is a round item already; the monitor has incremental tiers.
    assert set(titles) == {"Dockingstation"}
    assert [o.catalog_item.article_number for o in titles["Dockingstation"].offers.all()] == [
        "B-DOCK"
    ]
    with pytest.raises(ValidationError, match="keine neuen aktiven Artikel"):
        services.round_items_from_contract(
            actor=market.staff, bundling_round=market.round, contract=contract
        )
    with pytest.raises(ValidationError, match="angestoßene Staffel"):
        services.round_offer_add(
            actor=market.staff,
            item=titles["Dockingstation"],
            catalog_item=contract.items.get(article_number="B-MON"),
        )


def test_members_read_only_their_own_demand_and_results():
    market = build_market()
    _evaluated(market)
    own = market.members[1]
    with scope(tenant=own):
        assert {e.tenant_id for e in DemandEntry.objects.all()} == {own.pk}
        assert {r.tenant_id for r in RoundMemberResult.objects.all()} == {own.pk}
        assert {a.tenant_id for a in RoundAllocation.objects.all()} == {own.pk}
        mine = selectors.result_for_member(tenant=own, bundling_round=market.round)
    assert mine.row.tenant_id == own.pk
    assert [a.tenant_id for a in mine.allocations] == [own.pk]


def test_round_update_while_open_only():
    market = build_market()
    later = timezone.now() + datetime.timedelta(days=30)
    services.round_update(
        actor=market.staff, bundling_round=market.round, title="Notebooks 2027", deadline=later
    )
    market.round.refresh_from_db()
    assert (market.round.title, market.round.deadline) == ("Notebooks 2027", later)
    with scopes_disabled():
        record = AuditRecord.objects.filter(action="bundling.round_update").get()
    assert record.after["title"] == "Notebooks 2027"
    with pytest.raises(ValidationError, match="Beginn und Ende"):
        services.round_update(
            actor=market.staff,
            bundling_round=market.round,
            prefill_from=datetime.date(2025, 1, 1),
        )
    services.round_close(actor=market.staff, bundling_round=market.round)
    with pytest.raises(ValidationError, match="geschlossen"):
        services.round_update(actor=market.staff, bundling_round=market.round, title="x")


@pytest.fixture
def shared_market():
    return build_market()


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(quantities=st.lists(st.integers(min_value=0, max_value=60), min_size=3, max_size=3))
def test_stored_member_costs_always_add_up_to_the_total(quantities, shared_market):
    # One market for every example; each example runs a fresh round on it.
    market = shared_market
    bundling_round = services.round_create(
        actor=market.staff,
        title="Eigenschaft",
        deadline=timezone.now() + datetime.timedelta(days=1),
    )
    item = services.round_item_add(actor=market.staff, bundling_round=bundling_round, title="NB")
    for article in market.articles.values():
        services.round_offer_add(actor=market.staff, item=item, catalog_item=article)
    if not any(quantities):
        quantities = [1, 0, 0]
    for index, quantity in enumerate(quantities):
        services.demand_set(
            tenant=market.members[index],
            actor=market.clerks[index],
            bundling_round=bundling_round,
            quantities={item: quantity},
        )
    services.round_close(actor=market.staff, bundling_round=bundling_round)
    result = services.round_evaluate(actor=market.staff, bundling_round=bundling_round)
    with scopes_disabled():
        rows = list(RoundMemberResult.objects.filter(result=result))
        allocations = list(RoundAllocation.objects.filter(result=result))
    assert len(rows) == sum(1 for q in quantities if q)
    assert sum(r.cost for r in rows) == result.total
    assert sum(a.cost for a in allocations) == result.total
    assert all(a.cost == a.quantity * a.unit_price for a in allocations)
    assert sum(r.alone_cost for r in rows) == result.alone_total
    assert sum(r.shapley_cost for r in rows) == result.total
    assert sum(r.allocated_cost for r in rows) == result.total
    assert all(r.allocated_cost <= r.alone_cost for r in rows)
    assert sum(r.savings for r in rows) == result.savings
    assert result.savings == result.alone_total - result.total
    # Without capacities and with falling tier prices, the optimum never costs more than
    # everybody buying alone (the alone choices bundled are one feasible assignment).
    assert result.savings >= 0
