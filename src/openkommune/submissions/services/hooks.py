"""Extension points of the submit: apps above `submissions` (the back office) register here.

`submissions` must not import the apps built on it, so it calls what they register. Each hook
runs inside the submit's transaction: when one raises, nothing is submitted.
"""

from collections.abc import Callable

_submitted: list[Callable] = []
_timelines: dict[Callable, tuple[str, ...]] = {}


def register_submitted(hook: Callable, *, timeline: tuple[str, ...] = ()) -> None:
    """`hook(application)` runs after an application was stored, before the commit.

    `timeline`: entries (`EventKind`) of the applicant's timeline the hook would add to
    every application it sees (the back office's "received"). The submit writes them with
    its own entries, in the same INSERT, and stores the application with the status they
    lead to, so the hook finds that status and adds nothing (one INSERT and one UPDATE
    fewer per submit)."""
    if hook not in _submitted:
        _submitted.append(hook)
        _timelines[hook] = tuple(timeline)


def submitted_timeline() -> tuple[str, ...]:
    """The entries the registered hooks add to every application's timeline, in order."""
    kinds: list[str] = []
    for hook in _submitted:
        kinds.extend(kind for kind in _timelines.get(hook, ()) if kind not in kinds)
    return tuple(kinds)


def run_submitted(application) -> None:
    for hook in _submitted:
        hook(application)
