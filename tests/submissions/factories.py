"""Set-up for submissions tests: a member (Landeshauptstadt Magdeburg, from the imported
official data) offering Hundehaltung online, a small test form on its LeiKa key, files of
every kind (the EICAR test file for the real ClamAV daemon of `tests/clamav.py`), and a PDF
text extractor.

The fixtures `private_media` and `submissions_only` are imported by the test modules (`from
tests.submissions.factories import private_media, submissions_only  # noqa: F401`) and
switched on with `pytest.mark.usefixtures(...)`.
"""

from __future__ import annotations

import copy
import re
import zlib
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from openkommune.catalog.selectors import ozg_leistung_get
from openkommune.catalog.services import service_activation_set
from openkommune.forms.constants import FormVersionStatus
from openkommune.forms.services import form_version_create, form_version_publish
from openkommune.regions.selectors import gemeinden_for_postcode
from openkommune.submissions.services import draft_save_step, draft_start
from openkommune.tenancy.constants import OrganisationKind
from tests.clamav import EICAR  # noqa: F401 - the test modules take it from here
from tests.tenancy.factories import OrganisationFactory

MAGDEBURG_ARS = "150030000000"
MAGDEBURG_POSTCODE = "39104"
BARLEBEN_POSTCODE = "39179"  # a real Gemeinde that is not a member in these tests
HUNDEHALTUNG = "10160"
HUNDESTEUER_LEIKA = "99102013000000"

# The standard antivirus test file (EICAR), harmless, is `EICAR` (put together at run time).
PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(40))
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(40))
TEXT_BYTES = "Impfpass: Tollwut geimpft am 01.02.2026 – Bello\n".encode()
HTML_BYTES = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00" + bytes(100)
ZIP_BYTES = b"PK\x03\x04\x14\x00\x00\x00" + bytes(60)

TEST_FORM = {
    "format": 1,
    "key": "testantrag",
    "title": "Testantrag Hundehaltung",
    "leika_keys": [HUNDESTEUER_LEIKA],
    "source": {"kind": "manual", "reference": "nur für Tests"},
    "applicant": {"name": "name"},
    "steps": [
        {
            "id": "person",
            "title": "Angaben zur Person",
            "items": [
                {
                    "kind": "field",
                    "id": "name",
                    "type": "text",
                    "label": "Vor- und Nachname",
                    "required": True,
                    "max_length": 100,
                },
                {"kind": "field", "id": "beginn", "type": "date", "label": "Beginn der Haltung"},
            ],
        },
        {
            "id": "unterlagen",
            "title": "Unterlagen",
            "items": [
                {
                    "kind": "field",
                    "id": "nachweis",
                    "type": "file",
                    "label": "Nachweis (nur PDF)",
                    "accept": ["application/pdf"],
                    "max_size": 4000,
                },
                {
                    "kind": "field",
                    "id": "foto",
                    "type": "file",
                    "label": "Foto des Hundes",
                    "accept": ["image/png", "image/jpeg"],
                },
                {
                    "kind": "group",
                    "id": "hunde",
                    "title": "Hund",
                    "repeat": {"min": 0, "max": 3, "item_label": "Hund"},
                    "items": [
                        {"kind": "field", "id": "hund_name", "type": "text", "label": "Name"},
                        {
                            "kind": "field",
                            "id": "impfpass",
                            "type": "file",
                            "label": "Impfpass",
                            "accept": ["application/pdf", "text/plain"],
                        },
                    ],
                },
            ],
        },
    ],
}


def stricter_test_form() -> dict:
    """The test form's next version: stricter on the name and with a new required field,
    so answers fine on version 1 fail on version 2 (version pinning)."""
    definition = copy.deepcopy(TEST_FORM)
    person = definition["steps"][0]["items"]
    person[0]["max_length"] = 5
    person.append(
        {"kind": "field", "id": "telefon", "type": "phone", "label": "Telefon", "required": True}
    )
    return definition


def publish_form(definition: dict | None = None):
    version = form_version_create(actor=None, definition=definition or TEST_FORM)
    if version.status == FormVersionStatus.PUBLISHED:
        return version  # the same definition was published before
    return form_version_publish(actor=None, version=version)


@dataclass
class Offer:
    """A member offering a Leistung online with a published form (by default the test
    form for Hundehaltung), and the place it serves."""

    tenant: object
    leistung: object
    version: object
    gemeinde: object


def magdeburg_member(**values):
    defaults = {
        "name": "Landeshauptstadt Magdeburg (Test)",
        "short_name": "Magdeburg",
        "kind": OrganisationKind.KREISFREIE_STADT,
        "region_ars": MAGDEBURG_ARS,
        "email": "info@magdeburg.example.org",
        "is_demo": False,
    }
    return OrganisationFactory(**(defaults | values))


def make_offer(
    *,
    active: bool = True,
    tenant=None,
    definition=None,
    ozg_id: str = HUNDEHALTUNG,
    contact_email: str = "hundesteuer@magdeburg.example.org",
) -> Offer:
    tenant = tenant or magdeburg_member()
    leistung = ozg_leistung_get(ozg_id=ozg_id)
    service_activation_set(
        tenant=tenant,
        actor=None,
        ozg_leistung=leistung,
        is_active=active,
        contact_email=contact_email,
        contact_phone="0391 540-0",
    )
    (gemeinde,) = gemeinden_for_postcode(postcode=MAGDEBURG_POSTCODE)
    return Offer(tenant, leistung, publish_form(definition), gemeinde)


def start(offer: Offer, *, user=None, email: str | None = "antrag@example.org"):
    """A draft of the test form; (draft, resume token or None)."""
    return draft_start(
        actor=user,
        form_version=offer.version,
        ozg_leistung=offer.leistung,
        gemeinde=offer.gemeinde,
        email=email,
    )


def fill(draft, name: str = "Erika Mustermann"):
    return draft_save_step(draft=draft, step_id="person", raw_fragment={"name": name})


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


# --- PDF text without pypdf: content streams decoded through the fonts' ToUnicode maps --------


def pdf_streams(pdf: bytes) -> list[bytes]:
    """Every stream of the PDF, decompressed where it is compressed (objects included:
    WeasyPrint packs dictionaries into object streams)."""
    streams = []
    # The end-of-line before `endstream` stays in `raw`: compressed data may itself end in
    # a carriage return (about one stream in 256), which `\r?\nendstream` would cut off.
    # A decompressor object stops at the end of the zlib data and ignores what follows.
    for raw in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            streams.append(zlib.decompressobj().decompress(raw))
        except zlib.error:
            streams.append(raw)
    return streams


def pdf_objects(pdf: bytes) -> str:
    """The PDF's objects as text (catalog, structure tree, ...), for checks like `/Lang`."""
    return "\n".join(s.decode("latin-1") for s in [pdf, *pdf_streams(pdf)])


def pdf_text(pdf: bytes) -> str:
    """The text drawn in a WeasyPrint PDF, runs joined without separators, plus the XMP
    metadata. Good enough to find a reference number or a checksum; not a general parser."""
    streams = pdf_streams(pdf)
    glyphs: dict[bytes, str] = {}
    for stream in streams:
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", stream, re.S):
            for code, text in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
                glyphs[code.lower()] = bytes.fromhex(text.decode()).decode("utf-16-be")
    runs = []
    metadata = []
    for stream in streams:
        if b"<x:xmpmeta" in stream:
            metadata.append(stream.decode("utf-8", errors="replace"))
        for array in re.findall(rb"\[(.*?)\]\s*TJ", stream, re.S):
            for hexcode in re.findall(rb"<([0-9a-fA-F]+)>", array):
                hexcode = hexcode.lower()
                runs.append(
                    "".join(glyphs.get(hexcode[i : i + 4], "?") for i in range(0, len(hexcode), 4))
                )
    return "".join(runs) + "\n" + "\n".join(metadata)


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture
def private_media(settings, tmp_path):
    """Uploads and receipts go to a temporary private root."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.VIRUS_SCANNER = "openkommune.submissions.virus_scan.NoOpScanner"
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture
def submissions_only(monkeypatch):
    """No back-office hooks on submit (the cases app opens a case and confirms receipt there;
    its tests cover that): these tests see what submissions itself does."""
    from openkommune.submissions.services import hooks

    monkeypatch.setattr(hooks, "_submitted", [])
