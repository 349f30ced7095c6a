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
from openkommune.servicedesk import selectors, services
from openkommune.servicedesk.constants import PAGE_SIZE
from openkommune.servicedesk.forms import ReplyForm, TicketForm, UpdateForm
from openkommune.servicedesk.models import Ticket
from openkommune.tenancy.selectors import acts_for_cooperative, current_tenant


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
    return render(request, "servicedesk/list.html", {"page": page, "sort": sort, "staff": staff})


@logged_in_page
def ticket_new(request):
    tenant = current_tenant(request)
    if tenant is None or acts_for_cooperative(request.user):
        raise PermissionDenied(_("Tickets eröffnen die Mitglieder."))
    form = TicketForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = services.ticket_open(tenant=tenant, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return redirect("servicedesk:detail", public_id=ticket.public_id)
    return render(request, "servicedesk/new.html", {"form": form})


@logged_in_page
def ticket_detail(request, public_id):
    staff = acts_for_cooperative(request.user)
    try:
        ticket = selectors.ticket_get(
            user=request.user, tenant=current_tenant(request), public_id=public_id
        )
    except Ticket.DoesNotExist:
        raise Http404(_("Dieses Ticket gibt es nicht.")) from None
    reply_form = ReplyForm(request.POST if "antworten" in request.POST else None)
    update_form = UpdateForm(
        request.POST if "aendern" in request.POST else None,
        initial={"status": ticket.status, "team": ticket.team, "priority": ticket.priority},
    )
    if request.method == "POST":
        try:
            if "antworten" in request.POST and reply_form.is_valid():
                services.ticket_reply(
                    ticket=ticket,
                    actor=request.user,
                    body=reply_form.cleaned_data["body"],
                    internal=staff and reply_form.cleaned_data["internal"],
                )
                return redirect("servicedesk:detail", public_id=ticket.public_id)
            if "aendern" in request.POST and staff and update_form.is_valid():
                services.ticket_update(
                    ticket=ticket, actor=request.user, **update_form.cleaned_data
                )
                return redirect("servicedesk:detail", public_id=ticket.public_id)
        except ValidationError as error:
            _add_errors(reply_form if "antworten" in request.POST else update_form, error)
    context = {
        "ticket": ticket,
        "staff": staff,
        "sla": selectors.ticket_sla(ticket),
        "messages_list": selectors.ticket_messages(ticket=ticket, staff=staff),
        "reply_form": reply_form,
        "update_form": update_form if staff else None,
    }
    return render(request, "servicedesk/detail.html", context)


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
    context = {"members": members, "month": f"{year:04d}-{month:02d}", "staff": staff}
    return render(request, "servicedesk/report.html", context)
