"""The demo's BundID (`make run` → tools/bundid_dev.py): the local SimpleSAMLphp, labelled as
a test identity provider, with a test identity of each level. The wrapper starts the IdP and
runs a command with the environment the demo server gets; here that command logs each test
identity in through the real IdP and verifies the answer as the platform does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tools import simplesamlphp

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import django
django.setup()
from django.conf import settings
from openkommune.identity import saml
from tests.support.bundid import idp_login

conf = settings.OPENKOMMUNE_BUNDID
assert conf["TEST_IDP"] is True
assert saml.is_configured()
base = conf["BASE_URL"]
metadata = saml.metadata_xml(base)
assert b'AuthnRequestsSigned="true"' in metadata
for user in ("untergeordnet", "normal", "substantiell", "hoch"):
    request_id, location = saml.authn_request(base, 1, relay_state="")
    _acs, response = idp_login(location, user)
    login = saml.parse_response(base, response, {request_id: 1})
    print("LOGIN", user, int(login.level), login.bpk2)
"""


def test_make_run_offers_the_test_idp_with_an_identity_of_each_level(tmp_path):
    if not simplesamlphp.installed():
        pytest.fail(f"SimpleSAMLphp is missing: {simplesamlphp.INSTALL_HINT}")
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENKOMMUNE_BUNDID_")}
    env.update(
        DJANGO_SETTINGS_MODULE="openkommune.settings",
        OPENKOMMUNE_SECRET_KEY="test-only",
        PYTHONPATH=str(ROOT),
    )
    result = subprocess.run(
        [
            sys.executable, "-m", "tools.bundid_dev", "--base-url", "http://127.0.0.1:8999",
            "--directory", str(tmp_path / "bundid"), "--", sys.executable, str(probe),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Test-Identitätsanbieter — keine echte BundID" in result.stdout
    logins = [line.split()[1:] for line in result.stdout.splitlines() if line.startswith("LOGIN")]
    assert [(user, int(level)) for user, level, _bpk2 in logins] == [
        ("untergeordnet", 1),
        ("normal", 2),
        ("substantiell", 3),
        ("hoch", 4),
    ]
    assert len({bpk2 for _user, _level, bpk2 in logins}) == 4
    # The development keys stay in the demo's folder, not in the repository.
    assert (tmp_path / "bundid" / "sp-keys" / "sp-signing.key").exists()
