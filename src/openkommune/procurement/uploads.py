"""Content-based type detection of contract documents (never trust the name or the browser).

Allowed: PDF, Office Open XML (docx, xlsx, pptx), OpenDocument (odt, ods, odp) and UTF-8
text. Returns the MIME type, or None for anything else.
"""

from __future__ import annotations

import io
import zipfile

OOXML_TYPES = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
ODF_TYPES = {
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
}
EXTENSIONS = {
    "application/pdf": "pdf",
    "text/plain": "txt",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
}


def detect_document_type(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"PK\x03\x04"):
        return _zip_type(data)
    if not data or b"\x00" in data:
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "text/plain"


def _zip_type(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
                return mimetype if mimetype in ODF_TYPES else None
            if "[Content_Types].xml" not in names:
                return None
            for prefix, mimetype in OOXML_TYPES.items():
                if any(name.startswith(prefix) for name in names):
                    return mimetype
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        return None
    return None


def extension_for(content_type: str) -> str:
    return EXTENSIONS.get(content_type, "bin")
