import re

import pytest
from django.core import mail
from django.urls import reverse

from openkommune.tenancy.constants import ACTIVE_ORGANISATION_SESSION_KEY, Role
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from tests.accounts.factories import PASSWORD, UserFactory
from tests.tenancy.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def test_urls_are_german_and_named():
    assert reverse("accounts:login") == "/konto/anmelden/"
    assert reverse("accounts:logout") == "/konto/abmelden/"
    assert reverse("accounts:overview") == "/konto/"


def test_login_page_renders_the_form(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="login-form"' in html
    assert 'id="id_username"' in html
    assert 'id="id_password"' in html
    assert "E-Mail-Adresse" in html
    assert 'type="email"' in html


def test_login_with_email_and_password(client):
    user = UserFactory(email="anna@test.example.org")
    response = client.post(
        reverse("accounts:login"), {"username": "Anna@test.example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_failed_login_shows_summary_keeps_email_and_marks_fields(client):
    UserFactory(email="anna@test.example.org")
    response = client.post(
        reverse("accounts:login"), {"username": "anna@test.example.org", "password": "falsch"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="fehlerzusammenfassung"' in html
    assert 'href="#id_username"' in html
    assert "nicht richtig" in html
    assert 'value="anna@test.example.org"' in html
    assert html.count('aria-invalid="true"') == 2
    assert 'aria-describedby="login-error"' in html
    assert 'id="login-error"' in html
    assert "_auth_user_id" not in client.session


def test_empty_login_form_links_errors_to_fields(client):
    response = client.post(reverse("accounts:login"), {"username": "", "password": ""})
    html = response.content.decode()
    assert 'href="#id_username"' in html
    assert 'href="#id_password"' in html
    assert 'aria-describedby="id_username-error"' in html


def test_logout_only_by_post(client):
    client.force_login(UserFactory())
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_reset_journey(client):
    user = UserFactory(email="vergessen@test.example.org", first_name="Geheimvorname")
    response = client.get(reverse("accounts:password_reset"))
    assert response.status_code == 200
    response = client.post(reverse("accounts:password_reset"), {"email": user.email})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert client.get(response["Location"]).status_code == 200

    [message] = mail.outbox
    assert message.to == [user.email]
    assert message.subject == "Neues Passwort für OpenKommune"
    assert "Geheimvorname" not in message.body
    assert user.email not in message.body
    link = re.search(r"https?://[^/\s]+(/konto/passwort-neu/\S+/)", message.body).group(1)

    # Django redirects the token link to a session-bound URL before showing the form.
    response = client.get(link, follow=True)
    assert response.status_code == 200
    assert 'id="set-password-form"' in response.content.decode()
    form_url = response.redirect_chain[-1][0]
    new_password = "ein-neues-sicheres-passwort"
    response = client.post(form_url, {"new_password1": new_password, "new_password2": new_password})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(new_password)
    assert user.password.startswith("argon2")
    with scopes_disabled():
        record = AuditRecord.objects.get(action="user.update", object_id=str(user.pk))
    assert record.after == {"password": "geändert"}
    assert "argon2" not in str(record.after)
    # The link works once only.
    assert "Link ungültig" in client.get(link, follow=True).content.decode()


def test_reset_link_is_spent_even_when_the_same_password_is_set_again(client):
    user = UserFactory(email="gleich@test.example.org")
    old_password = "richtig-geheim-42"
    assert user.check_password(old_password)
    client.post(reverse("accounts:password_reset"), {"email": user.email})
    link = re.search(r"https?://[^/\s]+(/konto/passwort-neu/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": old_password, "new_password2": old_password})
    assert response.status_code == 302
    # The token is derived from the hash; a new salt must make the old link useless.
    assert "Link ungültig" in client.get(link, follow=True).content.decode()


def test_password_reset_for_unknown_address_sends_nothing_and_looks_the_same(client):
    response = client.post(reverse("accounts:password_reset"), {"email": "nie@test.example.org"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_password_reset_mismatch_keeps_form_with_errors(client):
    user = UserFactory(email="x@test.example.org")
    client.post(reverse("accounts:password_reset"), {"email": user.email})
    link = re.search(r"https?://[^/\s]+(/konto/passwort-neu/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "a-long-pass-1", "new_password2": "b"})
    assert response.status_code == 200
    assert 'id="fehlerzusammenfassung"' in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()


def test_overview_needs_login(client):
    response = client.get(reverse("accounts:overview"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_overview_shows_memberships_and_roles(client):
    clerk = MembershipFactory(tenant=OrganisationFactory(name="Gemeinde Barleben"))
    MembershipFactory(tenant=clerk.tenant, user=clerk.user, role=Role.MEMBER_ADMIN)
    client.force_login(clerk.user)
    html = client.get(reverse("accounts:overview")).content.decode()
    assert "Gemeinde Barleben" in html
    assert "Sachbearbeitung, Mitgliedsverwaltung" in html
    assert 'id="organisation-switch-form"' not in html  # only one organisation


def test_citizen_overview_has_no_memberships(client):
    client.force_login(UserFactory())
    html = client.get(reverse("accounts:overview")).content.decode()
    assert "keiner Organisation zugeordnet" in html


def test_switch_to_own_organisation(client):
    first = MembershipFactory(tenant=OrganisationFactory(name="A-Stadt"))
    second = MembershipFactory(tenant=OrganisationFactory(name="B-Dorf"), user=first.user)
    client.force_login(first.user)
    html = client.get(reverse("accounts:overview")).content.decode()
    assert 'id="organisation-switch-form"' in html
    response = client.post(
        reverse("accounts:switch_organisation"), {"organisation": str(second.tenant.public_id)}
    )
    assert response.status_code == 302
    assert client.session[ACTIVE_ORGANISATION_SESSION_KEY] == str(second.tenant.public_id)
    response = client.get(reverse("accounts:overview"))
    assert response.context["active_organisation"] == second.tenant


@pytest.mark.parametrize("value", ["foreign", "not-a-uuid", ""])
def test_switch_to_foreign_organisation_is_404_and_changes_nothing(client, value):
    mine = MembershipFactory()
    foreign = OrganisationFactory()
    client.force_login(mine.user)
    organisation = str(foreign.public_id) if value == "foreign" else value
    response = client.post(reverse("accounts:switch_organisation"), {"organisation": organisation})
    assert response.status_code == 404
    assert ACTIVE_ORGANISATION_SESSION_KEY not in client.session
    assert client.get(reverse("accounts:overview")).context["active_organisation"] == mine.tenant


def test_switch_needs_post(client):
    client.force_login(UserFactory())
    assert client.get(reverse("accounts:switch_organisation")).status_code == 405
