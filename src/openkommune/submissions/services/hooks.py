"""Extension points of the submit: apps above `submissions` (the back office) register here.

`submissions` must not import the apps built on it, so it calls what they register. Each hook
runs inside the submit's transaction: when one raises, nothing is submitted.
"""

from collections.abc import Callable

_submitted: list[Callable] = []


def register_submitted(hook: Callable) -> None:
    """`hook(application)` runs after an application was stored, before the commit."""
    if hook not in _submitted:
        _submitted.append(hook)


def run_submitted(application) -> None:
    for hook in _submitted:
        hook(application)
