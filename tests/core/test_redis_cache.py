"""Sessions and cache in the real Redis at 127.0.0.1:6379 as the production profile configures
them (`OPENKOMMUNE_REDIS_URL`), under a key prefix of this test; without the variable the
development defaults stay."""

import os
import subprocess
import sys
import uuid

import pytest
import redis
from django.core.cache import caches
from django.test import override_settings

from openkommune.core import health
from openkommune.core.env import cache_from_redis_url
from tests.accounts.factories import UserFactory

REDIS_URL = os.environ.get("OPENKOMMUNE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_profile():
    prefix = f"openkommune_serve_test_{uuid.uuid4().hex[:8]}"
    with override_settings(
        CACHES=cache_from_redis_url(REDIS_URL, key_prefix=prefix),
        SESSION_ENGINE="openkommune.core.sessions",
        REDIS_URL=REDIS_URL,
    ):
        server = redis.Redis.from_url(REDIS_URL)
        yield server, prefix
        for key in server.scan_iter(f"{prefix}:*"):
            server.delete(key)


def test_the_cache_is_redis(redis_profile):
    server, prefix = redis_profile
    caches["default"].set("zaehler", {"wert": 7}, timeout=60)
    assert caches["default"].get("zaehler") == {"wert": 7}
    assert list(server.scan_iter(f"{prefix}:*zaehler"))


@pytest.mark.django_db
def test_a_login_session_lives_in_redis_and_works(redis_profile, client):
    server, prefix = redis_profile
    user = UserFactory(email="redis@example.org")
    user.set_password("ein-sicheres-passwort")
    user.save()
    response = client.post(
        "/konto/anmelden/",
        {"username": "redis@example.org", "password": "ein-sicheres-passwort"},
    )
    assert response.status_code == 302, response.content[:500]
    session_key = client.cookies["sessionid"].value
    assert server.exists(f"{prefix}:1:django.contrib.sessions.cache{session_key}")
    # Another web process (a fresh client with the cookie) finds the login there.
    assert client.get("/konto/").status_code == 200
    server.delete(f"{prefix}:1:django.contrib.sessions.cache{session_key}")
    assert client.get("/konto/").status_code == 302  # logged out with the session gone


def test_a_new_session_is_one_add_to_redis(redis_profile, monkeypatch):
    """Creating a session is Redis `SET … NX` alone: Django's own cache store asked
    `EXISTS` first, a round trip the add makes pointless (issue 13)."""
    from openkommune.core.sessions import SessionStore

    server, prefix = redis_profile
    cache = caches["default"]
    calls = []
    for name in ("add", "has_key", "get", "set"):
        method = getattr(cache, name)
        monkeypatch.setattr(
            cache, name, lambda *a, _m=method, _n=name, **k: calls.append(_n) or _m(*a, **k)
        )
    session = SessionStore()
    session["eintrag"] = "wert"
    session.save()
    assert calls == ["add"]
    assert server.exists(f"{prefix}:1:django.contrib.sessions.cache{session.session_key}")
    assert SessionStore(session.session_key)["eintrag"] == "wert"


def test_a_session_key_in_use_is_never_taken_over(redis_profile, monkeypatch):
    """The add refuses a key that is already in Redis; the store draws the next one and
    the existing session keeps its data."""
    from openkommune.core.sessions import SessionStore

    first = SessionStore()
    first["wer"] = "erste"
    first.save()
    keys = iter([first.session_key, "b" * 32])
    monkeypatch.setattr(SessionStore, "_fresh_key", lambda self: next(keys))
    second = SessionStore()
    second["wer"] = "zweite"
    second.save()
    assert second.session_key == "b" * 32
    assert SessionStore(first.session_key)["wer"] == "erste"
    assert SessionStore("b" * 32)["wer"] == "zweite"


def test_readiness_checks_redis(redis_profile):
    assert health.cache_problem() is None


def test_without_a_redis_url_the_defaults_stay():
    script = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.CACHES['default']['BACKEND'], settings.SESSION_ENGINE)"
    )
    env = {k: v for k, v in os.environ.items() if k != "OPENKOMMUNE_REDIS_URL"}
    env["DJANGO_SETTINGS_MODULE"] = "openkommune.settings"
    plain = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert plain.stdout.split() == [
        "django.core.cache.backends.locmem.LocMemCache",
        "django.contrib.sessions.backends.db",
    ]
    env["OPENKOMMUNE_REDIS_URL"] = REDIS_URL
    configured = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True
    )
    assert configured.stdout.split() == [
        "django.core.cache.backends.redis.RedisCache",
        "openkommune.core.sessions",
    ]


def test_a_url_that_is_not_redis_is_refused():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="OPENKOMMUNE_REDIS_URL"):
        cache_from_redis_url("http://127.0.0.1:6379", key_prefix="x")
