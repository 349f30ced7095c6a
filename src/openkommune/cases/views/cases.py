"""Pages of the back office: the inbox and the case file (E-Akte) with its actions.

Only clerks and member administrators of the organisation the user acts for reach them;
anyone else logged in gets 404 (like a case that does not exist), anonymous visitors the
login page. The tenant comes from the membership (`TenantScopeMiddleware`), never from the
request. Thin: reads are `inbox`/`selectors`, changes are `services`.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from openkommune.accounts.access import back_office
from openkommune.cases import selectors, services
from openkommune.cases.constants import CaseStatus
from openkommune.cases.errors import CaseError
from openkommune.cases.forms.cases import (
    DIRECTION_ASC,
    DIRECTION_DESC,
    SORT_PARAM_FOR,
    AssignForm,
    DocumentForm,
    FollowUpForm,
    InboxFilterForm,
    NoteForm,
    TransitionForm,
    default_descending,
)
from openkommune.cases.models import Case, CaseDocument
from openkommune.cases.selectors import inbox as inbox_selectors
from openkommune.cases.selectors.history import history_entries
from openkommune.cases.selectors.inbox import FINISHED_STATUSES, Sort
from openkommune.cases.services.files import UploadRejected
from openkommune.cases.services.panels import case_panels
from openkommune.catalog.selectors import platform_form_title, service_activation_list
from openkommune.companies.selectors import on_behalf_of
from openkommune.core.files import download_response
from openkommune.forms.engine import answers
from openkommune.forms.selectors import version_definition
from openkommune.identity.constants import TrustLevel
from openkommune.identity.selectors import level_name
from openkommune.payments import selectors as payment_selectors
from openkommune.submissions import selectors as submission_selectors
from openkommune.submissions import services as submission_services
from openkommune.submissions.models import Attachment
from openkommune.submissions.services import download_name


def case_or_404(tenant, public_id) -> Case:
    """The organisation's case; 404 for another organisation's case as for a missing one."""
    try:
        return selectors.case_get(tenant=tenant, public_id=public_id)
    except Case.DoesNotExist:
        raise Http404(_("Diesen Vorgang gibt es nicht.")) from None


# --- inbox -----------------------------------------------------------------------------------


def _services(tenant) -> tuple[list[tuple[str, str]], dict[str, int]]:
    """The services the authority offers or offered online: (ozg_id, name) for the filter
    and ozg_id -> database id for the query."""
    activations = service_activation_list(tenant=tenant)
    # Named as in the inbox rows, e-mails and PDFs: the form's title where the platform has
    # a form ("Hundesteuer: …"), the catalogue's name only for a service without one.
    choices = sorted(
        (
            (a.ozg_leistung.ozg_id, platform_form_title(a.ozg_leistung) or a.ozg_leistung.name)
            for a in activations
        ),
        key=lambda choice: choice[1].lower(),
    )
    pks = {a.ozg_leistung.ozg_id: a.ozg_leistung_id for a in activations}
    return choices, pks


def _link(params: dict, **changes) -> str:
    merged = {**params, **changes}
    query = urlencode({k: v for k, v in merged.items() if v not in ("", None, False)})
    return f"?{query}" if query else "?"


def _kept_params(form: InboxFilterForm) -> dict:
    """The valid filter values as URL parameters (what links keep)."""
    data = form.valid_data()
    params = {}
    for name in ("q", "status", "leistung", "zuweisung", "sortierung", "richtung"):
        if data.get(name):
            params[name] = data[name]
    for name in ("ueberfaellig", "wiedervorlage"):
        if data.get(name):
            params[name] = "1"
    for name in ("von", "bis"):
        if data.get(name) and name not in form.errors:
            params[name] = data[name].isoformat()
    return params


def _sort_headers(params: dict, sort: str, descending: bool) -> dict:
    """For each sortable column: the link (toggles the direction when already active) and
    its `aria-sort` value ("" when the column is not the sort)."""
    headers = {}
    for key in Sort.ALL:
        active = key == sort
        next_descending = (not descending) if active else default_descending(key)
        direction = DIRECTION_DESC if next_descending else DIRECTION_ASC
        headers[key] = {
            "url": _link(params, sortierung=SORT_PARAM_FOR[key], richtung=direction, seite=""),
            "aria_sort": ("descending" if descending else "ascending") if active else "",
            # Visible too (aria-sort is only announced): an arrow beside the active column.
            "arrow": ("▼" if descending else "▲") if active else "",
            "next": _("absteigend") if next_descending else _("aufsteigend"),
        }
    return headers


@require_GET
@back_office
def inbox(request, *, tenant):
    service_choices, service_pks = _services(tenant)
    form = InboxFilterForm(request.GET, services=service_choices)
    filters = form.filters(service_pks=service_pks)
    sort, descending = form.sort()
    try:
        number = int(request.GET.get("seite", "1"))
    except ValueError:
        number = 1
    page = inbox_selectors.inbox_page(
        tenant=tenant,
        user=request.user,
        filters=filters,
        sort=sort,
        descending=descending,
        page=number,
    )
    params = _kept_params(form)
    without_status = {k: v for k, v in params.items() if k != "status"}
    status_tabs = [
        {
            "label": _("Alle"),
            "count": page.all_statuses_total,
            "url": _link(without_status),
            "current": not filters.status,
        }
    ] + [
        {
            "label": status.label,
            "count": page.status_counts.get(status.value, 0),
            "url": _link(without_status, status=status.value),
            "current": filters.status == status.value,
        }
        for status in CaseStatus
    ]
    filtered = bool({k for k in params if k not in ("sortierung", "richtung")})
    # The extra filters stay open while one of them is used or wrong.
    more = {"status", "leistung", "zuweisung", "ueberfaellig", "wiedervorlage", "von", "bis"}
    more_filters = bool(more & (set(params) | set(form.errors)))
    context = {
        "tenant": tenant,
        "form": form,
        "page": page,
        "today": timezone.localdate(),
        "finished_statuses": FINISHED_STATUSES,
        "status_tabs": status_tabs,
        "headers": _sort_headers(params, sort, descending),
        "previous_url": _link(params, seite=page.number - 1) if page.has_previous else "",
        "next_url": _link(params, seite=page.number + 1) if page.has_next else "",
        "mine_url": _link({}, zuweisung="mir"),
        "overdue_url": _link({}, ueberfaellig="1"),
        "follow_up_url": _link({}, wiedervorlage="1"),
        "filtered": filtered,
        "more_filters": more_filters,
        "reset_url": reverse("cases:inbox"),
    }
    return render(request, "cases/inbox.html", context)


# --- case file -------------------------------------------------------------------------------


def _optional_url(name: str, *args) -> str:
    """The URL of a page that may not exist in this installation yet; "" if it does not."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _related_links(case: Case) -> list[dict]:
    candidates = [
        (
            "messages-link",
            _("Nachrichten an die Antragstellerin/den Antragsteller"),
            "cases:messages",
        ),
        ("notice-link", _("Bescheide"), "cases:notice_create"),
        ("export-link", _("Vorgang exportieren (ZIP)"), "delivery:case_export"),
    ]
    links = []
    for dom_id, label, name in candidates:
        url = _optional_url(name, case.public_id)
        if url:
            links.append({"id": dom_id, "label": label, "url": url})
    return links


def _forms(request, case: Case, tenant, bound: dict | None = None) -> dict:
    """The action forms of the case page; `bound` replaces the one that was posted."""
    forms = {
        "assign_form": AssignForm(
            prefix="zuweisung", users=selectors.assignable_users(tenant=tenant)
        ),
        "transition_form": TransitionForm(prefix="status", current_status=case.status),
        "follow_up_form": FollowUpForm(
            prefix="wiedervorlage", initial={"follow_up_on": case.follow_up_on}
        ),
        "note_form": NoteForm(prefix="notiz"),
        "document_form": DocumentForm(prefix="dokument"),
    }
    if case.assigned_to_id:
        forms["assign_form"].initial = {"assignee": str(case.assigned_to_id)}
    forms.update(bound or {})
    return forms


def _identity_context(application, definition, names, day) -> dict | None:
    """How the applicant logged in (BundID level) and which answers came unchanged from the
    BundID account, for the clerk."""
    if not application.trust_level:
        return None
    verified = application.verified_fields or {}
    rows = []
    for section in answers(definition, application.data, file_names=names, today=day):
        for row in section.rows:
            levels = [
                item.get("level", 0)
                for path, item in verified.items()
                if path == row.path or path.startswith(row.path + ".")
            ]
            if levels:
                rows.append(
                    {"label": row.label, "text": row.text, "level": level_name(min(levels))}
                )
    return {
        "level": application.trust_level,
        "level_name": level_name(application.trust_level),
        "level_label": TrustLevel(application.trust_level).label,
        "rows": rows,
    }


def _render_case(request, case: Case, tenant, *, bound: dict | None = None, status=200):
    application = case.application
    today = timezone.localdate()
    attachments = submission_selectors.application_attachments(application=application)
    names = {str(a.public_id): a.download_name for a in attachments}
    definition = version_definition(application.form_version)
    submitted_day = timezone.localdate(application.submitted_at)
    failed = next((f for f in (bound or {}).values() if f.errors), None)
    context = {
        "tenant": tenant,
        "case": case,
        "application": application,
        "sections": answers(definition, application.data, file_names=names, today=submitted_day),
        "identity": _identity_context(application, definition, names, submitted_day),
        "form_title": definition.title,
        "attachments": attachments,
        "notes": selectors.case_notes(tenant=tenant, case=case).order_by("created_at", "id"),
        "documents": selectors.case_documents(tenant=tenant, case=case).order_by(
            "created_at", "id"
        ),
        "history": history_entries(selectors.case_events(tenant=tenant, case=case)),
        "today": today,
        "is_overdue": bool(
            case.due_on and case.due_on < today and case.status not in FINISHED_STATUSES
        ),
        "days_left": (case.due_on - today).days if case.due_on else None,
        "days_overdue": (today - case.due_on).days if case.due_on else None,
        "finished_statuses": FINISHED_STATUSES,
        "follow_up_due": bool(case.follow_up_on and case.follow_up_on <= today),
        "is_closed": case.status == CaseStatus.CLOSED,
        "related_links": _related_links(case),
        # The fee paid for it (payments app), with the way to refund it.
        "payment": payment_selectors.payment_for_application(application),
        # Its fee notices (pay later), where the member charges a fee for it or issued one.
        "fee_notices": payment_selectors.fee_notices_for_application(application),
        "fee_charged": payment_selectors.fee_schedule_for(
            tenant_id=tenant.pk, form_key=application.form_version.form.key
        )
        is not None,
        "failed_form": failed,
        # Filed with a company account: the company and the acting person (issue 15).
        "on_behalf": on_behalf_of(application),
        # What apps above cases show about it (a delivery to a Fachverfahren, fitconnect).
        "case_panels": case_panels(case),
        **_forms(request, case, tenant, bound),
    }
    return render(request, "cases/case_detail.html", context, status=status)


@require_GET
@back_office
def case_detail(request, public_id, *, tenant):
    return _render_case(request, case_or_404(tenant, public_id), tenant)


@require_GET
@back_office
def case_attachment(request, public_id, attachment_id, *, tenant):
    case = case_or_404(tenant, public_id)
    try:
        attachment = submission_selectors.attachment_get_for_application(
            application=case.application, public_id=attachment_id
        )
    except Attachment.DoesNotExist:
        raise Http404(_("Diese Datei gibt es nicht.")) from None
    return submission_services.attachment_response(attachment)


@require_GET
@back_office
def case_receipt(request, public_id, *, tenant):
    case = case_or_404(tenant, public_id)
    return submission_services.receipt_response(case.application)


@require_GET
@back_office
def case_document(request, public_id, document_id, *, tenant):
    case = case_or_404(tenant, public_id)
    try:
        document = selectors.case_document_get(tenant=tenant, case=case, public_id=document_id)
    except CaseDocument.DoesNotExist:
        raise Http404(_("Dieses Dokument gibt es nicht.")) from None
    return download_response(
        storage_name=document.storage_name,
        filename=download_name(document.original_name, document.content_type),
        content_type=document.content_type,
    )


def _back_to_case(case: Case, anchor: str):
    return redirect(f"{reverse('cases:case_detail', args=[case.public_id])}#{anchor}")


def _post_action(request, case, tenant, *, key: str, form, perform, success: str, anchor: str):
    """Validate `form`, run `perform(form)` (a service call); on success back to the case
    with a message, else the case page with the form's errors."""
    if form.is_valid():
        try:
            perform(form)
        except CaseError as error:
            form.add_case_error(error)
        except UploadRejected as error:
            form.add_error("file", error.message)
        else:
            messages.success(request, success() if callable(success) else success)
            return _back_to_case(case, anchor)
    return _render_case(request, case, tenant, bound={key: form})


@require_POST
@back_office
def case_transition(request, public_id, *, tenant):
    case = case_or_404(tenant, public_id)
    form = TransitionForm(request.POST, prefix="status", current_status=case.status)

    def perform(form):
        data = form.cleaned_data
        services.case_transition(
            tenant=tenant,
            actor=request.user,
            case=case,
            to=data["to"],
            reason=data["reason"],
            decision=data["decision"] or None,
        )

    def success():
        return _("Der Status ist jetzt „%(status)s“.") % {"status": case.get_status_display()}

    return _post_action(
        request, case, tenant, key="transition_form", form=form, perform=perform,
        success=success, anchor="status-aendern",
    )  # fmt: skip


@require_POST
@back_office
def case_assign(request, public_id, *, tenant):
    case = case_or_404(tenant, public_id)
    users = selectors.assignable_users(tenant=tenant)
    form = AssignForm(request.POST, prefix="zuweisung", users=users)

    def perform(form):
        services.case_assign(
            tenant=tenant, actor=request.user, case=case, assignee=form.assignee_user()
        )

    return _post_action(
        request, case, tenant, key="assign_form", form=form, perform=perform,
        success=_("Die Zuständigkeit ist gespeichert."), anchor="zustaendigkeit",
    )  # fmt: skip


@require_POST
@back_office
def case_follow_up(request, public_id, *, tenant):
    case = case_or_404(tenant, public_id)
    form = FollowUpForm(request.POST, prefix="wiedervorlage")

    def perform(form):
        services.case_set_follow_up(
            tenant=tenant,
            actor=request.user,
            case=case,
            follow_up_on=form.cleaned_data["follow_up_on"],
        )

    return _post_action(
        request, case, tenant, key="follow_up_form", form=form, perform=perform,
        success=_("Die Wiedervorlage ist gespeichert."), anchor="wiedervorlage",
    )  # fmt: skip


@require_POST
@back_office
def case_note(request, public_id, *, tenant):
    case = case_or_404(tenant, public_id)
    form = NoteForm(request.POST, prefix="notiz")

    def perform(form):
        services.case_add_note(
            tenant=tenant, actor=request.user, case=case, text=form.cleaned_data["text"]
        )

    return _post_action(
        request, case, tenant, key="note_form", form=form, perform=perform,
        success=_("Die Notiz ist gespeichert."), anchor="notizen",
    )  # fmt: skip


@require_POST
@back_office
def case_document_add(request, public_id, *, tenant):
    case = case_or_404(tenant, public_id)
    form = DocumentForm(request.POST, request.FILES, prefix="dokument")

    def perform(form):
        services.case_add_document(
            tenant=tenant,
            actor=request.user,
            case=case,
            uploaded_file=form.cleaned_data["file"],
            title=form.cleaned_data["title"],
        )

    return _post_action(
        request, case, tenant, key="document_form", form=form, perform=perform,
        success=_("Das Dokument ist gespeichert."), anchor="dokumente",
    )  # fmt: skip
