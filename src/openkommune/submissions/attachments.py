"""Uploads: type detection from the bytes, file names for display, private storage.

Pure helpers without database access; `services.draft_attach_file` puts them together.
The type of a file is what its content is, never what its name or the browser claims.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.utils.functional import Promise as StrPromise
from django.utils.translation import gettext_lazy as _

from openkommune.core import files as core_files
from openkommune.submissions.constants import (
    EXTENSION_FOR_TYPE,
    TYPE_CLAIMED_BY_EXTENSION,
    AttachmentType,
)

HEAD_SIZE = 4096

_ALLOWED_SIGNATURES: tuple[tuple[bytes, AttachmentType], ...] = (
    (b"%PDF-", AttachmentType.PDF),
    (b"\x89PNG\r\n\x1a\n", AttachmentType.PNG),
    (b"\xff\xd8\xff", AttachmentType.JPEG),
    (b"II*\x00", AttachmentType.TIFF),
    (b"MM\x00*", AttachmentType.TIFF),
)

# Content that is refused whatever a field accepts, with the words the message uses
# (translated when the message is made, in the language of that request).
_FORBIDDEN_SIGNATURES: tuple[tuple[bytes, StrPromise], ...] = (
    (b"MZ", _("ein Programm (Windows)")),
    (b"\x7fELF", _("ein Programm (Linux)")),
    (b"\xfe\xed\xfa\xce", _("ein Programm (macOS)")),
    (b"\xfe\xed\xfa\xcf", _("ein Programm (macOS)")),
    (b"\xce\xfa\xed\xfe", _("ein Programm (macOS)")),
    (b"\xcf\xfa\xed\xfe", _("ein Programm (macOS)")),
    (b"\xca\xfe\xba\xbe", _("ein Programm (macOS oder Java)")),
    (b"PK\x03\x04", _("ein ZIP-Archiv (auch Office-Dokumente sind ZIP-Archive)")),
    (b"PK\x05\x06", _("ein ZIP-Archiv")),
    (b"PK\x07\x08", _("ein ZIP-Archiv")),
    (b"Rar!\x1a\x07", _("ein RAR-Archiv")),
    (b"7z\xbc\xaf\x27\x1c", _("ein 7-Zip-Archiv")),
    (b"\x1f\x8b", _("ein gzip-Archiv")),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", _("ein altes Office-Dokument (mit möglichen Makros)")),
    (b"#!", _("ein Skript")),
)
_MARKUP = re.compile(
    rb"<\s*(!doctype\s+html|html|head|body|script|iframe|svg|object|embed|meta|\?xml)\b",
    re.IGNORECASE,
)
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@dataclass(frozen=True)
class Detection:
    """`content_type` for a type we know, else `forbidden` names what it is, else neither."""

    content_type: AttachmentType | None
    forbidden: str = ""


def detect_content_type(head: bytes, *, is_utf8_text: bool) -> Detection:
    """The type of a file from its first bytes (`head`, at least 1 KiB where the file has
    it) and whether the whole file is valid UTF-8 without NUL bytes."""
    for signature, content_type in _ALLOWED_SIGNATURES:
        if head.startswith(signature):
            return Detection(content_type)
    for signature, what in _FORBIDDEN_SIGNATURES:
        if head.startswith(signature):
            return Detection(None, forbidden=str(what))
    stripped = head
    for bom in _BOMS:
        stripped = stripped.removeprefix(bom)
    if _MARKUP.search(stripped[:1024]):
        return Detection(None, forbidden=str(_("eine HTML-, SVG- oder XML-Datei")))
    if is_utf8_text:
        return Detection(AttachmentType.TEXT)
    return Detection(None)


class Utf8TextCheck:
    """Fed chunk by chunk: is the whole stream valid UTF-8 without NUL bytes?"""

    def __init__(self):
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self.ok = True

    def feed(self, chunk: bytes) -> None:
        if not self.ok:
            return
        if b"\0" in chunk:
            self.ok = False
            return
        try:
            self._decoder.decode(chunk)
        except UnicodeDecodeError:
            self.ok = False

    def finish(self) -> bool:
        if self.ok:
            try:
                self._decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                self.ok = False
        return self.ok


# --- names -------------------------------------------------------------------------------

_UNSAFE_NAME_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*;]')
MAX_NAME_LENGTH = 150
_EQUIVALENT_EXTENSIONS = {".jpg": {".jpg", ".jpeg"}, ".tif": {".tif", ".tiff"}}


def sanitise_filename(raw: str | None) -> str:
    """A name safe to show and to offer as download name: no path, no control characters,
    no characters that other systems refuse, at most 150 characters. Never used to store."""
    name = unicodedata.normalize("NFC", str(raw or ""))
    name = re.split(r"[\\/]", name)[-1]
    name = _UNSAFE_NAME_CHARS.sub("_", name)
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    name = re.sub(r"\s+", " ", name).strip().lstrip(".").strip()
    if len(name) > MAX_NAME_LENGTH:
        stem, ext = os.path.splitext(name)
        ext = ext[:10]
        name = stem[: MAX_NAME_LENGTH - len(ext)].rstrip() + ext
    return name or "Datei"


def download_name(original_name: str, content_type: str) -> str:
    """The display name with the extension that fits the detected type ("scan.pdf" holding
    PNG bytes is offered as "scan.png")."""
    extension = EXTENSION_FOR_TYPE.get(content_type)
    if extension is None:
        return original_name
    stem, current = os.path.splitext(original_name)
    if current.lower() in _EQUIVALENT_EXTENSIONS.get(extension, {extension}):
        return original_name
    return f"{stem or 'Datei'}{extension}"


def claimed_type(name: str) -> AttachmentType | None:
    """The type a file name claims by its extension (for the error message only)."""
    return TYPE_CLAIMED_BY_EXTENSION.get(os.path.splitext(name)[1].lower())


class _TemporaryFile(File):
    # FileSystemStorage moves a file that names its temporary path instead of copying it.
    def temporary_file_path(self) -> str:
        return self.name


@dataclass
class SpooledUpload:
    """An upload written to a temporary file in the private root while being hashed."""

    path: Path
    size: int
    sha256: str
    head: bytes
    is_utf8_text: bool
    too_large: bool = False

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)

    def store(self, storage_name: str) -> str:
        """Move the file into private storage under `storage_name`; returns the name."""
        storage = core_files.private_storage()
        with _TemporaryFile(self.path.open("rb"), name=str(self.path)) as file:
            return storage.save(storage_name, file)


def spool_upload(chunks: Iterable[bytes], *, max_size: int) -> SpooledUpload:
    """Write the chunks to a temporary file, computing size, SHA-256 and the text check on
    the way. Stops reading as soon as `max_size` is exceeded (`too_large`)."""
    tmp_dir = Path(settings.PRIVATE_MEDIA_ROOT) / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = tmp_dir / uuid.uuid4().hex
    digest = hashlib.sha256()
    text = Utf8TextCheck()
    head = b""
    size = 0
    too_large = False
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                size += len(chunk)
                if size > max_size:
                    too_large = True
                    break
                digest.update(chunk)
                text.feed(chunk)
                if len(head) < HEAD_SIZE:
                    head += chunk[: HEAD_SIZE - len(head)]
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return SpooledUpload(
        path=path,
        size=size,
        sha256=digest.hexdigest(),
        head=head,
        is_utf8_text=text.finish() and size > 0,
        too_large=too_large,
    )
