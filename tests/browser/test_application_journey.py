"""A citizen applies for the Hundesteuer-Anmeldung in Magdeburg (postcode 39104) end to end:
from the start page to the receipt in at most five screens (page loads after the start page,
counted), anonymous and logged in with prefilled data; with an uploaded PDF, the
declaration on the check page, the receipt PDF and the status page. Every screen is checked
with axe-core (WCAG 2.1 AA)."""

import datetime
import re
import shutil
import subprocess
from pathlib import Path

from weasyprint import HTML

from tests.browser.conftest import assert_no_axe_violations, log_in
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


def count_screens(page) -> list[str]:
    """Every page load of the tab from now on (a post answered by a redirect is one load:
    the page the citizen then sees). Downloads are no loads."""
    loads: list[str] = []
    page.on(
        "framenavigated",
        lambda frame: loads.append(frame.url) if frame == page.main_frame else None,
    )
    return loads


def open_service_page(page) -> None:
    """From the start page to the service page: by the start page's link to it where the
    start page has one, else by its address (one page load either way)."""
    link = page.locator("main a[href^='/leistungen/10160/']")
    if link.count():
        link.first.click()
    else:
        page.goto("/leistungen/10160/")
    page.wait_for_url(re.compile(r"/leistungen/10160/"))


def _fill_dog(page, tmp_path) -> None:
    page.locator("#f-hunde-0-hund_name").fill("Bello")
    page.locator("#f-hunde-0-rasse").fill("Mischling")
    page.get_by_label("Rüde").check()
    page.locator("#f-hunde-0-wurfdatum").fill(_date(800))
    page.locator("#f-hunde-0-gehalten_seit").fill(_date(30))
    page.get_by_label("Aus einem Tierheim oder Tierschutzverein").check()
    page.locator("#f-hunde-0-gefaehrlich-2").check()  # Nein
    # Follow-ups appear only with the answer that needs them (hints without JavaScript).
    assert not page.locator("#f-hunde-0-erlaubnis_behoerde").is_visible()
    assert not page.locator("#f-hunde-0-nachweis").is_visible()
    page.get_by_label("Hund aus einem Tierheim", exact=True).check()
    assert page.locator("#f-hunde-0-nachweis").is_visible()
    # A real PDF, made here, as the proof of the relief.
    proof = tmp_path / "tierheim-nachweis.pdf"
    proof.write_bytes(HTML(string="<h1>Nachweis Tierheim (Test)</h1>").write_pdf())
    page.locator("#f-hunde-0-nachweis").set_input_files(str(proof))
    page.get_by_label("Ich überweise die Steuer selbst").check()


def test_dog_licence_from_the_start_page_to_the_receipt_in_five_screens(
    page, committed_hundesteuer_offer, django_db_blocker, tmp_path
):
    """Anonymous, first visit: the start page, then at most five screens to the receipt:
    service page (postcode, "Online beantragen"), concern and holder, the dog with payment,
    check page with the declaration, receipt. Every screen has 0 axe violations."""
    page.goto("/")
    assert_no_axe_violations(page)
    screens = count_screens(page)

    # Screen 1: the service page starts the application (postcode and one click).
    open_service_page(page)
    assert_no_axe_violations(page)
    page.locator("#antrag-plz").fill("39104")
    page.locator("#antrag-beginnen").click()

    # Screen 2: the concern and the holder; postcode and town come from screen 1.
    page.wait_for_url(re.compile(r"/antrag/entwurf/[0-9a-f-]{36}/anliegen/$"))
    assert "Schritt 1 von 2" in page.locator("#fortschritt").inner_text()
    assert page.locator("#f-halter-anschrift-postcode").input_value() == "39104"
    assert page.locator("#f-halter-anschrift-city").input_value() == "Magdeburg"
    assert (
        "aus Ihrer Angabe zum Wohnort"
        in page.locator("#f-halter-anschrift-postcode--hint").inner_text()
    )
    # The e-mail address is asked once, here.
    assert page.locator("input[type=email]").count() == 1
    assert_no_axe_violations(page)
    page.get_by_label("Ich möchte einen Hund anmelden").check()
    page.locator("#f-halter-vorname").fill("Erika")
    page.locator("#f-halter-nachname").fill("Mustermann")
    page.locator("#f-halter-geburtsdatum").fill("12.03.1980")
    page.locator("#f-halter-anschrift-street").fill("Breiter Weg")
    page.locator("#f-halter-anschrift-house_number").fill("1")
    page.locator("#f-halter-email").fill("erika.mustermann@example.org")
    _continue(page)

    # Screen 3: the dog, only what a registration needs, and the payment.
    page.wait_for_url(re.compile(r"/hunde/$"))
    for deregistration in ("steuermarke", "abmeldegrund", "abmeldedatum", "neuer_halter_name"):
        assert page.locator(f"#f-hunde-0-{deregistration}").count() == 0, deregistration
    assert page.locator("#f-hunde-0-neue_anschrift").count() == 0
    assert_no_axe_violations(page)
    _fill_dog(page, tmp_path)
    _continue(page)

    # Screen 4: check the answers; the declaration is asked here.
    page.wait_for_url(re.compile(r"/pruefen/$"))
    answers = page.locator("main").inner_text()
    assert "Mustermann" in answers
    assert "Mischling" in answers
    assert "tierheim-nachweis.pdf" in answers
    assert "erika.mustermann@example.org" in page.locator("#absenden-titel + p").inner_text()
    assert page.locator("#fehlerzusammenfassung").count() == 0
    assert_no_axe_violations(page)
    page.locator("#f-versicherung_richtig").check()
    page.locator("#absenden").click()

    # Screen 5: the receipt.
    page.wait_for_url(re.compile(r"/antrag/\d{4}-[A-Z0-9]{2}-[A-Z0-9]{4}-[A-Z0-9]{4}/eingang/$"))
    reference = page.locator("#aktenzeichen").inner_text().strip()
    assert_no_axe_violations(page)
    assert len(screens) == 5, screens

    with page.expect_download() as download_info:
        page.locator("#pdf-herunterladen").click()
    receipt = tmp_path / "eingangsbestaetigung.pdf"
    download_info.value.save_as(receipt)
    assert reference in _text_of_pdf(receipt)

    page.locator("#status-link").click()
    page.wait_for_url(re.compile(rf"/antrag/{reference}/status/\?token="))
    assert "Eingereicht" in page.locator("#verlauf").inner_text()
    assert "tierheim-nachweis.pdf" in page.locator("#dokumente").inner_text()
    assert_no_axe_violations(page)
    assert page.csp_violations == []

    from openkommune.core.models import OutboxMail
    from openkommune.submissions.models import Application

    with django_db_blocker.unblock():
        application = Application.applicant_objects.get(reference=reference)
        recipients = set(
            OutboxMail.objects.filter(tenant=application.tenant).values_list("recipient", flat=True)
        )
    assert application.data["halter"]["nachname"] == "Mustermann"
    assert application.data["versicherung_richtig"] is True
    # The confirmation goes to the address the contact step gave.
    assert application.email == "erika.mustermann@example.org"
    assert "erika.mustermann@example.org" in recipients


def test_logged_in_citizen_applies_with_prefilled_data_in_five_screens(
    page, committed_citizen, django_db_blocker, tmp_path
):
    """A citizen with name, address and phone in the account: the holder's details arrive
    filled in, marked "aus Ihrem Konto" and editable."""
    from openkommune.accounts.services import user_contact_details_set

    with django_db_blocker.unblock():
        user_contact_details_set(
            actor=committed_citizen,
            user=committed_citizen,
            first_name="Erika",
            last_name="Mustermann",
            phone="0391 123456",
            street="Breiter Weg",
            house_number="1",
            postcode="39104",
            city="Magdeburg",
        )
    log_in(page, committed_citizen)  # lands on the start page
    screens = count_screens(page)

    open_service_page(page)
    page.locator("#antrag-plz").fill("39104")
    page.locator("#antrag-beginnen").click()

    page.wait_for_url(re.compile(r"/anliegen/$"))
    assert page.locator("#f-halter-vorname").input_value() == "Erika"
    assert page.locator("#f-halter-nachname").input_value() == "Mustermann"
    assert page.locator("#f-halter-email").input_value() == committed_citizen.email
    assert page.locator("#f-halter-telefon").input_value() == "0391 123456"
    assert page.locator("#f-halter-anschrift-street").input_value() == "Breiter Weg"
    assert "aus Ihrem Konto" in page.locator("#f-halter-vorname--hint").inner_text()
    assert "Sie können die Angabe ändern" in page.locator("#f-halter-telefon--hint").inner_text()
    assert page.locator("#f-halter-vorname[readonly]").count() == 0
    assert_no_axe_violations(page)
    page.get_by_label("Ich möchte einen Hund anmelden").check()
    page.locator("#f-halter-geburtsdatum").fill("12.03.1980")
    page.locator("#f-halter-telefon").fill("0391 654321")  # editable
    _continue(page)

    page.wait_for_url(re.compile(r"/hunde/$"))
    assert_no_axe_violations(page)
    _fill_dog(page, tmp_path)
    _continue(page)

    page.wait_for_url(re.compile(r"/pruefen/$"))
    assert "0391 654321" in page.locator("main").inner_text()
    assert_no_axe_violations(page)
    page.locator("#f-versicherung_richtig").check()
    page.locator("#absenden").click()

    page.wait_for_url(re.compile(r"/eingang/$"))
    assert_no_axe_violations(page)
    assert len(screens) == 5, screens
    assert page.csp_violations == []


def test_unticked_declaration_is_an_error_on_the_check_page(
    page, committed_hundesteuer_offer, tmp_path
):
    """The error summary of the check page links to the declaration; nothing is lost."""
    page.goto("/leistungen/10160/")
    page.locator("#antrag-plz").fill("39104")
    page.locator("#antrag-beginnen").click()
    page.wait_for_url(re.compile(r"/anliegen/$"))
    page.get_by_label("Ich möchte einen Hund anmelden").check()
    _continue(page)
    # Missing answers: the error summary links to them, what was chosen stays.
    summary = page.locator("#fehlerzusammenfassung")
    summary.wait_for()
    assert summary.locator("a[href='#f-halter-nachname']").count() == 1
    assert page.get_by_label("Ich möchte einen Hund anmelden").is_checked()
    assert page.locator("#f-halter-anschrift-postcode").input_value() == "39104"
    assert_no_axe_violations(page)
    page.locator("#f-halter-vorname").fill("Erika")
    page.locator("#f-halter-nachname").fill("Mustermann")
    page.locator("#f-halter-geburtsdatum").fill("12.03.1980")
    page.locator("#f-halter-anschrift-street").fill("Breiter Weg")
    page.locator("#f-halter-email").fill("erika.mustermann@example.org")
    _continue(page)
    page.wait_for_url(re.compile(r"/hunde/$"))
    _fill_dog(page, tmp_path)
    _continue(page)
    page.wait_for_url(re.compile(r"/pruefen/$"))
    page.locator("#absenden").click()
    summary = page.locator("#fehlerzusammenfassung")
    summary.wait_for()
    assert summary.locator("a[href='#f-versicherung_richtig']").count() == 1
    assert page.title().startswith("Fehler:")
    assert "Mischling" in page.locator("main").inner_text()
    assert_no_axe_violations(page)
    page.locator("#f-versicherung_richtig").check()
    page.locator("#absenden").click()
    page.wait_for_url(re.compile(r"/eingang/$"))


def test_refusal_where_the_service_is_not_offered_is_accessible(page):
    # Nobody offers Hundehaltung online here (no member has activated it in this database).
    page.goto("/antrag/10160/?plz=39104")
    assert "nicht online über diese Plattform" in page.locator("main").inner_text()
    assert_no_axe_violations(page)
