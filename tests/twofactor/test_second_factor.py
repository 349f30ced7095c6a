"""The second factor for staff (issue 15 part 5, ADR 0020): every back-office and cooperative
role must complete it after the password before any back-office page; TOTP codes are computed
here from the secret shown on the set-up page (RFC 6238, tests/support/totp.py); recovery codes
work once each; failures are throttled and audited. Logins use the real login form."""

import base64
import re

import pytest
from django.urls import reverse

from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from openkommune.twofactor.models import RecoveryCode
from tests.accounts.factories import PASSWORD, UserFactory
from tests.support.totp import time_step, totp_at_step, totp_now

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
CHALLENGE = reverse("twofactor:challenge")
RECOVERY = reverse("twofactor:recovery")

ROLES = {
    "clerk": (lambda: UserFactory(clerk=True), "/behoerde/eingang/"),
    "member_admin": (lambda: UserFactory(member_admin=True), "/konto/organisation/"),
    "cooperative_staff": (
        lambda: UserFactory(cooperative_staff=True),
        "/genossenschaft/mitglieder/",
    ),
    "admin_user": (lambda: UserFactory(is_staff=True, cooperative_staff=True), "/admin/"),
    "superuser": (lambda: UserFactory(is_staff=True, is_superuser=True), "/admin/"),
}
BACK_OFFICE_URLS = [
    "/behoerde/eingang/",
    "/konto/organisation/",
    "/leistungen/verwaltung/",
    "/schnittstellen/schluessel/",
    "/genossenschaft/mitglieder/",
    "/genossenschaft/mitglieder/",
    "/admin/",
    "/konto/",
    "/",
]


def _log_in(client, user):
    response = client.post(LOGIN, {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302, "the password step must succeed"
    return response


def _secret_from_page(response) -> str:
    match = re.search(
        r'<code id="totp-secret" class="ok-secret">([A-Z2-7 ]+)</code>', response.text
    )
    assert match, "the set-up page shows the secret as text"
    return match.group(1).replace(" ", "")


def _set_up(client, next_url="/"):
    """Complete the set-up as a person would: read the secret, type the app's code."""
    page = client.get(CHALLENGE, {"next": next_url})
    assert page.status_code == 200
    secret = _secret_from_page(page)
    response = client.post(CHALLENGE, {"code": totp_now(secret), "next": next_url})
    assert response.status_code == 302
    codes_page = client.get(response["Location"])
    codes = re.findall(r"<li><code>([A-Z0-9-]{19})</code></li>", codes_page.text)
    return secret, codes


def _log_out(client):
    client.post(reverse("accounts:logout"))


def _actions(user) -> list[str]:
    with scopes_disabled():
        return list(
            AuditRecord.objects.filter(object_id=str(user.pk), action__startswith="second_factor.")
            .order_by("pk")
            .values_list("action", flat=True)
        )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", BACK_OFFICE_URLS)
def test_every_staff_role_is_sent_to_the_second_factor_before_any_page(client, role, url):
    make, _home = ROLES[role]
    user = make()
    _log_in(client, user)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{CHALLENGE}?next={url.replace('/', '%2F')}"


@pytest.mark.parametrize("role", ROLES)
def test_every_staff_role_sets_up_the_app_and_then_reaches_its_back_office(client, role):
    make, home = ROLES[role]
    user = make()
    _log_in(client, user)
    assert client.get(home).status_code == 302
    page = client.get(CHALLENGE, {"next": home})
    assert "Zweiten Faktor einrichten" in page.text
    assert "<svg" in page.text
    assert "QR-Code für Ihre Authenticator-App" in page.text
    secret = _secret_from_page(page)
    assert len(base64.b32decode(secret + "=" * (-len(secret) % 8))) == 20

    response = client.post(CHALLENGE, {"code": totp_now(secret), "next": home})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("twofactor:recovery_codes"))
    codes_page = client.get(response["Location"])
    codes = re.findall(r"<li><code>([A-Z0-9-]{19})</code></li>", codes_page.text)
    assert len(codes) == 10
    assert len(set(codes)) == 10
    # Shown once: the page does not show them again.
    assert client.get(response["Location"]).status_code == 302
    assert client.get(home).status_code == 200
    assert _actions(user) == [
        "second_factor.setup",
        "second_factor.recovery_codes_created",
    ]


@pytest.mark.parametrize("role", ["clerk", "cooperative_staff"])
def test_the_next_login_asks_for_the_current_code_and_refuses_a_wrong_one(client, role):
    make, home = ROLES[role]
    user = make()
    _log_in(client, user)
    secret, _codes = _set_up(client, home)
    _log_out(client)

    _log_in(client, user)
    page = client.get(CHALLENGE, {"next": home})
    assert "Anmeldung bestätigen" in page.text
    assert "totp-secret" not in page.text
    wrong = totp_at_step(secret, time_step() + 5)
    response = client.post(CHALLENGE, {"code": wrong, "next": home})
    assert response.status_code == 200
    assert "Der Code ist falsch oder abgelaufen." in response.text
    assert client.get(home).status_code == 302

    # The step after the one used at set-up (the device takes each step only once).
    response = client.post(CHALLENGE, {"code": totp_at_step(secret, time_step() + 1)})
    assert response.status_code == 302
    assert client.get(home).status_code == 200
    assert _actions(user)[-1] == "second_factor.failed"


def test_a_code_used_once_is_not_accepted_again(client):
    user = UserFactory(clerk=True)
    _log_in(client, user)
    secret, _codes = _set_up(client)
    used = totp_now(secret)  # the step the set-up consumed
    _log_out(client)
    _log_in(client, user)
    response = client.post(CHALLENGE, {"code": used})
    assert response.status_code == 200
    assert "Der Code ist falsch oder abgelaufen." in response.text


def test_each_recovery_code_works_once(client):
    user = UserFactory(member_admin=True)
    _log_in(client, user)
    _secret, codes = _set_up(client)
    _log_out(client)

    for index, code in enumerate(codes[:3]):
        _log_in(client, user)
        # Typed in lower case and without hyphens: still the code.
        typed = code.lower().replace("-", "") if index == 1 else code
        response = client.post(RECOVERY, {"code": typed, "next": "/konto/organisation/"})
        assert response.status_code == 302, response.text
        assert client.get("/konto/organisation/").status_code == 200
        _log_out(client)

        _log_in(client, user)
        again = client.post(RECOVERY, {"code": code})
        assert again.status_code == 200
        assert "Dieser Wiederherstellungscode ist falsch oder wurde schon verwendet." in again.text
        assert client.get("/konto/organisation/").status_code == 302
        _log_out(client)

    assert RecoveryCode.objects.filter(user=user, used_at__isnull=True).count() == 7
    actions = _actions(user)
    assert actions.count("second_factor.recovery_code_used") == 3
    assert actions.count("second_factor.failed") == 3
    with scopes_disabled():
        used = AuditRecord.objects.filter(
            object_id=str(user.pk), action="second_factor.recovery_code_used"
        ).order_by("pk")
        assert [r.after["codes_left"] for r in used] == [9, 8, 7]


def test_recovery_codes_are_stored_as_hashes_only(client):
    user = UserFactory(clerk=True)
    _log_in(client, user)
    _secret, codes = _set_up(client)
    stored = set(RecoveryCode.objects.filter(user=user).values_list("code_hash", flat=True))
    assert len(stored) == 10
    assert not any(code.replace("-", "") in h or code in h for code in codes for h in stored)


def test_renewing_the_codes_asks_first_and_then_invalidates_the_old_ones(client):
    user = UserFactory(clerk=True)
    _log_in(client, user)
    _secret, old_codes = _set_up(client)
    renew = reverse("twofactor:renew_codes")
    before = set(RecoveryCode.objects.filter(user=user).values_list("code_hash", flat=True))
    page = client.get(renew)
    assert "Neue Wiederherstellungscodes erzeugen?" in page.text
    # Asking changes nothing.
    after = set(RecoveryCode.objects.filter(user=user).values_list("code_hash", flat=True))
    assert after == before
    response = client.post(renew)
    assert response.status_code == 302
    new_codes = re.findall(
        r"<li><code>([A-Z0-9-]{19})</code></li>", client.get(response["Location"]).text
    )
    assert len(new_codes) == 10
    assert not set(new_codes) & set(old_codes)
    _log_out(client)

    _log_in(client, user)
    assert client.post(RECOVERY, {"code": old_codes[0]}).status_code == 200
    assert client.post(RECOVERY, {"code": new_codes[0]}).status_code == 302
    assert "second_factor.recovery_codes_created" in _actions(user)


def test_wrong_codes_are_throttled_and_the_lockout_audited(client, settings):
    settings.SECOND_FACTOR_MAX_FAILURES = 5
    user = UserFactory(clerk=True)
    _log_in(client, user)
    secret, codes = _set_up(client)
    _log_out(client)
    _log_in(client, user)
    wrong = totp_at_step(secret, time_step() + 7)
    for _attempt in range(4):
        assert "Der Code ist falsch" in client.post(CHALLENGE, {"code": wrong}).text
    fifth = client.post(CHALLENGE, {"code": wrong})
    assert "Zu viele fehlgeschlagene Anmeldeversuche" in fifth.text
    # Locked: neither the right TOTP code nor a recovery code gets through now.
    right = client.post(CHALLENGE, {"code": totp_at_step(secret, time_step() + 1)})
    assert "Zu viele fehlgeschlagene Anmeldeversuche" in right.text
    assert "Zu viele" in client.post(RECOVERY, {"code": codes[0]}).text
    assert client.get("/behoerde/eingang/").status_code == 302
    assert RecoveryCode.objects.filter(user=user, used_at__isnull=True).count() == 10
    actions = _actions(user)
    assert actions.count("second_factor.failed") == 5
    assert actions.count("second_factor.locked") == 1


def test_citizens_are_not_asked_for_a_second_factor(client):
    citizen = UserFactory()
    _log_in(client, citizen)
    assert client.get("/konto/").status_code == 200
    assert client.get(CHALLENGE).status_code == 302


def test_a_session_api_call_of_staff_without_the_second_factor_is_refused(client):
    user = UserFactory(clerk=True)
    _log_in(client, user)
    response = client.get("/api/v1/applications")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "second_factor_required"


def test_the_next_parameter_cannot_lead_off_site(client):
    user = UserFactory(clerk=True)
    _log_in(client, user)
    page = client.get(CHALLENGE, {"next": "https://evil.example.net/"})
    secret = _secret_from_page(page)
    response = client.post(
        CHALLENGE, {"code": totp_now(secret), "next": "https://evil.example.net/"}
    )
    assert "evil" not in response["Location"].split("?next=")[0]
    follow = client.get(response["Location"])
    assert 'href="https://evil' not in follow.text


def test_force_login_plugin_marks_the_second_factor_done(client):
    """The documented test plugin (tests/support/second_factor.py) for force_login only."""
    user = UserFactory(clerk=True)
    client.force_login(user)
    assert client.get("/behoerde/eingang/").status_code == 200


def test_an_operator_resets_the_factor_and_the_next_login_sets_it_up_again(client, capsys):
    from django.core.management import call_command

    user = UserFactory(clerk=True)
    _log_in(client, user)
    _set_up(client)
    _log_out(client)
    call_command("second_factor_reset", user.email.upper())
    assert "1 App(s), 10 Wiederherstellungscode(s) entfernt" in capsys.readouterr().out
    assert not RecoveryCode.objects.filter(user=user).exists()
    assert _actions(user)[-1] == "second_factor.reset"
    _log_in(client, user)
    assert "Zweiten Faktor einrichten" in client.get(CHALLENGE).text


def test_a_forged_or_missing_security_key_answer_is_refused_and_audited(client):
    """The key's path (tests/browser/test_webauthn.py with Chromium's virtual authenticator)
    refuses answers no authenticator signed; nothing is marked done."""
    import base64
    import json

    from openkommune.twofactor.models import WebAuthnCredential

    user = UserFactory(clerk=True)
    _log_in(client, user)
    _set_up(client)
    WebAuthnCredential.objects.create(
        user=user, credential_id="AAAA", public_key=b"\x00", name="Schlüssel"
    )
    _log_out(client)
    _log_in(client, user)
    page = client.get(CHALLENGE)
    assert 'id="webauthn-optionen"' in page.text
    forged = {
        "id": "AAAA",
        "rawId": "AAAA",
        "type": "public-key",
        "response": {
            "clientDataJSON": base64.urlsafe_b64encode(b"{}").decode().rstrip("="),
            "authenticatorData": "AAAA",
            "signature": "AAAA",
        },
    }
    answer = client.post(
        reverse("twofactor:webauthn_login"), {"credential": json.dumps(forged), "next": "/"}
    )
    assert answer.status_code == 302
    assert answer["Location"].startswith(CHALLENGE)
    assert client.get("/konto/").status_code == 302  # still sent to the second factor
    # Without a challenge of this session (a second post): refused as well.
    answer = client.post(reverse("twofactor:webauthn_login"), {"credential": "{}"})
    assert answer["Location"].startswith(CHALLENGE)
    assert _actions(user).count("second_factor.failed") == 2
