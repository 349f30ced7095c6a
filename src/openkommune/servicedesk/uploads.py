"""Files members and staff attach on the ticket pages, checked like the citizens' uploads
(`submissions.services`: size limit `OPENKOMMUNE_UPLOAD_MAX_SIZE`, type from the content —
PDF, JPEG, PNG, TIFF or plain text —, virus scan). A file is checked and stored before the
ticket's transaction (a scan can take a while; no database lock is held meanwhile); the
services then record it with the message, and the caller removes the stored file again if
that transaction fails."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from openkommune.core.files import delete_private, random_storage_name
from openkommune.submissions.services import (
    UploadRejected,
    detect_content_type,
    sanitise_filename,
    scan_or_refuse,
    spool_upload,
)


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content_type: str
    size: int
    storage_name: str
    scan_result: str
    scan_detail: str


def check_and_store(uploaded) -> CheckedFile:
    """Check an uploaded file and store it privately; ValidationError (German) otherwise,
    with nothing stored."""
    name = sanitise_filename(uploaded.name)
    spooled = spool_upload(uploaded.chunks(), max_size=settings.UPLOAD_MAX_SIZE)
    try:
        if spooled.too_large:
            raise ValidationError(
                _("Die Datei „%(name)s“ ist größer als %(limit)s.")
                % {"name": name, "limit": filesizeformat(settings.UPLOAD_MAX_SIZE)}
            )
        if spooled.size == 0:
            raise ValidationError(_("Die Datei „%(name)s“ ist leer.") % {"name": name})
        detected = detect_content_type(spooled.head, is_utf8_text=spooled.is_utf8_text)
        if detected.content_type is None:
            raise ValidationError(
                _(
                    "Die Datei „%(name)s“ wird nicht angenommen. Möglich sind PDF-Dokumente, "
                    "Bilder (JPEG, PNG, TIFF) und Textdateien."
                )
                % {"name": name}
            )
        try:
            outcome = scan_or_refuse(spooled.path, name)
        except UploadRejected as error:
            raise ValidationError(error.message) from error
        storage_name = spooled.store(random_storage_name("servicedesk"))
    finally:
        spooled.discard()
    return CheckedFile(
        filename=name,
        content_type=str(detected.content_type),
        size=spooled.size,
        storage_name=storage_name,
        scan_result=outcome.result,
        scan_detail=outcome.detail[:200],
    )


def discard(files: list[CheckedFile]) -> None:
    """Remove stored files whose ticket change did not go through."""
    for checked in files:
        delete_private(checked.storage_name)
