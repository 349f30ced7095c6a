"""The English catalogue (src/openkommune/locale/en): complete, with the placeholders of its
msgids, compiled, and current with the German texts of the code (docs/translation.md)."""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess

import pytest
from tools import po

MO_FILE = po.ENGLISH_PO.with_suffix(".mo")


@pytest.fixture(scope="module")
def entries() -> list[po.Entry]:
    return [e for e in po.parse(po.ENGLISH_PO.read_text(encoding="utf-8")) if e.msgid]


def test_every_msgid_has_an_english_translation(entries):
    missing = [e.msgid for e in entries if not e.translated]
    assert not missing, (
        f"{len(missing)} messages without an English translation (or marked fuzzy); "
        f"translate them in {po.ENGLISH_PO} (`python -m tools.po untranslated`): {missing[:10]}"
    )


def test_translations_keep_the_placeholders_of_their_msgid(entries):
    wrong = []
    for entry in entries:
        sources = [entry.msgid] if entry.msgid_plural is None else [entry.msgid, entry.msgid_plural]
        for index, translation in enumerate(entry.translations):
            source = sources[min(index, len(sources) - 1)]
            if translation and po.placeholders(source) != po.placeholders(translation):
                wrong.append((source, translation))
    assert not wrong, wrong[:10]


def test_translations_keep_leading_and_trailing_whitespace(entries):
    # " oder " is joined between words; a lost space glues them together.
    wrong = [
        (e.msgid, t)
        for e in entries
        for t in e.translations
        if t
        and (e.msgid[:1].isspace(), e.msgid[-1:].isspace()) != (t[:1].isspace(), t[-1:].isspace())
    ]
    assert not wrong, wrong[:10]


def test_html_in_a_msgid_is_kept_in_its_translation(entries):
    tags = re.compile(r"</?[a-z]+[^>]*>")
    wrong = [
        (e.msgid, t)
        for e in entries
        for t in e.translations
        if t and sorted(tags.findall(e.msgid)) != sorted(tags.findall(t))
    ]
    assert not wrong, wrong[:10]


def test_the_glossary_terms_are_used_consistently(entries):
    """docs/translation.md fixes one English word for each term of the domain."""
    terms = {
        r"\bBescheid\b": "notice",
        r"\bRahmenvertrag\b": "framework contract",
        # "zum Abruf bereit" is a notice waiting in the mailbox, not a call-off.
        r"(?<!zum )\bAbruf\b": "call-off",
        r"\bAktenzeichen\b": "reference number",
        r"\bEingangsbestätigung\b": "acknowledgement of receipt",
    }
    wrong = [
        (e.msgid, e.msgstr)
        for e in entries
        if e.msgid_plural is None
        for german, english in terms.items()
        if e.msgstr and re.search(german, e.msgid) and english not in e.msgstr.lower()
    ]
    assert not wrong, wrong[:10]


def test_the_compiled_catalogue_matches_the_po_file(entries):
    """django.mo is committed (no gettext tools needed to install); it must be compiled from
    the current django.po (`make messages`)."""
    with MO_FILE.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)._catalog
    expected = {}
    for entry in entries:
        if not entry.translated:
            continue
        key = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is None:
            expected[key] = entry.msgstr
        else:
            for index, text in entry.msgstr_plural.items():
                expected[(key, index)] = text
    compiled = {k: v for k, v in catalogue.items() if k != ""}
    assert compiled == expected, "django.mo is out of date: run `make messages`"


def test_the_catalogue_holds_every_msgid_of_the_code(tmp_path, entries):
    """A German text added without `make messages` would show up in German on an English
    page. makemessages into a copy tells which msgids the code has now."""
    assert shutil.which("xgettext"), "GNU gettext is missing: `make gettext` installs it"
    source = po.REPO / "src" / "openkommune"
    copy = tmp_path / "openkommune"
    shutil.copytree(
        source, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "static", "*.json")
    )
    (copy / "locale" / "en" / "LC_MESSAGES" / "django.po").unlink()
    subprocess.run(
        [
            str(po.REPO / ".venv" / "bin" / "django-admin"),
            "makemessages",
            "--locale",
            "en",
            "--no-location",
            "--no-wrap",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": ""},
    )
    fresh = po.parse((copy / "locale" / "en" / "LC_MESSAGES" / "django.po").read_text())
    in_code = {(e.msgctxt, e.msgid) for e in fresh if e.msgid}
    in_catalogue = {(e.msgctxt, e.msgid) for e in entries}
    missing = sorted(m for _, m in in_code - in_catalogue)
    assert not missing, (
        f"{len(missing)} msgids missing from the catalogue; run `make messages`: {missing[:10]}"
    )
