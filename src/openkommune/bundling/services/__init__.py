"""State changes of bundling rounds (`rounds`: set-up, demand, close; `evaluation`: solve
and store). Other apps and the views import from here."""

from openkommune.bundling.services.award import round_award
from openkommune.bundling.services.evaluation import (
    round_evaluate,
    round_evaluation_request,
)
from openkommune.bundling.services.rounds import (
    demand_set,
    round_close,
    round_create,
    round_item_add,
    round_item_remove,
    round_items_from_contract,
    round_offer_add,
    round_offer_remove,
    round_update,
)

__all__ = [
    "demand_set",
    "round_award",
    "round_close",
    "round_create",
    "round_evaluate",
    "round_evaluation_request",
    "round_item_add",
    "round_item_remove",
    "round_items_from_contract",
    "round_offer_add",
    "round_offer_remove",
    "round_update",
]
