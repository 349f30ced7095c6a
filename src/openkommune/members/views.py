"""Pages of the member register. Thin: forms in, selectors and services out."""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from openkommune.members.forms import RegisterFilterForm, RegisterImportForm
from openkommune.members.io import MemberImportError, export_members, import_members
from openkommune.members.models import CooperativeMember
from openkommune.members.selectors import (
    Viewer,
    current_period,
    member_count,
    member_get,
    member_list,
)
from openkommune.members.services.demo_register import DEMO_NOTE

PAGE_SIZE = 25


def _register_context(request, *, import_form=None, import_errors=None, import_result=None):
    viewer = Viewer.of(request.user)
    form = RegisterFilterForm(request.GET or None)
    as_of = kind = None
    ordering = "name"
    if form.is_bound and form.is_valid():
        as_of = form.cleaned_data["stand"]
        kind = form.cleaned_data["art"] or None
        ordering = form.cleaned_data["sortierung"] or "name"
    members = member_list(viewer=request.user, as_of=as_of, kind=kind, ordering=ordering)
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("seite"))
    rows = [
        {
            "member": member,
            "period": current_period(member, as_of=as_of),
            "sees_shares": viewer.sees_shares(member),
            "contacts": viewer.visible_contacts(member),
        }
        for member in page
    ]
    return {
        "form": form,
        "page": page,
        "rows": rows,
        "as_of": as_of,
        "viewer": viewer,
        "members_today": member_count(),
        "has_demo": any(row["member"].is_demo for row in rows),
        "demo_note": DEMO_NOTE,
        "import_form": import_form or (RegisterImportForm() if viewer.is_staff else None),
        "import_errors": import_errors,
        "import_result": import_result,
    }


@require_GET
def register(request):
    return render(request, "members/register.html", _register_context(request))


@require_POST
def register_import(request):
    if not Viewer.of(request.user).is_staff:
        raise PermissionDenied
    form = RegisterImportForm(request.POST, request.FILES)
    errors = result = None
    status = 200
    if form.is_valid():
        try:
            result = import_members(
                actor=request.user,
                data=form.cleaned_data["datei"],
                dry_run=form.cleaned_data["nur_pruefen"],
            )
        except MemberImportError as error:
            errors = error.errors
            status = 422
    else:
        status = 422
    context = _register_context(
        request, import_form=form, import_errors=errors, import_result=result
    )
    return render(request, "members/register.html", context, status=status)


@require_GET
def register_export(request, fmt: str):
    if not Viewer.of(request.user).is_staff:
        raise PermissionDenied
    content_type = {
        "csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }[fmt]
    response = HttpResponse(export_members(fmt), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="mitgliederregister.{fmt}"'
    return response


@require_GET
def member_detail(request, public_id):
    try:
        member = member_get(public_id=public_id, viewer=request.user)
    except CooperativeMember.DoesNotExist as error:
        raise Http404 from error
    viewer = Viewer.of(request.user)
    context = {
        "member": member,
        "periods": list(member.periods.all()),
        "sees_shares": viewer.sees_shares(member),
        "sees_private": viewer.sees_private(member),
        "contacts": viewer.visible_contacts(member),
        "bodies": list(member.bodies.order_by("name")),
        "demo_note": DEMO_NOTE,
    }
    return render(request, "members/detail.html", context)
