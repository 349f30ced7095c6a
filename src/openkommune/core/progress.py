"""A small progress reporter for management commands.

Imports of official files run in terminals, in `make run` and in CI logs. A carriage-return
bar garbles log files, so this prints one plain line roughly every 10 % instead: readable
everywhere, and quiet when the command runs with `--verbosity 0`.
"""

from collections.abc import Iterable, Iterator
from typing import TextIO

STEPS = 10


def progress[T](
    iterable: Iterable[T], *, total: int, label: str, stream: TextIO, enabled: bool
) -> Iterator[T]:
    """Yield every item of `iterable`; print `label: 40 % (400/1000)` at each 10 % step.

    `total` is the expected number of items (the caller usually knows it; counting a
    generator first would consume it). When `enabled` is false or `total` is not positive
    the items pass through untouched, without output.
    """
    if not enabled or total <= 0:
        yield from iterable
        return
    next_step = 1
    for done, item in enumerate(iterable, start=1):
        yield item
        # A while loop, not an if: with fewer than 10 items one item may cross several steps.
        while next_step <= STEPS and done * STEPS >= total * next_step:
            stream.write(f"{label}: {next_step * 100 // STEPS} % ({done}/{total})\n")
            next_step += 1
    stream.flush()
