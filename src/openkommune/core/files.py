"""Private files: one named storage (`STORAGES["private"]`) and one way to hand a file out.

Every private file (uploads, receipts, notices, message attachments, contract documents)
lives in `django.core.files.storage.storages["private"]`. By default that is
`PrivateFileSystemStorage` under `OPENKOMMUNE_PRIVATE_MEDIA_ROOT`, outside the web root and
without a URL; switching to S3-compatible object storage (django-storages) is configuration
only (`OPENKOMMUNE_PRIVATE_STORAGE_BACKEND` and `..._OPTIONS`, docs/configuration.md).

Files reach a browser only through a view that checked who may see them, and always through
`download_response`: attachment disposition with an RFC 5987 file name, the declared type,
no sniffing, no caching, and a sandbox should a browser render it anyway.
"""

from __future__ import annotations

import os
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.http import FileResponse, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

PRIVATE = "private"


class PrivateFileSystemStorage(FileSystemStorage):
    """Files under `settings.PRIVATE_MEDIA_ROOT`, readable only by the platform's user, with
    no URL (never served by the web server). The location is read on every access, so a
    changed setting (tests) takes effect without rebuilding the storage."""

    def __init__(self, **options):
        options.setdefault("base_url", None)
        options.setdefault("file_permissions_mode", 0o600)
        options.setdefault("directory_permissions_mode", 0o700)
        super().__init__(**options)

    @property
    def base_location(self):
        return str(self._location or settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None


def private_storage() -> Storage:
    """The configured private storage (also usable as a FileField's `storage` callable)."""
    return storages[PRIVATE]


def random_storage_name(folder: str) -> str:
    """`folder/YYYY/MM/<random hex>`: never derived from anything the user sent."""
    now = timezone.now()
    return f"{folder}/{now:%Y}/{now:%m}/{uuid.uuid4().hex}"


def save_private(folder: str, content: bytes, *, suffix: str = "") -> str:
    """Store `content` under a new random name in `folder`; returns the storage name."""
    return private_storage().save(random_storage_name(folder) + suffix, ContentFile(content))


def read_private(storage_name: str) -> bytes:
    with private_storage().open(storage_name, "rb") as file:
        return file.read()


def delete_private(storage_name: str) -> None:
    if storage_name:
        private_storage().delete(storage_name)


def _harden(response: HttpResponse) -> HttpResponse:
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Referrer-Policy"] = "no-referrer"
    return response


def download_response(
    *,
    filename: str,
    content_type: str,
    storage_name: str = "",
    file=None,
    content: bytes | None = None,
    inline: bool = False,
) -> HttpResponse:
    """A private file as a download: a stored file (`storage_name`), an open file
    (`file`, e.g. a FileField's) or bytes made for this request (`content`). Sent with
    `Content-Disposition: attachment` (RFC 5987 `filename*` for non-ASCII names),
    `nosniff`, `no-store` and a sandbox."""
    if content is not None:
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = content_disposition_header(not inline, filename)
        return _harden(response)
    handle = file if file is not None else private_storage().open(storage_name, "rb")
    response = FileResponse(
        handle, as_attachment=not inline, filename=filename, content_type=content_type
    )
    return _harden(response)
