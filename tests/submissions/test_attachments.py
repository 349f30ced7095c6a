"""Uploads: limits, type from the content, scanner, private storage, download headers."""

import hashlib
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import strategies as st

from openkommune.submissions import virus_scan
from openkommune.submissions.attachments import (
    detect_content_type,
    download_name,
    sanitise_filename,
    spool_upload,
)
from openkommune.submissions.constants import AttachmentType, ScanResult
from openkommune.submissions.models import Attachment
from openkommune.submissions.selectors import attachment_get_for_draft, draft_attachments
from openkommune.submissions.services import (
    UploadRejected,
    attachment_response,
    draft_attach_file,
    draft_remove_file,
)
from openkommune.submissions.virus_scan import ClamdScanner, ScanOutcome, parse_clamd_answer
from tests.clamav import EICAR_FOUND
from tests.submissions.factories import (
    EICAR,
    EXE_BYTES,
    HTML_BYTES,
    JPEG_BYTES,
    PDF_BYTES,
    PNG_BYTES,
    TEXT_BYTES,
    ZIP_BYTES,
    make_offer,
    private_media,  # noqa: F401
    start,
    submissions_only,  # noqa: F401
    upload,
)

pytestmark = pytest.mark.usefixtures("private_media", "submissions_only")


# --- detection (pure) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (PDF_BYTES, AttachmentType.PDF),
        (PNG_BYTES, AttachmentType.PNG),
        (JPEG_BYTES, AttachmentType.JPEG),
        (b"II*\x00" + bytes(20), AttachmentType.TIFF),
        (b"MM\x00*" + bytes(20), AttachmentType.TIFF),
        (TEXT_BYTES, AttachmentType.TEXT),
    ],
)
def test_types_are_detected_from_the_bytes(content, expected):
    assert detect_content_type(content, is_utf8_text=True).content_type == expected


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (EXE_BYTES, "Programm"),
        (b"\x7fELF\x02\x01\x01" + bytes(20), "Programm"),
        (ZIP_BYTES, "ZIP"),
        (HTML_BYTES, "HTML"),
        (b"\xef\xbb\xbf  <svg xmlns='http://www.w3.org/2000/svg'></svg>", "SVG"),
        (b"Hallo\n<script>alert(1)</script>", "HTML"),
        (b"#!/bin/sh\nrm -rf /\n", "Skript"),
    ],
)
def test_disguised_content_is_named_and_refused(content, what):
    detection = detect_content_type(content, is_utf8_text=True)
    assert detection.content_type is None
    assert what in detection.forbidden


def test_binary_that_is_not_text_is_unknown():
    detection = detect_content_type(b"\x00\x01\x02garbage", is_utf8_text=False)
    assert (detection.content_type, detection.forbidden) == (None, "")


def test_text_check_survives_multibyte_characters_split_across_chunks(tmp_path):
    text = "Grüße aus Köthen – ßäöü".encode()
    chunks = [text[i : i + 1] for i in range(len(text))]  # one byte at a time
    spooled = spool_upload(chunks, max_size=1000)
    assert spooled.is_utf8_text
    assert spooled.sha256 == hashlib.sha256(text).hexdigest()
    spooled.discard()
    broken = spool_upload([b"abc\xff"], max_size=1000)
    assert not broken.is_utf8_text
    broken.discard()
    nul = spool_upload([b"abc\x00def"], max_size=1000)
    assert not nul.is_utf8_text
    nul.discard()


@given(st.text(max_size=300))
def test_sanitised_names_are_safe_for_display_and_download(raw):
    name = sanitise_filename(raw)
    assert name
    assert len(name) <= 150
    assert not any(c in name for c in '/\\<>:"|?*;')
    assert not any(ord(c) < 32 or ord(c) == 127 for c in name)
    assert not name.startswith(".")


def test_sanitised_name_keeps_a_readable_name():
    assert sanitise_filename("C:\\Users\\erika\\Impfpass Bello.pdf") == "Impfpass Bello.pdf"
    assert sanitise_filename("../../etc/passwd") == "passwd"
    assert sanitise_filename("\u202egnp.exe") == "gnp.exe"  # right-to-left override removed
    assert sanitise_filename("") == "Datei"


def test_download_name_follows_the_detected_type():
    assert download_name("scan.pdf", AttachmentType.PNG) == "scan.png"
    assert download_name("foto.JPEG", AttachmentType.JPEG) == "foto.JPEG"
    assert download_name("brief", AttachmentType.PDF) == "brief.pdf"


def test_clamd_answers_are_understood():
    assert parse_clamd_answer("stream: OK").result == ScanResult.CLEAN
    infected = parse_clamd_answer("stream: Eicar-Signature FOUND")
    assert infected.result == ScanResult.INFECTED
    assert "Eicar-Signature" in infected.detail
    assert parse_clamd_answer("INSTREAM size limit exceeded. ERROR").result == ScanResult.FAILED


def test_clamd_unreachable_fails_closed(tmp_path):
    existing = tmp_path / "a.pdf"
    existing.write_bytes(PDF_BYTES)
    scanner = ClamdScanner(address=str(tmp_path / "no-such.sock"), timeout=1, wait=0)
    outcome = scanner.scan(existing)
    assert outcome.result == ScanResult.FAILED
    assert outcome.detail.startswith("clamd nicht erreichbar")
    assert scanner.scan(tmp_path / "missing").result == ScanResult.FAILED
    assert "does not answer" in scanner.readiness_problem()
    bad_port = ClamdScanner(address="localhost:kein-port", timeout=1, wait=5)
    assert bad_port.scan(existing).detail.startswith("clamd-Adresse ungültig")


# --- uploads (database) --------------------------------------------------------------------


@pytest.fixture
def draft(db):
    draft, _token = start(make_offer())
    return draft


def _root() -> Path:
    return Path(django_settings.PRIVATE_MEDIA_ROOT)


def _nothing_stored():
    stored = [p for p in _root().rglob("*") if p.is_file()]
    return stored == [] and not Attachment.applicant_objects.exists()


def test_upload_is_stored_privately_under_a_random_name(draft):
    attachment = draft_attach_file(
        draft=draft, path="nachweis", uploaded_file=upload("Mein Nachweis.pdf", PDF_BYTES)
    )
    assert attachment.content_type == AttachmentType.PDF
    assert attachment.size == len(PDF_BYTES)
    assert attachment.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    assert attachment.original_name == "Mein Nachweis.pdf"
    assert attachment.scan_result == ScanResult.NOT_SCANNED
    assert attachment.tenant == draft.tenant
    assert "Nachweis" not in attachment.storage_name
    stored = _root() / attachment.storage_name
    assert stored.read_bytes() == PDF_BYTES
    assert oct(stored.stat().st_mode & 0o777) == oct(0o600)
    draft.refresh_from_db()
    assert draft.data["nachweis"] == str(attachment.public_id)
    assert not list((_root() / "tmp").iterdir())


def test_file_in_a_repeated_group_is_set_at_its_entry(draft):
    attachment = draft_attach_file(
        draft=draft, path="hunde.1.impfpass", uploaded_file=upload("impf.txt", TEXT_BYTES)
    )
    draft.refresh_from_db()
    assert draft.data["hunde"][1]["impfpass"] == str(attachment.public_id)
    assert attachment.content_type == AttachmentType.TEXT


@pytest.mark.parametrize("path", ["name", "unbekannt", "hunde.impfpass", "hunde.9.impfpass", ""])
def test_upload_to_a_field_that_takes_no_file_is_refused(draft, path):
    with pytest.raises(UploadRejected, match="keine Datei"):
        draft_attach_file(draft=draft, path=path, uploaded_file=upload("a.pdf", PDF_BYTES))
    assert _nothing_stored()


def test_oversized_upload_for_the_field_is_refused(draft):
    too_big = PDF_BYTES + b"x" * 4000  # the field allows 4000 bytes
    with pytest.raises(UploadRejected, match="zu groß") as refused:
        draft_attach_file(draft=draft, path="nachweis", uploaded_file=upload("a.pdf", too_big))
    assert refused.value.fields == {"nachweis": [refused.value.message]}
    assert _nothing_stored()


def test_global_cap_applies_even_where_the_field_allows_more(draft, settings):
    settings.UPLOAD_MAX_SIZE = 100
    with pytest.raises(UploadRejected, match="zu groß"):
        draft_attach_file(
            draft=draft, path="foto", uploaded_file=upload("f.png", PNG_BYTES + bytes(200))
        )
    assert _nothing_stored()


class _LyingUpload(SimpleUploadedFile):
    """Claims a small size; the stream is what counts."""

    @property
    def size(self):
        return 10

    @size.setter
    def size(self, value):
        pass


def test_size_is_counted_while_streaming_not_taken_from_the_request(draft):
    lying = _LyingUpload("a.pdf", PDF_BYTES + b"x" * 5000)
    with pytest.raises(UploadRejected, match="zu groß"):
        draft_attach_file(draft=draft, path="nachweis", uploaded_file=lying)
    assert _nothing_stored()


def test_empty_file_is_refused(draft):
    with pytest.raises(UploadRejected, match="leer"):
        draft_attach_file(draft=draft, path="nachweis", uploaded_file=upload("a.pdf", b""))
    assert _nothing_stored()


def test_png_named_pdf_is_refused_where_only_pdf_is_accepted(draft):
    with pytest.raises(UploadRejected) as refused:
        draft_attach_file(draft=draft, path="nachweis", uploaded_file=upload("scan.pdf", PNG_BYTES))
    assert refused.value.message == (
        "Die Datei „scan.pdf“ ist kein PDF, ihr Inhalt ist ein PNG-Bild. Erlaubt: PDF-Dokument."
    )
    assert _nothing_stored()


def test_png_named_pdf_is_stored_as_png_where_png_is_accepted(draft):
    attachment = draft_attach_file(
        draft=draft, path="foto", uploaded_file=upload("scan.pdf", PNG_BYTES, "application/pdf")
    )
    assert attachment.content_type == AttachmentType.PNG
    assert attachment.download_name == "scan.png"


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (HTML_BYTES, "HTML"),
        (EXE_BYTES, r"Programm \(Windows\)"),
        (ZIP_BYTES, "ZIP-Archiv"),
    ],
)
def test_disguised_files_named_pdf_are_refused(draft, content, words):
    with pytest.raises(UploadRejected, match=words):
        draft_attach_file(draft=draft, path="nachweis", uploaded_file=upload("a.pdf", content))
    assert _nothing_stored()


def test_html_is_refused_even_where_text_is_accepted(draft):
    with pytest.raises(UploadRejected, match="HTML"):
        draft_attach_file(
            draft=draft, path="hunde.0.impfpass", uploaded_file=upload("impf.txt", HTML_BYTES)
        )
    assert _nothing_stored()


def test_eicar_is_refused_by_clamav_and_nothing_is_stored(draft, clamav):
    with pytest.raises(UploadRejected) as refused:
        draft_attach_file(
            draft=draft, path="hunde.0.impfpass", uploaded_file=upload("impf.txt", EICAR)
        )
    assert refused.value.message == (
        f"In der Datei „impf.txt“ wurde Schadsoftware gefunden (ClamAV: {EICAR_FOUND}). "
        "Sie wurde nicht angenommen."
    )
    assert refused.value.fields == {"hunde.0.impfpass": [refused.value.message]}
    assert _nothing_stored()
    draft.refresh_from_db()
    assert "hunde" not in draft.data
    clean = draft_attach_file(
        draft=draft, path="hunde.0.impfpass", uploaded_file=upload("impf.txt", TEXT_BYTES)
    )
    assert clean.scan_result == ScanResult.CLEAN
    assert clean.scan_detail == "ClamAV"


def test_upload_is_refused_when_clamd_does_not_answer(draft, clamd_away):
    with pytest.raises(UploadRejected) as refused:
        draft_attach_file(draft=draft, path="nachweis", uploaded_file=upload("a.pdf", PDF_BYTES))
    assert refused.value.message == (
        "Die Datei „a.pdf“ konnte gerade nicht auf Schadsoftware geprüft werden. "
        "Bitte versuchen Sie es in einigen Minuten noch einmal."
    )
    assert _nothing_stored()


def test_a_new_upload_replaces_the_file_of_the_field(draft, django_capture_on_commit_callbacks):
    first = draft_attach_file(draft=draft, path="foto", uploaded_file=upload("1.png", PNG_BYTES))
    with django_capture_on_commit_callbacks(execute=True):
        second = draft_attach_file(
            draft=draft, path="foto", uploaded_file=upload("2.jpg", JPEG_BYTES)
        )
    assert [a.pk for a in draft_attachments(draft=draft)] == [second.pk]
    assert not (_root() / first.storage_name).exists()
    draft.refresh_from_db()
    assert draft.data["foto"] == str(second.public_id)


def test_remove_file_deletes_row_file_and_value(draft, django_capture_on_commit_callbacks):
    attachment = draft_attach_file(
        draft=draft, path="foto", uploaded_file=upload("1.png", PNG_BYTES)
    )
    with django_capture_on_commit_callbacks(execute=True):
        draft_remove_file(draft=draft, attachment=attachment)
    assert draft_attachments(draft=draft) == []
    assert not (_root() / attachment.storage_name).exists()
    draft.refresh_from_db()
    assert draft.data["foto"] == ""


def test_download_is_an_attachment_that_browsers_do_not_sniff(draft):
    attachment = draft_attach_file(
        draft=draft, path="foto", uploaded_file=upload("Bello <1>.pdf", PNG_BYTES)
    )
    response = attachment_response(
        attachment_get_for_draft(draft=draft, public_id=attachment.public_id)
    )
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Bello _1_.png" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == PNG_BYTES


def test_clamd_scanner_streams_the_file_in_chunks(clamav, tmp_path, monkeypatch):
    # Chunks of 16 bytes: clamd finds the 68-byte signature only if every chunk arrives.
    monkeypatch.setattr(virus_scan, "CHUNK_SIZE", 16)
    scanner = ClamdScanner()
    infected = tmp_path / "eicar.txt"
    infected.write_bytes(EICAR)
    clean = tmp_path / "gross.pdf"
    clean.write_bytes(PDF_BYTES + bytes(200_000))
    assert scanner.scan(infected) == ScanOutcome(ScanResult.INFECTED, f"ClamAV: {EICAR_FOUND}")
    assert scanner.scan(clean) == ScanOutcome(ScanResult.CLEAN, "ClamAV")
    assert scanner.readiness_problem() is None


def test_text_download_names_its_charset(draft):
    attachment = draft_attach_file(
        draft=draft, path="hunde.0.impfpass", uploaded_file=upload("impf.txt", TEXT_BYTES)
    )
    response = attachment_response(attachment)
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
