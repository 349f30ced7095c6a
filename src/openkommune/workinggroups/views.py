"""Pages of the working groups. Every page below a group finds the group through
`selectors.group_get` (participants and staff only; anyone else gets 404, as for a group that
does not exist) and its meeting, file or decision through the group."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from openkommune.accounts.access import cooperative_staff_page, logged_in_page
from openkommune.core.files import download_response
from openkommune.core.forms import add_service_errors
from openkommune.core.uploads import limit_upload_size, oversized_uploads
from openkommune.tenancy.selectors import acts_for_cooperative
from openkommune.workinggroups import forms, ical, selectors, services
from openkommune.workinggroups.constants import PAGE_SIZE, MinutesStatus, VotingMode
from openkommune.workinggroups.models import Decision, GroupFile, Meeting, WorkingGroup


def _base_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _group(request, group_id) -> tuple[WorkingGroup, selectors.Access]:
    try:
        group = selectors.group_get(user=request.user, public_id=group_id)
    except WorkingGroup.DoesNotExist:
        raise Http404(_("Diesen Arbeitskreis gibt es nicht.")) from None
    return group, selectors.access(group=group, user=request.user)


def _managed_group(request, group_id) -> tuple[WorkingGroup, selectors.Access]:
    group, rights = _group(request, group_id)
    if not rights.manages:
        raise PermissionDenied(_("Das dürfen nur der Vorsitz und die Genossenschaft."))
    return group, rights


def _part(queryset, public_id, message):
    try:
        return queryset.get(public_id=public_id)
    except (queryset.model.DoesNotExist, ValidationError, ValueError):
        # A malformed id (from a query string) is as missing as an unknown one.
        raise Http404(message) from None


def _meeting(group, meeting_id) -> Meeting:
    return _part(group.meetings.all(), meeting_id, _("Diese Sitzung gibt es nicht."))


def _confirm(request, *, title, text, confirm, cancel_url):
    return render(
        request,
        "workinggroups/confirm.html",
        {"title": title, "text": text, "confirm": confirm, "cancel_url": cancel_url},
    )


def _run(request, action, *, success: str = "") -> bool:
    """Run a service call of a button; its refusal becomes an error message on the page."""
    try:
        action()
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return False
    if success:
        messages.success(request, success)
    return True


# --- groups -------------------------------------------------------------------------------


@logged_in_page
@require_GET
def group_list(request):
    rows = selectors.group_list(user=request.user)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("seite"))
    staff = acts_for_cooperative(request.user)
    return render(request, "workinggroups/group_list.html", {"page": page, "staff": staff})


def _group_form_save(request, form, group=None):
    data = form.cleaned_data
    fields = {
        "name": data["name"],
        "description": data["description"],
        "vote_visibility": data["vote_visibility"],
        "quorum": data["quorum"],
    }
    try:
        if group is None:
            return services.group_create(
                actor=request.user,
                contracts=data["contracts"],
                fachverfahren=data["fachverfahren"],
                **fields,
            )
        return services.group_update(
            group=group,
            actor=request.user,
            contracts=data["contracts"],
            fachverfahren=data["fachverfahren"],
            **fields,
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return None


@cooperative_staff_page
@require_http_methods(["GET", "POST"])
def group_create(request):
    form = forms.GroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        group = _group_form_save(request, form)
        if group is not None:
            messages.success(request, _("Der Arbeitskreis ist angelegt."))
            return redirect("workinggroups:group_detail", group_id=group.public_id)
    return render(request, "workinggroups/group_form.html", {"form": form, "group": None})


@cooperative_staff_page
@require_http_methods(["GET", "POST"])
def group_edit(request, group_id):
    group, _rights = _group(request, group_id)
    initial = {
        "name": group.name,
        "description": group.description,
        "vote_visibility": group.vote_visibility,
        "quorum": group.quorum,
        "contracts": list(group.contracts.all()),
        "fachverfahren": list(group.fachverfahren.all()),
    }
    form = forms.GroupForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid() and _group_form_save(request, form, group):
        messages.success(request, _("Der Arbeitskreis ist gespeichert."))
        return redirect("workinggroups:group_detail", group_id=group.public_id)
    return render(request, "workinggroups/group_form.html", {"form": form, "group": group})


@logged_in_page
@require_GET
def group_detail(request, group_id):
    group, rights = _group(request, group_id)
    token = selectors.calendar_token_of(user=request.user)
    context = {
        "group": group,
        "rights": rights,
        "participants": selectors.participant_list(group=group),
        "upcoming": selectors.meetings_upcoming(group=group)[:5],
        "past": Paginator(selectors.meetings_past(group=group), PAGE_SIZE).get_page(
            request.GET.get("seite")
        ),
        "decisions": selectors.decision_list(group=group)[:5],
        "files": selectors.file_list(group=group)[:5],
        "contracts": group.contracts.order_by("number"),
        "fachverfahren": group.fachverfahren.order_by("name"),
        "group_feed": request.build_absolute_uri(
            reverse(
                "workinggroups:group_feed", kwargs={"token": token, "group_id": group.public_id}
            )
        )
        if token
        else "",
    }
    return render(request, "workinggroups/group_detail.html", context)


# --- participants ---------------------------------------------------------------------------


@cooperative_staff_page
@require_http_methods(["GET", "POST"])
def participants(request, group_id):
    group, _rights = _group(request, group_id)
    form = forms.ParticipantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.participant_add(group=group, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Die Teilnahme ist gespeichert."))
            return redirect("workinggroups:participants", group_id=group.public_id)
    context = {
        "group": group,
        "form": form,
        "participants": selectors.participant_list(group=group),
    }
    return render(request, "workinggroups/participants.html", context)


@cooperative_staff_page
@require_http_methods(["GET", "POST"])
def participant_remove(request, group_id, participant_id):
    group, _rights = _group(request, group_id)
    participant = _part(
        selectors.participant_list(group=group), participant_id, _("Diese Person nimmt nicht teil.")
    )
    back = reverse("workinggroups:participants", kwargs={"group_id": group.public_id})
    if request.method == "POST":
        services.participant_remove(participant=participant, actor=request.user)
        messages.success(request, _("Die Person nimmt nicht mehr teil."))
        return redirect(back)
    return _confirm(
        request,
        title=_("Teilnahme wirklich beenden?"),
        text=_(
            "%(person)s sieht den Arbeitskreis danach nicht mehr. Abgegebene Stimmen und die "
            "Anwesenheit in früheren Sitzungen bleiben erhalten."
        )
        % {"person": participant},
        confirm=_("Ja, Teilnahme beenden"),
        cancel_url=back,
    )


# --- meetings -------------------------------------------------------------------------------


def _meeting_fields(data) -> dict:
    return {
        "title": data["title"],
        "starts_at": data["starts_at"],
        "ends_at": data["ends_at"],
        "location": data["location"],
    }


@logged_in_page
@require_http_methods(["GET", "POST"])
def meeting_plan(request, group_id):
    group, _rights = _managed_group(request, group_id)
    form = forms.MeetingPlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_plan(
                group=group,
                actor=request.user,
                agenda=form.cleaned_data["agenda"].splitlines(),
                **_meeting_fields(form.cleaned_data),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Die Sitzung ist geplant."))
            return redirect(
                "workinggroups:meeting_detail",
                group_id=group.public_id,
                meeting_id=meeting.public_id,
            )
    return render(
        request, "workinggroups/meeting_form.html", {"form": form, "group": group, "meeting": None}
    )


@logged_in_page
@require_http_methods(["GET", "POST"])
def meeting_edit(request, group_id, meeting_id):
    group, _rights = _managed_group(request, group_id)
    meeting = _meeting(group, meeting_id)
    form = forms.MeetingForm(
        request.POST or None,
        initial={
            "title": meeting.title,
            "starts_at": meeting.starts_at,
            "ends_at": meeting.ends_at,
            "location": meeting.location,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_update(
                meeting=meeting, actor=request.user, **_meeting_fields(form.cleaned_data)
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Die Sitzung ist geändert."))
            return redirect(
                "workinggroups:meeting_detail",
                group_id=group.public_id,
                meeting_id=meeting.public_id,
            )
    return render(
        request,
        "workinggroups/meeting_form.html",
        {"form": form, "group": group, "meeting": meeting},
    )


@logged_in_page
@require_http_methods(["GET", "POST"])
def meeting_detail(request, group_id, meeting_id):
    group, rights = _group(request, group_id)
    meeting = _meeting(group, meeting_id)
    participants = list(selectors.participant_list(group=group))
    attendance = selectors.attendance_map(meeting=meeting)
    agenda_form = forms.AgendaItemForm(request.POST if "tagesordnung" in request.POST else None)
    attendance_form = forms.AttendanceForm(
        request.POST if "anwesenheit" in request.POST else None,
        participants=participants,
        initial={"present": [str(pk) for pk, here in attendance.items() if here]},
    )
    minutes_form = forms.MinutesForm(
        request.POST if "protokoll" in request.POST else None,
        initial={"minutes": meeting.minutes},
    )
    if request.method == "POST":
        if not rights.manages:
            raise PermissionDenied(_("Das dürfen nur der Vorsitz und die Genossenschaft."))
        here = redirect(
            "workinggroups:meeting_detail", group_id=group.public_id, meeting_id=meeting.public_id
        )
        if "tagesordnung" in request.POST and agenda_form.is_valid():
            try:
                services.agenda_item_add(
                    meeting=meeting, actor=request.user, title=agenda_form.cleaned_data["title"]
                )
                return here
            except ValidationError as error:
                add_service_errors(agenda_form, error)
        elif "anwesenheit" in request.POST and attendance_form.is_valid():
            present = {int(pk) for pk in attendance_form.cleaned_data["present"]}
            if _run(
                request,
                lambda: services.attendance_record(
                    meeting=meeting, actor=request.user, present=present
                ),
                success=_("Die Anwesenheit ist erfasst."),
            ):
                return here
        elif "protokoll" in request.POST and minutes_form.is_valid():
            try:
                services.minutes_save(
                    meeting=meeting, actor=request.user, text=minutes_form.cleaned_data["minutes"]
                )
                messages.success(request, _("Das Protokoll ist gespeichert."))
                return here
            except ValidationError as error:
                add_service_errors(minutes_form, error)
    context = {
        "group": group,
        "rights": rights,
        "meeting": meeting,
        "agenda": meeting.agenda_items.all(),
        "attendance": [(p, attendance.get(p.pk)) for p in participants],
        "attendance_recorded": bool(attendance),
        "agenda_form": agenda_form,
        "attendance_form": attendance_form,
        "minutes_form": minutes_form,
        "decisions": meeting.decisions.select_related("contract", "agenda_item"),
        "files": meeting.files.all(),
        "may_approve": rights.manages
        and meeting.minutes_status == MinutesStatus.DRAFT
        and meeting.minutes_written_by_id != request.user.pk,
    }
    return render(request, "workinggroups/meeting_detail.html", context)


def _meeting_action(request, group_id, meeting_id, *, action, title, text, confirm, success):
    group, _rights = _managed_group(request, group_id)
    meeting = _meeting(group, meeting_id)
    back = reverse(
        "workinggroups:meeting_detail",
        kwargs={"group_id": group.public_id, "meeting_id": meeting.public_id},
    )
    if request.method == "POST":
        _run(request, lambda: action(meeting), success=success(meeting) if success else "")
        return redirect(back)
    return _confirm(request, title=title, text=text(meeting), confirm=confirm, cancel_url=back)


@logged_in_page
@require_http_methods(["GET", "POST"])
def meeting_invite(request, group_id, meeting_id):
    sent: list[int] = []

    def invite(meeting):
        sent.append(
            services.meeting_invite(
                meeting=meeting, actor=request.user, base_url=_base_url(request)
            )
        )

    group, _rights = _managed_group(request, group_id)
    count = selectors.participant_list(group=group).count()
    response = _meeting_action(
        request,
        group_id,
        meeting_id,
        action=invite,
        title=_("Einladung versenden?"),
        text=lambda m: (
            _(
                "Alle Teilnehmenden, die zu „%(title)s“ noch nicht eingeladen sind, erhalten "
                "eine E-Mail mit Termin, Ort, Tagesordnung und einer Kalenderdatei "
                "(%(count)s Teilnehmende im Arbeitskreis)."
            )
            % {"title": m.title, "count": count}
        ),
        confirm=_("Einladung versenden"),
        success=None,
    )
    if sent:
        messages.success(
            request,
            _("Einladungen versendet: %(count)s.") % {"count": sent[0]}
            if sent[0]
            else _("Alle Teilnehmenden sind schon eingeladen."),
        )
    return response


@logged_in_page
@require_http_methods(["GET", "POST"])
def meeting_cancel(request, group_id, meeting_id):
    return _meeting_action(
        request,
        group_id,
        meeting_id,
        action=lambda m: services.meeting_cancel(meeting=m, actor=request.user),
        title=_("Sitzung wirklich absagen?"),
        text=lambda m: (
            _("„%(title)s“ wird abgesagt; in den abonnierten Kalendern erscheint sie als abgesagt.")
            % {"title": m.title}
        ),
        confirm=_("Ja, Sitzung absagen"),
        success=lambda m: _("Die Sitzung ist abgesagt."),
    )


@logged_in_page
@require_http_methods(["GET", "POST"])
def minutes_approve(request, group_id, meeting_id):
    return _meeting_action(
        request,
        group_id,
        meeting_id,
        action=lambda m: services.minutes_approve(meeting=m, actor=request.user),
        title=_("Protokoll genehmigen?"),
        text=lambda m: (
            _(
                "Das Protokoll von „%(title)s“ wird genehmigt und kann danach nicht mehr geändert "
                "werden."
            )
            % {"title": m.title}
        ),
        confirm=_("Protokoll genehmigen"),
        success=lambda m: _("Das Protokoll ist genehmigt."),
    )


@logged_in_page
@require_http_methods(["GET", "POST"])
def agenda_item_remove(request, group_id, meeting_id, item_id):
    group, _rights = _managed_group(request, group_id)
    meeting = _meeting(group, meeting_id)
    item = _part(meeting.agenda_items.all(), item_id, _("Diesen Tagesordnungspunkt gibt es nicht."))
    back = reverse(
        "workinggroups:meeting_detail",
        kwargs={"group_id": group.public_id, "meeting_id": meeting.public_id},
    )
    if request.method == "POST":
        _run(
            request,
            lambda: services.agenda_item_remove(item=item, actor=request.user),
            success=_("Der Tagesordnungspunkt ist entfernt."),
        )
        return redirect(back)
    return _confirm(
        request,
        title=_("Tagesordnungspunkt wirklich entfernen?"),
        text=_("„%(item)s“ wird von der Tagesordnung genommen; die späteren Punkte rücken auf.")
        % {"item": item},
        confirm=_("Ja, entfernen"),
        cancel_url=back,
    )


@logged_in_page
@require_GET
def meeting_ics(request, group_id, meeting_id):
    group, _rights = _group(request, group_id)
    meeting = _meeting(group, meeting_id)
    url = request.build_absolute_uri(
        reverse(
            "workinggroups:meeting_detail",
            kwargs={"group_id": group.public_id, "meeting_id": meeting.public_id},
        )
    )
    content = ical.calendar([meeting], name=group.name, urls={meeting.public_id: url})
    return download_response(
        filename="sitzung.ics", content_type="text/calendar; charset=utf-8", content=content
    )


# --- files ----------------------------------------------------------------------------------


@limit_upload_size
@logged_in_page
@require_http_methods(["GET", "POST"])
def file_list(request, group_id):
    group, rights = _group(request, group_id)
    # Bound on every POST: a post of only a file has an empty request.POST.
    posted = request.method == "POST"
    form = forms.FileForm(request.POST if posted else None, request.FILES if posted else None)
    meeting = None
    if request.GET.get("sitzung"):
        meeting = _meeting(group, request.GET["sitzung"])
    if request.method == "POST":
        if not rights.uploads:
            raise PermissionDenied(_("Gäste können keine Dateien hochladen."))
        refused = oversized_uploads(request)
        if refused:
            form.add_error("file", services.too_large(next(iter(refused.values()))).message)
        elif form.is_valid():
            try:
                services.file_upload(
                    group=group,
                    actor=request.user,
                    uploaded_file=form.cleaned_data["file"],
                    title=form.cleaned_data["title"],
                    meeting=meeting,
                )
            except services.UploadRejected as error:
                form.add_error("file", error.message)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Die Datei ist hochgeladen und geprüft."))
                return redirect(request.get_full_path())
    page = Paginator(selectors.file_list(group=group), PAGE_SIZE).get_page(request.GET.get("seite"))
    context = {"group": group, "rights": rights, "form": form, "page": page, "meeting": meeting}
    return render(request, "workinggroups/files.html", context)


@logged_in_page
@require_GET
def file_download(request, group_id, file_id):
    group, _rights = _group(request, group_id)
    row = _part(group.files.all(), file_id, _("Diese Datei gibt es nicht."))
    return download_response(
        storage_name=row.storage_name, filename=row.original_name, content_type=row.content_type
    )


@logged_in_page
@require_http_methods(["GET", "POST"])
def file_delete(request, group_id, file_id):
    group, _rights = _group(request, group_id)
    row: GroupFile = _part(group.files.all(), file_id, _("Diese Datei gibt es nicht."))
    back = reverse("workinggroups:files", kwargs={"group_id": group.public_id})
    if request.method == "POST":
        services.file_delete(file=row, actor=request.user)
        messages.success(request, _("Die Datei ist gelöscht."))
        return redirect(back)
    rights = selectors.access(group=group, user=request.user)
    if not (rights.manages or row.uploaded_by_id == request.user.pk):
        raise PermissionDenied(_("Diese Datei dürfen Sie nicht löschen."))
    return _confirm(
        request,
        title=_("Datei wirklich löschen?"),
        text=_("„%(title)s“ wird endgültig gelöscht.") % {"title": row.title},
        confirm=_("Ja, Datei löschen"),
        cancel_url=back,
    )


# --- decisions ------------------------------------------------------------------------------


@logged_in_page
@require_GET
def decision_list(request, group_id):
    group, rights = _group(request, group_id)
    page = Paginator(selectors.decision_list(group=group), PAGE_SIZE).get_page(
        request.GET.get("seite")
    )
    return render(
        request, "workinggroups/decisions.html", {"group": group, "rights": rights, "page": page}
    )


@logged_in_page
@require_http_methods(["GET", "POST"])
def decision_create(request, group_id, meeting_id=None):
    group, _rights = _managed_group(request, group_id)
    meeting = _meeting(group, meeting_id) if meeting_id else None
    agenda_items = list(meeting.agenda_items.all()) if meeting else []
    form = forms.DecisionForm(request.POST or None, agenda_items=agenda_items)
    if meeting is None:
        form.fields["voting"].initial = VotingMode.ONLINE
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        item = None
        if data.get("agenda_item"):
            item = next((i for i in agenda_items if str(i.public_id) == data["agenda_item"]), None)
        try:
            decision = services.decision_open(
                group=group,
                actor=request.user,
                title=data["title"],
                text=data["text"],
                voting=data["voting"],
                meeting=meeting,
                agenda_item=item,
                contract=data["contract"],
                fachverfahren=data["fachverfahren"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Der Beschlussvorschlag ist zur Abstimmung gestellt."))
            return redirect(
                "workinggroups:decision_detail",
                group_id=group.public_id,
                decision_id=decision.public_id,
            )
    context = {"group": group, "meeting": meeting, "form": form}
    return render(request, "workinggroups/decision_form.html", context)


@logged_in_page
@require_http_methods(["GET", "POST"])
def decision_detail(request, group_id, decision_id):
    group, rights = _group(request, group_id)
    decision: Decision = _part(
        selectors.decision_list(group=group), decision_id, _("Diesen Beschluss gibt es nicht.")
    )
    vote_form = forms.VoteForm(request.POST if "abstimmen" in request.POST else None)
    counts_form = forms.CountsForm(request.POST if "ergebnis" in request.POST else None)
    link_form = forms.LinkForm(
        request.POST if "verknuepfen" in request.POST else None,
        initial={"contract": decision.contract, "fachverfahren": decision.fachverfahren},
    )
    here = reverse(
        "workinggroups:decision_detail",
        kwargs={"group_id": group.public_id, "decision_id": decision.public_id},
    )
    if request.method == "POST":
        if "abstimmen" in request.POST and vote_form.is_valid():
            try:
                services.vote_cast(
                    decision=decision, actor=request.user, choice=vote_form.cleaned_data["choice"]
                )
            except ValidationError as error:
                add_service_errors(vote_form, error)
            else:
                messages.success(request, _("Ihre Stimme ist gezählt."))
                return redirect(here)
        elif "ergebnis" in request.POST and counts_form.is_valid():
            try:
                services.decision_close(
                    decision=decision, actor=request.user, **counts_form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(counts_form, error)
            else:
                messages.success(request, _("Das Ergebnis ist festgestellt."))
                return redirect(here)
        elif "verknuepfen" in request.POST and link_form.is_valid():
            if not rights.manages:
                raise PermissionDenied(_("Das dürfen nur der Vorsitz und die Genossenschaft."))
            services.decision_link(decision=decision, actor=request.user, **link_form.cleaned_data)
            messages.success(request, _("Die Verknüpfungen sind gespeichert."))
            return redirect(here)
    context = {
        "group": group,
        "rights": rights,
        "decision": decision,
        "vote_form": vote_form,
        "counts_form": counts_form,
        "link_form": link_form,
        "has_voted": selectors.has_voted(decision=decision, participant=rights.participant),
        "named_votes": selectors.named_votes(decision=decision),
        "eligible": selectors.voting_participants(group=group).count(),
    }
    return render(request, "workinggroups/decision_detail.html", context)


@logged_in_page
@require_http_methods(["GET", "POST"])
def decision_close(request, group_id, decision_id):
    """Close an online vote (after a confirmation): the counts are those of the votes cast."""
    group, _rights = _managed_group(request, group_id)
    decision = _part(group.decisions.all(), decision_id, _("Diesen Beschluss gibt es nicht."))
    back = reverse(
        "workinggroups:decision_detail",
        kwargs={"group_id": group.public_id, "decision_id": decision.public_id},
    )
    if request.method == "POST":
        _run(
            request,
            lambda: services.decision_close(decision=decision, actor=request.user),
            success=_("Das Ergebnis ist festgestellt."),
        )
        return redirect(back)
    return _confirm(
        request,
        title=_("Abstimmung beenden?"),
        text=_(
            "Bisher haben %(count)s Stimmberechtigte abgestimmt. Danach kann niemand mehr "
            "abstimmen, und das Ergebnis steht fest."
        )
        % {"count": decision.votes.count()},
        confirm=_("Abstimmung beenden"),
        cancel_url=back,
    )


# --- calendar -------------------------------------------------------------------------------


@logged_in_page
@require_http_methods(["GET", "POST"])
def calendar_settings(request):
    token = selectors.calendar_token_of(user=request.user)
    if request.method == "POST" and token and "bestaetigt" not in request.POST:
        return render(request, "workinggroups/calendar_confirm.html")
    if request.method == "POST":
        services.calendar_token_reset(user=request.user)
        messages.success(
            request, _("Die Kalender-Adressen sind neu; die bisherigen funktionieren nicht mehr.")
        )
        return redirect("workinggroups:calendar")
    feed = (
        request.build_absolute_uri(reverse("workinggroups:personal_feed", kwargs={"token": token}))
        if token
        else ""
    )
    return render(request, "workinggroups/calendar.html", {"feed": feed, "token": token})


def _feed(meetings, *, name: str, request) -> HttpResponse:
    meetings = list(meetings)
    urls = {
        m.public_id: request.build_absolute_uri(
            reverse(
                "workinggroups:meeting_detail",
                kwargs={"group_id": m.group.public_id, "meeting_id": m.public_id},
            )
        )
        for m in meetings
    }
    response = HttpResponse(
        ical.calendar(meetings, name=name, urls=urls), content_type="text/calendar; charset=utf-8"
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def personal_feed(request, token):
    """The meetings of every group the token's person takes part in; no login (calendar
    programs cannot log in), the secret address is the key."""
    user = selectors.calendar_user(token=token)
    if user is None:
        raise Http404
    return _feed(
        selectors.feed_meetings(user=user),
        name=_("Arbeitskreise – %(name)s") % {"name": user.get_full_name() or user.email},
        request=request,
    )


@require_GET
def group_feed(request, token, group_id):
    user = selectors.calendar_user(token=token)
    if user is None:
        raise Http404
    try:
        group = selectors.group_get(user=user, public_id=group_id)
    except WorkingGroup.DoesNotExist:
        raise Http404 from None
    return _feed(selectors.feed_meetings(user=user, group=group), name=group.name, request=request)
