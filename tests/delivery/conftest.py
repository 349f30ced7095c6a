"""Fixtures of the Fachverfahren API tests (`test_api*.py`)."""

import pytest

from tests.delivery.factories import api_key_for, case_with_files, foreign_offer
from tests.submissions.factories import make_offer


@pytest.fixture
def offer():
    return make_offer()


@pytest.fixture
def key(offer):
    return api_key_for(offer.tenant)


@pytest.fixture
def case(offer):
    return case_with_files(offer)


@pytest.fixture
def foreign_case(offer):
    """A case (with files) of another member."""
    case = case_with_files(foreign_offer(offer), name="Fremde Person", email="fremd@example.org")
    assert case.tenant != offer.tenant
    return case
