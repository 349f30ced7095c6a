"""Preview a version as a citizen (ADR 0024): its screens with the engine's own rendering,
for a chosen member (its fee, contact and notes for the form's Leistung). Answers live in
the staff member's session only; nothing is submitted or stored."""

from __future__ import annotations

import copy

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.shortcuts import redirect, render

from openkommune.accounts.access import cooperative_staff_page
from openkommune.forms.engine import apply_repeat_action, parse_step_post, validate
from openkommune.forms.selectors import version_definition
from openkommune.studio.preview_pages import PREVIEW_TEMPLATE, preview_context, preview_screens
from openkommune.studio.views.editor import version_or_404
from openkommune.tenancy.selectors import organisation_get


def _session_key(version) -> str:
    return f"studio_vorschau_{version.pk}"


def _member(request):
    public_id = request.GET.get("mitglied") or request.POST.get("mitglied") or ""
    if not public_id:
        return None
    try:
        return organisation_get(public_id=public_id)
    except (ObjectDoesNotExist, ValidationError, ValueError):
        return None


def _without_file_errors(definition, errors: dict) -> dict:
    """The preview uploads nothing (no application to attach files to): a required file
    field does not stop it."""
    files = {item.id for item in definition.items.values() if getattr(item, "type", "") == "file"}
    return {
        path: messages
        for path, messages in errors.items()
        if not any(segment in files for segment in path.split("."))
    }


@cooperative_staff_page
def preview(request, key: str, number: int):
    version = version_or_404(key, number)
    definition = version_definition(version)
    session_key = _session_key(version)
    data = copy.deepcopy(request.session.get(session_key, {}))
    member = _member(request)
    screens = preview_screens(definition, data)
    step_id = request.POST.get("_schritt") or request.GET.get("schritt") or screens[0].id
    if request.GET.get("neu"):
        request.session.pop(session_key, None)
        data = {}
    step = next((s for s in definition.steps if s.id == step_id), None)
    errors = {}
    done = request.GET.get("schritt") == "_pruefen"
    if request.method == "POST" and step is not None:
        data = {**data, **parse_step_post(definition, step.id, request.POST)}
        data, handled = apply_repeat_action(definition, data, request.POST)
        request.session[session_key] = data
        if not handled:
            errors = _without_file_errors(
                definition, validate(definition, data, step_id=step.id).errors
            )
            if not errors:
                screens = preview_screens(definition, data)
                ids = [s.id for s in screens]
                position = ids.index(step.id) if step.id in ids else len(ids) - 1
                target = ids[position + 1] if position + 1 < len(ids) else "_pruefen"
                query = f"?schritt={target}" + (f"&mitglied={member.public_id}" if member else "")
                return redirect(request.path + query)
    if done or step is None:
        step = None
    return render(
        request,
        PREVIEW_TEMPLATE,
        preview_context(
            version=version,
            definition=definition,
            step=step,
            data=data,
            errors=errors,
            member=member,
        ),
        status=422 if errors else 200,
    )
