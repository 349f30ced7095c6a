"""The office's contact page: address with an OpenStreetMap link, the vCard, and the contact
form: stored and mailed through the outbox, with spam protection without third parties
(a trap field, a minimum fill time, a rate limit per client) and a privacy notice."""

import datetime
import time

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from openkommune.core.models import OutboxMail
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from openkommune.website import services
from openkommune.website.constants import CONTACT_LIMIT_PER_CLIENT, CONTACT_RETENTION_DAYS
from openkommune.website.forms import fill_started_token
from openkommune.website.models import ContactMessage
from tests.tenancy.factories import cooperative

pytestmark = pytest.mark.django_db
# Days beyond the retention period for an expired row: two, so that it is a whole local day
# older whatever the daylight-saving offset between then and now (with one, a run between
# 23:00 and 24:00 winter time backdated the row onto the cut-off's local day in summer time,
# and it was kept).
OVER = 2
CONTACT = reverse("website:contact")


@pytest.fixture
def office():
    organisation = cooperative()
    organisation.street = "Musterstraße 1"
    organisation.postcode = "39104"
    organisation.city = "Magdeburg"
    organisation.email = "geschaeftsstelle@test.example.org"
    organisation.save()
    return organisation


def _form(**overrides):
    data = {
        "name": "Erika Mustermann",
        "email": "erika@test.example.org",
        "subject": "Frage zum Beitritt",
        "message": "Wie wird unsere Gemeinde Mitglied? Grüße & Dank",
        "privacy": "on",
        "homepage": "",
        "started": fill_started_token(time.time() - 30),
    }
    return data | overrides


def test_contact_page_shows_the_office_map_link_vcard_and_privacy_notice(client, office):
    page = client.get(CONTACT).text
    assert "Musterstraße 1" in page
    assert (
        'href="https://www.openstreetmap.org/search?query=Musterstra%C3%9Fe+1%2C+39104+Magdeburg"'
        in page
    )
    assert reverse("website:office_vcard") in page
    assert 'id="datenschutz"' in page
    assert f"{CONTACT_RETENTION_DAYS} Tage" in page
    assert 'id="demo-anschrift"' in page  # the test cooperative is demo data


def test_message_is_stored_mailed_to_the_office_and_confirmed(
    client, office, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(CONTACT, _form())
    assert response.status_code == 302
    assert response["Location"] == reverse("website:contact_sent")
    message = ContactMessage.objects.get()
    assert message.subject == "Frage zum Beitritt"
    assert OutboxMail.objects.get().status == "sent"
    [email] = mail.outbox
    assert email.to == ["geschaeftsstelle@test.example.org"]
    assert email.reply_to == ["erika@test.example.org"]
    assert email.subject == "Kontaktanfrage: Frage zum Beitritt"
    assert "Grüße & Dank" in email.body  # not HTML-escaped
    with scopes_disabled():
        assert AuditRecord.objects.filter(action="contact_message.received").count() == 1
    confirmation = client.get(response["Location"])
    assert "Vielen Dank für Ihre Nachricht" in confirmation.text


def test_filled_trap_field_is_dropped_silently(client, office):
    response = client.post(CONTACT, _form(homepage="https://spam.example"))
    assert response.status_code == 302
    assert not ContactMessage.objects.exists()
    assert not OutboxMail.objects.exists()


def test_a_form_sent_too_fast_is_refused_and_keeps_the_input(client, office):
    response = client.post(CONTACT, _form(started=fill_started_token(time.time())))
    assert response.status_code == 422
    assert "Das ging sehr schnell." in response.text
    assert "Wie wird unsere Gemeinde Mitglied?" in response.text
    assert not ContactMessage.objects.exists()


@pytest.mark.parametrize("kind", ["missing", "forged", "stale"])
def test_a_missing_forged_or_stale_start_time_is_refused(client, office, kind):
    # Built in the test: a token signed at collection time would differ between the xdist
    # workers (its signature carries the signing time), and they must collect the same tests.
    started = {"missing": "", "forged": "gefälscht", "stale": fill_started_token(0)}[kind]
    response = client.post(CONTACT, _form(started=started))
    assert response.status_code == 422
    assert "noch einmal ab" in response.text
    assert not ContactMessage.objects.exists()
    # The form shown again carries a fresh start time, so the next try can go through.
    assert response.context["form"].data["started"] != started


def test_invalid_input_gets_german_errors_and_nothing_is_stored(client, office):
    response = client.post(CONTACT, _form(email="kein-at", privacy=""))
    assert response.status_code == 422
    assert "gültige E-Mail-Adresse" in response.text
    assert "Datenschutzhinweis gelesen haben" in response.text
    assert 'value="Erika Mustermann"' in response.text
    assert not ContactMessage.objects.exists()


@override_settings(TRUST_X_FORWARDED_FOR=False)
def test_too_many_messages_from_one_client_are_refused(client, office):
    for _ in range(CONTACT_LIMIT_PER_CLIENT):
        assert client.post(CONTACT, _form(), REMOTE_ADDR="192.0.2.7").status_code == 302
    refused = client.post(CONTACT, _form(), REMOTE_ADDR="192.0.2.7")
    assert refused.status_code == 429
    assert "zu viele Anfragen" in refused.text
    assert ContactMessage.objects.count() == CONTACT_LIMIT_PER_CLIENT
    # Another client is not affected.
    assert client.post(CONTACT, _form(), REMOTE_ADDR="192.0.2.8").status_code == 302


def test_without_an_office_address_the_message_is_kept_and_not_mailed(client):
    organisation = cooperative()
    organisation.email = ""
    organisation.save()
    assert client.post(CONTACT, _form()).status_code == 302
    assert ContactMessage.objects.count() == 1
    assert OutboxMail.objects.get().status == "no_address"


def test_messages_are_deleted_after_the_retention_period(office):
    old = services.contact_message_submit(
        name="A", email="a@test.example.org", subject="s", message="m"
    )
    new = services.contact_message_submit(
        name="B", email="b@test.example.org", subject="s", message="m"
    )
    ContactMessage.objects.filter(pk=old.pk).update(
        created_at=old.created_at - datetime.timedelta(days=CONTACT_RETENTION_DAYS + OVER)
    )
    assert services.contact_messages_delete_expired(dry_run=True) == 1
    assert ContactMessage.objects.count() == 2
    assert services.contact_messages_delete_expired() == 1
    assert list(ContactMessage.objects.all()) == [new]
    # Its e-mail row goes with it (no address left behind).
    assert OutboxMail.objects.count() == 1


def test_the_daily_retention_run_deletes_old_messages(office):
    from io import StringIO

    from django.core.management import call_command

    old = services.contact_message_submit(
        name="A", email="a@test.example.org", subject="s", message="m"
    )
    ContactMessage.objects.filter(pk=old.pk).update(
        created_at=old.created_at - datetime.timedelta(days=CONTACT_RETENTION_DAYS + OVER)
    )
    out = StringIO()
    call_command("run_retention", "--dry-run", stdout=out)
    assert "Kontaktanfragen: 1 fällig." in out.getvalue()
    assert ContactMessage.objects.count() == 1
    out = StringIO()
    call_command("run_retention", stdout=out)
    assert "Kontaktanfragen: 1 gelöscht." in out.getvalue()
    assert not ContactMessage.objects.exists()
    with scopes_disabled():
        assert AuditRecord.objects.filter(action="contact_message.retention").count() == 1


def test_the_daily_retention_task_includes_contact_messages(office, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    from openkommune.cases.tasks import run_retention_daily

    old = services.contact_message_submit(
        name="A", email="a@test.example.org", subject="s", message="m"
    )
    ContactMessage.objects.filter(pk=old.pk).update(
        created_at=old.created_at - datetime.timedelta(days=CONTACT_RETENTION_DAYS + OVER)
    )
    result = run_retention_daily.enqueue()
    assert result.return_value["contact_messages"] == 1
    assert not ContactMessage.objects.exists()
