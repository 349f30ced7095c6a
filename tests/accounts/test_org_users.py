"""The member administrator's page for the people and roles of their organisation."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from openkommune.accounts.models import User
from openkommune.accounts.services.org import LastMemberAdmin, organisation_role_revoke
from openkommune.tenancy.constants import ACTIVE_ORGANISATION_SESSION_KEY, Role
from openkommune.tenancy.models import AuditRecord, Membership
from openkommune.tenancy.scoping import scope, scopes_disabled
from tests.accounts.factories import UserFactory
from tests.tenancy.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

MEMBERS = reverse("accounts:org_members")
ADD = reverse("accounts:org_member_add")
REVOKE = reverse("accounts:org_role_revoke")


def _admin(tenant, **values):
    user = UserFactory(**values)
    MembershipFactory(tenant=tenant, user=user, role=Role.MEMBER_ADMIN)
    return user


def _roles(tenant, email):
    with scopes_disabled():
        return set(
            Membership.objects.filter(tenant=tenant, user__email__iexact=email).values_list(
                "role", flat=True
            )
        )


@pytest.fixture
def org():
    return OrganisationFactory(name="Stadt Teststadt")


@pytest.fixture
def admin_client(client, org):
    admin = _admin(org, email="admin@teststadt.example.org")
    client.force_login(admin)
    client.admin = admin
    return client


def test_urls():
    assert MEMBERS == "/konto/organisation/"
    assert ADD == "/konto/organisation/hinzufuegen/"


def test_anonymous_is_sent_to_login(client):
    for url in (MEMBERS, ADD):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
    assert client.post(REVOKE, {"email": "x@y.de", "role": "clerk"}).status_code == 302


@pytest.mark.parametrize("traits", [{}, {"clerk": True}, {"cooperative_staff": True}])
def test_people_without_the_member_admin_role_get_403(client, traits):
    client.force_login(UserFactory(**traits))
    assert client.get(MEMBERS).status_code == 403
    assert client.get(ADD).status_code == 403
    assert client.post(REVOKE, {"email": "x@y.de", "role": "clerk"}).status_code == 403


def test_list_shows_only_the_own_organisation(admin_client, org):
    clerk = UserFactory(email="clerk@teststadt.example.org", first_name="Clara", last_name="Klar")
    MembershipFactory(tenant=org, user=clerk, role=Role.CLERK)
    MembershipFactory(tenant=org, user=clerk, role=Role.MEMBER_ADMIN)
    other = OrganisationFactory(name="Nachbargemeinde")
    MembershipFactory(tenant=other, user=UserFactory(email="fremd@nachbar.example.org"))
    response = admin_client.get(MEMBERS)
    assert response.status_code == 200
    text = response.text
    assert "clerk@teststadt.example.org" in text
    assert "Clara Klar" in text
    assert "admin@teststadt.example.org" in text
    assert "fremd@nachbar.example.org" not in text
    assert "2 Personen arbeiten für Stadt Teststadt" in text
    # One revoke button per role, each named for screen readers.
    assert text.count('name="role" value="member_admin"') == 2
    assert text.count('name="role" value="clerk"') == 1


def test_add_existing_user_grants_role_audits_and_mails(
    admin_client, org, django_capture_on_commit_callbacks
):
    person = UserFactory(email="neu@teststadt.example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(ADD, {"email": "Neu@Teststadt.example.org", "role": "clerk"})
    assert response.status_code == 302
    assert response.url == MEMBERS
    assert _roles(org, person.email) == {Role.CLERK}
    with scopes_disabled():
        record = AuditRecord.objects.get(action="membership.grant", tenant=org)
    assert record.actor == admin_client.admin
    assert record.after == {"user": person.pk, "role": "clerk"}
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["neu@teststadt.example.org"]
    assert "Sachbearbeitung" in mail.outbox[0].body
    assert "/konto/anmelden/" in mail.outbox[0].body
    assert "hat jetzt die Rolle" in admin_client.get(MEMBERS).text


def _added_message(admin_client, email, django_capture_on_commit_callbacks) -> str:
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(ADD, {"email": email, "role": "clerk"})
    assert response.status_code == 302
    (message,) = [str(m) for m in admin_client.get(MEMBERS).context["messages"]]
    return message


def test_the_message_does_not_reveal_whether_the_address_has_an_account(
    admin_client, django_capture_on_commit_callbacks
):
    UserFactory(email="vorhanden@teststadt.example.org")
    UserFactory(email="aus@teststadt.example.org", is_active=False)
    known = _added_message(
        admin_client, "vorhanden@teststadt.example.org", django_capture_on_commit_callbacks
    )
    unknown = _added_message(
        admin_client, "unbekannt@teststadt.example.org", django_capture_on_commit_callbacks
    )
    deactivated = _added_message(
        admin_client, "aus@teststadt.example.org", django_capture_on_commit_callbacks
    )
    neutral = "hat jetzt die Rolle „Sachbearbeitung“. Die Person erhält eine E-Mail"
    for text, email in (
        (known, "vorhanden@"),
        (unknown, "unbekannt@"),
        (deactivated, "aus@"),
    ):
        assert text.startswith(email)
        assert neutral in text
        assert "eingeladen" not in text
    assert known.removeprefix("vorhanden") == unknown.removeprefix("unbekannt")


def test_adding_a_deactivated_account_does_not_reenable_it(
    admin_client, org, client, django_capture_on_commit_callbacks
):
    person = UserFactory(email="gesperrt@teststadt.example.org", is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(ADD, {"email": person.email, "role": "clerk"})
    assert response.status_code == 302
    assert _roles(org, person.email) == {Role.CLERK}
    (message,) = mail.outbox
    assert "/konto/registrieren/" not in message.body
    assert "deaktiviert" in message.body
    person.refresh_from_db()
    assert not person.is_active
    # Not even a link made for it works: the account was set up before.
    from openkommune.accounts.services.org import _activation_url

    link = _activation_url(person, "http://testserver").removeprefix("http://testserver")
    follow = client.get(link, follow=True)
    assert "ungültig" in follow.text
    person.refresh_from_db()
    assert not person.is_active
    assert "deaktiviert" in admin_client.get(MEMBERS).text


def test_add_unknown_address_invites_an_inactive_account_with_activation_link(
    admin_client, org, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            ADD, {"email": "kollegin@teststadt.example.org", "role": "member_admin"}
        )
    assert response.status_code == 302
    user = User.objects.get(email="kollegin@teststadt.example.org")
    assert not user.is_active
    assert not user.has_usable_password()
    assert _roles(org, user.email) == {Role.MEMBER_ADMIN}
    (message,) = mail.outbox
    link = re.search(r"http://testserver(/konto/registrieren/\S+)", message.body)
    assert link, message.body
    # The link leads to the password form that activates the account.
    follow = client.get(link.group(1), follow=True)
    assert follow.status_code == 200
    assert "Passwort" in follow.text
    assert "ungültig" not in follow.text
    assert "eingeladen, noch nicht eingerichtet" in admin_client.get(MEMBERS).text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "", "role": "clerk"}, "Bitte geben Sie die E-Mail-Adresse der Person ein."),
        ({"email": "kein-at", "role": "clerk"}, "name@beispiel.de"),
        ({"email": "a@b.de", "role": "cooperative_staff"}, "eine der angebotenen Rollen"),
        ({"email": "a@b.de", "role": ""}, "Bitte wählen Sie eine Rolle."),
    ],
)
def test_bad_input_shows_errors_and_changes_nothing(admin_client, data, message):
    users_before = User.objects.count()
    response = admin_client.post(ADD, data)
    assert response.status_code == 200
    assert message in response.text
    assert 'id="fehlerzusammenfassung"' in response.text
    assert "<title>Fehler:" in response.text
    assert User.objects.count() == users_before
    assert mail.outbox == []


def test_add_form_keeps_what_was_typed(admin_client):
    response = admin_client.post(ADD, {"email": "kaputt@", "role": "member_admin"})
    assert 'value="kaputt@"' in response.text
    assert 'href="#email"' in response.text


def test_revoke_asks_for_confirmation_then_revokes(admin_client, org):
    clerk = UserFactory(email="clerk@teststadt.example.org")
    MembershipFactory(tenant=org, user=clerk, role=Role.CLERK)
    response = admin_client.post(REVOKE, {"email": clerk.email, "role": "clerk"})
    assert response.status_code == 200
    assert "Rolle wirklich entziehen?" in response.text
    assert _roles(org, clerk.email) == {Role.CLERK}
    response = admin_client.post(REVOKE, {"email": clerk.email, "role": "clerk", "bestaetigt": "1"})
    assert response.status_code == 302
    assert _roles(org, clerk.email) == set()
    with scopes_disabled():
        assert AuditRecord.objects.filter(action="membership.revoke", tenant=org).count() == 1


def test_revoke_of_another_organisations_member_is_404(admin_client, org):
    other = OrganisationFactory()
    stranger = UserFactory(email="fremd@nachbar.example.org")
    MembershipFactory(tenant=other, user=stranger, role=Role.CLERK)
    for data in (
        {"email": stranger.email, "role": "clerk"},
        {"email": stranger.email, "role": "clerk", "bestaetigt": "1"},
        {"email": "niemand@example.org", "role": "clerk", "bestaetigt": "1"},
        {"email": stranger.email, "role": "erfunden"},
    ):
        assert admin_client.post(REVOKE, data).status_code == 404
    assert _roles(other, stranger.email) == {Role.CLERK}


def test_the_last_member_admin_cannot_remove_their_own_role(admin_client, org):
    me = admin_client.admin
    response = admin_client.post(
        REVOKE, {"email": me.email, "role": "member_admin", "bestaetigt": "1"}, follow=True
    )
    assert response.status_code == 200
    assert "die letzte Person mit der Rolle Mitgliedsverwaltung" in response.text
    assert _roles(org, me.email) == {Role.MEMBER_ADMIN}


def test_a_member_admin_may_step_down_when_another_remains(admin_client, org):
    me = admin_client.admin
    _admin(org, email="zweite@teststadt.example.org")
    response = admin_client.post(
        REVOKE, {"email": me.email, "role": "member_admin", "bestaetigt": "1"}
    )
    assert response.status_code == 302
    assert _roles(org, me.email) == set()
    # Now without the role: the page is closed to them.
    assert admin_client.get(MEMBERS).status_code == 403


def test_service_refuses_the_last_admin_for_anyone(org):
    only = _admin(org)
    with scope(tenant=org), pytest.raises(LastMemberAdmin):
        organisation_role_revoke(tenant=org, actor=None, email=only.email, role=Role.MEMBER_ADMIN)
    assert _roles(org, only.email) == {Role.MEMBER_ADMIN}


def test_admin_acts_only_for_the_organisation_in_the_session(client, org):
    """An admin of A who is only a clerk in B cannot manage B, even when acting for B."""
    other = OrganisationFactory(name="Zweite Gemeinde")
    user = _admin(org)
    MembershipFactory(tenant=other, user=user, role=Role.CLERK)
    client.force_login(user)
    session = client.session
    session[ACTIVE_ORGANISATION_SESSION_KEY] = str(other.public_id)
    session.save()
    assert client.get(MEMBERS).status_code == 403
