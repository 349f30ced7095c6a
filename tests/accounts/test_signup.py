"""Citizen sign-up: e-mail first, the password behind the link, no account enumeration."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from openkommune.accounts.models import User
from openkommune.accounts.tokens import account_activation_token
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Hundehaufen-Sommer-2026"


def _link(message) -> str:
    return re.search(r"https?://[^/\s]+(/konto/registrieren/\S+/)", message.body).group(1)


def test_signup_urls_are_german():
    assert reverse("accounts:signup") == "/konto/registrieren/"
    assert reverse("accounts:signup_done") == "/konto/registrieren/gesendet/"


def test_login_page_links_to_signup(client):
    assert reverse("accounts:signup") in client.get(reverse("accounts:login")).text


def test_signup_page_renders_the_form(client):
    response = client.get(reverse("accounts:signup"))
    assert response.status_code == 200
    assert 'id="signup-form"' in response.text
    assert '<label class="kern-label" for="id_email">E-Mail-Adresse' in response.text
    assert "<h1" in response.text


def test_invalid_email_shows_summary_and_keeps_input(client):
    response = client.post(reverse("accounts:signup"), {"email": "anna-at-example"})
    assert response.status_code == 200
    text = response.text
    assert 'id="fehlerzusammenfassung"' in text
    assert 'href="#id_email"' in text
    assert 'value="anna-at-example"' in text
    assert 'aria-invalid="true"' in text
    assert "<title>Fehler:" in text
    assert not User.objects.filter(email__icontains="anna").exists()
    assert mail.outbox == []


def test_signup_creates_an_inactive_account_and_sends_the_link(client):
    response = client.post(reverse("accounts:signup"), {"email": "neu@test.example.org"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:signup_done")
    user = User.objects.get(email="neu@test.example.org")
    assert not user.is_active
    assert not user.has_usable_password()
    with scopes_disabled():
        assert AuditRecord.objects.filter(action="user.create", object_id=str(user.pk)).exists()
    [message] = mail.outbox
    assert message.to == ["neu@test.example.org"]
    assert "/konto/registrieren/" in message.body
    # Inactive without a password: nobody can log in yet.
    assert not client.login(username="neu@test.example.org", password=PASSWORD)


def test_activation_link_sets_password_activates_and_logs_in(client):
    client.post(reverse("accounts:signup"), {"email": "neu@test.example.org"})
    link = _link(mail.outbox[0])
    response = client.get(link)
    # The token leaves the URL before the form is shown (no leak through the Referer).
    assert response.status_code == 302
    form_url = response["Location"]
    assert "konto-anlegen" in form_url
    page = client.get(form_url)
    assert 'id="set-password-form"' in page.text
    assert "neu@test.example.org" in page.text

    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:overview")
    user = User.objects.get(email="neu@test.example.org")
    assert user.is_active
    assert user.check_password(NEW_PASSWORD)
    assert client.session["_auth_user_id"] == str(user.pk)
    overview = client.get(reverse("accounts:overview"))
    assert "Ihr Konto ist eingerichtet" in overview.text

    # Single use: the same link is invalid afterwards.
    client.logout()
    again = client.get(link, follow=True)
    assert "Link ungültig" in again.text


def test_weak_password_is_refused_with_message_at_the_field(client):
    client.post(reverse("accounts:signup"), {"email": "neu@test.example.org"})
    form_url = client.get(_link(mail.outbox[0]))["Location"]
    response = client.post(form_url, {"new_password1": "12345", "new_password2": "12345"})
    assert response.status_code == 200
    assert 'id="fehlerzusammenfassung"' in response.text
    assert 'id="id_new_password2-error"' in response.text
    assert not User.objects.get(email="neu@test.example.org").is_active


def test_existing_account_gets_a_hint_mail_and_the_same_page(client):
    user = UserFactory(email="schon.da@test.example.org")
    response = client.post(reverse("accounts:signup"), {"email": "Schon.Da@test.example.org"})
    # Same answer as for a new address: the page reveals nothing about existing accounts.
    assert response["Location"] == reverse("accounts:signup_done")
    assert User.objects.filter(email__iexact="schon.da@test.example.org").count() == 1
    [message] = mail.outbox
    assert message.to == [user.email]
    assert "bereits ein Konto" in message.body
    assert "/konto/passwort-vergessen/" in message.body
    assert "/konto/registrieren/" not in message.body
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_signup_of_a_deactivated_account_does_not_reenable_it(client):
    user = UserFactory(email="gesperrt@test.example.org", is_active=False)
    response = client.post(reverse("accounts:signup"), {"email": user.email})
    assert response["Location"] == reverse("accounts:signup_done")
    [message] = mail.outbox
    assert "deaktiviert" in message.body
    assert "/konto/registrieren/" not in message.body
    # A link made anyway (or sent before the deactivation) does not work.
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = account_activation_token.make_token(user)
    follow = client.get(
        reverse("accounts:signup_activate", kwargs={"uidb64": uid, "token": token}), follow=True
    )
    assert "Link ungültig" in follow.text
    user.refresh_from_db()
    assert not user.is_active
    assert user.check_password(PASSWORD)


def test_an_account_that_logged_in_before_cannot_be_activated_by_a_link():
    user = User.objects.create_user(email="alt@test.example.org", password=None, is_active=False)
    token = account_activation_token.make_token(user)
    assert account_activation_token.check_token(user, token)
    assert user.awaits_setup
    user.last_login = timezone.now()
    assert not user.awaits_setup
    assert not account_activation_token.check_token(user, token)


def test_repeated_signup_of_an_unconfirmed_address_sends_a_new_link(client):
    client.post(reverse("accounts:signup"), {"email": "neu@test.example.org"})
    client.post(reverse("accounts:signup"), {"email": "neu@test.example.org"})
    assert User.objects.filter(email="neu@test.example.org").count() == 1
    assert len(mail.outbox) == 2
    assert "/konto/registrieren/" in mail.outbox[1].body


def test_password_reset_link_is_no_activation_link(client):
    user = User.objects.create_user(email="neu@test.example.org", password=None, is_active=False)
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(user.pk))
    reset_token = default_token_generator.make_token(user)
    response = client.get(
        reverse("accounts:signup_activate", kwargs={"uidb64": uid, "token": reset_token})
    )
    assert "Link ungültig" in response.text
    assert account_activation_token.check_token(user, account_activation_token.make_token(user))


def test_logged_in_user_is_sent_to_the_overview(client):
    client.force_login(UserFactory())
    response = client.get(reverse("accounts:signup"))
    assert response["Location"] == reverse("accounts:overview")


def test_overview_still_renders_for_a_citizen(client):
    client.force_login(UserFactory())
    response = client.get(reverse("accounts:overview"))
    assert response.status_code == 200
    assert "keiner Organisation zugeordnet" in response.text
