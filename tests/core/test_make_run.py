"""`make run` serves the demo as a citizen meets it: debug off, gunicorn, WhiteNoise.

Issue 12 found `make run` serving with Django's runserver and `OPENKOMMUNE_DEBUG=true`
(debug pages with settings and tracebacks). These tests read the recipe `make -n` prints and
load the settings with exactly the variables the serving command sets.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENT = re.compile(r"^[A-Z_][A-Z0-9_]*=")
SETTINGS_PROBE = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.DEBUG, 'whitenoise.middleware.WhiteNoiseMiddleware' in settings.MIDDLEWARE, "
    "settings.STORAGES['staticfiles']['BACKEND'])"
)


def _program(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is needed to read the Makefile (apt-get install {name})"
    return path


def _recipe(target: str) -> list[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    result = subprocess.run(
        [_program("make"), "-n", "--no-print-directory", target],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    # Join continuation lines ("\" at the end) into one command each.
    return result.stdout.replace("\\\n", " ").splitlines()


def _serving_line(lines: list[str], program: str) -> str:
    matches = [line for line in lines if f" {program} " in f" {line} "]
    assert matches, f"no command running {program!r} in:\n" + "\n".join(lines)
    # The recipe starts helpers first (simulator, test identity provider) in the same shell
    # line: the serving command is the last one of it that runs the program.
    commands = [part.strip() for part in re.split(r";|&(?!&)", matches[-1])]
    return [part for part in commands if f" {program} " in f" {part} "][-1]


def _settings_seen_by(line: str) -> str:
    """DEBUG, WhiteNoise middleware, static storage, as the command's variables make them."""
    assignments = []
    for token in line.split():
        if not ASSIGNMENT.match(token):
            break
        assignments.append(token)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENKOMMUNE_")}
    env["DJANGO_SETTINGS_MODULE"] = "openkommune.settings"
    script = " ".join([*assignments, "exec", sys.executable, "-c", f'"{SETTINGS_PROBE}"'])
    result = subprocess.run(
        [_program("bash"), "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


def test_make_run_serves_with_gunicorn_and_debug_off():
    lines = _recipe("run")
    assert any(" collectstatic " in f" {line} " for line in lines)
    serving = _serving_line(lines, "gunicorn")
    assert "openkommune.wsgi:application" in serving
    assert "runserver" not in "\n".join(lines)
    assert _settings_seen_by(serving) == (
        "False True whitenoise.storage.CompressedManifestStaticFilesStorage"
    )


def test_make_dev_is_the_debug_variant():
    serving = _serving_line(_recipe("dev"), "runserver")
    assert _settings_seen_by(serving).startswith("True True ")
