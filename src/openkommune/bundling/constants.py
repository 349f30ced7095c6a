"""Codes of bundling rounds: round states, evaluation states and the size limits."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RoundStatus(models.TextChoices):
    OPEN = "open", _("offen für Bedarfsmeldungen")
    CLOSED = "closed", _("geschlossen")
    EVALUATED = "evaluated", _("ausgewertet")
    # The result became call-offs of the members (`services.award.round_award`).
    AWARDED = "awarded", _("vergeben")


class EvaluationState(models.TextChoices):
    """Where the (possibly queued) evaluation of a closed round stands."""

    NONE = "", _("nicht angefordert")
    QUEUED = "queued", _("in Warteschlange")
    FAILED = "failed", _("fehlgeschlagen")
    DONE = "done", _("fertig")


# Rounds with at most this many positive demand entries are evaluated right away in the
# request; bigger ones go to the task queue (django.tasks, `db_worker`). Override in settings
# as OPENKOMMUNE_BUNDLING_SYNC_LIMIT (see docs/bundling-rounds.md). The solver itself is fast;
# the Shapley values need one optimisation per coalition and set the limit.
SYNC_EVALUATION_LIMIT = 20

# Solver time limit and Shapley sampling for a round's evaluation. After its time limit the
# Shapley computation prices the remaining coalitions greedily (recorded on the result).
SOLVE_TIME_LIMIT_SECONDS = 30
SHAPLEY_SAMPLES = 200
SHAPLEY_SEED = 20091222
SHAPLEY_TIME_LIMIT_IN_REQUEST = 5
SHAPLEY_TIME_LIMIT_IN_TASK = 120
