"""The publish gate's runs (ADR 0036): start one, follow its progress, read its result. The
run itself is a job; these pages only queue and show it (progress without JavaScript by
reloading, with JavaScript updated every two seconds)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from openkommune.accounts.access import cooperative_staff_page
from openkommune.studio import services
from openkommune.studio.models import GateRun
from openkommune.studio.views.editor import version_or_404


def _run_or_404(version, run_id) -> GateRun:
    run = GateRun.objects.filter(version=version, public_id=run_id).first()
    if run is None:
        raise Http404
    return run


@cooperative_staff_page
@require_POST
def gate_start(request, key: str, number: int):
    version = version_or_404(key, number)
    try:
        run = services.gate_run_request(actor=request.user, version=version)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("studio:version", key=key, number=number)
    return redirect("studio:gate_run", key=key, number=number, run_id=run.public_id)


@cooperative_staff_page
@require_GET
def gate_run(request, key: str, number: int, run_id):
    version = version_or_404(key, number)
    run = _run_or_404(version, run_id)
    current = run.definition_sha256 == services.definition_sha256(version.definition)
    return render(
        request,
        "studio/gate_run.html",
        {"version": version, "run": run, "current": current},
    )


@cooperative_staff_page
@require_GET
def gate_run_state(request, key: str, number: int, run_id):
    version = version_or_404(key, number)
    run = _run_or_404(version, run_id)
    return JsonResponse(
        {
            "status": run.status,
            "status_label": str(run.get_status_display()),
            "finished": run.finished,
            "pages_done": run.pages_done,
            "pages_total": run.pages_total,
            "current_page": run.current_page,
        }
    )
