"""Uploads scanned by the real ClamAV daemon (the project's own EICAR signature database,
`tools/clamd.py`): the EICAR file is refused on the citizen pages with a German message and
nothing stored, a clean file passes as "auf Schadsoftware geprüft" up to the receipt, and a
daemon that is away makes the upload wait, then be refused with the draft kept; it never
passes unscanned. The API takes no files (docs/submissions.md), so it has no upload to scan.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.urls import reverse

from openkommune.submissions.constants import ScanResult
from openkommune.submissions.models import Application, Attachment, Draft
from openkommune.submissions.services import UploadRejected, draft_attach_file
from openkommune.submissions.virus_scan import readiness_problem, scanning_enabled
from tests.clamav import EICAR_FOUND, pdf_carrying_eicar
from tests.submissions.factories import (
    PDF_BYTES,
    make_offer,
    pdf_text,
    private_media,  # noqa: F401
    start,
    submissions_only,  # noqa: F401
    upload,
)
from tests.submissions.journey_support import (
    ANLIEGEN,
    NACHWEISE,
    PASSING_PDF,
    draft_id,
    hund,
    offer_hundesteuer,
    start_draft,
    step_url,
    submit,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

UNSCANNABLE = (
    "Die Datei „nachweis.pdf“ konnte gerade nicht auf Schadsoftware geprüft werden. "
    "Bitte versuchen Sie es in einigen Minuten noch einmal."
)


@pytest.fixture
def nachweise_url(client):
    """The real Hundesteuer form, answered up to its step with the file field (the dog's
    proof for a tax relief: PDF, JPEG or PNG) on the pages."""
    offer_hundesteuer()
    public_id = draft_id(start_draft(client))
    response = client.post(step_url(public_id, "anliegen"), ANLIEGEN)
    assert response.status_code == 302, response.text[-2000:]
    return step_url(public_id, "hunde")


# The dog with a tax relief (so the proof is asked) and the payment.
DOG = hund(herkunft="tierheim", ermaessigung="tierheim") | NACHWEISE


def _draft(url: str) -> Draft:
    return Draft.applicant_objects.get(public_id=draft_id(url))


def _stored_files(settings) -> list:
    return [p for p in settings.PRIVATE_MEDIA_ROOT.rglob("*") if p.is_file()]


def test_eicar_pdf_is_refused_on_the_step_page_and_nothing_is_stored(
    client, settings, clamav, nachweise_url
):
    response = client.post(
        nachweise_url,
        {"hunde.0.nachweis": upload("nachweis.pdf", pdf_carrying_eicar())} | DOG,
    )
    assert response.status_code == 200
    text = response.text
    assert 'id="fehlerzusammenfassung"' in text
    assert 'href="#f-hunde-0-nachweis"' in text
    assert (
        f"In der Datei „nachweis.pdf“ wurde Schadsoftware gefunden (ClamAV: {EICAR_FOUND}). "
        "Sie wurde nicht angenommen."
    ) in text
    assert not Attachment.applicant_objects.exists()
    assert _stored_files(settings) == []
    draft = _draft(nachweise_url)
    assert draft.data["zahlungsweise"] == "ueberweisung"  # the other answer is kept
    assert not draft.data["hunde"][0].get("nachweis")


def test_a_clean_pdf_passes_as_scanned_up_to_the_receipt(client, clamav, nachweise_url):
    response = client.post(
        nachweise_url, {"hunde.0.nachweis": upload("nachweis.pdf", PASSING_PDF)} | DOG
    )
    assert response.status_code == 302, response.text[-2000:]
    [attachment] = Attachment.applicant_objects.all()
    assert (attachment.scan_result, attachment.scan_detail) == (ScanResult.CLEAN, "ClamAV")
    public_id = draft_id(nachweise_url)
    assert submit(client, public_id).status_code == 303  # with the declaration ticked
    reference = Application.applicant_objects.get().reference
    pdf = client.get(reverse("submissions:receipt_pdf", args=[reference]))
    text = pdf_text(b"".join(pdf.streaming_content)).replace(" ", "")
    assert "aufSchadsoftwaregeprüft" in text
    assert "nichtaufSchadsoftwaregeprüft" not in text


def test_daemon_away_the_page_refuses_the_file_and_keeps_the_draft(
    client, settings, clamd_away, nachweise_url
):
    response = client.post(
        nachweise_url, {"hunde.0.nachweis": upload("nachweis.pdf", PASSING_PDF)} | DOG
    )
    assert response.status_code == 200
    assert UNSCANNABLE in response.text
    assert not Attachment.applicant_objects.exists()
    assert _stored_files(settings) == []
    draft = _draft(nachweise_url)
    assert draft.data["zahlungsweise"] == "ueberweisung"
    assert draft.data["hunde"][0]["hund_name"] == "Bello"


# --- the daemon stops and comes back ---------------------------------------------------------


@pytest.fixture
def draft(db):
    draft, _token = start(make_offer())
    return draft


def _attach(draft, content=PDF_BYTES):
    return draft_attach_file(
        draft=draft, path="nachweis", uploaded_file=upload("nachweis.pdf", content)
    )


@pytest.mark.usefixtures("submissions_only")
def test_an_upload_waits_for_a_restarting_daemon_and_is_refused_while_it_is_down(
    draft, settings, private_clamd
):
    settings.VIRUS_SCANNER = "openkommune.submissions.virus_scan.ClamdScanner"
    settings.CLAMD_SOCKET = str(private_clamd.socket)
    settings.VIRUS_SCAN_WAIT_SECONDS = 0
    assert readiness_problem() is not None
    with pytest.raises(UploadRejected, match="nicht auf Schadsoftware geprüft"):
        _attach(draft)
    assert not Attachment.applicant_objects.exists()

    # The daemon starts while the upload waits for it: the file is scanned and accepted.
    settings.VIRUS_SCAN_WAIT_SECONDS = 60
    starter = threading.Timer(0.5, private_clamd.start)
    starter.start()
    try:
        attachment = _attach(draft)
    finally:
        starter.join()
    assert attachment.scan_result == ScanResult.CLEAN
    assert readiness_problem() is None
    with pytest.raises(UploadRejected, match="Schadsoftware gefunden"):
        _attach(draft, pdf_carrying_eicar())

    # Stopped again: after the wait the upload is refused, the file before stays.
    assert private_clamd.stop()
    settings.VIRUS_SCAN_WAIT_SECONDS = 1
    began = time.monotonic()
    with pytest.raises(UploadRejected, match="nicht auf Schadsoftware geprüft"):
        _attach(draft, PDF_BYTES + b"%neu")
    assert time.monotonic() - began >= 1  # it did wait for the daemon
    assert list(Attachment.applicant_objects.all()) == [attachment]
    draft.refresh_from_db()
    assert draft.data["nachweis"] == str(attachment.public_id)
    assert "does not answer" in readiness_problem()


# --- readiness --------------------------------------------------------------------------------


def test_readiness_of_a_running_daemon(clamav):
    assert readiness_problem() is None
    assert scanning_enabled()


def test_readiness_without_a_daemon_names_the_socket(clamd_away):
    problem = readiness_problem()
    assert problem.startswith(f"clamd at {clamd_away} does not answer")


def test_readiness_of_the_no_op_scanner_and_of_a_misconfigured_one(settings):
    settings.VIRUS_SCANNER = "openkommune.submissions.virus_scan.NoOpScanner"
    assert readiness_problem() is None
    assert not scanning_enabled()
    settings.VIRUS_SCANNER = "openkommune.submissions.virus_scan.ClamdScanner"
    settings.CLAMD_SOCKET = ""
    assert "needs OPENKOMMUNE_CLAMD_SOCKET" in readiness_problem()
