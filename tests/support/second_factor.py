"""Test plugin: `client.force_login(user)` also marks the second factor as done.

`force_login` skips authentication entirely (no password, no form), so it stands for a
completed login; since ADR 0020 a completed staff login includes the second factor. Tests that
are about the login itself use the real login form and the real second factor
(tests/twofactor/), which this plugin does not touch: only `force_login` is wrapped.
"""

from django.test.client import ClientMixin

from openkommune.twofactor.constants import VERIFIED_SESSION_KEY, Method

_original_force_login = ClientMixin.force_login


def _force_login_with_second_factor(self, user, backend=None):
    _original_force_login(self, user, backend)
    session = self.session
    session[VERIFIED_SESSION_KEY] = {"user": user.pk, "method": f"test:{Method.TOTP}"}
    session.save()


def pytest_configure(config):
    ClientMixin.force_login = _force_login_with_second_factor


def pytest_unconfigure(config):
    ClientMixin.force_login = _original_force_login
