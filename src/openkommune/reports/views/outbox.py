"""The cooperative's page of e-mails the platform could not send (issue 19: the docs sent
staff to the Django admin, which refuses them). Failed after every retry, or without an
address; staff start a new round per e-mail (`core.outbox.retry`, audited), after fixing the
cause (e.g. the supplier's address)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from openkommune.accounts.access import logged_in_page
from openkommune.core import outbox
from openkommune.core.models import OutboxMail, OutboxStatus
from openkommune.tenancy.selectors import user_is_cooperative_staff

PAGE_SIZE = 25
STUCK = (OutboxStatus.FAILED, OutboxStatus.NO_ADDRESS)
SORTS = {"neueste": "-created_at", "aelteste": "created_at", "art": "kind"}


def _require_staff(request) -> None:
    if not user_is_cooperative_staff(request.user):
        raise PermissionDenied(
            _("Diese Seite ist den Beschäftigten der Genossenschaft vorbehalten.")
        )


def _masked(address: str) -> str:
    name, _at, domain = (address or "").partition("@")
    return f"{name[:1]}…@{domain}" if domain else "–"


@require_GET
@logged_in_page
def outbox_list(request):
    _require_staff(request)
    status = request.GET.get("status", "")
    rows = OutboxMail.objects.filter(status__in=STUCK).select_related("tenant")
    if status in STUCK:
        rows = rows.filter(status=status)
    sort = request.GET.get("sortierung", "neueste")
    rows = rows.order_by(SORTS.get(sort, "-created_at"), "-id").prefetch_related("subject")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("seite"))
    entries = []
    for row in page:
        kind = outbox.kind_of(row)
        entries.append(
            {
                "row": row,
                "label": kind.label if kind else row.kind,
                "reference": (kind.reference(row) if kind and row.subject is not None else "")
                or "–",
                "to": _masked(row.recipient),
            }
        )
    context = {
        "page": page,
        "entries": entries,
        "status": status,
        "sort": sort,
        "statuses": [(s.value, s.label) for s in STUCK],
    }
    return render(request, "reports/outbox.html", context)


@require_POST
@logged_in_page
def outbox_retry(request, public_id):
    _require_staff(request)
    row = OutboxMail.objects.filter(public_id=public_id).first()
    if row is None:
        raise Http404(_("Diese E-Mail gibt es nicht."))
    row = outbox.retry(row, actor=request.user)
    if row.status == OutboxStatus.PENDING:
        messages.success(request, _("Die E-Mail wird erneut versucht."))
    else:
        messages.warning(
            request, _("Die E-Mail hat noch keine Empfängeradresse; bitte zuerst ergänzen.")
        )
    return redirect("reports:outbox")
