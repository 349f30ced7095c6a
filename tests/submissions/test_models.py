"""Reference numbers, tokens and model guards."""

import re

import pytest
from django.db import IntegrityError
from hypothesis import given
from hypothesis import strategies as st

from openkommune.submissions.constants import REFERENCE_ALPHABET, REFERENCE_PATTERN
from openkommune.submissions.models import Attachment
from openkommune.submissions.references import new_reference, normalise_reference, tenant_code
from openkommune.submissions.services import draft_attach_file
from openkommune.submissions.tokens import derive_token, new_salt, token_hash, token_matches
from tests.submissions.factories import (
    PDF_BYTES,
    make_offer,
    private_media,  # noqa: F401
    start,
    submissions_only,  # noqa: F401
    upload,
)

pytestmark = pytest.mark.usefixtures("private_media", "submissions_only")


def test_alphabet_has_no_characters_that_can_be_misread():
    assert not set("01OI") & set(REFERENCE_ALPHABET)
    assert len(set(REFERENCE_ALPHABET)) == len(REFERENCE_ALPHABET) == 32


@given(st.integers(min_value=2000, max_value=2999), st.text(max_size=40))
def test_references_have_the_documented_form(year, name):
    reference = new_reference(year=year, code=tenant_code(name))
    assert re.fullmatch(REFERENCE_PATTERN, reference)
    assert reference.startswith(f"{year}-")
    assert normalise_reference(reference.lower()) == reference
    assert normalise_reference(" ".join(reference)) == reference


def test_tenant_codes_come_from_the_name():
    assert tenant_code("Magdeburg") == "MG"
    assert tenant_code("Köthen (Anhalt)") == "KT"
    assert tenant_code("Anhalt-Bitterfeld") == "AN"
    assert tenant_code("") == "XX"
    assert tenant_code("Öko") == "EK"  # Ö folds to OE; O is not in the alphabet


def test_random_part_varies():
    references = {new_reference(year=2026, code="MG") for _ in range(200)}
    assert len(references) == 200


@pytest.mark.parametrize("raw", ["", "2026-MG-0000-1111", "2026-MG-ABCD", "x" * 40, None, 17])
def test_malformed_references_are_refused(raw):
    assert normalise_reference(raw) is None


def test_tokens_are_derived_not_stored():
    salt = new_salt()
    token = derive_token(purpose="status", salt=salt)
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)
    assert derive_token(purpose="status", salt=salt) == token
    assert derive_token(purpose="resume", salt=salt) != token  # purposes never mix
    assert derive_token(purpose="status", salt=new_salt()) != token
    stored = token_hash(token)
    assert token_matches(token, stored)
    assert not token_matches(token + "x", stored)
    assert not token_matches("", stored)
    assert not token_matches(None, stored)
    assert not token_matches(token, "")


def test_token_depends_on_the_secret_key(settings):
    salt = new_salt()
    before = derive_token(purpose="status", salt=salt)
    settings.SECRET_KEY = "ein-anderer-geheimer-schluessel-nur-fuer-diesen-test"
    assert derive_token(purpose="status", salt=salt) != before


@pytest.mark.django_db
def test_an_attachment_without_content_or_owner_is_refused_by_the_database():
    draft, _ = start(make_offer())
    attachment = draft_attach_file(
        draft=draft, path="nachweis", uploaded_file=upload("a.pdf", PDF_BYTES)
    )
    with pytest.raises(IntegrityError):
        Attachment.applicant_objects.filter(pk=attachment.pk).update(size=0)


@pytest.mark.django_db
def test_draft_knows_whether_it_was_submitted():
    draft, _ = start(make_offer())
    assert not draft.is_submitted
    assert draft.is_anonymous
