"""The back office end to end (issue 5): a clerk of Landeshauptstadt Magdeburg opens the
Hundesteuer application a citizen submitted, asks a question; the citizen answers with an
attachment; the clerk approves and issues a notice; the citizen sees the notice and its
delivery date (§ 9 OZG). Every page is checked with axe-core (WCAG 2.1 AA).

The application is submitted through the submissions services in a committed fixture (the
citizen journey's pages have their own browser test, test_application_journey.py).
"""

from __future__ import annotations

import datetime
import re
import uuid

import pytest
from django.utils import timezone

from tests.browser.conftest import assert_no_axe_violations, log_in
from tests.submissions.factories import PDF_BYTES


def _hundesteuer_data(today: datetime.date) -> dict:
    """One dog, as the citizen journey's pages would produce it."""
    return {
        "anlass": "an",
        "halter": {
            "vorname": "Erika",
            "nachname": "Mustermann",
            "geburtsdatum": "1980-03-12",
            "anschrift": {
                "street": "Breiter Weg",
                "house_number": "1",
                "postcode": "39104",
                "city": "Magdeburg",
            },
            "email": "erika.mustermann@example.org",
        },
        "hunde": [
            {
                "hund_name": "Bello",
                "rasse": "Mischling",
                "geschlecht": "ruede",
                "wurfdatum": (today - datetime.timedelta(days=800)).isoformat(),
                "gehalten_seit": (today - datetime.timedelta(days=30)).isoformat(),
                "herkunft": "zuechter",
                "gefaehrlich": False,
                # A tax relief: the dog's proof is asked (and attached below).
                "ermaessigung": "tierheim",
            }
        ],
        "zahlungsweise": "ueberweisung",
        "versicherung_richtig": True,
    }


@pytest.fixture
def magdeburg_clerk(django_db_blocker, committed_hundesteuer_offer):
    """A clerk of the committed Magdeburg member; removed afterwards."""
    from openkommune.tenancy.constants import Role
    from openkommune.tenancy.scoping import scopes_disabled
    from tests.accounts.factories import UserFactory
    from tests.tenancy.factories import MembershipFactory

    with django_db_blocker.unblock(), scopes_disabled():
        user = UserFactory(
            email="browser.sachbearbeitung@test.example.org",
            first_name="Clara",
            last_name="Sachbearbeiterin",
        )
        MembershipFactory(tenant=committed_hundesteuer_offer, user=user, role=Role.CLERK)
    yield user
    with django_db_blocker.unblock(), scopes_disabled():
        user.delete()


@pytest.fixture
def hundesteuer_application(django_db_blocker, committed_citizen, committed_hundesteuer_offer):
    """The citizen's submitted Hundesteuer application (with a PDF) and its case, committed."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from openkommune.catalog.selectors import ozg_leistung_get
    from openkommune.forms.selectors import form_current_version
    from openkommune.regions.selectors import gemeinden_for_postcode
    from openkommune.submissions.services import (
        application_submit,
        draft_attach_file,
        draft_set_data,
        draft_start,
    )
    from openkommune.tenancy.scoping import scopes_disabled

    with django_db_blocker.unblock(), scopes_disabled():
        (gemeinde,) = gemeinden_for_postcode(postcode="39104")
        draft, _token = draft_start(
            actor=committed_citizen,
            form_version=form_current_version(key="hundesteuer"),
            ozg_leistung=ozg_leistung_get(ozg_id="10160"),
            gemeinde=gemeinde,
        )
        draft_set_data(draft=draft, data=_hundesteuer_data(timezone.localdate()))
        draft_attach_file(
            draft=draft,
            path="hunde.0.nachweis",
            uploaded_file=SimpleUploadedFile(
                "haftpflicht-nachweis.pdf", PDF_BYTES, content_type="application/pdf"
            ),
        )
        draft.refresh_from_db()
        application = application_submit(draft=draft, idempotency_key=uuid.uuid4().hex)
    # The citizen and offer fixtures remove the application and its case afterwards.
    return application


def _status_text(page) -> str:
    return page.locator("#status").inner_text().strip()


def test_clerk_asks_citizen_answers_clerk_approves_citizen_sees_the_notice(
    page, browser, site_server, magdeburg_clerk, committed_citizen, hundesteuer_application,
    tmp_path,
):  # fmt: skip
    reference = hundesteuer_application.reference

    # --- the clerk finds the application in the inbox and opens the case file ----------------
    log_in(page, magdeburg_clerk)
    page.goto("/behoerde/eingang/")
    table = page.locator("#vorgaenge")
    assert reference in table.inner_text()
    assert "Erika Mustermann" in table.inner_text()
    assert_no_axe_violations(page)
    page.locator("#mir-zugewiesen").click()
    page.wait_for_url(re.compile(r"zuweisung=mir"))
    assert page.locator("#keine-vorgaenge").count() == 1  # nothing assigned yet
    assert_no_axe_violations(page)
    page.goto("/behoerde/eingang/?q=mustermann")
    page.get_by_role("link", name=reference).click()
    page.wait_for_url(re.compile(r"/behoerde/vorgang/[0-9a-f-]{36}/$"))
    case_url = page.url
    assert _status_text(page).startswith("eingegangen")
    answers = page.locator("#antragsdaten").inner_text()
    assert "Mustermann" in answers
    assert "Bello" in answers
    assert "haftpflicht-nachweis.pdf" in answers
    assert "haftpflicht-nachweis.pdf" in page.locator("#anlagen").inner_text()
    assert_no_axe_violations(page)

    # Takes the case and starts working on it.
    page.locator("#mir-zuweisen").click()
    page.wait_for_load_state()
    assert "Clara Sachbearbeiterin" in page.locator("#zustaendig").inner_text()
    page.get_by_label("in Bearbeitung", exact=True).check()
    page.locator("#status-speichern").click()
    page.wait_for_load_state()
    assert _status_text(page).startswith("in Bearbeitung")
    assert "Der Status ist jetzt „in Bearbeitung“." in page.locator(".ok-messages").inner_text()
    assert_no_axe_violations(page)

    # --- a question to the citizen -------------------------------------------------------------
    page.locator("#messages-link").click()
    page.wait_for_selector("#nachricht-form")
    assert_no_axe_violations(page)
    page.locator("#id_body").fill(
        "Bitte senden Sie uns den Nachweis der Haftpflichtversicherung für 2026."
    )
    page.locator("#nachricht-senden").click()
    page.wait_for_selector("#nachrichten")
    assert _status_text(page).startswith("Rückfrage")
    assert_no_axe_violations(page)

    # --- the citizen answers with a file -------------------------------------------------------
    citizen_context = browser.new_context(locale="de-DE", base_url=site_server)
    citizen_context.set_default_timeout(15_000)
    citizen = citizen_context.new_page()
    citizen_csp: list[str] = []
    citizen.on(
        "console",
        lambda msg: citizen_csp.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    try:
        log_in(citizen, committed_citizen)
        citizen.goto(f"/antrag/{reference}/status/")
        assert citizen.locator("#postfach-rueckfrage").count() == 1
        assert_no_axe_violations(citizen)
        citizen.locator("#postfach-rueckfrage a").click()
        citizen.wait_for_selector("#antwort-form")
        assert "Haftpflichtversicherung für 2026" in citizen.locator("#nachrichten").inner_text()
        assert_no_axe_violations(citizen)
        proof = tmp_path / "haftpflicht-2026.pdf"
        proof.write_bytes(PDF_BYTES)
        citizen.locator("#id_body").fill("Anbei der Nachweis für 2026.")
        citizen.locator("#id_files").set_input_files(str(proof))
        citizen.locator("#antwort-senden").click()
        citizen.wait_for_load_state()
        conversation = citizen.locator("#nachrichten").inner_text()
        assert "Anbei der Nachweis für 2026." in conversation
        assert "haftpflicht-2026.pdf" in conversation
        assert_no_axe_violations(citizen)

        # --- the clerk reads the answer, approves and issues the notice ------------------------
        page.reload()
        conversation = page.locator("#nachrichten").inner_text()
        assert "Anbei der Nachweis für 2026." in conversation
        assert "haftpflicht-2026.pdf" in conversation
        assert _status_text(page).startswith("in Bearbeitung")
        assert_no_axe_violations(page)
        page.goto(case_url)
        history = page.locator("#verlauf").inner_text()
        assert "Nachricht an die Antragstellerin/den Antragsteller" in history
        assert "Antwort der Antragstellerin/des Antragstellers" in history
        page.locator("#notice-link").click()
        page.wait_for_selector("#bescheid-form")
        assert_no_axe_violations(page)
        page.get_by_label("bewilligt", exact=True).check()
        page.locator("#id_reason").fill(
            "Der Hund ist angemeldet; der Nachweis der Haftpflichtversicherung liegt vor."
        )
        page.locator("#bescheid-vorschau").click()
        page.wait_for_selector("#bescheid-erlassen")
        assert "Mustermann" in page.locator("#vorschau").inner_text()
        assert_no_axe_violations(page)
        page.locator("#bescheid-erlassen").click()
        page.wait_for_selector("#bescheide-liste")
        # The pages count German calendar days: around midnight UTC and Berlin differ.
        today = timezone.localdate()
        deemed = (today + datetime.timedelta(days=4)).strftime("%d.%m.%Y")
        assert f"gilt als zugestellt am {deemed}" in page.locator("#bescheide-liste").inner_text()
        assert _status_text(page).startswith("entschieden")
        assert_no_axe_violations(page)
        page.goto(case_url)
        assert "bewilligt" in page.locator("#status").inner_text()
        assert_no_axe_violations(page)

        # --- the citizen sees the notice and its delivery date ---------------------------------
        citizen.goto(f"/antrag/{reference}/status/")
        assert "Entschieden" in citizen.locator("#aktueller-stand").inner_text()
        assert citizen.locator("#postfach-bescheid").count() == 1
        assert_no_axe_violations(citizen)
        citizen.locator("#postfach-bescheid a").click()
        citizen.wait_for_selector("#bescheide")
        delivery = citizen.locator("#bescheide [id^=zustellung-]").inner_text()
        assert f"gilt als zugestellt am {deemed}" in delivery
        assert_no_axe_violations(citizen)
        with citizen.expect_download() as download_info:
            citizen.locator("#bescheid-abrufen-1 button").click()
        notice_pdf = tmp_path / "bescheid.pdf"
        download_info.value.save_as(notice_pdf)
        assert notice_pdf.read_bytes().startswith(b"%PDF")
        # Retrieved today, before the deemed day: delivered today (§ 9 Abs. 1 OZG).
        citizen.reload()
        delivery = citizen.locator("#bescheide [id^=zustellung-]").inner_text()
        assert f"zugestellt am {today.strftime('%d.%m.%Y')} (abgerufen)" in delivery
        assert_no_axe_violations(citizen)

        # The clerk sees the same delivery date.
        page.goto(case_url)
        page.locator("#notice-link").click()
        page.wait_for_selector("#bescheide-liste")
        assert (
            f"zugestellt am {today.strftime('%d.%m.%Y')}"
            in page.locator("#bescheide-liste").inner_text()
        )
        assert_no_axe_violations(page)
    finally:
        citizen_context.close()
    assert page.csp_violations == []
    assert citizen_csp == []
