import pytest
from django.conf import settings


@pytest.mark.django_db
def test_pages_send_security_headers(client):
    response = client.get("/barrierefreiheit/")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_passwords_are_hashed_with_argon2_first():
    assert settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_production_defaults_are_safe():
    # The test environment sets neither debug nor a demo flag: these are the defaults.
    assert settings.DEBUG is False
    assert settings.DEMO_MODE is False
    assert settings.SESSION_COOKIE_HTTPONLY is True
