"""Staff single sign-on per member organisation (issue 15 part 5) against the real npm
`oidc-provider` with a staff directory's test identities (tools/oidc_provider,
staff_identities.json): a member administrator sets up the member's provider, staff log in
through it with the directory's roles, nobody reaches another member, and the platform's
second factor is still asked."""

import urllib.parse

import pytest
import requests
from django.urls import reverse

from openkommune.staffsso.models import StaffIdentity, StaffLoginProvider
from openkommune.tenancy.constants import Role
from openkommune.tenancy.models import AuditRecord, Membership
from openkommune.tenancy.scoping import scopes_disabled
from tests.accounts.factories import UserFactory
from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, REPO_ROOT, start_oidc_provider
from tests.tenancy.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

CALLBACK = "http://testserver/konto/beschaeftigte/rueckkehr/"
IDENTITIES = REPO_ROOT / "tools" / "oidc_provider" / "staff_identities.json"


@pytest.fixture(scope="module")
def directory():
    with start_oidc_provider([CALLBACK], identities=IDENTITIES) as provider:
        yield provider


@pytest.fixture
def member():
    return OrganisationFactory(name="Testgemeinde Sonnenberg")


@pytest.fixture
def configured(client, member, directory):
    """The member's administrator sets the provider up on the settings page."""
    from openkommune.core.oidc import forget_cached

    forget_cached()
    admin = UserFactory()
    MembershipFactory(tenant=member, user=admin, role=Role.MEMBER_ADMIN)
    client.force_login(admin)
    page = client.get(reverse("staffsso:settings"))
    assert page.status_code == 200
    assert CALLBACK in page.text
    answer = client.post(
        reverse("staffsso:settings"),
        {
            "is_active": "on",
            "label": "Verzeichnis Sonnenberg",
            "issuer": directory.issuer,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "role_claim": "roles",
            "clerk_value": "sachbearbeitung",
            "admin_value": "mitgliedsverwaltung",
        },
    )
    assert answer.status_code == 302, answer.text[-1500:]
    client.logout()
    with scopes_disabled():
        record = AuditRecord.objects.get(action="staff_sso.provider_set")
    assert record.after["client_secret_changed"] is True
    assert CLIENT_SECRET not in str(record.after)
    return member


def login_at_directory(client, member, login: str):
    """The login page's link, the directory's own login page, back to the platform."""
    page = client.get(reverse("accounts:login")).text
    link = reverse("staffsso:start", args=[member.public_id])
    assert link in page
    location = client.get(link)["Location"]
    http = requests.Session()
    url = location
    for _hop in range(10):
        response = http.get(url, allow_redirects=False, timeout=10)
        if response.status_code == 200 and 'name="login"' in response.text:
            action = response.text.split('action="', 1)[1].split('"', 1)[0]
            url = urllib.parse.urljoin(url, action)
            response = http.post(
                url,
                data={"prompt": "login", "login": login, "password": "egal"},
                allow_redirects=False,
                timeout=10,
            )
        assert response.status_code in {302, 303}, response.text[:500]
        url = urllib.parse.urljoin(url, response.headers["Location"])
        if url.startswith(CALLBACK):
            return client.get(url.removeprefix("http://testserver"))
    raise AssertionError("the directory never sent the browser back")


def roles_of(user, member) -> set[str]:
    with scopes_disabled():
        return set(
            Membership.objects.filter(user=user, tenant=member).values_list("role", flat=True)
        )


def test_staff_log_in_with_the_directorys_roles_and_still_need_the_second_factor(
    client, configured
):
    answer = login_at_directory(client, configured, "max-verwaltung")
    assert answer.status_code == 302
    with scopes_disabled():
        identity = StaffIdentity.objects.select_related("user").get(subject="max-verwaltung")
    user = identity.user
    assert user.email == "max.verwaltung@verwaltung.test.example.org"
    assert not user.has_usable_password()
    assert roles_of(user, configured) == {Role.CLERK, Role.MEMBER_ADMIN}
    assert int(client.session["_auth_user_id"]) == user.pk
    # Staff: the platform's second factor comes before any back-office page.
    page = client.get("/konto/")
    assert page.status_code == 302
    assert page["Location"].startswith("/konto/zwei-faktor/")
    with scopes_disabled():
        record = AuditRecord.objects.get(action="staff_sso.login")
    assert record.after == {
        "roles": ["clerk", "member_admin"],
        "second_factor_by_provider": False,
    }


def test_roles_follow_the_directory_at_each_login(client, configured):
    login_at_directory(client, configured, "petra-sachbearbeitung")
    with scopes_disabled():
        user = StaffIdentity.objects.get(subject="petra-sachbearbeitung").user
    # Given another role on the platform meanwhile: the next login takes it back.
    MembershipFactory(tenant=configured, user=user, role=Role.MEMBER_ADMIN)
    client.logout()
    login_at_directory(client, configured, "petra-sachbearbeitung")
    assert roles_of(user, configured) == {Role.CLERK}
    with scopes_disabled():
        assert AuditRecord.objects.filter(action="membership.revoke").count() == 1


def test_without_a_role_nobody_is_logged_in(client, configured):
    answer = login_at_directory(client, configured, "ohne-rolle")
    assert answer.status_code == 400
    assert "keine Rolle auf dieser Plattform" in answer.text
    assert "_auth_user_id" not in client.session
    with scopes_disabled():
        assert not StaffIdentity.objects.exists()
        record = AuditRecord.objects.get(action="staff_sso.login_failed")
    assert record.after == {"reason": "no_role"}


def test_no_cross_member_login(client, configured):
    # The directory's e-mail address belongs to a clerk of another member.
    other = OrganisationFactory(name="Testgemeinde Nachbarort")
    foreign = UserFactory(email="frieda.fremd@andere.test.example.org")
    MembershipFactory(tenant=other, user=foreign, role=Role.CLERK)
    answer = login_at_directory(client, configured, "fremd-konto")
    assert answer.status_code == 400
    assert "nicht allein zu dieser Organisation gehört" in answer.text
    assert "_auth_user_id" not in client.session
    assert roles_of(foreign, configured) == set()
    with scopes_disabled():
        assert not StaffIdentity.objects.exists()
    # Nor is a staff member of this member who also works for another one let in.
    both = UserFactory(email="petra.sachbearbeitung@verwaltung.test.example.org")
    MembershipFactory(tenant=configured, user=both, role=Role.CLERK)
    MembershipFactory(tenant=other, user=both, role=Role.CLERK)
    answer = login_at_directory(client, configured, "petra-sachbearbeitung")
    assert answer.status_code == 400
    assert "_auth_user_id" not in client.session


def test_a_citizen_account_is_not_taken_over(client, configured):
    citizen = UserFactory(email="petra.sachbearbeitung@verwaltung.test.example.org")
    answer = login_at_directory(client, configured, "petra-sachbearbeitung")
    assert answer.status_code == 400
    assert roles_of(citizen, configured) == set()


def test_a_switched_off_provider_is_not_offered(client, configured):
    with scopes_disabled():
        StaffLoginProvider.objects.update(is_active=False)
    assert (
        reverse("staffsso:start", args=[configured.public_id])
        not in client.get(reverse("accounts:login")).text
    )
    assert client.get(reverse("staffsso:start", args=[configured.public_id])).status_code == 404


def test_only_the_members_administrators_set_it_up(client, member):
    clerk = UserFactory()
    MembershipFactory(tenant=member, user=clerk, role=Role.CLERK)
    client.force_login(clerk)
    assert client.get(reverse("staffsso:settings")).status_code == 403


def test_bad_input_changes_nothing(client, member):
    admin = UserFactory()
    MembershipFactory(tenant=member, user=admin, role=Role.MEMBER_ADMIN)
    client.force_login(admin)
    answer = client.post(
        reverse("staffsso:settings"),
        {"label": "X", "issuer": "kein-link", "client_id": "x", "role_claim": "roles"},
    )
    assert answer.status_code == 422
    assert "Fehler" in answer.text
    with scopes_disabled():
        assert not StaffLoginProvider.objects.exists()


def _request_with_session(rf):
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.middleware import SessionMiddleware

    request = rf.get("/konto/beschaeftigte/rueckkehr/")
    SessionMiddleware(lambda r: None).process_request(request)
    request.user = AnonymousUser()
    return request


@pytest.mark.parametrize(
    ("enforces", "amr", "done"),
    [(True, ["pwd", "otp"], True), (True, ["pwd"], False), (False, ["pwd", "mfa"], False)],
)
def test_the_providers_second_factor_counts_only_when_declared_and_asserted(
    rf, member, enforces, amr, done
):
    """The mapping of checked ID token claims (the provider's part is tested above)."""
    from openkommune.staffsso.services import staff_login, staff_login_provider_set
    from openkommune.twofactor.selectors import second_factor_done

    admin = UserFactory()
    MembershipFactory(tenant=member, user=admin, role=Role.MEMBER_ADMIN)
    provider = staff_login_provider_set(
        tenant=member,
        actor=admin,
        client_secret="s",
        is_active=True,
        label="Verzeichnis",
        issuer="https://login.sonnenberg.example.org",
        client_id="platform",
        role_claim="roles",
        clerk_value="sachbearbeitung",
        admin_value="mitgliedsverwaltung",
        enforces_mfa=enforces,
    )
    request = _request_with_session(rf)
    claims = {
        "sub": "p-1",
        "email": "p1@sonnenberg.example.org",
        "email_verified": True,
        "roles": ["sachbearbeitung"],
        "amr": amr,
    }
    user = staff_login(request, provider, claims)
    assert request.user == user
    assert second_factor_done(request) is done


def test_the_demo_lets_magdeburgs_staff_log_in_through_its_test_directory(
    client, directory, monkeypatch
):
    # `make run` starts the directory beside the demo and passes its issuer to load_demo.
    from django.core.management import call_command
    from django.test import override_settings

    from openkommune.core.oidc import forget_cached
    from openkommune.demo.services import MAGDEBURG_ARS

    forget_cached()
    monkeypatch.setenv("OPENKOMMUNE_DEMO_STAFF_OIDC_ISSUER", directory.issuer)
    monkeypatch.setenv("OPENKOMMUNE_DEMO_STAFF_OIDC_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("OPENKOMMUNE_DEMO_STAFF_OIDC_CLIENT_SECRET", CLIENT_SECRET)
    with override_settings(DEMO_MODE=True):
        call_command("load_demo", verbosity=0)
        with scopes_disabled():
            audited = AuditRecord.objects.filter(action="staff_sso.provider_set").count()
        call_command("load_demo", verbosity=0)  # unchanged: no second record
    with scopes_disabled():
        assert AuditRecord.objects.filter(action="staff_sso.provider_set").count() == audited == 1
        provider = StaffLoginProvider.objects.select_related("tenant").get()
    magdeburg = provider.tenant
    assert magdeburg.region_ars == MAGDEBURG_ARS
    assert magdeburg.is_demo
    assert provider.is_active
    assert "nur Demo" in provider.label

    answer = login_at_directory(client, magdeburg, "petra-sachbearbeitung")
    assert answer.status_code == 302
    with scopes_disabled():
        user = StaffIdentity.objects.get(subject="petra-sachbearbeitung").user
    assert roles_of(user, magdeburg) == {Role.CLERK}
