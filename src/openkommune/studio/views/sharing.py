"""Sharing forms between installations (ADR 0036, docs/forms.md "Sharing forms"): export a
form with all versions as one ZIP, import such a file as a new form of drafts."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openkommune.accounts.access import cooperative_staff_page
from openkommune.core.forms import add_service_errors, render_form
from openkommune.studio import services
from openkommune.studio.forms import FormImportForm
from openkommune.studio.views.editor import _form_or_404


@cooperative_staff_page
@require_POST
def form_export(request, key: str):
    form = _form_or_404(key)
    name, data = services.studio_form_export(actor=request.user, form=form)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@cooperative_staff_page
def form_import(request):
    form = FormImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            imported = services.studio_form_import(
                actor=request.user,
                data=form.cleaned_data["datei"].read(),
                key=form.cleaned_data["key"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "Das Formular ist mit %(n)d Versionen als Entwürfe übernommen. Eine andere "
                    "Person veröffentlicht es nach der Prüfung."
                )
                % {"n": imported.versions.count()},
            )
            return redirect("studio:form", key=imported.key)
    return render_form(request, "studio/form_import.html", form)
