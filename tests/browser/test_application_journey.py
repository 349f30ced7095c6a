"""A citizen applies for the Hundesteuer-Anmeldung in Magdeburg (postcode 39104) end to end:
from the service page, with one validation error corrected, an uploaded PDF, the
check-your-answers page, the receipt PDF and the status page. Every screen is checked with
axe-core (WCAG 2.1 AA)."""

import datetime
import re
import shutil
import subprocess
from pathlib import Path

from weasyprint import HTML

from tests.browser.conftest import assert_no_axe_violations
from tests.submissions.factories import pdf_text


def _date(days_ago: int) -> str:
    return (datetime.date.today() - datetime.timedelta(days=days_ago)).strftime("%d.%m.%Y")


def _text_of_pdf(path: Path) -> str:
    """pdftotext where installed; else the PDF's own text maps (WeasyPrint compresses its
    content streams, so the bytes alone do not show the text)."""
    pdftotext = shutil.which("pdftotext")
    if pdftotext:
        result = subprocess.run(
            [pdftotext, str(path), "-"], capture_output=True, text=True, check=True
        )
        return result.stdout
    return pdf_text(path.read_bytes())


def _continue(page) -> None:
    page.locator("#weiter").click()
    page.wait_for_load_state()


def test_citizen_applies_for_hundesteuer_in_magdeburg(
    page, committed_hundesteuer_offer, django_db_blocker, tmp_path
):
    # The service page knows who is responsible and offers the online application.
    page.goto("/leistungen/10160/")
    page.locator("#zustaendigkeit-form #plz").fill("39104")
    page.locator("#zustaendigkeit-form button[type=submit]").click()
    assert "Landeshauptstadt Magdeburg" in page.locator("#zustaendigkeit").inner_text()
    assert_no_axe_violations(page)
    page.locator("#online-beantragen").click()
    page.wait_for_url(re.compile(r"/antrag/10160/"))
    if page.locator("#wohnort-form").count():
        assert_no_axe_violations(page)
        page.locator("#wohnort-form #plz").fill("39104")
        page.locator("#wohnort-form button[type=submit]").click()

    # Who is responsible and on what terms; the e-mail address for the receipt.
    page.wait_for_selector("#start-form")
    terms = page.locator("#zustaendigkeit").inner_text()
    assert "Landeshauptstadt Magdeburg" in terms
    assert "etwa zwei Wochen (Demo-Angabe)" in terms
    assert "Chipnummer" in terms
    assert_no_axe_violations(page)
    page.locator("#email").fill("erika.mustermann@example.org")
    page.locator("#beginnen-button").click()

    page.wait_for_url(re.compile(r"/antrag/entwurf/[0-9a-f-]{36}/anliegen/$"))
    assert "Schritt 1 von 5" in page.locator("#fortschritt").inner_text()
    assert_no_axe_violations(page)
    page.get_by_label("Ich möchte einen Hund anmelden").check()
    _continue(page)

    # Step 2 with one mistake: the last name is missing.
    page.wait_for_url(re.compile(r"/halter/$"))
    assert_no_axe_violations(page)
    page.locator("#f-halter-vorname").fill("Erika")
    page.locator("#f-halter-geburtsdatum").fill("12.03.1980")
    page.locator("#f-halter-anschrift-street").fill("Breiter Weg")
    page.locator("#f-halter-anschrift-house_number").fill("1")
    page.locator("#f-halter-anschrift-postcode").fill("39104")
    page.locator("#f-halter-anschrift-city").fill("Magdeburg")
    page.locator("#f-halter-email").fill("erika.mustermann@example.org")
    _continue(page)
    summary = page.locator("#fehlerzusammenfassung")
    summary.wait_for()
    assert summary.locator("a[href='#f-halter-nachname']").count() == 1
    assert page.title().startswith("Fehler:")
    # Nothing typed is lost.
    assert page.locator("#f-halter-vorname").input_value() == "Erika"
    assert page.locator("#f-halter-anschrift-street").input_value() == "Breiter Weg"
    assert_no_axe_violations(page)
    summary.locator("a[href='#f-halter-nachname']").click()
    page.locator("#f-halter-nachname").fill("Mustermann")
    _continue(page)

    page.wait_for_url(re.compile(r"/hunde/$"))
    assert_no_axe_violations(page)
    page.locator("#f-hunde-0-hund_name").fill("Bello")
    page.locator("#f-hunde-0-rasse").fill("Mischling")
    page.get_by_label("Rüde").check()
    page.locator("#f-hunde-0-wurfdatum").fill(_date(800))
    page.locator("#f-hunde-0-gehalten_seit").fill(_date(30))
    page.get_by_label("Von einer Züchterin oder einem Züchter").check()
    page.locator("#f-hunde-0-gefaehrlich-2").check()  # Nein
    page.get_by_label("Nein, ich beantrage keine Befreiung oder Ermäßigung").check()
    _continue(page)

    # A real PDF, made here, as the proof.
    page.wait_for_url(re.compile(r"/nachweise/$"))
    assert_no_axe_violations(page)
    proof = tmp_path / "haftpflicht-nachweis.pdf"
    proof.write_bytes(HTML(string="<h1>Nachweis Hundehaftpflicht (Test)</h1>").write_pdf())
    page.locator("#f-nachweis").set_input_files(str(proof))
    page.get_by_label("Ich überweise die Steuer selbst").check()
    _continue(page)

    page.wait_for_url(re.compile(r"/erklaerung/$"))
    assert_no_axe_violations(page)
    page.locator("#f-versicherung_richtig").check()  # Ja
    _continue(page)

    # Check your answers, with the file and a way back to every answer.
    page.wait_for_url(re.compile(r"/pruefen/$"))
    answers = page.locator("main").inner_text()
    assert "Mustermann" in answers
    assert "Mischling" in answers
    assert "haftpflicht-nachweis.pdf" in answers
    assert page.get_by_role("link", name=re.compile("^Ändern")).count() > 10
    assert page.locator("#fehlerzusammenfassung").count() == 0
    assert_no_axe_violations(page)
    page.locator("#absenden").click()

    page.wait_for_url(re.compile(r"/antrag/\d{4}-[A-Z0-9]{2}-[A-Z0-9]{4}-[A-Z0-9]{4}/eingang/$"))
    reference = page.locator("#aktenzeichen").inner_text().strip()
    assert re.fullmatch(r"\d{4}-[A-Z0-9]{2}-[A-Z0-9]{4}-[A-Z0-9]{4}", reference)
    assert_no_axe_violations(page)

    with page.expect_download() as download_info:
        page.locator("#pdf-herunterladen").click()
    receipt = tmp_path / "eingangsbestaetigung.pdf"
    download_info.value.save_as(receipt)
    assert receipt.read_bytes().startswith(b"%PDF")
    assert reference in _text_of_pdf(receipt)

    page.locator("#status-link").click()
    page.wait_for_url(re.compile(rf"/antrag/{reference}/status/\?token="))
    timeline = page.locator("#verlauf").inner_text()
    assert "Eingereicht" in timeline
    assert "haftpflicht-nachweis.pdf" in page.locator("#dokumente").inner_text()
    assert_no_axe_violations(page)
    assert page.csp_violations == []

    from openkommune.submissions.models import Application

    with django_db_blocker.unblock():
        application = Application.applicant_objects.get(reference=reference)
    assert application.data["halter"]["nachname"] == "Mustermann"
    assert application.email == "erika.mustermann@example.org"


def test_refusal_where_the_service_is_not_offered_is_accessible(page):
    # Nobody offers Hundehaltung online here (no member has activated it in this database).
    page.goto("/antrag/10160/?plz=39104")
    assert "nicht online über diese Plattform" in page.locator("main").inner_text()
    assert_no_axe_violations(page)
