"""Evaluation of a closed round: solve, store the result, or queue it for big rounds.

Results of many tenants are written at once (that is the point of bundling); the result
replaces an earlier one as a whole, in one transaction.
"""

from __future__ import annotations

import time
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openkommune.bundling.allocation import allocate, settlement_parts
from openkommune.bundling.constants import (
    SHAPLEY_SAMPLES,
    SHAPLEY_SEED,
    SHAPLEY_TIME_LIMIT_IN_REQUEST,
    SOLVE_TIME_LIMIT_SECONDS,
    SYNC_EVALUATION_LIMIT,
    EvaluationState,
    RoundStatus,
)
from openkommune.bundling.instance import Demand, alone_cents
from openkommune.bundling.models import (
    BundlingRound,
    RoundAllocation,
    RoundMemberResult,
    RoundResult,
)
from openkommune.bundling.optimizer import (
    OPTIMAL,
    InfeasibleInstance,
    alone_costs,
    shapley_values,
    solve,
)
from openkommune.bundling.round_instance import build_instance
from openkommune.bundling.selectors import demand_count_across_members
from openkommune.bundling.services.rounds import _locked_round, _require_staff
from openkommune.core import jobs
from openkommune.tenancy.services import audit_record

# The job of `bundling.tasks` that evaluates a big round, found by name (`core.jobs`).
EVALUATE_ROUND_JOB = "bundling.evaluate_round"


def _require_evaluable(bundling_round: BundlingRound) -> None:
    if bundling_round.status == RoundStatus.OPEN:
        raise ValidationError(_("Bitte schließen Sie die Runde zuerst."))
    if bundling_round.status == RoundStatus.AWARDED:
        raise ValidationError(
            _("Die Runde ist vergeben; ihr Ergebnis gilt, die Abrufe der Mitglieder gibt es schon.")
        )


def _sync_limit() -> int:
    return int(getattr(settings, "OPENKOMMUNE_BUNDLING_SYNC_LIMIT", SYNC_EVALUATION_LIMIT))


def round_evaluation_request(*, actor, bundling_round: BundlingRound) -> bool:
    """Evaluate now (small rounds) or queue the evaluation (big ones). True when done now.

    The queued task runs only after the request's transaction commits (its row is written
    in it, `core.jobs.enqueue_on_commit`).
    """
    _require_staff(actor)
    bundling_round = BundlingRound.objects.get(pk=bundling_round.pk)
    _require_evaluable(bundling_round)
    if demand_count_across_members(bundling_round) <= _sync_limit():
        round_evaluate(actor=actor, bundling_round=bundling_round)
        return True
    with transaction.atomic():
        locked = _set_evaluation_state(
            bundling_round,
            actor,
            EvaluationState.QUEUED,
            "",
            action="bundling.round_evaluation_queued",
            after={"evaluation_state": EvaluationState.QUEUED},
        )
        actor_id = actor.pk if actor is not None and actor.is_authenticated else None
        public_id = str(locked.public_id)
        jobs.enqueue_on_commit(EVALUATE_ROUND_JOB, round_public_id=public_id, actor_id=actor_id)
    return False


def _cents_to_decimal(value) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.01"))


def _cents(value: Decimal) -> int:
    return int(value * 100)


def _set_evaluation_state(bundling_round, actor, state, error: str, *, action, after):
    """Lock the round, record where its evaluation stands, and audit that; the locked round."""
    locked = _locked_round(bundling_round)
    locked.evaluation_state = state
    locked.evaluation_error = error
    locked.save(update_fields=["evaluation_state", "evaluation_error", "updated_at"])
    audit_record(tenant=None, actor=actor, action=action, obj=locked, after=after)
    return locked


def _mark_failed(bundling_round: BundlingRound, actor, message: str) -> None:
    with transaction.atomic():
        _set_evaluation_state(
            bundling_round,
            actor,
            EvaluationState.FAILED,
            message,
            action="bundling.round_evaluation_failed",
            after={"error": message},
        )


def round_evaluate(
    *,
    actor,
    bundling_round: BundlingRound,
    shapley_time_limit: float = SHAPLEY_TIME_LIMIT_IN_REQUEST,
) -> RoundResult:
    """Solve the closed round and store its result, replacing an earlier one atomically.

    Solving runs outside the write transaction (it may take the solver's time limit); the
    round is closed, so its demand cannot change meanwhile. A round without demand, or with
    demand that no eligible supplier can serve, fails with a German message (recorded on the
    round, so a queued evaluation's failure is visible to staff).
    """
    _require_staff(actor)
    bundling_round = BundlingRound.objects.get(pk=bundling_round.pk)
    _require_evaluable(bundling_round)
    built = build_instance(bundling_round)
    if not built.instance.demand:
        message = _("In dieser Runde hat kein Mitglied Bedarf gemeldet; es gibt nichts zu bündeln.")
        _mark_failed(bundling_round, actor, message)
        raise ValidationError(message)
    if built.problems:
        message = " ".join(built.problems)
        _mark_failed(bundling_round, actor, message)
        raise ValidationError(message)
    solution = solve(built.instance, time_limit=SOLVE_TIME_LIMIT_SECONDS)
    if solution.lines is None:
        message = _(
            "Der Optimierer hat keine Zuteilung gefunden: Die Kapazitäten der Anbieter reichen "
            "für den gemeldeten Bedarf nicht aus, oder die Rechenzeit war zu kurz."
        )
        _mark_failed(bundling_round, actor, message)
        raise ValidationError(message)
    try:
        shapley = shapley_values(
            built.instance,
            samples=SHAPLEY_SAMPLES,
            seed=SHAPLEY_SEED,
            time_limit=shapley_time_limit,
        )
    except InfeasibleInstance:
        shapley = None
    shares = _cost_allocation(built.instance, solution, shapley, time_limit=shapley_time_limit)
    return _store(bundling_round, actor, built, solution, shapley, shares)


def _cost_allocation(instance, solution, shapley, *, time_limit: float):
    """What each member pays of the bundled total (`allocation.allocate`): the Shapley share
    (or, without it, the cost at the common tier price) unless that makes a member pay more
    than alone; then the closest core allocation, whose group costs come from the optimiser
    on the coalition's demand (proven optimal ones only, within `time_limit` seconds)."""
    total = solution.total_cents
    target = solution.member_cents()
    if shapley is not None and shapley.total == solution.total_cost:
        # (The totals differ only when a time limit left one of them heuristic.)
        target = {m: int(value * 100) for m, value in shapley.items()}
    deadline = time.monotonic() + time_limit

    def coalition_cost(members: frozenset[str]) -> int | None:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        coalition = solve(instance.restricted_to(members), time_limit=max(left, 0.01))
        return coalition.total_cents if coalition.status == OPTIMAL else None

    return allocate(target, alone_cents(instance), total, coalition_cost)


@transaction.atomic
def _store(bundling_round, actor, built, solution, shapley, shares) -> RoundResult:
    locked = _locked_round(bundling_round)
    if locked.status == RoundStatus.OPEN:
        raise ValidationError(_("Die Runde wurde wieder geöffnet; bitte erneut auswerten."))
    _require_evaluable(locked)
    # Replace the earlier result as a whole; the cascade removes its member rows.
    RoundResult.objects.filter(round=locked).delete()
    costs = solution.member_cents()
    alone = alone_costs(built.instance)
    alone_values = list(alone.values())
    alone_total = None if None in alone_values else sum(alone_values, Decimal("0.00"))
    total = solution.total_cost
    result = RoundResult.objects.create(
        round=locked,
        solver_status=solution.status,
        total=total,
        alone_total=alone_total,
        savings=None if alone_total is None else alone_total - total,
        gap=solution.gap,
        shapley_exact=bool(shapley is not None and shapley.exact),
        shapley_samples=SHAPLEY_SAMPLES if shapley is not None else 0,
        shapley_all_optimal=bool(shapley is not None and shapley.all_optimal),
        allocation_method=shares.method,
        evaluated_at=timezone.now(),
        evaluated_by=actor if actor is not None and actor.is_authenticated else None,
    )
    allocations = []
    for line in solution.lines:
        offer = built.offers[(line.supplier, line.item)]
        demand = Demand(line.member, line.item, line.qty)
        options = [
            built.instance.offers[(s, line.item)].cost_cents(line.qty)
            for s in built.instance.candidates(demand)
        ]
        allocations.append(
            RoundAllocation(
                tenant=built.members[line.member],
                result=result,
                round_item=built.items[line.item],
                catalog_item=offer.catalog_item,
                quantity=line.qty,
                unit_price=line.unit_price,
                cost=_cents_to_decimal(Decimal(line.cost_cents) / 100),
                alone_cost=_cents_to_decimal(Decimal(min(options)) / 100) if options else None,
            )
        )
    rows = []
    for member_id, organisation in built.members.items():
        cost = _cents_to_decimal(Decimal(costs[member_id]) / 100)
        share = _cents_to_decimal(Decimal(shares.shares[member_id]) / 100)
        alone_cost = alone[member_id]
        rows.append(
            RoundMemberResult(
                tenant=organisation,
                result=result,
                cost=cost,
                alone_cost=alone_cost,
                savings=None if alone_cost is None else alone_cost - share,
                shapley_cost=shapley.get(member_id) if shapley is not None else None,
                allocated_cost=share,
            )
        )
    # The settlement between each member's cost share and its lines at the tier price
    # (ADR 0045), split over its lines by cost so the report can book it with the lines.
    lines_of: dict[int, list[RoundAllocation]] = {}
    for allocation in allocations:
        lines_of.setdefault(allocation.tenant.pk, []).append(allocation)
    for member_id, row in zip(built.members, rows, strict=True):
        settlement_cents = shares.shares[member_id] - costs[member_id]
        row.settlement = _cents_to_decimal(Decimal(settlement_cents) / 100)
        own = lines_of.get(row.tenant.pk, [])
        parts = settlement_parts(settlement_cents, [_cents(a.cost) for a in own])
        for allocation, part in zip(own, parts, strict=True):
            allocation.settlement = _cents_to_decimal(Decimal(part) / 100)
    # Saved row by row through the model, not the scoped manager: these rows belong to many
    # tenants at once, which is the point of a bundling round.
    for row in allocations + rows:
        row.save()
    locked.status = RoundStatus.EVALUATED
    locked.evaluation_state = EvaluationState.DONE
    locked.evaluation_error = ""
    locked.save()
    audit_record(
        tenant=None,
        actor=actor,
        action="bundling.round_evaluate",
        obj=locked,
        after={
            "solver_status": solution.status,
            "total": total,
            "alone_total": alone_total,
            "allocation_method": shares.method,
            "settlements": {str(row.tenant.public_id): row.settlement for row in rows},
            "members": len(rows),
            "allocations": len(allocations),
        },
    )
    return result
