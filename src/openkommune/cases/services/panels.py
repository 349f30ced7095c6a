"""Extension point of the case page: apps above `cases` (e.g. `fitconnect`, which shows
that a case went to a Fachverfahren and its event log) register a panel here."""

from collections.abc import Callable

_case_panels: list[Callable] = []


def register_case_panel(hook: Callable) -> None:
    """`hook(case)` → HTML (safe) shown on the case page above the answers, or ""."""
    if hook not in _case_panels:
        _case_panels.append(hook)


def case_panels(case) -> list:
    return [html for hook in _case_panels if (html := hook(case))]
