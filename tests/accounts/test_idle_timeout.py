"""Back-office sessions end after idle minutes; citizens' sessions do not (they end with
SESSION_COOKIE_AGE)."""

import pytest
from django.conf import settings
from django.urls import reverse

from openkommune.accounts.middleware import LAST_ACTIVITY_SESSION_KEY
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def _idle(client, minutes):
    session = client.session
    session[LAST_ACTIVITY_SESSION_KEY] -= minutes * 60
    session.save()


def test_session_cookie_age_is_twelve_hours_by_default():
    assert settings.SESSION_COOKIE_AGE == 12 * 3600


def test_clerk_is_logged_out_after_idle_minutes_with_german_message(client):
    client.force_login(UserFactory(clerk=True))
    assert client.get(reverse("accounts:overview")).status_code == 200
    _idle(client, 29)
    assert client.get(reverse("accounts:overview")).status_code == 200
    _idle(client, 31)
    response = client.get(reverse("accounts:overview"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"]).content.decode()
    assert "Sie wurden nach 30 Minuten ohne Aktivität abgemeldet." in page


def test_admin_user_goes_to_the_admin_login(client):
    client.force_login(UserFactory(cooperative_staff=True, is_staff=True))
    assert client.get(reverse("admin:index")).status_code == 200
    _idle(client, 31)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_api_request_of_idle_back_office_user_gets_401(client):
    client.force_login(UserFactory(member_admin=True))
    client.get(reverse("accounts:overview"))
    _idle(client, 31)
    response = client.get("/api/v1/catalog/services")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_citizen_is_not_logged_out_when_idle(client):
    client.force_login(UserFactory())
    client.get(reverse("accounts:overview"))
    assert LAST_ACTIVITY_SESSION_KEY not in client.session
    assert client.get(reverse("accounts:overview")).status_code == 200
