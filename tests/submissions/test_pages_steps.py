"""One question group per screen: navigation, errors with input kept, conditions, repeats,
saving for later, and who may open a draft."""

import datetime
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from openkommune.core import outbox
from openkommune.submissions.constants import RESUME_LINK_COOLDOWN_MINUTES
from openkommune.submissions.models import Draft
from tests.accounts.factories import UserFactory
from tests.submissions.factories import private_media  # noqa: F401
from tests.submissions.journey_support import (
    ANLIEGEN,
    draft_id,
    hund,
    offer_hundesteuer,
    start_draft,
    step_url,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


@pytest.fixture
def draft_url(client):
    offer_hundesteuer()
    return start_draft(client)


def _draft(url) -> Draft:
    return Draft.applicant_objects.get(public_id=draft_id(url))


def test_first_step_has_title_heading_progress_and_buttons(client, draft_url):
    text = client.get(draft_url).text
    assert (
        "<title>Ihr Anliegen und Ihre Angaben – Hundesteuer: Hund an- oder abmelden – OpenKommune"
        "</title>" in text
    )
    assert '<h1 class="kern-heading-large" lang="de">Ihr Anliegen und Ihre Angaben</h1>' in text
    # Two screens: the declaration is asked on the check page.
    assert "Schritt 1 von 2" in text
    assert '<progress id="fortschritt-balken" max="2" value="1">' in text
    assert 'enctype="multipart/form-data"' in text
    assert 'name="_action" value="weiter"' in text
    assert 'name="_action" value="speichern"' in text
    assert 'value="zurueck"' not in text  # nothing before the first step
    assert 'id="f-anlass"' in text
    assert '<meta name="robots" content="noindex">' in text


def test_weiter_saves_and_goes_to_the_next_step(client, draft_url):
    response = client.post(draft_url, ANLIEGEN | {"_action": "weiter"})
    assert response.status_code == 302
    public_id = draft_id(draft_url)
    assert response["Location"] == step_url(public_id, "hunde")
    assert _draft(draft_url).data["anlass"] == "an"
    page = client.get(response["Location"]).text
    assert "Schritt 2 von 2" in page
    assert 'name="_action" value="zurueck"' in page


def test_enter_without_a_button_name_counts_as_weiter(client, draft_url):
    response = client.post(draft_url, ANLIEGEN)
    assert response["Location"].endswith("/hunde/")


def test_validation_error_keeps_every_input_and_links_the_summary(client, draft_url):
    public_id = draft_id(draft_url)
    typed = ANLIEGEN | {
        "halter.nachname": "",
        "halter.geburtsdatum": "31.02.1980",
        "halter.anschrift.postcode": "3910",
    }
    response = client.post(draft_url, typed | {"_action": "weiter"})
    assert response.status_code == 200
    text = response.text
    assert "<title>Fehler: Ihr Anliegen und Ihre Angaben – Hundesteuer" in text
    assert 'id="fehlerzusammenfassung"' in text
    assert 'href="#f-halter-nachname"' in text
    assert 'href="#f-halter-geburtsdatum"' in text
    assert 'href="#f-halter-anschrift-postcode"' in text
    assert 'id="f-halter-nachname--error"' in text
    assert 'aria-invalid="true"' in text
    # Nothing typed is lost, also not what was wrong.
    assert 'value="Erika"' in text
    assert 'value="31.02.1980"' in text
    assert 'value="3910"' in text
    assert 'value="Breiter Weg"' in text
    stored = _draft(draft_url).data["halter"]
    assert stored["vorname"] == "Erika"
    assert stored["geburtsdatum"] == "31.02.1980"

    fixed = client.post(draft_url, ANLIEGEN)
    assert fixed["Location"] == step_url(public_id, "hunde")


def test_zurueck_saves_without_checking(client, draft_url):
    public_id = draft_id(draft_url)
    client.post(draft_url, ANLIEGEN)
    response = client.post(
        step_url(public_id, "hunde"), {"hunde.0.hund_name": "Bello", "_action": "zurueck"}
    )
    assert response["Location"] == step_url(public_id, "anliegen")
    assert _draft(draft_url).data["hunde"][0]["hund_name"] == "Bello"
    again = client.get(step_url(public_id, "hunde")).text
    assert 'value="Bello"' in again
    assert 'id="fehlerzusammenfassung"' not in again
    again = client.get(step_url(public_id, "anliegen")).text
    assert 'value="Erika"' in again


def test_fields_depending_on_another_step_are_shown_or_hidden(client, draft_url):
    public_id = draft_id(draft_url)
    client.post(draft_url, ANLIEGEN)
    anmeldung = client.get(step_url(public_id, "hunde")).text
    assert 'id="f-hunde-0-wurfdatum"' in anmeldung
    # Neither the deregistration's questions nor their follow-ups (a registration used to
    # show ~20 of them, with hints about a question not on the page).
    for field in ("abmeldegrund", "abmeldedatum", "steuermarke", "neuer_halter_name"):
        assert f'id="f-hunde-0-{field}"' not in anmeldung, field
    assert 'id="f-hunde-0-neue_anschrift"' not in anmeldung
    assert 'id="f-hunde-0-neuer_halter_anschrift"' not in anmeldung

    client.post(draft_url, ANLIEGEN | {"anlass": "ab"})
    abmeldung = client.get(step_url(public_id, "hunde")).text
    assert 'id="f-hunde-0-wurfdatum"' not in abmeldung
    assert 'id="f-hunde-0-abmeldegrund"' in abmeldung
    assert 'id="f-hunde-0-neuer_halter_name"' in abmeldung  # follows an answer on this page
    assert 'id="f-zahlungsweise"' not in abmeldung


def test_fields_depending_on_the_same_step_say_when_they_apply(client, draft_url):
    public_id = draft_id(draft_url)
    client.post(draft_url, ANLIEGEN)
    page = client.get(step_url(public_id, "hunde")).text
    # Shown without JavaScript, with the condition in words.
    assert 'id="f-hunde-0-erlaubnis_behoerde"' in page
    assert "Nur nötig, wenn Sie bei „Ist der Hund ein gefährlicher Hund?“" in page

    # Not dangerous: the permit questions are not required.
    payment = {"zahlungsweise": "ueberweisung"}
    response = client.post(step_url(public_id, "hunde"), hund(gefaehrlich="nein") | payment)
    assert response.status_code == 302
    # Dangerous: now they are.
    response = client.post(step_url(public_id, "hunde"), hund(gefaehrlich="ja") | payment)
    assert response.status_code == 200
    assert 'href="#f-hunde-0-erlaubnis_behoerde"' in response.text


def test_repeat_add_and_remove_without_javascript(client, draft_url):
    public_id = draft_id(draft_url)
    client.post(draft_url, ANLIEGEN)
    url = step_url(public_id, "hunde")
    first = hund(hund_name="Bello", rasse="")  # incomplete: adding must not complain
    response = client.post(url, first | {"_add": "hunde"})
    assert response.status_code == 200
    text = response.text
    assert 'id="fehlerzusammenfassung"' not in text
    assert 'id="f-hunde-1-rasse"' in text
    assert 'value="Bello"' in text
    assert len(_draft(draft_url).data["hunde"]) == 2

    both = hund(0, hund_name="Bello") | hund(1, hund_name="Luna") | {"hunde._count": "2"}
    response = client.post(url, both | {"_remove": "hunde.0"})
    text = response.text
    assert 'id="f-hunde-1-rasse"' not in text
    assert 'value="Luna"' in text
    assert 'value="Bello"' not in text
    assert [h["hund_name"] for h in _draft(draft_url).data["hunde"]] == ["Luna"]


def test_return_to_the_check_page_after_a_change(client, draft_url):
    public_id = draft_id(draft_url)
    page = client.get(f"{step_url(public_id, 'anliegen')}?zurueck=pruefen").text
    assert 'name="_return" value="pruefen"' in page
    assert "Weiter zur Übersicht" in page
    response = client.post(draft_url, ANLIEGEN | {"_return": "pruefen"})
    assert response["Location"].endswith("/pruefen/")


def test_save_for_later_sends_the_resume_link(
    client, draft_url, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    public_id = draft_id(draft_url)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(draft_url, ANLIEGEN | {"anlass": "", "_action": "speichern"})
    assert response["Location"].endswith(f"/entwurf/{public_id}/gespeichert/")
    saved = client.get(response["Location"]).text
    assert "Ihr Antrag ist gespeichert" in saved
    assert f'id="jetzt-fortsetzen" href="{step_url(public_id, "anliegen")}"' in saved
    assert "erika@example.org" in saved
    assert 'id="link-gueltig"' in saved
    [message] = mail.outbox
    assert message.to == ["erika@example.org"]
    assert re.search(rf"/antrag/fortsetzen/{public_id}/\?token=[A-Za-z0-9_-]{{43}}", message.body)
    # Sending again from the saved page, once the cooldown is over.
    _age_resume_links(public_id, minutes=RESUME_LINK_COOLDOWN_MINUTES + 1)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response["Location"])
    assert len(mail.outbox) == 2


def _age_resume_links(public_id: str, *, minutes: int) -> None:
    outbox.mails_about(Draft.applicant_objects.get(public_id=public_id)).update(
        created_at=timezone.now() - datetime.timedelta(minutes=minutes)
    )


def test_resume_link_is_not_sent_again_within_the_cooldown(
    client, draft_url, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    public_id = draft_id(draft_url)
    saved_url = reverse("submissions:saved", args=[public_id])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(draft_url, ANLIEGEN | {"anlass": "", "_action": "speichern"})
    assert len(mail.outbox) == 1
    _age_resume_links(public_id, minutes=RESUME_LINK_COOLDOWN_MINUTES - 3)
    # Pressing "Link per E-Mail senden" and "Speichern" again: no new e-mail, a clear word.
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(saved_url, follow=True)
        client.post(draft_url, ANLIEGEN | {"_action": "speichern"})
    assert len(mail.outbox) == 1
    assert outbox.mails_about(Draft.applicant_objects.get(public_id=public_id)).count() == 1
    assert again.status_code == 200
    assert "vor Kurzem gesendet" in again.text
    assert "in 3 Minuten anfordern" in again.text
    # Saving still saved what was typed.
    assert _draft(draft_url).data["anlass"] == "an"


def test_saving_before_the_contact_step_asks_where_to_send_the_link(
    client, draft_url, settings, django_capture_on_commit_callbacks
):
    """No e-mail screen before the form: who saves before giving an address is asked for
    one on the saved page (a wrong one is refused with nothing sent)."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    public_id = draft_id(draft_url)
    response = client.post(draft_url, {"anlass": "an", "_action": "speichern"})
    saved_url = response["Location"]
    page = client.get(saved_url).text
    assert 'id="link-senden-form"' in page
    assert 'name="email"' in page
    assert mail.outbox == []
    wrong = client.post(saved_url, {"email": "kein-at-zeichen"})
    assert wrong.status_code == 422
    assert 'href="#id_email"' in wrong.text
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        client.post(saved_url, {"email": "erika@example.org"})
    [message] = mail.outbox
    assert message.to == ["erika@example.org"]
    assert _draft(draft_url).email == "erika@example.org"
    assert "erika@example.org" in client.get(saved_url).text
    assert str(public_id) in message.body


def test_logged_in_save_points_to_the_account(client):
    offer_hundesteuer()
    client.force_login(UserFactory())
    first = start_draft(client)
    response = client.post(first, {"_action": "speichern"})
    saved = client.get(response["Location"]).text
    assert "Meine Anträge" in saved
    assert mail.outbox == []


def test_unknown_step_is_404(client, draft_url):
    public_id = draft_id(draft_url)
    assert client.get(step_url(public_id, "gibtsnicht")).status_code == 404


def test_another_session_or_user_gets_404(client, draft_url):
    public_id = draft_id(draft_url)
    stranger = Client()
    assert stranger.get(draft_url).status_code == 404
    assert stranger.post(draft_url, ANLIEGEN).status_code == 404
    stranger.force_login(UserFactory())
    assert stranger.get(draft_url).status_code == 404
    assert stranger.get(f"/antrag/entwurf/{public_id}/pruefen/").status_code == 404
    # Only what the start filled in: the place.
    assert _draft(draft_url).data == {
        "halter": {"anschrift": {"postcode": "39104", "city": "Magdeburg"}}
    }


def test_a_users_draft_is_not_open_to_another_user(client):
    offer_hundesteuer()
    owner = UserFactory()
    client.force_login(owner)
    url = start_draft(client)
    other = Client()
    other.force_login(UserFactory())
    assert other.get(url).status_code == 404
    assert client.get(url).status_code == 200


_TYPED = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=40)


@hypothesis_settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(vorname=_TYPED, strasse=_TYPED, datum=_TYPED)
def test_whatever_is_typed_comes_back_on_the_error_page(client, draft_url, vorname, strasse, datum):
    """Nothing typed is lost: with an error on the step, every value is stored exactly as
    typed and shown again in its field."""
    url = draft_url
    typed = ANLIEGEN | {
        "halter.vorname": vorname,
        "halter.nachname": "",
        "halter.geburtsdatum": datum,
        "halter.anschrift.street": strasse,
    }
    response = client.post(url, typed)
    assert response.status_code == 200
    assert 'href="#f-halter-nachname"' in response.text
    for value in (vorname, strasse):
        assert f'value="{escape(value)}"' in response.text
    stored = _draft(draft_url).data["halter"]
    assert stored["vorname"] == vorname
    assert stored["anschrift"]["street"] == strasse
    assert stored["geburtsdatum"] == datum
