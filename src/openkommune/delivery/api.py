"""/api/v1/authority: the API for specialist systems (Fachverfahren) of a member organisation.

Every request carries `Authorization: Bearer okk_…`, an API key the organisation's member
administrator created (`schnittstellen/schluessel/`). The key's organisation is the only
tenant the request sees: another organisation's reference answers 404 exactly like one that
does not exist, on every endpoint. A missing, unknown or revoked key answers 401.

Changes go through the same services as the clerk's pages (`case_transition`,
`message_send_to_applicant`, `notice_issue`), so they are audited and chained alike; every
event they chain names the key (`via`: status changes, messages, notices and the status
changes these cause), and every change also writes a tenancy audit record `api_key.use`
naming the key and what it did. Reads (files included) are not recorded per request; the
key's `last_used_at` shows its use.
"""

from __future__ import annotations

from contextlib import contextmanager
from uuid import UUID

from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from ninja import Query, Router, Status

from openkommune.cases.constants import CaseStatus
from openkommune.cases.models import Case, Message, MessageAttachment, Notice
from openkommune.cases.services import CaseError, case_transition
from openkommune.cases.services.messaging import message_send_to_applicant
from openkommune.cases.services.notices import notice_filename, notice_issue
from openkommune.core.errors import ApiError
from openkommune.core.files import download_response
from openkommune.core.schemas import ErrorOut
from openkommune.core.timezone import LOCAL_TZ
from openkommune.delivery.api_schemas import (
    ApplicationDetailOut,
    ApplicationPageOut,
    ApplicationQuery,
    ApplicationSummaryOut,
    MessageIn,
    MessageOut,
    NoticeIn,
    NoticeOut,
    StatusIn,
)
from openkommune.delivery.auth import ApiKeyAuth, tenant_scope
from openkommune.submissions.constants import AttachmentType
from openkommune.submissions.models import Attachment
from openkommune.submissions.selectors import normalise_reference
from openkommune.submissions.services import download_name
from openkommune.tenancy.services import audit_record

router = Router(tags=["Fachverfahren"], auth=ApiKeyAuth())

_UNAUTHORISED = {401: ErrorOut}
# `fee_unpaid`: a positive decision waits for the fee (payments, issue 16).
_CONFLICT_CODES = {"transition_not_allowed", "notice_already_issued", "case_closed", "fee_unpaid"}


# --- helpers -------------------------------------------------------------------------------


def _binary_response(description: str, media_types) -> dict:
    """OpenAPI for a 200 that is a file (of one of `media_types`), not JSON."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    content = dict.fromkeys(media_types, binary)
    return {"responses": {200: {"description": description, "content": content}}}


def _via(request) -> str:
    key = request.auth
    return f"API-Schlüssel „{key.name}“ (okk_{key.prefix})"


def _case(tenant, reference: str) -> Case:
    """The tenant's case with this reference; 404 for any other (also malformed)."""
    normalised = normalise_reference(reference)
    if normalised is None:
        raise Http404
    return _first_or_404(
        Case.objects.filter(tenant=tenant, reference=normalised).select_related(
            "ozg_leistung", "application__form_version__form"
        )
    )


def _first_or_404(queryset):
    found = queryset.first()
    if found is None:
        raise Http404
    return found


def _summary(case: Case) -> dict:
    return {
        "reference": case.reference,
        "case_id": case.public_id,
        "service": {"ozg_id": case.ozg_leistung.ozg_id, "name": case.ozg_leistung.name},
        "status": case.status,
        "status_label": str(CaseStatus(case.status).label),
        "decision": case.decision or None,
        "applicant_name": case.applicant_name,
        "submitted_at": case.submitted_at,
        "updated_at": case.updated_at,
        "due_on": case.due_on,
        "closed_at": case.closed_at,
        "anonymised": case.anonymised_at is not None,
    }


def _case_url(request, name: str, case: Case, **ids) -> str:
    """The absolute URL of the endpoint `name` below the case (`ids`: the further parts)."""
    path = reverse(f"api-v1:{name}", kwargs={"reference": case.reference, **ids})
    return request.build_absolute_uri(path)


def _file(file, *, name: str, url: str) -> dict:
    return {
        "id": file.public_id,
        "name": name,
        "media_type": file.content_type,
        "size": file.size,
        "sha256": file.sha256,
        "url": url,
    }


def _message(request, case: Case, message: Message) -> dict:
    return {
        "id": message.public_id,
        "direction": message.direction,
        "subject": message.subject,
        "body": message.body,
        "sent_at": message.sent_at,
        "read_at": message.read_at,
        "attachments": [
            _file(
                a,
                name=download_name(a.original_name, a.content_type),
                url=_case_url(
                    request,
                    "authority_message_attachment",
                    case,
                    message_id=message.public_id,
                    attachment_id=a.public_id,
                ),
            )
            for a in message.attachments.all()
        ],
    }


def _notice(request, case: Case, notice: Notice) -> dict:
    return {
        "id": notice.public_id,
        "title": notice.title,
        "decision": notice.decision,
        "made_available_at": notice.made_available_at,
        "deemed_delivered_on": notice.deemed_delivered_on,
        "first_opened_at": notice.first_opened_at,
        "delivered_on": notice.delivered_on,
        "pdf_sha256": notice.pdf_sha256,
        "pdf_url": _case_url(request, "authority_notice_pdf", case, notice_id=notice.public_id),
    }


def _case_file(request, reference: str, rows, file_of):
    """The file of one row of a case of the key's organisation: `rows(case)` selects the row
    (404 when there is none), `file_of(row)` names its (storage name, file name, type)."""
    with tenant_scope(request) as tenant:
        storage_name, filename, content_type = file_of(
            _first_or_404(rows(_case(tenant, reference)))
        )
    if content_type == AttachmentType.TEXT:
        content_type += "; charset=utf-8"  # checked at upload: valid UTF-8
    return download_response(
        storage_name=storage_name, filename=filename, content_type=content_type
    )


@contextmanager
def _case_errors():
    """A refusal of the case services becomes the API's error: 409 for a conflict, else 422."""
    try:
        yield
    except CaseError as error:
        status = 409 if error.code in _CONFLICT_CODES else 422
        raise ApiError(status, error.code, error.message, error.fields) from None


@contextmanager
def _case_change(request, reference: str, action: str):
    """One change through the API to the case `reference` of the key's organisation (404 for
    another's): yields (tenant, case); a refusal of the case services becomes the API's error,
    a change made is recorded as a use of the key (`action`)."""
    with tenant_scope(request) as tenant:
        case = _case(tenant, reference)
        with _case_errors():
            yield tenant, case
        audit_record(
            tenant=tenant,
            actor=None,
            action="api_key.use",
            obj=request.auth,
            after={"action": action, "case": str(case.public_id)},
        )


# --- reads ---------------------------------------------------------------------------------


@router.get(
    "/applications",
    response={200: ApplicationPageOut, 422: ErrorOut, **_UNAUTHORISED},
    summary="Anträge der eigenen Organisation",
    description=(
        "Die Vorgänge der Organisation des API-Schlüssels, älteste Änderung zuerst (für den "
        "Abgleich: `updated_since` = `updated_at` des letzten abgerufenen Eintrags). Mit "
        "`status` nur Vorgänge in diesem Status. Seitenweise mit `limit` und `offset`."
    ),
)
def list_applications(request, filters: Query[ApplicationQuery]):
    with tenant_scope(request) as tenant:
        cases = Case.objects.filter(tenant=tenant).select_related("ozg_leistung")
        if filters.status:
            cases = cases.filter(status=filters.status)
        since = filters.updated_since
        if since:
            if timezone.is_naive(since):
                since = timezone.make_aware(since, LOCAL_TZ)  # a time without zone: German time
            cases = cases.filter(updated_at__gte=since)
        cases = cases.order_by("updated_at", "id")
        total = cases.count()
        page = cases[filters.offset : filters.offset + filters.limit]
        return {"items": [_summary(case) for case in page], "total": total}


@router.get(
    "/applications/{reference}",
    response={200: ApplicationDetailOut, 404: ErrorOut, **_UNAUTHORISED},
    summary="Ein Antrag mit Angaben, Anlagen, Nachrichten und Bescheiden",
    description="404 für ein unbekanntes Aktenzeichen und für jedes einer anderen Organisation.",
)
def get_application(request, reference: str):
    with tenant_scope(request) as tenant:
        case = _case(tenant, reference)
        application = case.application
        attachments = Attachment.objects.filter(application=application).order_by(
            "created_at", "id"
        )
        messages = (
            Message.objects.filter(case=case)
            .prefetch_related("attachments")
            .order_by("sent_at", "id")
        )
        notices = Notice.objects.filter(case=case).order_by("made_available_at", "id")
        version = application.form_version
        return {
            **_summary(case),
            "form": {"key": version.form.key, "version": version.number},
            "applicant_email": application.email,
            "data": application.data,
            "attachments": [
                {
                    "field": a.path,
                    **_file(
                        a,
                        name=a.download_name,
                        url=_case_url(
                            request, "authority_attachment", case, attachment_id=a.public_id
                        ),
                    ),
                }
                for a in attachments
            ],
            "messages": [_message(request, case, m) for m in messages],
            "notices": [_notice(request, case, n) for n in notices],
        }


@router.get(
    "/applications/{reference}/attachments/{attachment_id}",
    response={200: None, 404: ErrorOut, 422: ErrorOut, **_UNAUTHORISED},
    url_name="authority_attachment",
    summary="Eine Anlage des Antrags (Datei)",
    description="Die Datei, wie sie hochgeladen wurde; Typ aus dem Inhalt erkannt.",
    openapi_extra=_binary_response("Die Datei", AttachmentType.values),
)
def get_attachment(request, reference: str, attachment_id: UUID):
    return _case_file(
        request,
        reference,
        lambda case: Attachment.objects.filter(
            application_id=case.application_id, public_id=attachment_id
        ),
        lambda a: (a.storage_name, a.download_name, a.content_type),
    )


@router.get(
    "/applications/{reference}/messages/{message_id}/attachments/{attachment_id}",
    response={200: None, 404: ErrorOut, 422: ErrorOut, **_UNAUTHORISED},
    url_name="authority_message_attachment",
    summary="Eine Datei aus der Antwort der Antragstellerin oder des Antragstellers",
    description=(
        "Die Datei, wie sie mit der Antwort hochgeladen wurde; Typ aus dem Inhalt erkannt. "
        "404 für eine Datei einer anderen Nachricht, eines anderen Vorgangs oder einer "
        "anderen Organisation."
    ),
    openapi_extra=_binary_response("Die Datei", AttachmentType.values),
)
def get_message_attachment(request, reference: str, message_id: UUID, attachment_id: UUID):
    return _case_file(
        request,
        reference,
        lambda case: MessageAttachment.objects.filter(
            message__case=case, message__public_id=message_id, public_id=attachment_id
        ),
        lambda a: (a.storage_name, download_name(a.original_name, a.content_type), a.content_type),
    )


@router.get(
    "/applications/{reference}/notices/{notice_id}/pdf",
    response={200: None, 404: ErrorOut, 422: ErrorOut, **_UNAUTHORISED},
    url_name="authority_notice_pdf",
    summary="Ein Bescheid als PDF",
    description=(
        "Das PDF, wie es erlassen wurde (SHA-256 in `pdf_sha256`). Der Abruf durch das "
        "Fachverfahren ist kein Abruf durch die Antragstellerin oder den Antragsteller und "
        "ändert den Tag der Bekanntgabe nicht."
    ),
    openapi_extra=_binary_response("Das PDF", ["application/pdf"]),
)
def get_notice_pdf(request, reference: str, notice_id: UUID):
    return _case_file(
        request,
        reference,
        lambda case: Notice.objects.filter(case=case, public_id=notice_id).select_related("case"),
        lambda notice: (notice.pdf_name, notice_filename(notice), "application/pdf"),
    )


# --- changes -------------------------------------------------------------------------------


@router.post(
    "/applications/{reference}/status",
    response={
        200: ApplicationSummaryOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
        **_UNAUTHORISED,
    },
    summary="Status eines Antrags setzen",
    description=(
        "Wechselt den Status, wenn der Wechsel erlaubt ist (wie in der Sachbearbeitung). "
        "409 `transition_not_allowed` für einen unzulässigen Wechsel; 422 mit `fields`, wenn "
        "Entscheidung (`decision_required`) oder Begründung (`reason_required`) fehlen."
    ),
)
def set_status(request, reference: str, payload: StatusIn):
    with transaction.atomic():
        with _case_change(request, reference, "case.transition") as (tenant, case):
            case_transition(
                tenant=tenant,
                actor=None,
                case=case,
                to=payload.status,
                reason=payload.reason,
                decision=payload.decision,
                via=_via(request),
            )
        case.refresh_from_db()
        return _summary(case)


@router.post(
    "/applications/{reference}/messages",
    response={201: MessageOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, **_UNAUTHORISED},
    summary="Rückfrage an die Antragstellerin oder den Antragsteller",
    description=(
        "Sendet eine Nachricht; der Vorgang geht in „Rückfrage“. Die Person sieht sie auf "
        "ihrer Statusseite und erhält eine E-Mail ohne persönliche Daten. 409, wenn der "
        "Vorgang entschieden oder abgeschlossen ist."
    ),
)
def post_message(request, reference: str, payload: MessageIn):
    with transaction.atomic(), _case_change(request, reference, "message.send") as (tenant, case):
        message = message_send_to_applicant(
            tenant=tenant,
            actor=None,
            case=case,
            body=payload.body,
            base_url=request.build_absolute_uri("/"),
            via=_via(request),
        )
    return Status(201, _message(request, case, message))


@router.post(
    "/applications/{reference}/notices",
    response={201: NoticeOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, **_UNAUTHORISED},
    summary="Bescheid erlassen",
    description=(
        "Entscheidet den Vorgang und stellt den Bescheid (PDF aus der Vorlage der Leistung, "
        "oder mit `text`) in das Postfach der Antragstellerin oder des Antragstellers. Er "
        "gilt am vierten Tag nach der Bereitstellung als bekanntgegeben (§ 9 OZG), beim "
        "ersten Abruf früher. 409 `transition_not_allowed`, wenn der Vorgang anders "
        "entschieden ist, `notice_already_issued`, wenn diese Entscheidung schon ihren "
        "Bescheid hat, `case_closed`, wenn er abgeschlossen ist, `fee_unpaid`, wenn die "
        "Leistung eine positive Entscheidung erst nach der Zahlung der Gebühr erlaubt und sie "
        "noch offen ist."
    ),
)
def post_notice(request, reference: str, payload: NoticeIn):
    with _case_change(request, reference, "notice.issue") as (tenant, case):
        notice = notice_issue(
            tenant=tenant,
            actor=None,
            case=case,
            decision=payload.decision,
            reason=payload.reason,
            text_override=payload.text,
            base_url=request.build_absolute_uri("/"),
            via=_via(request),
        )
    return Status(201, _notice(request, case, notice))
