"""Helpers of the citizen pages: who may open a draft or an application in this request,
and where a step leads. Access itself is decided by the selectors (ADR 0006); this module
only brings the credential along: the logged-in user, a token in the query string, or the
token the browser session remembers since the applicant started or resumed the draft.

The session keeps the tokens themselves (not only the ids): the selectors accept nothing
else, and the session is as secret as the links (a copy of the session table would yield
the session cookies just as well)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone

from openkommune.forms.engine import (
    Definition,
    Page,
    Step,
    field_dom_id,
    page_errors,
    page_of_path,
    split_page_id,
    validate,
    visible_pages,
    visible_steps,
)
from openkommune.submissions import selectors, services
from openkommune.submissions.models import Application, Draft
from openkommune.submissions.references import normalise_reference

SESSION_DRAFTS = "openkommune.submissions.services.drafts"
SESSION_APPLICATIONS = "openkommune.submissions.applications"
# A browser rarely holds more than a handful; the oldest grants go first beyond this.
MAX_GRANTS = 20
# Value of the hidden `_return` field: after "Ändern" on the check page, go back there.
RETURN_TO_CHECK = "pruefen"


def _grant(request: HttpRequest, key: str, name: str, token: str) -> None:
    grants = dict(request.session.get(key, {}))
    grants.pop(name, None)
    grants[name] = token
    while len(grants) > MAX_GRANTS:
        grants.pop(next(iter(grants)))
    request.session[key] = grants


def grant_draft(request: HttpRequest, draft: Draft, token: str | None) -> None:
    """Bind an anonymous draft to this browser session (after start or resume)."""
    if token:
        _grant(request, SESSION_DRAFTS, str(draft.public_id), token)


def grant_application(request: HttpRequest, application: Application) -> None:
    """Let this session see the receipt and status of an anonymous application."""
    token = services.application_status_token(application)
    if token:
        _grant(request, SESSION_APPLICATIONS, application.reference, token)


def draft_for_request(request: HttpRequest, public_id) -> Draft:
    """The draft if this request is its applicant's. Raises `Draft.DoesNotExist` for anyone
    else (the page answers 404) and `DraftExpired` when the session's link ran out."""
    if request.user.is_authenticated:
        try:
            return selectors.draft_get_for_user(user=request.user, public_id=public_id)
        except Draft.DoesNotExist:
            pass
    token = request.session.get(SESSION_DRAFTS, {}).get(str(public_id))
    if not token:
        raise Draft.DoesNotExist("No such draft.")
    return selectors.draft_get_by_token(public_id=public_id, token=token)


def application_for_request(request: HttpRequest, reference: str) -> tuple[Application, str]:
    """The application if this request is its applicant's, and the token to repeat in links
    on the page ("" when the user or the session is the credential). Each credential is
    tried in turn; `DoesNotExist` when none fits."""
    token = request.GET.get("token", "")
    if token:
        try:
            application = selectors.application_get_for_applicant(reference=reference, token=token)
            return application, token
        except Application.DoesNotExist:
            pass
    if request.user.is_authenticated:
        try:
            application = selectors.application_get_for_applicant(
                reference=reference, user=request.user
            )
            return application, ""
        except Application.DoesNotExist:
            pass
    normalised = normalise_reference(reference) or ""
    remembered = request.session.get(SESSION_APPLICATIONS, {}).get(normalised)
    if not remembered:
        raise Application.DoesNotExist("No such application.")
    application = selectors.application_get_for_applicant(reference=reference, token=remembered)
    return application, ""


# --- pages -----------------------------------------------------------------------------
# The screens of a form are the engine's pages (forms.engine.pages): the shown steps, each
# cut by the page-length rule where it asks too much. Page ids are what the step URL carries.


def steps_of(definition: Definition, data) -> list[Page]:
    """The screens of the form for these answers: the pages of the shown steps, without the
    steps the check page carries (declarations, `Step.on_check_page`)."""
    return [
        page
        for page in visible_pages(definition, data, today=timezone.localdate())
        if not page.on_check_page
    ]


def check_page_steps(definition: Definition, data) -> list[Step]:
    """The shown steps of declarations: the check page asks them above its submit button."""
    return [
        step
        for step in visible_steps(definition, data, today=timezone.localdate())
        if step.on_check_page
    ]


def neighbour(steps: list[Page], step_id: str, offset: int) -> Page | None:
    ids = [step.id for step in steps]
    if step_id not in ids:
        return None
    index = ids.index(step_id) + offset
    return steps[index] if 0 <= index < len(steps) else None


def resume_step(definition: Definition, draft: Draft) -> str:
    """Where a returning applicant continues: the page last saved if still shown (else the
    first shown page of its step), else the first shown page."""
    pages = steps_of(definition, draft.data)
    ids = [page.id for page in pages]
    if draft.current_step in ids:
        return draft.current_step
    step_id = split_page_id(draft.current_step or "")[0]
    same_step = [page.id for page in pages if page.step_id == step_id]
    if same_step:
        return same_step[0]
    return ids[0] if ids else definition.steps[0].id


def continue_at(definition: Definition, draft: Draft) -> str | None:
    """Where a returning applicant goes on: the first shown page that still lacks an answer
    or holds a wrong one; None when every page is complete (then: the check page)."""
    errors = validate(definition, draft.data, today=timezone.localdate()).errors
    for page in steps_of(definition, draft.data):
        if page_errors(definition, page, errors):
            return page.id
    return None


def page_for_path(definition: Definition, pages: list[Page], path: str) -> str | None:
    """The id of the page asking the answer at `path` ("Ändern" on the check page)."""
    page = page_of_path(definition, pages, path)
    return page.id if page is not None else None


def error_links(definition: Definition, errors: dict[str, list[str]], step_url, data=None) -> list:
    """(href, message) for errors of the whole form (check page): each links to its page
    and field; `step_url(page_id)` builds the page's address."""
    entries = []
    pages = steps_of(definition, data or {})
    for path, messages in errors.items():
        top = path.split(".", 1)[0]
        location = definition.locations.get(top)
        if location is None:
            entries.extend(("#fehlerzusammenfassung", message) for message in messages)
            continue
        step = definition.step(location.step_id)
        if step.on_check_page:  # asked on the check page itself
            entries.extend((f"#{field_dom_id(path)}", message) for message in messages)
            continue
        target = page_for_path(definition, pages, path) or step.id
        href = f"{step_url(target)}?zurueck={RETURN_TO_CHECK}#{field_dom_id(path)}"
        entries.extend((href, f"{step.title}: {message}") for message in messages)
    return entries


def string_values(data):
    """Every string in (cleaned) data, e.g. to find the attachment ids it refers to."""
    if isinstance(data, dict):
        for value in data.values():
            yield from string_values(value)
    elif isinstance(data, list):
        for value in data:
            yield from string_values(value)
    elif isinstance(data, str):
        yield data
