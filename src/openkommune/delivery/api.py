"""/api/v1/authority: the API for specialist systems (Fachverfahren) of a member organisation.

Every request carries `Authorization: Bearer okk_…`, an API key the organisation's member
administrator created (`schnittstellen/schluessel/`). The key's organisation is the only
tenant the request sees: another organisation's reference answers 404 exactly like one that
does not exist, on every endpoint. A missing, unknown or revoked key answers 401.

Changes go through the same services as the clerk's pages (`case_transition`,
`message_send_to_applicant`, `notice_issue`), so they are audited and chained alike; the
event names the key (`via`) where the service records it, and every change also writes a
tenancy audit record `api_key.use` naming the key and what it did.
"""

from __future__ import annotations

import datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from openkommune.cases.constants import CaseStatus, Decision, MessageDirection
from openkommune.cases.errors import CaseError
from openkommune.cases.messaging import message_send_to_applicant
from openkommune.cases.models import Case, Message, Notice
from openkommune.cases.notices import notice_delivery_date, notice_issue
from openkommune.cases.services import case_transition
from openkommune.core.schemas import ErrorOut
from openkommune.delivery.auth import ApiKeyAuth, tenant_scope
from openkommune.submissions.attachments import file_response
from openkommune.submissions.constants import AttachmentType
from openkommune.submissions.models import Attachment
from openkommune.submissions.references import normalise_reference
from openkommune.tenancy.services import audit_record

router = Router(tags=["Fachverfahren"], auth=ApiKeyAuth())

_UNAUTHORISED = {401: ErrorOut}
_CONFLICT_CODES = {"transition_not_allowed", "case_closed"}
MAX_LIMIT = 100
BERLIN = ZoneInfo("Europe/Berlin")


# --- schemas -------------------------------------------------------------------------------


class ServiceOut(Schema):
    ozg_id: str
    name: str


class ApplicationSummaryOut(Schema):
    reference: str = Field(description="Aktenzeichen")
    case_id: UUID = Field(description="ID des Vorgangs")
    service: ServiceOut
    status: CaseStatus
    status_label: str
    decision: Decision | None
    applicant_name: str
    submitted_at: datetime.datetime
    updated_at: datetime.datetime
    due_on: datetime.date | None = Field(description="gesetzliche Frist")
    closed_at: datetime.datetime | None
    anonymised: bool


class ApplicationPageOut(Schema):
    items: list[ApplicationSummaryOut]
    total: int


class AttachmentOut(Schema):
    id: UUID
    field: str = Field(description="Pfad des Formularfelds, z. B. hunde.0.impfpass")
    name: str
    media_type: AttachmentType
    size: int
    sha256: str
    url: str


class MessageOut(Schema):
    id: UUID
    direction: MessageDirection
    subject: str
    body: str
    sent_at: datetime.datetime
    read_at: datetime.datetime | None


class NoticeOut(Schema):
    id: UUID
    title: str
    decision: Decision
    made_available_at: datetime.datetime
    deemed_delivered_on: datetime.date
    first_opened_at: datetime.datetime | None
    delivered_on: datetime.date


class ApplicationFormOut(Schema):
    key: str
    version: int


class ApplicationDetailOut(ApplicationSummaryOut):
    form: ApplicationFormOut
    applicant_email: str
    data: dict = Field(description="Die Angaben des Antrags, wie sie eingereicht wurden")
    attachments: list[AttachmentOut]
    messages: list[MessageOut]
    notices: list[NoticeOut]


class ApplicationQuery(Schema):
    status: CaseStatus | None = Field(None, description="nur Vorgänge in diesem Status")
    updated_since: datetime.datetime | None = Field(
        None, description="nur Vorgänge, die seit diesem Zeitpunkt (ISO 8601) geändert wurden"
    )
    limit: int = Field(25, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=1_000_000)


class StatusIn(Schema):
    status: CaseStatus = Field(description="der neue Status")
    reason: str = Field("", max_length=2000, description="Begründung (bei entschieden/ruhend)")
    decision: Decision | None = Field(None, description="nur beim Status „decided“")


class MessageIn(Schema):
    body: str = Field(min_length=1, max_length=10000, description="Text der Rückfrage")


class NoticeIn(Schema):
    decision: Decision
    reason: str = Field(min_length=1, max_length=2000, description="Begründung")
    text: str | None = Field(
        None, max_length=20000, description="eigener Text statt der Vorlage der Leistung"
    )


# --- helpers -------------------------------------------------------------------------------


class ApiError(HttpError):
    """An answer in the project's error shape with our own code and fields (the api layer's
    handler reads `code` and `fields`; this app may not import it)."""

    def __init__(self, status_code: int, code: str, message: str, fields=None):
        super().__init__(status_code, message)
        self.code = code
        self.fields = fields or {}


def _via(request) -> str:
    key = request.auth
    return f"API-Schlüssel „{key.name}“ (okk_{key.prefix})"


def _case(tenant, reference: str) -> Case:
    """The tenant's case with this reference; 404 for any other (also malformed)."""
    normalised = normalise_reference(reference)
    if normalised is None:
        raise Http404
    case = (
        Case.objects.filter(tenant=tenant, reference=normalised)
        .select_related("ozg_leistung", "application__form_version__form")
        .first()
    )
    if case is None:
        raise Http404
    return case


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


def _attachment_url(request, case: Case, attachment: Attachment) -> str:
    path = reverse(
        "api-v1:authority_attachment",
        kwargs={"reference": case.reference, "attachment_id": attachment.public_id},
    )
    return request.build_absolute_uri(path)


def _error(error: CaseError) -> ApiError:
    status = 409 if error.code in _CONFLICT_CODES else 422
    return ApiError(status, error.code, error.message, error.fields)


def _record_use(request, tenant, action: str, case: Case) -> None:
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
                since = timezone.make_aware(since, BERLIN)  # a time without zone: German time
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
        messages = Message.objects.filter(case=case).order_by("sent_at", "id")
        notices = Notice.objects.filter(case=case).order_by("made_available_at", "id")
        version = application.form_version
        return {
            **_summary(case),
            "form": {"key": version.form.key, "version": version.number},
            "applicant_email": application.email,
            "data": application.data,
            "attachments": [
                {
                    "id": a.public_id,
                    "field": a.path,
                    "name": a.download_name,
                    "media_type": a.content_type,
                    "size": a.size,
                    "sha256": a.sha256,
                    "url": _attachment_url(request, case, a),
                }
                for a in attachments
            ],
            "messages": [
                {
                    "id": m.public_id,
                    "direction": m.direction,
                    "subject": m.subject,
                    "body": m.body,
                    "sent_at": m.sent_at,
                    "read_at": m.read_at,
                }
                for m in messages
            ],
            "notices": [
                {
                    "id": n.public_id,
                    "title": n.title,
                    "decision": n.decision,
                    "made_available_at": n.made_available_at,
                    "deemed_delivered_on": n.deemed_delivered_on,
                    "first_opened_at": n.first_opened_at,
                    "delivered_on": notice_delivery_date(n),
                }
                for n in notices
            ],
        }


@router.get(
    "/applications/{reference}/attachments/{attachment_id}",
    response={200: None, 404: ErrorOut, 422: ErrorOut, **_UNAUTHORISED},
    url_name="authority_attachment",
    summary="Eine Anlage des Antrags (Datei)",
    description="Die Datei, wie sie hochgeladen wurde; Typ aus dem Inhalt erkannt.",
    openapi_extra={
        "responses": {
            200: {
                "description": "Die Datei",
                "content": {
                    media: {"schema": {"type": "string", "format": "binary"}}
                    for media in AttachmentType.values
                },
            }
        }
    },
)
def get_attachment(request, reference: str, attachment_id: UUID):
    with tenant_scope(request) as tenant:
        case = _case(tenant, reference)
        attachment = Attachment.objects.filter(
            application_id=case.application_id, public_id=attachment_id
        ).first()
        if attachment is None:
            raise Http404
        content_type = attachment.content_type
        if content_type == AttachmentType.TEXT:
            content_type += "; charset=utf-8"
        return file_response(
            storage_name=attachment.storage_name,
            filename=attachment.download_name,
            content_type=content_type,
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
    with tenant_scope(request) as tenant, transaction.atomic():
        case = _case(tenant, reference)
        try:
            case_transition(
                tenant=tenant,
                actor=None,
                case=case,
                to=payload.status,
                reason=payload.reason,
                decision=payload.decision,
                via=_via(request),
            )
        except CaseError as error:
            raise _error(error) from None
        _record_use(request, tenant, "case.transition", case)
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
    with tenant_scope(request) as tenant, transaction.atomic():
        case = _case(tenant, reference)
        try:
            message = message_send_to_applicant(
                tenant=tenant,
                actor=None,
                case=case,
                body=payload.body,
                base_url=request.build_absolute_uri("/"),
            )
        except CaseError as error:
            raise _error(error) from None
        _record_use(request, tenant, "message.send", case)
        return Status(
            201,
            {
                "id": message.public_id,
                "direction": message.direction,
                "subject": message.subject,
                "body": message.body,
                "sent_at": message.sent_at,
                "read_at": message.read_at,
            },
        )


@router.post(
    "/applications/{reference}/notices",
    response={201: NoticeOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, **_UNAUTHORISED},
    summary="Bescheid erlassen",
    description=(
        "Entscheidet den Vorgang und stellt den Bescheid (PDF aus der Vorlage der Leistung, "
        "oder mit `text`) in das Postfach der Antragstellerin oder des Antragstellers. Er "
        "gilt am vierten Tag nach der Bereitstellung als bekanntgegeben (§ 9 OZG), beim "
        "ersten Abruf früher. 409, wenn der Vorgang schon entschieden oder abgeschlossen ist."
    ),
)
def post_notice(request, reference: str, payload: NoticeIn):
    with tenant_scope(request) as tenant:
        case = _case(tenant, reference)
        try:
            notice = notice_issue(
                tenant=tenant,
                actor=None,
                case=case,
                decision=payload.decision,
                reason=payload.reason,
                text_override=payload.text,
                base_url=request.build_absolute_uri("/"),
            )
        except CaseError as error:
            raise _error(error) from None
        _record_use(request, tenant, "notice.issue", case)
        return Status(
            201,
            {
                "id": notice.public_id,
                "title": notice.title,
                "decision": notice.decision,
                "made_available_at": notice.made_available_at,
                "deemed_delivered_on": notice.deemed_delivered_on,
                "first_opened_at": notice.first_opened_at,
                "delivered_on": notice_delivery_date(notice),
            },
        )
