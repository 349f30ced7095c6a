"""Background evaluation of big bundling rounds (django.tasks; `openkommune db_worker`)."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from openkommune.bundling.constants import SHAPLEY_TIME_LIMIT_IN_TASK
from openkommune.bundling.models import BundlingRound
from openkommune.bundling.services import round_evaluate
from openkommune.bundling.services.evaluation import EVALUATE_ROUND_JOB
from openkommune.core.jobs import job


@job(EVALUATE_ROUND_JOB)
def evaluate_round(*, round_public_id: str, actor_id: int | None = None) -> str:
    """Evaluate one closed round. Idempotent: a repeat replaces the result with the same one.

    A round that cannot be evaluated (no demand, infeasible) is marked failed by the service
    and the task ends normally; staff see the message on the round page.
    """
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    bundling_round = BundlingRound.objects.get(public_id=round_public_id)
    try:
        round_evaluate(
            actor=actor,
            bundling_round=bundling_round,
            shapley_time_limit=SHAPLEY_TIME_LIMIT_IN_TASK,
        )
    except ValidationError as error:
        return "; ".join(error.messages)
    return "ok"
