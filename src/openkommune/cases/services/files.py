"""Files of the back office (documents of the clerk, attachments of messages): the same
intake as the application's uploads — type from the bytes, virus scan, private storage under
a random name.

Uses the file helpers `submissions.services` exports (type detection, names, spooling,
the configured virus scanner): pure helpers without state of their own, documented as
importable by the apps above submissions (docs/cases.md); the storage is `core.files`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from openkommune.core.files import random_storage_name
from openkommune.submissions import services as helpers
from openkommune.submissions.constants import AttachmentType
from openkommune.submissions.services import UploadRejected

__all__ = [
    "StoredFile",
    "UploadRejected",
    "intake",
    "too_large",
]


@dataclass(frozen=True)
class StoredFile:
    storage_name: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    scan_result: str

    def row_fields(self, *, scan_result: bool = True) -> dict:
        """The fields of the model row that keeps the file (without the scan result for
        rows that do not keep it)."""
        fields = asdict(self)
        if not scan_result:
            del fields["scan_result"]
        return fields


def _chunks(uploaded_file):
    if hasattr(uploaded_file, "chunks"):
        yield from uploaded_file.chunks()
    else:
        yield uploaded_file.read()


def too_large(file_name: str, limit: int | None = None) -> UploadRejected:
    """The refusal of a file over `limit` (by default `OPENKOMMUNE_UPLOAD_MAX_SIZE`)."""
    return UploadRejected(
        _("Die Datei „%(name)s“ ist zu groß. Erlaubt sind höchstens %(limit)s.")
        % {
            "name": helpers.sanitise_filename(file_name),
            "limit": filesizeformat(limit or settings.UPLOAD_MAX_SIZE),
        }
    )


def intake(uploaded_file, *, folder: str, accept=None, max_size: int | None = None) -> StoredFile:
    """Check an uploaded file and move it into private storage. Raises `UploadRejected`
    (German message naming the file) when it is empty, too large, of a type not accepted,
    infected, could not be scanned, or the file store is full. The caller deletes the stored
    file if its transaction fails (`core.files.delete_private`)."""
    name = helpers.sanitise_filename(getattr(uploaded_file, "name", ""))
    limit = max_size or settings.UPLOAD_MAX_SIZE
    accepted = list(accept or AttachmentType.values)
    with helpers.refusing_when_storage_is_full(name):
        return _intake(uploaded_file, name, folder, accepted, limit)


def _intake(uploaded_file, name, folder, accepted, limit) -> StoredFile:
    spooled = helpers.spool_upload(_chunks(uploaded_file), max_size=limit)
    try:
        if spooled.too_large:
            raise too_large(name, limit)
        if spooled.size == 0:
            raise UploadRejected(_("Die Datei „%(name)s“ ist leer.") % {"name": name})
        detected = helpers.detect_content_type(spooled.head, is_utf8_text=spooled.is_utf8_text)
        if detected.content_type is None or detected.content_type not in accepted:
            raise UploadRejected(
                _("Die Datei „%(name)s“ kann nicht angenommen werden. Erlaubt: %(allowed)s.")
                % {
                    "name": name,
                    "allowed": ", ".join(str(AttachmentType(t).label) for t in accepted),
                }
            )
        outcome = helpers.scan_or_refuse(spooled.path, name)
        storage_name = spooled.store(random_storage_name(folder))
    finally:
        # Moved into storage on success (nothing left to remove); removed on refusal.
        spooled.discard()
    return StoredFile(
        storage_name=storage_name,
        original_name=name,
        content_type=detected.content_type,
        size=spooled.size,
        sha256=spooled.sha256,
        scan_result=outcome.result,
    )
