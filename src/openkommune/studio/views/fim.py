"""FIM in the studio (docs/forms.md "FIM in the studio"): upload a Stammdatenschema, which
becomes a draft with its import report; the report page lists what was taken over and not."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from openkommune.accounts.access import cooperative_staff_page
from openkommune.core.forms import add_service_errors, render_form
from openkommune.forms.selectors import form_version_import_counts
from openkommune.studio import services
from openkommune.studio.forms import FimUploadForm
from openkommune.studio.views.editor import version_or_404

REPORT_PAGE_SIZE = 50
KIND_LABELS = {
    "rule_applied": gettext_lazy("Regel übernommen"),
    "rule": gettext_lazy("Regel nicht übernommen"),
    "approximation": gettext_lazy("Annäherung"),
    "dropped": gettext_lazy("Ausgelassen"),
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
            messages.success(
                request, _("Das Stammdatenschema ist als Entwurf angelegt. Hier der Importbericht.")
            )
            return redirect("studio:fim_report", key=version.form.key, number=version.number)
    return render_form(request, "studio/fim_upload.html", form)


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
