"""Check your answers, submit once, receipt with PDF, status page with its secret link,
and "Meine Anträge"."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from openkommune.core import outbox
from openkommune.submissions import services
from openkommune.submissions.models import Application, Draft
from tests.accounts.factories import UserFactory
from tests.submissions.factories import (
    HUNDEHALTUNG,
    PDF_BYTES,
    make_offer,
    pdf_text,
    private_media,  # noqa: F401
    publish_form,
    stricter_test_form,
    upload,
)
from tests.submissions.journey_support import (
    ANLIEGEN,
    ERKLAERUNG,
    HALTER,
    draft_id,
    fill_all,
    idempotency_key,
    offer_hundesteuer,
    start_draft,
    step_url,
    submit,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


@pytest.fixture
def public_id(client):
    offer_hundesteuer()
    return draft_id(start_draft(client))


def test_check_page_lists_answers_with_change_links(client, public_id):
    check_url = fill_all(client, public_id)
    response = client.get(check_url)
    text = response.text
    assert (
        "<title>Angaben prüfen – Hundesteuer: Hund an- oder abmelden – OpenKommune</title>" in text
    )
    assert '<h1 class="kern-heading-large">Ihre Angaben prüfen</h1>' in text
    assert "Mustermann" in text
    assert "Mischling" in text
    assert "Breiter Weg 1, 39104 Magdeburg" in text
    change = f"{step_url(public_id, 'anliegen')}?zurueck=pruefen#f-halter-nachname"
    assert f'href="{change}"' in text
    assert f"{step_url(public_id, 'hunde')}?zurueck=pruefen#f-hunde-0-rasse" in text
    assert 'id="absenden-form"' in text
    assert 'id="fehlerzusammenfassung"' not in text


def test_check_page_with_missing_answers_links_to_the_steps(client, public_id):
    client.post(step_url(public_id, "anliegen"), {"anlass": "an"})
    text = client.get(reverse("submissions:check", args=[public_id])).text
    assert "<title>Fehler: Angaben prüfen" in text
    assert 'id="fehlerzusammenfassung"' in text
    assert f"{step_url(public_id, 'anliegen')}?zurueck=pruefen#f-halter-vorname" in text
    assert "Ihr Anliegen und Ihre Angaben: Bitte geben Sie „Vorname“ an." in text
    assert 'id="absenden-form"' not in text


def test_submit_redirects_to_the_receipt_with_reference_and_pdf(client, public_id):
    fill_all(client, public_id)
    response = submit(client, public_id)
    assert response.status_code == 303
    application = Application.applicant_objects.get()
    assert response["Location"] == reverse("submissions:receipt", args=[application.reference])
    receipt = client.get(response["Location"])
    text = receipt.text
    assert application.reference in text
    assert '<h1 class="kern-title">Ihr Antrag ist eingegangen</h1>' in text
    assert "Landeshauptstadt Magdeburg (Test)" in text
    assert receipt["Referrer-Policy"] == "no-referrer"
    assert "noindex" in receipt["X-Robots-Tag"]
    # The anonymous applicant sees the secret status link.
    assert re.search(rf"/antrag/{application.reference}/status/\?token=[A-Za-z0-9_-]{{43}}", text)

    pdf = client.get(reverse("submissions:receipt_pdf", args=[application.reference]))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].startswith("attachment;")
    body = b"".join(pdf.streaming_content)
    assert body.startswith(b"%PDF")
    assert application.reference in pdf_text(body)


def test_double_submit_creates_one_application(client, public_id):
    check_url = fill_all(client, public_id)
    key = idempotency_key(client.get(check_url).text)
    url = reverse("submissions:submit", args=[public_id])
    first = client.post(url, {"idempotency_key": key} | ERKLAERUNG)
    second = client.post(url, {"idempotency_key": key} | ERKLAERUNG)
    # A second tab with its own key finds the same application too.
    third = client.post(url, {"idempotency_key": "ein-anderer-schluessel"} | ERKLAERUNG)
    assert Application.applicant_objects.count() == 1
    assert first["Location"] == second["Location"] == third["Location"]
    # The steps of a submitted draft lead to the receipt, not to a second application.
    assert client.get(step_url(public_id, "anliegen"))["Location"] == first["Location"]


def test_the_declaration_is_asked_on_the_check_page(client, public_id):
    """No screen of its own: the check page shows the checkbox; unticked, the submit shows
    the check page again with the error summary linking to it, and nothing is submitted."""
    check_url = fill_all(client, public_id)
    assert client.get(step_url(public_id, "erklaerung"))["Location"] == check_url
    page = client.get(check_url).text
    assert 'id="f-versicherung_richtig"' in page
    assert 'id="fehlerzusammenfassung"' not in page  # a question, not yet an error
    key = idempotency_key(page)
    url = reverse("submissions:submit", args=[public_id])
    refused = client.post(url, {"idempotency_key": key})
    assert refused.status_code == 200
    assert 'href="#f-versicherung_richtig"' in refused.text
    assert "Bitte bestätigen Sie" in refused.text
    assert 'id="absenden-form"' in refused.text
    assert not Application.applicant_objects.exists()
    done = client.post(url, {"idempotency_key": key} | ERKLAERUNG)
    assert done.status_code == 303
    application = Application.applicant_objects.get()
    assert application.data["versicherung_richtig"] is True
    # The confirmation goes to the address the contact step gave (asked once, there).
    assert application.email == HALTER["halter.email"]
    owed = outbox.mails_about(application).values_list("recipient", flat=True)
    assert list(owed) == [HALTER["halter.email"]]


def test_submit_without_a_key_is_refused(client, public_id):
    fill_all(client, public_id)
    response = client.post(reverse("submissions:submit", args=[public_id]), {})
    assert response.status_code == 400
    assert "Bitte laden Sie die Seite neu" in response.text
    assert not Application.applicant_objects.exists()


def test_other_value_errors_of_the_submit_are_not_passed_off_as_a_stale_page(
    client, public_id, monkeypatch
):
    # Only a missing key means "reload the page"; any other ValueError is a bug to see.
    fill_all(client, public_id)

    def broken(**kwargs):
        raise ValueError("a bug somewhere in the submit")

    monkeypatch.setattr(services, "application_submit", broken)
    with pytest.raises(ValueError, match="a bug somewhere"):
        submit(client, public_id)


def test_a_gemeinde_gone_from_the_register_asks_to_start_again(client, public_id):
    fill_all(client, public_id)
    Draft.applicant_objects.filter(public_id=public_id).update(gemeinde_ars="159999999999")
    response = submit(client, public_id)
    assert response.status_code == 200
    assert "steht so nicht mehr im amtlichen Gemeindeverzeichnis" in response.text
    assert reverse("submissions:start", args=[HUNDEHALTUNG]) in response.text
    assert not Application.applicant_objects.exists()


def test_invalid_data_at_submit_shows_the_errors(client, public_id):
    client.post(step_url(public_id, "anliegen"), ANLIEGEN)
    response = client.post(
        reverse("submissions:submit", args=[public_id]), {"idempotency_key": "k1"}
    )
    assert response.status_code == 200
    assert 'id="fehlerzusammenfassung"' in response.text
    assert "noch nicht vollständig" in response.text
    assert not Application.applicant_objects.exists()


def test_receipt_status_and_pdf_are_404_for_others(client, public_id):
    fill_all(client, public_id)
    receipt_url = submit(client, public_id)["Location"]
    reference = Application.applicant_objects.get().reference
    stranger = Client()
    assert stranger.get(receipt_url).status_code == 404
    assert stranger.get(reverse("submissions:status", args=[reference])).status_code == 404
    assert stranger.get(reverse("submissions:receipt_pdf", args=[reference])).status_code == 404
    wrong = f"{reverse('submissions:status', args=[reference])}?token={'A' * 43}"
    assert stranger.get(wrong).status_code == 404
    stranger.force_login(UserFactory())
    assert stranger.get(receipt_url).status_code == 404


def test_status_page_by_secret_link_shows_the_timeline(client, public_id):
    fill_all(client, public_id)
    receipt = client.get(submit(client, public_id)["Location"]).text
    link = re.search(r'id="status-link" href="https?://[^/"]+([^"]+)"', receipt).group(1)
    stranger = Client()  # another browser with the link from the e-mail
    response = stranger.get(link)
    assert response.status_code == 200
    text = response.text
    assert '<meta name="robots" content="noindex, nofollow">' in text
    assert response["Referrer-Policy"] == "no-referrer"
    assert "<h1" in text
    assert "Stand Ihres Antrags" in text
    assert 'id="verlauf"' in text
    assert "Eingereicht" in text
    assert "Der zuständigen Stelle zugestellt" in text
    # Links on the page carry the token, so they work in this browser too.
    token = link.split("token=")[1]
    pdf_link = reverse(
        "submissions:receipt_pdf", args=[Application.applicant_objects.get().reference]
    )
    assert f"{pdf_link}?token={token}" in text
    assert stranger.get(f"{pdf_link}?token={token}").status_code == 200


def test_status_page_for_the_logged_in_owner_and_my_applications(client):
    offer_hundesteuer()
    user = UserFactory()
    client.force_login(user)
    public_id = draft_id(start_draft(client))
    overview = client.get(reverse("accounts:overview")).text
    assert 'id="meine-antraege"' in overview
    assert reverse("submissions:resume", args=[public_id]) in overview
    fill_all(client, public_id)
    submit(client, public_id)
    application = Application.applicant_objects.get()
    assert application.user == user
    status = client.get(reverse("submissions:status", args=[application.reference]))
    assert status.status_code == 200
    assert "token=" not in status.text
    overview = client.get(reverse("accounts:overview")).text
    assert application.reference in overview
    assert reverse("submissions:status", args=[application.reference]) in overview
    assert reverse("submissions:resume", args=[public_id]) not in overview


def test_my_applications_empty_state(client):
    client.force_login(UserFactory())
    assert 'id="keine-antraege"' in client.get(reverse("accounts:overview")).text


def test_application_files_are_downloadable_from_the_status_page(client):
    make_offer()  # test form with file fields
    public_id = draft_id(start_draft(client))
    client.post(step_url(public_id, "person"), {"name": "Erika Mustermann"})
    client.post(
        step_url(public_id, "unterlagen"),
        {"nachweis": upload("nachweis.pdf", PDF_BYTES), "hunde._count": "0"},
    )
    submit(client, public_id)
    application = Application.applicant_objects.get()
    status = client.get(reverse("submissions:status", args=[application.reference])).text
    match = re.search(r'href="(/antrag/[^"]+/datei/[0-9a-f-]{36}/)"', status)
    response = client.get(match.group(1))
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert Client().get(match.group(1)).status_code == 404
    assert Draft.applicant_objects.get(public_id=public_id).is_submitted


def test_a_draft_started_on_version_1_is_shown_checked_and_submitted_on_version_1(client):
    v1 = make_offer().version
    first = start_draft(client)
    public_id = draft_id(first)
    client.post(first, {"name": "Erika Mustermann", "_action": "weiter"})
    v2 = publish_form(stricter_test_form())
    # The steps and the check page are those of version 1: no new field, no new limit.
    page = client.get(first).text
    assert 'name="telefon"' not in page
    check = client.get(reverse("submissions:check", args=[public_id])).text
    assert 'id="fehlerzusammenfassung"' not in check
    assert "Erika Mustermann" in check
    assert submit(client, public_id).status_code == 303
    application = Application.applicant_objects.get()
    assert application.form_version == v1 != v2
    assert application.data["name"] == "Erika Mustermann"
    # Someone starting now gets version 2.
    other = Client()
    assert 'name="telefon"' in other.get(start_draft(other)).text
