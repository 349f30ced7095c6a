"""Pages of the member register. Thin: forms in, selectors and services out."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openkommune.accounts.access import login_or_redirect
from openkommune.core.forms import add_service_errors, render_form
from openkommune.members.forms import (
    BodiesForm,
    JoinForm,
    LeaveForm,
    RegisterFilterForm,
    RegisterImportForm,
)
from openkommune.members.io import MemberImportError, export_members, import_members
from openkommune.members.models import CooperativeMember, MembershipPeriod
from openkommune.members.selectors import (
    Viewer,
    current_period,
    member_count,
    member_get,
    member_list,
)
from openkommune.members.services import (
    may_name_bodies,
    member_bodies_set,
    member_join,
    member_leave,
)
from openkommune.members.services.demo_register import DEMO_NOTE
from openkommune.tenancy.models import Organisation
from openkommune.tenancy.selectors import acts_for_cooperative

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
        "may_name_bodies": request.user.is_authenticated and may_name_bodies(request.user, member),
        "may_record_leave": request.user.is_authenticated
        and acts_for_cooperative(request.user)
        and member.periods.filter(left_on__isnull=True).exists(),
        "demo_note": DEMO_NOTE,
    }
    return render(request, "members/detail.html", context)


def _body_candidates(member: CooperativeMember):
    """Active organisations that are no member of the register themselves and not named by
    another member; the member's current bodies are always offered."""
    named_elsewhere = CooperativeMember.bodies.through.objects.exclude(
        cooperativemember_id=member.pk
    ).values_list("organisation_id", flat=True)
    return (
        Organisation.objects.filter(is_active=True, is_cooperative=False)
        .exclude(pk__in=CooperativeMember.objects.values_list("organisation_id", flat=True))
        .exclude(pk__in=named_elsewhere)
        .order_by("name")
    )


@login_or_redirect
@require_http_methods(["GET", "POST"])
def member_bodies(request, public_id):
    """A member's administrators (and the cooperative) name the bodies that call off for it."""
    try:
        member = member_get(public_id=public_id, viewer=request.user)
    except CooperativeMember.DoesNotExist as error:
        raise Http404 from error
    if not may_name_bodies(request.user, member):
        raise PermissionDenied(
            _(
                "Abrufberechtigte Stellen benennt die Verwaltung des Mitglieds oder die "
                "Genossenschaft."
            )
        )
    candidates = _body_candidates(member)
    form = BodiesForm(
        request.POST or None,
        candidates=candidates,
        initial={"stellen": list(member.bodies.all())},
    )
    if request.method == "POST" and form.is_valid():
        try:
            member_bodies_set(
                actor=request.user, member=member, bodies=form.cleaned_data["stellen"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Die abrufberechtigten Stellen sind gespeichert."))
            return redirect("members:detail", public_id=member.public_id)
    return render_form(request, "members/bodies.html", form, {"member": member})


def _require_staff(request) -> None:
    if not acts_for_cooperative(request.user) or not request.user.is_authenticated:
        raise PermissionDenied(_("Nur Beschäftigte der Genossenschaft dürfen das Register ändern."))


@login_or_redirect
@require_http_methods(["GET", "POST"])
def member_join_page(request):
    """Staff record a join (a new member, or one that joins again) without a CSV import."""
    _require_staff(request)
    running = MembershipPeriod.objects.filter(left_on__isnull=True).values_list(
        "member__organisation_id", flat=True
    )
    candidates = (
        Organisation.objects.filter(is_active=True, is_cooperative=False)
        .exclude(pk__in=running)
        .order_by("name")
    )
    form = JoinForm(request.POST or None, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            period = member_join(
                actor=request.user,
                organisation=data["organisation"],
                joined_on=data["joined_on"],
                is_founding_member=data["is_founding_member"],
                shares_count=data["shares_count"],
                shares_amount=data["shares_amount"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Der Beitritt ist eingetragen."))
            return redirect("members:detail", public_id=period.member.public_id)
    return render_form(request, "members/join.html", form)


@login_or_redirect
@require_http_methods(["GET", "POST"])
def member_leave_page(request, public_id):
    """Staff record a leave; the form says what follows (no more call-offs from that day)."""
    _require_staff(request)
    try:
        member = member_get(public_id=public_id, viewer=request.user)
    except CooperativeMember.DoesNotExist as error:
        raise Http404 from error
    form = LeaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member_leave(
                actor=request.user,
                member=member,
                left_on=form.cleaned_data["left_on"],
                reason=form.cleaned_data["reason"].strip(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Der Austritt ist eingetragen."))
            return redirect("members:detail", public_id=member.public_id)
    return render_form(request, "members/leave.html", form, {"member": member})
