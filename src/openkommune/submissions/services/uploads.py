"""Files of a draft: accept an upload for a file field (size, type from the content, virus
scan, private storage) and remove one. Use them through `openkommune.submissions.services`."""

from __future__ import annotations

import errno
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from openkommune.core.files import delete_private, random_storage_name
from openkommune.forms.engine import Definition, Field, entry_index, get_path, set_path
from openkommune.forms.selectors import version_definition
from openkommune.submissions import attachments as files
from openkommune.submissions.constants import (
    MAX_ATTACHMENTS_PER_DRAFT,
    AttachmentType,
    ScanResult,
)
from openkommune.submissions.errors import UploadRejected
from openkommune.submissions.models import Attachment, Draft
from openkommune.submissions.services.drafts import draft_audit, lock_draft, refresh_from
from openkommune.submissions.virus_scan import ScanOutcome, get_scanner
from openkommune.tenancy.scoping import scope

logger = logging.getLogger(__name__)

# --- data paths --------------------------------------------------------------------------

# `fullmatch`: `$` would also match before a trailing newline.
_SEGMENT = re.compile(r"[a-z][a-z0-9_]{0,62}|[0-9]{1,4}")


def file_field_for_path(definition: Definition, path: str) -> Field:
    """The file field a data path names (`nachweis`, `hunde.0.impfpass`). Raises
    `UploadRejected` for a path that is not a file field of this form."""
    rejected = UploadRejected(
        _("Für dieses Feld kann keine Datei hochgeladen werden."), {path or "__all__": []}
    )
    segments = (path or "").split(".")
    if not all(_SEGMENT.fullmatch(segment) for segment in segments):
        raise rejected
    try:
        field = definition.field(segments[-1])
    except KeyError:
        raise rejected from None
    if field.type != "file":
        raise rejected
    location = definition.locations[field.id]
    rest = iter(segments[:-1])
    for group_id in location.groups:
        if next(rest, None) != group_id:
            raise rejected
        if group_id in location.repeats:
            index = entry_index(next(rest, None))
            group = definition.items[group_id]
            if index is None or index >= group.repeat.max:
                raise rejected
    if next(rest, None) is not None:
        raise rejected
    return field


def _clear_value(data, value: str):
    """Every place in `data` holding `value` (an attachment id) is emptied."""
    if isinstance(data, dict):
        return {k: ("" if v == value else _clear_value(v, value)) for k, v in data.items()}
    if isinstance(data, list):
        return [("" if v == value else _clear_value(v, value)) for v in data]
    return data


# --- uploads ---------------------------------------------------------------------------


def _accepted_types(field: Field) -> list[str]:
    return list(field.accept) or list(AttachmentType.values)


def _type_list(types: list[str]) -> str:
    return ", ".join(str(AttachmentType(t).label) for t in types)


def _short_type(content_type: str) -> str:
    return {
        AttachmentType.PDF: _("PDF"),
        AttachmentType.JPEG: _("JPEG-Bild"),
        AttachmentType.PNG: _("PNG-Bild"),
        AttachmentType.TIFF: _("TIFF-Bild"),
    }.get(content_type, "")


def _type_message(name: str, detected: files.Detection, accepted: list[str]) -> str:
    allowed = _type_list(accepted)
    if detected.forbidden:
        return _(
            "Die Datei „%(name)s“ ist %(what)s und kann nicht angenommen werden. "
            "Erlaubt: %(allowed)s."
        ) % {"name": name, "what": detected.forbidden, "allowed": allowed}
    if detected.content_type is None:
        return _("Die Art der Datei „%(name)s“ ist nicht zu erkennen. Erlaubt: %(allowed)s.") % {
            "name": name,
            "allowed": allowed,
        }
    claimed = files.claimed_type(name)
    actual = str(AttachmentType(detected.content_type).label)
    if claimed is not None and claimed != detected.content_type:
        if claimed == AttachmentType.TEXT:
            kein = _("keine Textdatei")
        else:
            kein = _("kein %(type)s") % {"type": _short_type(claimed)}
        return _(
            "Die Datei „%(name)s“ ist %(kein)s, ihr Inhalt ist ein %(actual)s. "
            "Erlaubt: %(allowed)s."
        ) % {"name": name, "kein": kein, "actual": actual, "allowed": allowed}
    return _("Die Datei „%(name)s“ ist ein %(actual)s. Erlaubt: %(allowed)s.") % {
        "name": name,
        "actual": actual,
        "allowed": allowed,
    }


def _too_large(name: str, limit: int) -> UploadRejected:
    return UploadRejected(
        _("Die Datei „%(name)s“ ist zu groß. Erlaubt sind höchstens %(limit)s.")
        % {"name": name, "limit": filesizeformat(limit)}
    )


def _check_upload(name: str, spooled: files.SpooledUpload, field: Field, limit: int):
    """The detected type of an acceptable upload; raises UploadRejected otherwise."""
    if spooled.too_large:
        raise _too_large(name, limit)
    if spooled.size == 0:
        raise UploadRejected(_("Die Datei „%(name)s“ ist leer.") % {"name": name})
    detected = files.detect_content_type(spooled.head, is_utf8_text=spooled.is_utf8_text)
    accepted = _accepted_types(field)
    if detected.content_type is None or detected.content_type not in accepted:
        raise UploadRejected(_type_message(name, detected, accepted))
    return detected.content_type, scan_or_refuse(spooled.path, name)


def scan_or_refuse(path, name: str) -> ScanOutcome:
    """Scan the spooled file at `path` with the configured scanner (which waits a while for
    a daemon that is away). Raises `UploadRejected` naming the file `name` when it is
    infected or could not be scanned; else returns the outcome (clean or not scanned)."""
    outcome = get_scanner().scan(path)
    if outcome.result == ScanResult.INFECTED:
        raise UploadRejected(
            _(
                "In der Datei „%(name)s“ wurde Schadsoftware gefunden (%(detail)s). "
                "Sie wurde nicht angenommen."
            )
            % {"name": name, "detail": outcome.detail}
        )
    if outcome.result == ScanResult.FAILED:
        raise UploadRejected(
            _(
                "Die Datei „%(name)s“ konnte gerade nicht auf Schadsoftware geprüft werden. "
                "Bitte versuchen Sie es in einigen Minuten noch einmal."
            )
            % {"name": name}
        )
    return outcome


@contextmanager
def refusing_when_storage_is_full(name: str) -> Iterator[None]:
    """Spooling or storing an upload inside the block: a full (or over-quota) file store
    becomes a clear refusal (`UploadRejected`) instead of a server error, and an error in
    the log for the operators. What the caller saved before stays saved."""
    try:
        yield
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        logger.error("Private file store full, an upload was refused: %s", error.strerror)
        raise UploadRejected(
            _(
                "Die Datei „%(name)s“ konnte nicht gespeichert werden, weil der Speicherplatz "
                "gerade erschöpft ist. Bitte versuchen Sie es später noch einmal."
            )
            % {"name": name}
        ) from error


def _limit(field: Field) -> int:
    return min(field.max_size or settings.UPLOAD_MAX_SIZE, settings.UPLOAD_MAX_SIZE)


def oversized_upload_rejection(*, draft: Draft, path: str, file_name: str) -> UploadRejected:
    """The refusal (with `fields={path: [message]}`) for a file the upload handler skipped
    because it exceeded `OPENKOMMUNE_UPLOAD_MAX_SIZE` (`core.uploads.oversized_uploads`):
    the same "too large" message as after the upload, or the refusal of a path that is no
    file field. Stores nothing."""
    definition = version_definition(draft.form_version)
    try:
        field = file_field_for_path(definition, path)
    except UploadRejected as rejected:
        return rejected
    rejected = _too_large(files.sanitise_filename(file_name), _limit(field))
    rejected.fields = {path: [rejected.message]}
    return rejected


def draft_attach_file(*, draft: Draft, path: str, uploaded_file) -> Attachment:
    """Accept a file for the file field at `path`: size (field and global limit), type from
    the content, virus scan, then stored privately under a random name. The field's value
    in the draft becomes the attachment's id (a file already there is replaced). Raises
    `UploadRejected` (with `fields={path: [message]}`) and stores nothing otherwise."""
    definition = version_definition(draft.form_version)
    field = file_field_for_path(definition, path)
    limit = _limit(field)
    name = files.sanitise_filename(getattr(uploaded_file, "name", ""))
    try:
        declared_size = getattr(uploaded_file, "size", None)
        if declared_size is not None and declared_size > limit:
            raise _too_large(name, limit)
        with refusing_when_storage_is_full(name):
            spooled = files.spool_upload(uploaded_file.chunks(), max_size=limit)
            try:
                content_type, outcome = _check_upload(name, spooled, field, limit)
                storage_name = spooled.store(random_storage_name("attachments"))
            finally:
                spooled.discard()
    except UploadRejected as rejected:
        rejected.fields = {path: [rejected.message]}
        raise
    try:
        return _attachment_create(draft, path, name, content_type, spooled, outcome, storage_name)
    except BaseException:
        delete_private(storage_name)
        raise


@transaction.atomic
def _attachment_create(draft, path, name, content_type, spooled, outcome, storage_name):
    locked = lock_draft(draft)
    existing = Attachment.applicant_objects.filter(draft=locked, application__isnull=True)
    previous_id = get_path(locked.data, path)
    previous = next((a for a in existing if str(a.public_id) == previous_id), None)
    if previous is None and existing.count() >= MAX_ATTACHMENTS_PER_DRAFT:
        raise UploadRejected(
            _("Ein Antrag kann höchstens %(n)d Dateien haben.") % {"n": MAX_ATTACHMENTS_PER_DRAFT},
            {path: []},
        )
    with scope(tenant=locked.tenant):
        attachment = Attachment.objects.create(
            tenant=locked.tenant,
            draft=locked,
            path=path,
            original_name=name,
            content_type=content_type,
            size=spooled.size,
            sha256=spooled.sha256,
            scan_result=outcome.result,
            scan_detail=outcome.detail[:200],
            storage_name=storage_name,
        )
    if previous is not None:
        _attachment_delete(locked, previous)
    data = locked.data if isinstance(locked.data, dict) else {}
    locked.data = set_path(data, path, str(attachment.public_id))
    locked.save(update_fields=["data", "updated_at"])
    draft_audit(
        locked,
        "attachment.upload",
        {
            "path": path,
            "content_type": content_type,
            "size": spooled.size,
            "sha256": spooled.sha256,
        },
        obj=attachment,
    )
    refresh_from(draft, locked)
    return attachment


def _attachment_delete(draft: Draft, attachment: Attachment) -> None:
    storage_name = attachment.storage_name
    draft_audit(draft, "attachment.remove", {"path": attachment.path}, obj=attachment)
    attachment.delete()
    transaction.on_commit(lambda: delete_private(storage_name))


def draft_remove_file(*, draft: Draft, attachment: Attachment) -> None:
    """Remove a file of the draft (row now, stored file after the commit) and empty the
    field that referred to it. `Attachment.DoesNotExist` for a file of another draft."""
    with transaction.atomic():
        locked = lock_draft(draft)
        own = Attachment.applicant_objects.get(
            pk=attachment.pk, draft=locked, application__isnull=True
        )
        _attachment_delete(locked, own)
        locked.data = _clear_value(locked.data, str(own.public_id))
        locked.save(update_fields=["data", "updated_at"])
    refresh_from(draft, locked)
