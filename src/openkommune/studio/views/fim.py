"""FIM in the studio (docs/forms.md "FIM in the studio"): upload a Stammdatenschema, which
becomes a draft with its import report; the report page lists what was taken over and not.
A newer version of an imported schema shows its differences first and is applied (with the
studio's edits kept) only when confirmed."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from openkommune.accounts.access import cooperative_staff_page
from openkommune.core.forms import add_service_errors, render_form
from openkommune.forms.models import PendingFimImport
from openkommune.forms.selectors import form_version_import_counts, pending_fim_import_get
from openkommune.forms.services import fim_reimport_cancel
from openkommune.studio import services
from openkommune.studio.forms import FimUploadForm
from openkommune.studio.views.editor import version_or_404

REPORT_PAGE_SIZE = 50
KIND_LABELS = {
    "rule_applied": gettext_lazy("Regel übernommen"),
    "rule": gettext_lazy("Regel nicht übernommen"),
    "approximation": gettext_lazy("Annäherung"),
    "dropped": gettext_lazy("Ausgelassen"),
    "code_list": gettext_lazy("Codeliste fehlt"),
    "applicant": gettext_lazy("Antragsteller"),
    "reference": gettext_lazy("Rechtsbezug"),
}


@cooperative_staff_page
def fim_import(request):
    form = FimUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            version = services.studio_fim_import(
                actor=request.user,
                data=data["datei"].read(),
                leika_keys=data["leika_keys"],
                key=data["key"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if isinstance(version, PendingFimImport):
                return redirect("studio:fim_reimport", public_id=version.public_id)
            messages.success(
                request, _("Das Stammdatenschema ist als Entwurf angelegt. Hier der Importbericht.")
            )
            return redirect("studio:fim_report", key=version.form.key, number=version.number)
    return render_form(request, "studio/fim_upload.html", form)


CHANGE_LABELS = {
    "added": gettext_lazy("neu"),
    "removed": gettext_lazy("entfernt"),
    "changed": gettext_lazy("geändert"),
}
KIND_NAMES = {
    "step": gettext_lazy("Schritt"),
    "group": gettext_lazy("Gruppe"),
    "field": gettext_lazy("Feld"),
}


@cooperative_staff_page
def fim_reimport(request, public_id):
    """The differences of a newer schema version and the studio edits kept; confirm or
    discard."""
    try:
        pending = pending_fim_import_get(public_id=public_id)
    except PendingFimImport.DoesNotExist:
        raise Http404(_("Diesen Import gibt es nicht (mehr).")) from None
    if request.method == "POST":
        if request.POST.get("aktion") == "verwerfen":
            fim_reimport_cancel(actor=request.user, pending=pending)
            messages.info(request, _("Der Import ist verworfen; nichts geändert."))
            return redirect("studio:form", key=pending.form.key)
        try:
            version = services.studio_fim_reimport_confirm(actor=request.user, pending=pending)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("studio:fim_reimport", public_id=public_id)
        messages.success(
            request,
            _("Die neue Version des Schemas ist als Entwurf Version %(n)d übernommen.")
            % {"n": version.number},
        )
        return redirect("studio:fim_report", key=version.form.key, number=version.number)
    summary = pending.summary
    changes = [
        {
            **change,
            "change_label": CHANGE_LABELS.get(change["change"], change["change"]),
            "kind_label": KIND_NAMES.get(change["kind"], change["kind"]),
        }
        for change in summary.get("fim_changes", [])
    ]
    counts = {key: sum(1 for change in changes if change["change"] == key) for key in CHANGE_LABELS}
    return render(
        request,
        "studio/fim_reimport.html",
        {
            "pending": pending,
            "summary": summary,
            "changes": changes,
            "counts": counts,
            "rule_changes": summary.get("rule_changes", []),
        },
    )


@cooperative_staff_page
@require_GET
def fim_report(request, key: str, number: int):
    version = version_or_404(key, number)
    report = version.import_report or []
    counts = form_version_import_counts(version)
    kind = request.GET.get("art", "")
    kind = kind if kind in KIND_LABELS else ""
    order = {value: index for index, value in enumerate(KIND_LABELS)}
    shown = sorted(
        (entry for entry in report if not kind or entry["kind"] == kind),
        key=lambda entry: order.get(entry["kind"], len(order)),
    )
    page = Paginator(shown, REPORT_PAGE_SIZE).get_page(request.GET.get("seite"))
    for entry in page.object_list:
        entry["label"] = KIND_LABELS.get(entry["kind"], entry["kind"])
    return render(
        request,
        "studio/fim_report.html",
        {
            "version": version,
            "counts": counts,
            "summary": counts["rules_summary"],
            "page": page,
            "kind": kind,
            "kinds": [(value, label, counts.get(value, 0)) for value, label in KIND_LABELS.items()],
        },
    )
