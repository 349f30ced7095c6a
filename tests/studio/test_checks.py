"""System check: an installation whose job workers cannot run the publish gate (no Chromium,
Playwright or axe-core) is told so at start-up, with the gate's German reason (ADR 0044)."""

import sys

import pytest
from django.core import checks

from openkommune.studio.axe import chromium_path
from openkommune.studio.checks import GATE_UNAVAILABLE


def _gate_warnings() -> list[checks.CheckMessage]:
    # Through the registry: the check must be registered, not only defined.
    return [m for m in checks.run_checks(tags=[checks.Tags.security]) if m.id == GATE_UNAVAILABLE]


def test_without_chromium_the_check_warns_in_the_gates_words(settings):
    settings.DEBUG = False
    settings.CHROMIUM_PATH = "/nicht/vorhanden/chromium"
    [warning] = _gate_warnings()
    assert warning.level == checks.WARNING
    assert "no form can be published" in warning.msg
    assert "Chromium ist auf diesem Server nicht installiert" in warning.msg
    assert "/nicht/vorhanden/chromium" in warning.msg
    assert "make chromium" in warning.hint


def test_without_playwright_the_check_warns(settings, monkeypatch):
    if chromium_path() is None:
        pytest.skip("needs Chromium, so that the Playwright check is reached")
    settings.DEBUG = False
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)  # import fails
    [warning] = _gate_warnings()
    assert "Playwright ist auf diesem Server nicht installiert" in warning.msg


def test_without_axe_core_the_check_warns(settings, tmp_path):
    if chromium_path() is None:
        pytest.skip("needs Chromium, so that the axe-core check is reached")
    settings.DEBUG = False
    settings.AXE_JS_PATH = str(tmp_path / "axe.min.js")
    [warning] = _gate_warnings()
    assert "axe-core ist auf diesem Server nicht installiert" in warning.msg


def test_with_everything_installed_or_in_debug_there_is_no_warning(settings):
    if chromium_path() is None:
        pytest.skip("needs Chromium")
    settings.DEBUG = False
    assert _gate_warnings() == []
    settings.DEBUG = True
    settings.CHROMIUM_PATH = "/nicht/vorhanden/chromium"
    assert _gate_warnings() == []
