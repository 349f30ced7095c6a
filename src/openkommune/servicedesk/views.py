"""Pages of the support desk: the ticket list (members: their member's; staff: all), the
form to open a ticket and a ticket with its messages, replies, internal notes (staff) and the
staff's status, team and priority."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from openkommune.accounts.access import logged_in_page
from openkommune.core.files import download_response
from openkommune.core.uploads import limit_upload_size, oversized_uploads
from openkommune.servicedesk import notifications, report_export, selectors, services, uploads
from openkommune.servicedesk.constants import DONE_STATES, PAGE_SIZE
from openkommune.servicedesk.forms import (
    ReplyForm,
    SatisfactionForm,
    TicketForm,
    TimeEntryForm,
    UpdateForm,
)
from openkommune.servicedesk.models import Ticket, TicketAttachment
from openkommune.tenancy.selectors import acts_for_cooperative, current_tenant


def _files(request, form) -> list[uploads.CheckedFile] | None:
    """The form's file, checked and stored; None (with the error on the form) when refused."""
    refused = oversized_uploads(request)
    if "attachment" in refused:
        form.add_error(
            "attachment",
            _("Die Datei „%(name)s“ ist zu groß.") % {"name": refused["attachment"]},
        )
        return None
    uploaded = form.cleaned_data.get("attachment")
    if not uploaded:
        return []
    try:
        return [uploads.check_and_store(uploaded)]
    except ValidationError as error:
        form.add_error("attachment", error.messages)
        return None


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


@logged_in_page
def ticket_list(request):
    sort = request.GET.get("sortierung", "-eroeffnet")
    if sort not in selectors.SORTS:
        sort = "-eroeffnet"
    staff = acts_for_cooperative(request.user)
    tenant = current_tenant(request)
    if not staff and tenant is None:
        raise PermissionDenied(_("Der Servicedesk ist für Mitglieder der Genossenschaft."))
    rows = selectors.ticket_list(user=request.user, tenant=tenant, sort=sort)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("seite"))
    tickets = list(page.object_list)
    # The warnings before breach are the cooperative's working marks, not shown to members.
    marks = selectors.ticket_escalations(tickets=tickets) if staff else {}
    context = {
        "page": page,
        "rows": [(ticket, marks.get(ticket.pk, [])) for ticket in tickets],
        "sort": sort,
        "staff": staff,
    }
    return render(request, "servicedesk/list.html", context)


@limit_upload_size
@logged_in_page
def ticket_new(request):
    tenant = current_tenant(request)
    if tenant is None or acts_for_cooperative(request.user):
        raise PermissionDenied(_("Tickets eröffnen die Mitglieder."))
    form = TicketForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        files = _files(request, form)
        if files is not None:
            values = {k: v for k, v in form.cleaned_data.items() if k != "attachment"}
            try:
                ticket = services.ticket_open(
                    tenant=tenant, actor=request.user, files=files, **values
                )
            except ValidationError as error:
                uploads.discard(files)
                _add_errors(form, error)
            else:
                return redirect("servicedesk:detail", public_id=ticket.public_id)
    return render(request, "servicedesk/new.html", {"form": form})


@limit_upload_size
@logged_in_page
def ticket_detail(request, public_id):
    staff = acts_for_cooperative(request.user)
    try:
        ticket = selectors.ticket_get(
            user=request.user, tenant=current_tenant(request), public_id=public_id
        )
    except Ticket.DoesNotExist:
        raise Http404(_("Dieses Ticket gibt es nicht.")) from None
    replying = "antworten" in request.POST
    reply_form = ReplyForm(request.POST if replying else None, request.FILES if replying else None)
    update_form = UpdateForm(
        request.POST if "aendern" in request.POST else None,
        initial={
            "status": ticket.status,
            "team": ticket.team,
            "priority": ticket.priority,
            "assignee": ticket.assignee_id,
        },
    )
    time_form = TimeEntryForm(request.POST if "zeit" in request.POST else None)
    forms_by_button = {"antworten": reply_form, "aendern": update_form, "zeit": time_form}
    if request.method == "POST":
        try:
            if replying and reply_form.is_valid():
                files = _files(request, reply_form)
                if files is not None:
                    try:
                        services.ticket_reply(
                            ticket=ticket,
                            actor=request.user,
                            body=reply_form.cleaned_data["body"],
                            internal=staff and reply_form.cleaned_data["internal"],
                            files=files,
                        )
                    except ValidationError:
                        uploads.discard(files)
                        raise
                    return redirect("servicedesk:detail", public_id=ticket.public_id)
            if "aendern" in request.POST and staff and update_form.is_valid():
                services.ticket_update(
                    ticket=ticket, actor=request.user, **update_form.cleaned_data
                )
                return redirect("servicedesk:detail", public_id=ticket.public_id)
            if "zeit" in request.POST and staff and time_form.is_valid():
                services.time_entry_add(ticket=ticket, actor=request.user, **time_form.cleaned_data)
                return redirect("servicedesk:detail", public_id=ticket.public_id)
        except ValidationError as error:
            button = next((name for name in forms_by_button if name in request.POST), "antworten")
            _add_errors(forms_by_button[button], error)
    entries = selectors.ticket_time_entries(ticket=ticket)
    context = {
        "ticket": ticket,
        "staff": staff,
        "sla": selectors.ticket_sla(ticket),
        "messages_list": selectors.ticket_messages(ticket=ticket, staff=staff),
        "reply_form": reply_form,
        "update_form": update_form if staff else None,
        "time_form": time_form if staff else None,
        "time_entries": entries,
        "minutes_total": sum(entry.minutes for entry in entries),
        "escalations": selectors.ticket_escalations(tickets=[ticket]).get(ticket.pk, [])
        if staff
        else [],
        "satisfaction": selectors.ticket_satisfaction(ticket=ticket),
    }
    return render(request, "servicedesk/detail.html", context)


@logged_in_page
def attachment(request, public_id):
    """A file that came with a ticket's mail, for those who may see the ticket; sent as an
    attachment of unknown type (the sender's claimed type is not trusted)."""
    try:
        row = selectors.attachment_get(
            user=request.user, tenant=current_tenant(request), public_id=public_id
        )
    except TicketAttachment.DoesNotExist:
        raise Http404(_("Diese Datei gibt es nicht.")) from None
    return download_response(
        filename=row.filename,
        content_type="application/octet-stream",
        storage_name=row.storage_name,
    )


@logged_in_page
def report(request):
    """Monthly SLA report: staff every member's, members their own."""
    today = timezone.localdate()
    try:
        year, month = (int(part) for part in request.GET.get("monat", "").split("-"))
        if not (2000 <= year <= 2100 and 1 <= month <= 12):
            raise ValueError
    except ValueError:
        year, month = today.year, today.month
    staff = acts_for_cooperative(request.user)
    tenant = current_tenant(request)
    if not staff and tenant is None:
        raise PermissionDenied(_("Der Servicedesk ist für Mitglieder der Genossenschaft."))
    members = selectors.sla_report(user=request.user, tenant=tenant, year=year, month=month)
    label = f"{year:04d}-{month:02d}"
    fmt = request.GET.get("format")
    if fmt == "pdf":
        return report_export.pdf_response(members=members, month=label)
    if fmt == "xlsx":
        return report_export.xlsx_response(members=members, month=label)
    context = {"members": members, "month": label, "staff": staff}
    return render(request, "servicedesk/report.html", context)


def satisfaction(request, token):
    """The satisfaction question after closing, through the signed link of the e-mail (no
    login: the link is the credential; it shows only the ticket's number and subject)."""
    public_id = notifications.satisfaction_ticket_id(token)
    ticket = selectors.satisfaction_ticket(public_id=public_id) if public_id else None
    if ticket is None:
        return render(request, "servicedesk/satisfaction_invalid.html", status=404)
    answer = selectors.ticket_satisfaction(ticket=ticket)
    form = SatisfactionForm(request.POST or None)
    if answer is None and request.method == "POST" and form.is_valid():
        try:
            answer = services.satisfaction_answer(ticket=ticket, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return redirect("servicedesk:satisfaction", token=token)
    context = {
        "ticket": ticket,
        "form": form,
        "answer": answer,
        "open": ticket.status not in DONE_STATES,
    }
    return render(request, "servicedesk/satisfaction.html", context)
