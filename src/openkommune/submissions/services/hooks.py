"""Extension points of the submit: apps above `submissions` (the back office) register here.

`submissions` must not import the apps built on it, so it calls what they register. Each hook
runs inside the submit's transaction: when one raises, nothing is submitted.
"""

from collections.abc import Callable

_submitted: list[Callable] = []
_timelines: dict[Callable, tuple[str, ...]] = {}


def register_submitted(
    hook: Callable, *, timeline: tuple[str, ...] = (), first: bool = False
) -> None:
    """`hook(application)` runs after an application was stored, before the commit.
    `first`: before the hooks registered so far (FIT-Connect's intake seals the application
    before the back office opens its case, so the case never sees its answers).

    `timeline`: entries (`EventKind`) of the applicant's timeline the hook would add to
    every application it sees (the back office's "received"). The submit writes them with
    its own entries, in the same INSERT, and stores the application with the status they
    lead to, so the hook finds that status and adds nothing (one INSERT and one UPDATE
    fewer per submit)."""
    if hook not in _submitted:
        if first:
            _submitted.insert(0, hook)
        else:
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


# --- the pay step (the `payments` app) -------------------------------------------------------
# A stage of its own between the check page and the submit: the check page shows what the
# registered panels render, the submit asks the gates first, and the receipt lists what the
# receipt hooks give. Without registrations nothing changes (and no query is added).

_check_panels: list[Callable] = []
_submit_gates: list[Callable] = []
_receipt_panels: list[Callable] = []
_receipt_sections: list[Callable] = []


def register_check_panel(hook: Callable) -> None:
    """`hook(request, draft, data)` → HTML (safe) shown on the check page above the submit
    button, or ""; `data` is the draft's cleaned data."""
    if hook not in _check_panels:
        _check_panels.append(hook)


def check_panels(request, draft, data) -> list:
    return [html for hook in _check_panels if (html := hook(request, draft, data))]


def register_submit_gate(hook: Callable) -> None:
    """`hook(request, draft, answers)` → a URL the applicant must go to before the draft may
    be submitted (e.g. the pay page), or None. `answers`: what the check page posted (its
    declarations), to be judged over the draft's data. A hook answers a URL only for
    complete answers: the submissions app then keeps `answers` with the draft before
    sending the applicant there."""
    if hook not in _submit_gates:
        _submit_gates.append(hook)


def submit_gate(request, draft, answers: dict | None = None) -> str | None:
    for hook in _submit_gates:
        url = hook(request, draft, dict(answers or {}))
        if url:
            return url
    return None


def register_receipt_panel(hook: Callable) -> None:
    """`hook(application)` → HTML (safe) for the receipt page, or ""."""
    if hook not in _receipt_panels:
        _receipt_panels.append(hook)


def receipt_panels(application) -> list:
    return [html for hook in _receipt_panels if (html := hook(application))]


def register_receipt_sections(hook: Callable) -> None:
    """`hook(application)` → a list of `forms.engine.AnswerSection` appended to the receipt
    PDF's answers."""
    if hook not in _receipt_sections:
        _receipt_sections.append(hook)


def receipt_sections(application) -> list:
    sections = []
    for hook in _receipt_sections:
        sections.extend(hook(application))
    return sections


_start_panels: list[Callable] = []


def register_start_panel(hook: Callable) -> None:
    """`hook(responsibility, form_version)` → HTML (safe) for the start page once the
    responsible member is known (e.g. its fee), or ""."""
    if hook not in _start_panels:
        _start_panels.append(hook)


def start_panels(responsibility, form_version) -> list:
    return [html for hook in _start_panels if (html := hook(responsibility, form_version))]


_payment_status: list[Callable] = []


def register_application_payment(hook: Callable) -> None:
    """`hook(application, base_url=None)` → the fee and payment as a dict of the API's
    `PaymentStatusOut`, or None (no fee)."""
    if hook not in _payment_status:
        _payment_status.append(hook)


def application_payment(application, *, base_url: str | None = None) -> dict | None:
    for hook in _payment_status:
        found = hook(application, base_url=base_url)
        if found is not None:
            return found
    return None


_api_submitted: list[Callable] = []


def register_api_submitted(hook: Callable) -> None:
    """`hook(application, base_url)` runs after `POST /api/v1/applications` stored (or found
    again) an application, outside the submit's transaction: e.g. the payments app claims a
    fee due at the submit, which the API could not collect first. Returns the fee and
    payment as a dict of the API's `PaymentStatusOut`, or None (no fee)."""
    if hook not in _api_submitted:
        _api_submitted.append(hook)


def api_submitted(application, *, base_url: str) -> dict | None:
    found = None
    for hook in _api_submitted:
        found = hook(application, base_url) or found
    return found


_status_panels: list[Callable] = []


def register_status_panel(hook: Callable) -> None:
    """`hook(request, application, token_query)` → HTML (safe) for the applicant's status
    page, or "" (e.g. a fee notice with its pay link, `payments`; the delivery to a
    Fachverfahren and its answer, `fitconnect`)."""
    if hook not in _status_panels:
        _status_panels.append(hook)


def status_panels(request, application, token_query: str) -> list:
    return [html for hook in _status_panels if (html := hook(request, application, token_query))]


# --- a saved step (use statistics, the `formstats` app) --------------------------------------

_step_saved: list[Callable] = []


def register_step_saved(hook: Callable) -> None:
    """`hook(draft, step_id, seconds, error_paths)` after a step of a draft was saved and
    validated: `seconds` since the draft's previous save, `error_paths` the data paths with
    an error message. It gets no answers; it runs outside the save's transaction."""
    if hook not in _step_saved:
        _step_saved.append(hook)


def run_step_saved(draft, step_id: str, seconds: int, error_paths: list[str]) -> None:
    for hook in _step_saved:
        hook(draft, step_id, seconds, error_paths)
