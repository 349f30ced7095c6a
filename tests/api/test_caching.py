"""No API response with personal data may be cached: `no-store` everywhere except public
reference data (regions, services, forms)."""

import pytest

from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def _no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/applications/OK-0000-000000",  # 404 for everyone but the applicant
        "/api/v1/authority/applications",  # 401 without a key
        "/api/v1/procurement/contracts",
        "/api/v1/members",
    ],
)
def test_personal_and_member_responses_are_never_stored(client, url):
    client.force_login(UserFactory())
    response = client.get(url)
    assert _no_store(response), (url, response.status_code, response.get("Cache-Control"))
    assert "private" in response["Cache-Control"]


def test_refused_requests_are_not_stored_either(client):
    response = client.generic("POST", "/api/v1/applications", b"x" * (2 * 1024 * 1024))
    assert response.status_code == 413
    assert _no_store(response)


@pytest.mark.parametrize("url", ["/api/v1/regions/resolve?plz=39104", "/api/v1/forms"])
def test_public_reference_data_stays_cacheable(client, url):
    response = client.get(url)
    assert response.status_code in {200, 404, 422}
    assert not _no_store(response)
