"""The arithmetic of the DigitalPakt ledger (pure functions, no database).

Amounts are Decimal euros with two places. Rounding rule (documented in docs/digitalpakt.md):

- The federal part of an amount is `amount x federal share` rounded to the cent **towards
  zero**: the federal money never exceeds its share, and a correction of -X reverses +X
  exactly. The own part is the rest, so `federal + own == amount` for every entry.
- Entries that belong together — the commitment of one call-off with its corrections, the
  payments of one call-off with their corrections — are split **cumulatively**: an entry's
  federal part is `federal(total after) - federal(total before)`. So however a call-off is
  paid in instalments, its federal parts add up to the federal part of its total to the cent.
- An allocation is federal money (the Schulträger's share of the programme's funds): its
  federal part is the whole amount, its own part zero.

The balance of a budget follows from the sums per kind (corrections count for the kind they
correct): allocation, committed (with federal and own parts), paid (with parts),
`open = committed - paid` and `remaining = allocation - committed federal part`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


def cents(value) -> Decimal:
    """`value` as a Decimal with exactly two places (raises for more precision)."""
    amount = Decimal(value)
    if amount != amount.quantize(CENT):
        raise ValueError(f"{value!r} has more than two decimal places.")
    return amount.quantize(CENT)


def federal_part(amount: Decimal, federal_percent: Decimal) -> Decimal:
    """`amount x federal_percent / 100`, rounded to the cent towards zero."""
    return (Decimal(amount) * Decimal(federal_percent) / HUNDRED).quantize(
        CENT, rounding=ROUND_DOWN
    )


def split_cumulative(
    *, before: Decimal, amount: Decimal, federal_percent: Decimal
) -> tuple[Decimal, Decimal]:
    """(federal, own) of `amount`, added to a group whose amounts so far sum to `before`."""
    federal = federal_part(before + amount, federal_percent) - federal_part(before, federal_percent)
    return federal, amount - federal


@dataclass(frozen=True)
class Line:
    """One ledger entry as the balance sees it: the kind it counts for and its parts."""

    kind: str  # "allocation", "commitment" or "payment" (a correction: the kind it corrects)
    amount: Decimal
    federal: Decimal
    own: Decimal


@dataclass(frozen=True)
class Balance:
    allocation: Decimal = ZERO
    committed: Decimal = ZERO
    committed_federal: Decimal = ZERO
    committed_own: Decimal = ZERO
    paid: Decimal = ZERO
    paid_federal: Decimal = ZERO
    paid_own: Decimal = ZERO

    @property
    def open_commitments(self) -> Decimal:
        return self.committed - self.paid

    @property
    def remaining(self) -> Decimal:
        """Federal money not yet bound by a commitment."""
        return self.allocation - self.committed_federal

    @property
    def open_federal(self) -> Decimal:
        return self.committed_federal - self.paid_federal

    @property
    def open_own(self) -> Decimal:
        return self.committed_own - self.paid_own

    def reconciles(self) -> bool:
        """The identities the ledger page shows as "abgestimmt"."""
        return (
            self.committed_federal + self.committed_own == self.committed
            and self.paid_federal + self.paid_own == self.paid
            and self.remaining + self.committed_federal == self.allocation
            and self.open_commitments + self.paid == self.committed
        )


def balance_of(lines: Iterable[Line]) -> Balance:
    sums: dict[str, list[Decimal]] = {
        "allocation": [ZERO, ZERO, ZERO],
        "commitment": [ZERO, ZERO, ZERO],
        "payment": [ZERO, ZERO, ZERO],
    }
    for line in lines:
        total = sums[line.kind]
        total[0] += line.amount
        total[1] += line.federal
        total[2] += line.own
    return Balance(
        allocation=sums["allocation"][0],
        committed=sums["commitment"][0],
        committed_federal=sums["commitment"][1],
        committed_own=sums["commitment"][2],
        paid=sums["payment"][0],
        paid_federal=sums["payment"][1],
        paid_own=sums["payment"][2],
    )
