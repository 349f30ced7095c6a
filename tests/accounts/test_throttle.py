"""Login throttling (citizen login and admin login) and rate limits on password reset and
sign-up: per e-mail address and per client address, German messages, no enumeration."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone

from openkommune.accounts import throttle
from openkommune.accounts.forms import EmailAuthenticationForm
from openkommune.accounts.models import ThrottleHit
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from tests.accounts.factories import PASSWORD, UserFactory
from tests.translation_probe import is_marked, marked_translations

pytestmark = pytest.mark.django_db

LOCKED = "Zu viele fehlgeschlagene Anmeldeversuche. Bitte versuchen Sie es in 15 Minuten erneut."
LOGIN = reverse("accounts:login")


def _login(client, email, password, **extra):
    return client.post(LOGIN, {"username": email, "password": password}, **extra)


def _fail(client, email, times, **extra):
    for _ in range(times):
        response = _login(client, email, "falsch", **extra)
        assert response.status_code == 200


def test_fifteen_wrong_passwords_lock_the_account_even_for_the_right_one(client):
    user = UserFactory(email="ziel@test.example.org")
    _fail(client, user.email, 15)
    response = _login(client, user.email, PASSWORD)
    assert response.status_code == 200
    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another account from the same client is not affected.
    other = UserFactory()
    assert _login(client, other.email, PASSWORD).status_code == 302


def test_lockout_is_audited_once_with_client_address(client):
    user = UserFactory(email="ziel@test.example.org")
    _fail(client, user.email, 12, REMOTE_ADDR="203.0.113.7")
    with scopes_disabled():
        [record] = AuditRecord.objects.filter(action="login.locked")
    assert record.object_id == str(user.pk)
    assert record.after["scope"] == "login.account"
    assert record.after["client"] == "203.0.113.7"


def test_unknown_address_is_locked_the_same_way(client):
    _fail(client, "niemand@test.example.org", 10)
    response = _login(client, "niemand@test.example.org", "falsch")
    assert LOCKED in response.content.decode()


def test_fewer_failures_and_a_success_reset_the_account_count(client):
    user = UserFactory()
    _fail(client, user.email, 9)
    assert _login(client, user.email, PASSWORD).status_code == 302
    client.post(reverse("accounts:logout"))
    _fail(client, user.email, 9)
    assert _login(client, user.email, PASSWORD).status_code == 302


def test_lockout_ends_after_its_minutes(client):
    user = UserFactory()
    _fail(client, user.email, 10)
    ThrottleHit.objects.update(created_at=timezone.now() - timedelta(minutes=16))
    assert _login(client, user.email, PASSWORD).status_code == 302


def test_throttle_table_holds_no_addresses(client):
    _fail(client, "klartext@test.example.org", 1, REMOTE_ADDR="203.0.113.9")
    values = " ".join(f"{hit.scope} {hit.key}" for hit in ThrottleHit.objects.all())
    assert "klartext" not in values
    assert "203.0.113.9" not in values


def test_one_client_trying_many_accounts_is_locked(client):
    users = [UserFactory() for _ in range(3)]
    with override_settings(LOGIN_MAX_FAILURES_PER_CLIENT=5):
        for number in range(5):
            _login(client, f"rate{number}@test.example.org", "falsch", REMOTE_ADDR="198.51.100.1")
        response = _login(client, users[0].email, PASSWORD, REMOTE_ADDR="198.51.100.1")
        assert LOCKED in response.content.decode()
        # Another client is not affected.
        assert (
            _login(client, users[0].email, PASSWORD, REMOTE_ADDR="198.51.100.2").status_code == 302
        )


def test_forwarded_address_counts_only_when_trusted(client):
    user = UserFactory()
    with override_settings(LOGIN_MAX_FAILURES_PER_CLIENT=3, TRUST_X_FORWARDED_FOR=True):
        for number in range(3):
            _login(
                client,
                f"fwd{number}@test.example.org",
                "falsch",
                HTTP_X_FORWARDED_FOR="spoofed, 192.0.2.44",
            )
        # A client behind the proxy with another address is free; the proxy's own is irrelevant.
        response = _login(client, user.email, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.45")
        assert response.status_code == 302
        client.post(reverse("accounts:logout"))
        response = _login(client, user.email, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.44")
        assert LOCKED in response.content.decode()
    with override_settings(LOGIN_MAX_FAILURES_PER_CLIENT=3, TRUST_X_FORWARDED_FOR=False):
        # Untrusted, a forged header does not help: failures count for REMOTE_ADDR.
        for number in range(3):
            _login(
                client,
                f"x{number}@test.example.org",
                "falsch",
                HTTP_X_FORWARDED_FOR=f"10.0.0.{number}",
            )
        response = _login(client, user.email, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99")
        assert LOCKED in response.content.decode()


def test_admin_login_is_throttled_too(client):
    staff = UserFactory(cooperative_staff=True, is_staff=True)
    url = reverse("admin:login")
    for _ in range(15):
        client.post(url, {"username": staff.email, "password": "falsch"})
    response = client.post(url, {"username": staff.email, "password": PASSWORD})
    assert response.status_code == 200
    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_at_most_the_limit_per_address_and_looks_the_same(client):
    user = UserFactory(email="reset@test.example.org")
    url = reverse("accounts:password_reset")
    for _ in range(10):
        response = client.post(url, {"email": user.email})
        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 3


def test_password_reset_per_client_limit_says_so_in_german(client):
    url = reverse("accounts:password_reset")
    with override_settings(MAIL_LIMIT_PER_CLIENT=4):
        for number in range(4):
            client.post(url, {"email": f"r{number}@test.example.org"})
        response = client.post(url, {"email": "r9@test.example.org"})
    assert response.status_code == 200
    assert "Von Ihrem Anschluss kamen zu viele Anfragen" in response.content.decode()


def test_signup_is_rate_limited_per_address_and_per_client(client):
    url = reverse("accounts:signup")
    for _ in range(6):
        response = client.post(url, {"email": "neu@test.example.org"})
        assert response["Location"] == reverse("accounts:signup_done")
    assert len(mail.outbox) == 3
    with override_settings(MAIL_LIMIT_PER_CLIENT=6):
        response = client.post(url, {"email": "anders@test.example.org"})
    assert response.status_code == 200
    assert "Von Ihrem Anschluss kamen zu viele Anfragen" in response.content.decode()


def test_throttle_messages_go_through_gettext():
    with marked_translations():
        assert is_marked(throttle.blocked_message(3))
        assert is_marked(throttle.too_many_requests_message(1))


# --- Simultaneous attempts, spellings of one address, IPv6 clients ---------------------------


def _form(email: str, address: str = "203.0.113.50") -> EmailAuthenticationForm:
    request = RequestFactory().post(LOGIN, REMOTE_ADDR=address)
    return EmailAuthenticationForm(request, data={"username": email, "password": "falsch"})


def test_simultaneous_attempts_cannot_get_past_the_limit():
    """Each attempt starts while the one before is still checking its password (the worst
    interleaving of parallel requests): no more passwords are checked than the limit."""
    checked = []

    def slow_wrong_password(request, **credentials):
        checked.append(credentials["username"])
        if len(checked) < 25:
            # While this password is being checked, the next attempt arrives.
            _form("parallel@test.example.org").is_valid()
        return None

    with mock.patch("django.contrib.auth.forms.authenticate", slow_wrong_password):
        assert not _form("parallel@test.example.org").is_valid()
    assert len(checked) == 10
    assert throttle.login_begin(RequestFactory().get("/"), "parallel@test.example.org").wait


def test_reserved_attempts_count_before_the_password_is_checked():
    request = RequestFactory().post(LOGIN, REMOTE_ADDR="203.0.113.51")
    attempts = [throttle.login_begin(request, "wartend@test.example.org") for _ in range(12)]
    assert [attempt.wait == 0 for attempt in attempts] == [True] * 10 + [False] * 2
    # Refused attempts are not counted; a right password ends the account's count.
    assert ThrottleHit.objects.filter(scope="login.account").count() == 10
    throttle.login_succeeded(attempts[9])
    assert not ThrottleHit.objects.filter(scope="login.account").exists()
    assert ThrottleHit.objects.filter(scope="login.client").count() == 9


@pytest.mark.parametrize(
    "spelling",
    [
        " Ziel@Test.Example.org ",
        "ZIEL@TEST.EXAMPLE.ORG",
        "ｚｉｅｌ@ｔｅｓｔ.example.org",  # fullwidth letters: NFKC makes them ASCII
    ],
)
def test_every_spelling_of_an_address_shares_its_count(spelling):
    for number in range(10):
        request = RequestFactory().post(LOGIN, REMOTE_ADDR=f"203.0.113.{number}")
        attempt = throttle.login_begin(request, spelling)
        assert not attempt.wait
        throttle.login_failed(attempt)
    request = RequestFactory().post(LOGIN, REMOTE_ADDR="198.51.100.77")
    assert throttle.login_begin(request, "ziel@test.example.org").wait


def test_case_folding_covers_sharp_s():
    assert throttle.normalise_email("STRASSE@test.example.org") == throttle.normalise_email(
        "straße@test.example.org"
    )


def test_ipv6_clients_count_per_64_network():
    with override_settings(LOGIN_MAX_FAILURES_PER_CLIENT=5):
        for number in range(5):
            request = RequestFactory().post(LOGIN, REMOTE_ADDR=f"2001:db8:1:2::{number + 1:x}")
            attempt = throttle.login_begin(request, f"v6-{number}@test.example.org")
            assert not attempt.wait
            throttle.login_failed(attempt)
        same_64 = RequestFactory().post(LOGIN, REMOTE_ADDR="2001:db8:1:2:ffff:1:2:3")
        assert throttle.login_begin(same_64, "v6-new@test.example.org").wait
        other_64 = RequestFactory().post(LOGIN, REMOTE_ADDR="2001:db8:1:3::1")
        assert not throttle.login_begin(other_64, "v6-new@test.example.org").wait
        # IPv4 counts per address.
        for number in range(5):
            request = RequestFactory().post(LOGIN, REMOTE_ADDR="192.0.2.10")
            throttle.login_failed(throttle.login_begin(request, f"v4-{number}@test.example.org"))
        neighbour = RequestFactory().post(LOGIN, REMOTE_ADDR="192.0.2.11")
        assert not throttle.login_begin(neighbour, "v4-new@test.example.org").wait


def test_client_groups():
    assert throttle.client_group("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
    assert throttle.client_group("::ffff:192.0.2.1") == "192.0.2.1"
    assert throttle.client_group("192.0.2.1") == "192.0.2.1"
    assert throttle.client_group("unknown") == "unknown"
