"""`openkommune serve` refuses to start without a secret key or a database, with messages an
operator understands; `make serve` runs it with the production settings."""

import os
import stat
import subprocess
import sys

from tests.core.test_make_run import _recipe, _serving_line, _settings_seen_by

UNREACHABLE = "postgres://postgres:geheim@127.0.0.1:1/openkommune"


def _serve(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENKOMMUNE_", "DATABASE"))}
    return subprocess.run(
        [sys.executable, "-m", "openkommune.cli", "serve", *args],
        env=base | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_without_a_secret_key_it_refuses_to_start():
    result = _serve(DATABASE_URL=UNREACHABLE)
    assert result.returncode == 1
    assert "OPENKOMMUNE_SECRET_KEY ist nicht gesetzt / is not set" in result.stderr


def test_an_unreachable_database_is_named_without_its_password():
    result = _serve(DATABASE_URL=UNREACHABLE, OPENKOMMUNE_SECRET_KEY="x")
    assert result.returncode == 1
    assert "Die Datenbank ist nicht erreichbar / the database is not reachable" in result.stderr
    assert "postgres://postgres:***@127.0.0.1:1/openkommune" in result.stderr
    assert "geheim" not in result.stderr + result.stdout


def test_on_a_developer_machine_the_key_is_generated_once(tmp_path):
    key_file = tmp_path / "var" / "secret_key"
    first = _serve("--secret-key-file", str(key_file), DATABASE_URL=UNREACHABLE)
    assert "Neuer geheimer Schlüssel" in first.stdout
    key = key_file.read_text().strip()
    assert len(key) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    second = _serve("--secret-key-file", str(key_file), DATABASE_URL=UNREACHABLE)
    assert "Neuer geheimer Schlüssel" not in second.stdout
    assert key_file.read_text().strip() == key


def test_make_serve_runs_the_supervisor_with_production_settings():
    lines = _recipe("serve")
    assert any(" ensure_database --create" in line for line in lines)
    assert any(" migrate " in f" {line} " for line in lines)
    assert any(" collectstatic " in f" {line} " for line in lines)
    assert not any("load_demo" in line for line in lines)
    serving = _serving_line(lines, "serve")
    assert "DATABASE_URL=postgres://postgres@127.0.0.1:5432/openkommune" in serving
    assert "OPENKOMMUNE_LOG_FORMAT=${OPENKOMMUNE_LOG_FORMAT:-json}" in serving
    assert "--secret-key-file var/secret_key" in serving
    assert _settings_seen_by(serving) == (
        "False True whitenoise.storage.CompressedManifestStaticFilesStorage"
    )
