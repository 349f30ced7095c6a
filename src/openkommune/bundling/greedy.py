"""The greedy baseline for one item, used as a benchmark baseline and as the MIP's first
incumbent.

Rule: rank the suppliers of the item by the unit price they charge for the *summed*
quantity of all members (ties in supplier order); then take the demands from the largest
quantity down and give each to the first supplier in that ranking that the member may buy
from and that still has the capacity for it ("spilling" to the next supplier). The result
is priced at the tiers the quantities actually reach. It can miss the optimum (a spill can
drop a supplier below a tier; a smarter split can reach a tier elsewhere) and it can fail
to find an assignment that exists (first fit is not bin packing).
"""

from openkommune.bundling.instance import ItemProblem


def greedy_item(problem: ItemProblem) -> dict[int, str] | None:
    """Position in the problem -> supplier, or None when the rule finds no assignment."""
    total = sum(problem.qty)
    order = list(problem.offers)
    ranking = sorted(order, key=lambda s: (problem.offers[s].price_cents(total), order.index(s)))
    remaining = {s: problem.capacity.get(s) for s in ranking}
    assignment: dict[int, str] = {}
    for position in sorted(range(len(problem.qty)), key=lambda k: (-problem.qty[k], k)):
        qty = problem.qty[position]
        allowed = set(problem.candidates[position])
        for supplier in ranking:
            left = remaining[supplier]
            if supplier in allowed and (left is None or left >= qty):
                assignment[position] = supplier
                if left is not None:
                    remaining[supplier] = left - qty
                break
        else:
            return None
    return assignment


def item_cost_cents(problem: ItemProblem, assignment: dict[int, str]) -> int:
    """Exact cost of an assignment: every supplier's quantity at the tier it reaches."""
    quantity: dict[str, int] = {}
    for position, supplier in assignment.items():
        quantity[supplier] = quantity.get(supplier, 0) + problem.qty[position]
    return sum(problem.offers[s].cost_cents(q) for s, q in quantity.items())
