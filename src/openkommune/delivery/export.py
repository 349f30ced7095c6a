"""A case as a ZIP for archiving or hand-over, shaped after the xdomea record structure.

    metadata.json   file (Akte) → processes (Vorgänge) → documents (Dokumente), each
                    document with id, title, type, date, its name in the ZIP and SHA-256
    history.json    the case's audit events (hash-chained, see cases.services.audit)
    dokumente/…     the documents: the receipt, the application data and the correspondence
                    as PDF (WeasyPrint), notices as issued, the clerk's documents and the
                    applicant's attachments in their original format (an image stays an
                    image: converting it would change the bytes the applicant's hash on the
                    receipt proves)

Both JSON files validate against `docs/export/case-export.schema.json` and
`docs/export/case-history.schema.json` (described in `docs/export.md`).
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from openkommune.cases.constants import CaseEventKind, CaseStatus, Decision, MessageDirection
from openkommune.cases.models import (
    HISTORY_ORDER,
    Case,
    CaseDocument,
    CaseEvent,
    Message,
    MessageAttachment,
    Notice,
)
from openkommune.cases.services.exports import case_record_export
from openkommune.core import pdf
from openkommune.core.files import read_private
from openkommune.forms.engine import answers
from openkommune.forms.selectors import version_definition
from openkommune.submissions.constants import EXTENSION_FOR_TYPE, TYPE_CLAIMED_BY_EXTENSION
from openkommune.submissions.models import Attachment
from openkommune.submissions.services import receipt_pdf
from openkommune.submissions.services.receipts import berlin_time_text
from openkommune.tenancy.scoping import scope

FORMAT = "openkommune-case-export"
FORMAT_VERSION = 1
PLATFORM = "OpenKommune"


class DocumentType:
    RECEIPT = "receipt"
    APPLICATION_DATA = "application_data"
    ATTACHMENT = "attachment"
    NOTICE = "notice"
    CASE_DOCUMENT = "case_document"
    CORRESPONDENCE = "correspondence"
    MESSAGE_ATTACHMENT = "message_attachment"


@dataclass
class _Entry:
    id: str
    title: str
    type: str
    date: datetime.datetime
    file_name: str
    media_type: str
    content: bytes

    def metadata(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "type": self.type,
            "date": self.date,
            "file_name": self.file_name,
            "media_type": self.media_type,
            "size": len(self.content),
            "sha256": hashlib.sha256(self.content).hexdigest(),
        }


def _safe_name(text: str, fallback: str = "datei") -> str:
    """ASCII file name part: umlauts spelled out, everything else reduced to [a-z0-9-]."""
    text = text.replace("ß", "ss")
    for umlaut, spelled in (("ä", "ae"), ("ö", "oe"), ("ü", "ue")):
        text = text.replace(umlaut, spelled).replace(umlaut.upper(), spelled.capitalize())
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:60] or fallback


def _file_name(number: int, title: str, content_type: str) -> str:
    extension = EXTENSION_FOR_TYPE.get(content_type, "")
    stem, current = os.path.splitext(title)
    if current.lower() in TYPE_CLAIMED_BY_EXTENSION:
        title = stem  # "scan.pdf" -> "01-scan.pdf", not "01-scan-pdf.pdf"
    return f"dokumente/{number:02d}-{_safe_name(title)}{extension}"


def _json_bytes(value) -> bytes:
    text = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2, sort_keys=False)
    return (text + "\n").encode("utf-8")


def _actor(event: CaseEvent) -> dict | None:
    if not event.actor_key:
        return None
    user = event.actor
    # Only the hashed id is proven; a link re-pointed behind the hash names nobody.
    trusted = user is not None and str(user.pk) == event.actor_key
    name = (user.get_full_name() or user.email) if trusted else ""
    return {"id": event.actor_key, "name": name}


def history_document(case_public_id, reference: str, events: list[CaseEvent]) -> dict:
    return {
        "format": f"{FORMAT}-history",
        "format_version": FORMAT_VERSION,
        "case_id": str(case_public_id),
        "reference": reference,
        "events": [
            {
                # Per-case chains (ADR 0012); events written before them are in the
                # organisation's chain.
                "chain": "case" if event.chain.case_public_id else "organisation",
                "sequence": event.sequence,
                "kind": event.kind,
                "kind_label": str(CaseEventKind(event.kind).label),
                "at": event.at,
                "actor": _actor(event),
                "payload": event.payload,
                "payload_sha256": event.payload_sha256,
                "prev_hash": event.prev_hash,
                "hash": event.hash,
                "redacted": event.redacted_at is not None,
            }
            for event in events
        ],
    }


def _documents(case: Case) -> list[_Entry]:
    """Every document of the case, in the order of the file: receipt, application data,
    attachments, then what the case added (by date)."""
    application = case.application
    entries: list[_Entry] = []
    attachments = list(Attachment.objects.filter(application=application).order_by("created_at"))
    if application.has_receipt:
        entries.append(
            _Entry(
                f"{application.public_id}-receipt",
                f"Eingangsbestätigung {case.reference}",
                DocumentType.RECEIPT,
                application.submitted_at,
                "",
                "application/pdf",
                receipt_pdf(application=application),
            )
        )
    if case.anonymised_at is None:
        definition = version_definition(application.form_version)
        names = {str(a.public_id): a.download_name for a in attachments}
        context = {
            "case": case,
            "application": application,
            "form_title": definition.title,
            "submitted_at_text": berlin_time_text(application.submitted_at),
            "sections": answers(definition, application.data, file_names=names),
            "attachments": attachments,
            "platform": PLATFORM,
        }
        entries.append(
            _Entry(
                f"{application.public_id}-data",
                f"Antragsdaten {case.reference}",
                DocumentType.APPLICATION_DATA,
                application.submitted_at,
                "",
                "application/pdf",
                pdf.render_pdf(
                    "delivery/export_application_pdf.html", context, identifier=case.reference
                ),
            )
        )
    for attachment in attachments:
        entries.append(
            _Entry(
                str(attachment.public_id),
                attachment.download_name,
                DocumentType.ATTACHMENT,
                attachment.created_at,
                "",
                attachment.content_type,
                read_private(attachment.storage_name),
            )
        )
    later: list[_Entry] = []
    for notice in Notice.objects.filter(case=case).order_by("made_available_at", "id"):
        later.append(
            _Entry(
                str(notice.public_id),
                notice.title,
                DocumentType.NOTICE,
                notice.made_available_at,
                "",
                "application/pdf",
                read_private(notice.pdf_name),
            )
        )
    for document in CaseDocument.objects.filter(case=case).order_by("created_at", "id"):
        later.append(
            _Entry(
                str(document.public_id),
                document.title,
                DocumentType.CASE_DOCUMENT,
                document.created_at,
                "",
                document.content_type,
                read_private(document.storage_name),
            )
        )
    messages = list(
        Message.objects.filter(case=case).select_related("sender").order_by("sent_at", "id")
    )
    if messages:
        files = MessageAttachment.objects.filter(message__case=case).order_by("created_at", "id")
        by_message: dict[int, list[MessageAttachment]] = {}
        for file in files:
            by_message.setdefault(file.message_id, []).append(file)
            later.append(
                _Entry(
                    str(file.public_id),
                    file.original_name,
                    DocumentType.MESSAGE_ATTACHMENT,
                    file.created_at,
                    "",
                    file.content_type,
                    read_private(file.storage_name),
                )
            )
        rows = [
            {
                "message": message,
                "to_applicant": message.direction == MessageDirection.TO_APPLICANT,
                "sent_at_text": berlin_time_text(message.sent_at),
                "attachments": by_message.get(message.pk, []),
            }
            for message in messages
        ]
        later.append(
            _Entry(
                f"{case.public_id}-correspondence",
                f"Schriftverkehr {case.reference}",
                DocumentType.CORRESPONDENCE,
                messages[-1].sent_at,
                "",
                "application/pdf",
                pdf.render_pdf(
                    "delivery/export_messages_pdf.html",
                    {"case": case, "rows": rows, "platform": PLATFORM},
                    identifier=f"{case.reference}-schriftverkehr",
                ),
            )
        )
    later.sort(key=lambda entry: entry.date)
    entries += later
    for number, entry in enumerate(entries, start=1):
        entry.file_name = _file_name(number, entry.title, entry.media_type)
    return entries


def _label(choices, value: str) -> str | None:
    return str(choices(value).label) if value else None


def _metadata(*, tenant, actor, case: Case, entries: list[_Entry], history: bytes, count: int):
    application = case.application
    version = application.form_version
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": timezone.now(),
        "exported_by": (actor.get_full_name() or actor.email)
        if getattr(actor, "is_authenticated", False)
        else None,
        "sender": {
            "system": PLATFORM,
            "organisation": {"id": str(tenant.public_id), "name": tenant.name},
        },
        "file": {
            "id": str(case.public_id),
            "reference": case.reference,
            "title": f"{case.ozg_leistung.name} – {case.reference}",
            "service": {"ozg_id": case.ozg_leistung.ozg_id, "name": case.ozg_leistung.name},
            "opened_at": case.submitted_at,
            "closed_at": case.closed_at,
            "anonymised_at": case.anonymised_at,
            "processes": [
                {
                    "id": str(application.public_id),
                    "title": f"Antrag {case.reference}",
                    "form": {"key": version.form.key, "version": version.number},
                    "submitted_at": application.submitted_at,
                    "status": case.status,
                    "status_label": _label(CaseStatus, case.status),
                    "decision": case.decision or None,
                    "decision_label": _label(Decision, case.decision),
                    "due_on": case.due_on,
                    "documents": [entry.metadata() for entry in entries],
                }
            ],
        },
        "history": {
            "file_name": "history.json",
            "media_type": "application/json",
            "sha256": hashlib.sha256(history).hexdigest(),
            "events": count,
        },
    }


def case_export_zip(*, tenant, case: Case, actor=None, via: str = "") -> bytes:
    """The ZIP of `case` (of `tenant`; another tenant's case raises `Case.DoesNotExist`).
    Recorded as an `exported` event, which the export's own history already contains."""
    with transaction.atomic(), scope(tenant=tenant):
        case = Case.objects.select_related("ozg_leistung", "application__form_version__form").get(
            pk=case.pk
        )
        entries = _documents(case)
        case_record_export(
            tenant=tenant,
            actor=actor,
            case=case,
            format_version=FORMAT_VERSION,
            document_count=len(entries),
            via=via,
        )
        events = list(
            CaseEvent.objects.filter(case_public_id=case.public_id)
            .select_related("actor", "chain")
            .order_by(*HISTORY_ORDER)
        )
        history = _json_bytes(history_document(case.public_id, case.reference, events))
        metadata = _metadata(
            tenant=tenant,
            actor=actor,
            case=case,
            entries=entries,
            history=history,
            count=len(events),
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("metadata.json", _json_bytes(metadata))
        archive.writestr("history.json", history)
        for entry in entries:
            archive.writestr(entry.file_name, entry.content)
    return buffer.getvalue()


def export_file_name(case: Case) -> str:
    return f"vorgang-{_safe_name(case.reference)}.zip"
