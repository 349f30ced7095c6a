"""Request and response schemas of the Fachverfahren API (`delivery.api`)."""

from __future__ import annotations

import datetime
from uuid import UUID

from ninja import Field, Schema

from openkommune.cases.constants import CaseStatus, Decision, MessageDirection
from openkommune.submissions.constants import AttachmentType

MAX_LIMIT = 100


class CaseServiceOut(Schema):
    ozg_id: str
    name: str


class ApplicationSummaryOut(Schema):
    reference: str = Field(description="Aktenzeichen")
    case_id: UUID = Field(description="ID des Vorgangs")
    service: CaseServiceOut
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


class MessageAttachmentOut(Schema):
    id: UUID
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
    attachments: list[MessageAttachmentOut] = Field(
        description="Dateien, die die Antragstellerin oder der Antragsteller mitgeschickt hat"
    )


class NoticeOut(Schema):
    id: UUID
    title: str
    decision: Decision
    made_available_at: datetime.datetime
    deemed_delivered_on: datetime.date
    first_opened_at: datetime.datetime | None
    delivered_on: datetime.date
    pdf_sha256: str = Field(description="SHA-256 des PDF, wie es erlassen wurde")
    pdf_url: str = Field(description="Download des PDF")


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
