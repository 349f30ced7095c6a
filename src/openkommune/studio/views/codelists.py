"""The code list library in the studio (docs/forms.md "Code list library"): the lists with
their versions, the upload of genericode files, and a field choosing a version."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from openkommune.accounts.access import cooperative_staff_page
from openkommune.core.forms import add_service_errors, render_form
from openkommune.forms.models import CodeList, CodeListVersion
from openkommune.forms.selectors import (
    code_list_get,
    code_list_list,
    code_list_version_choices,
    code_list_version_get,
    code_list_versions,
    forms_using_code_list,
)
from openkommune.forms.services import code_list_version_upload
from openkommune.studio import editing, services
from openkommune.studio.forms import CodeListUploadForm, LibraryCodeListForm
from openkommune.studio.views.editor import version_or_404

PAGE_SIZE = 25
ENTRIES_PAGE_SIZE = 100


@cooperative_staff_page
@require_GET
def code_list_index(request):
    page = Paginator(code_list_list(), PAGE_SIZE).get_page(request.GET.get("seite"))
    return render(request, "studio/codelists.html", {"page": page})


@cooperative_staff_page
def code_list_upload(request):
    form = CodeListUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["datei"]
        try:
            version, created = code_list_version_upload(
                actor=request.user, data=upload.read(), file_name=upload.name
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if created:
                messages.success(
                    request,
                    _("Version %(version)s der Codeliste ist in der Bibliothek.")
                    % {"version": version.version},
                )
            else:
                messages.info(
                    request,
                    _("Diese Version gibt es schon mit denselben Einträgen; nichts geändert."),
                )
            return redirect("studio:code_list_version", public_id=version.public_id)
    return render_form(request, "studio/codelist_upload.html", form)


@cooperative_staff_page
@require_GET
def code_list_detail(request, public_id):
    try:
        code_list = code_list_get(public_id=public_id)
    except CodeList.DoesNotExist:
        raise Http404(_("Diese Codeliste gibt es nicht.")) from None
    return render(
        request,
        "studio/codelist.html",
        {
            "code_list": code_list,
            "versions": code_list_versions(code_list=code_list),
            "used_by": forms_using_code_list(code_list=code_list),
        },
    )


@cooperative_staff_page
@require_GET
def code_list_version_detail(request, public_id):
    try:
        version = code_list_version_get(public_id=public_id)
    except CodeListVersion.DoesNotExist:
        raise Http404(_("Diese Version einer Codeliste gibt es nicht.")) from None
    page = Paginator(version.entries, ENTRIES_PAGE_SIZE).get_page(request.GET.get("seite"))
    return render(request, "studio/codelist_version.html", {"version": version, "page": page})


@cooperative_staff_page
def field_code_list(request, key: str, number: int, item_id: str):
    """A field of a draft chooses a code list version of the library."""
    version = version_or_404(key, number)
    if not version.is_editable:
        messages.error(
            request, _("Nur ein Entwurf lässt sich bearbeiten. Legen Sie einen neuen Entwurf an.")
        )
        return redirect("studio:version", key=key, number=number)
    try:
        item = editing.find(version.definition, item_id).item
    except editing.EditError:
        raise Http404(_("Dieses Element gibt es nicht.")) from None
    if item.get("kind") != "field" or item.get("type") in ("info", "file", "address"):
        raise Http404(_("Dieses Feld kann keine Codeliste nutzen."))
    form = LibraryCodeListForm(
        request.POST or None,
        versions=code_list_version_choices(),
        field=item,
        definition=version.definition,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.studio_field_use_code_list(
                actor=request.user,
                version=version,
                item_id=item_id,
                code_list_version=data["version"],
                field_type=data["field_type"],
                widget=data["widget"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Gespeichert."))
            response = redirect("studio:version", key=key, number=number)
            response["Location"] += f"#element-{item_id}"
            return response
    return render_form(
        request,
        "studio/codelist_choose.html",
        form,
        {"version": version, "item": item, "has_library": bool(form.versions)},
    )
