"""API keys: services (created hashed, shown once, revoked, audited) and the member
administrator's pages."""

import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from openkommune.delivery.keys import KEY_PATTERN, key_prefix, new_key
from openkommune.delivery.models import ApiKey
from openkommune.delivery.selectors import api_key_authenticate
from openkommune.delivery.services import api_key_create, api_key_revoke
from openkommune.tenancy.constants import Role
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scope, scopes_disabled
from tests.accounts.factories import UserFactory
from tests.tenancy.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

LIST = reverse("delivery:key_list")
CREATE = reverse("delivery:key_create")


def _admin(tenant):
    user = UserFactory()
    MembershipFactory(tenant=tenant, user=user, role=Role.MEMBER_ADMIN)
    return user


@pytest.fixture
def org():
    return OrganisationFactory(name="Stadt Schlüsselhausen")


# --- services ------------------------------------------------------------------------------


def test_create_stores_only_the_hash_and_the_key_authenticates(org):
    admin = _admin(org)
    created = api_key_create(tenant=org, actor=admin, name="Fachverfahren Hundesteuer")
    secret = created.secret
    assert KEY_PATTERN.fullmatch(secret)
    key = created.api_key
    assert key.prefix == key_prefix(secret)
    assert key.secret_sha256 == hashlib.sha256(secret.encode()).hexdigest()
    with scopes_disabled():
        row = ApiKey.objects.values().get(pk=key.pk)
        records = list(AuditRecord.objects.filter(tenant=org, action="api_key.create"))
    assert secret not in str(row)
    assert len(records) == 1
    assert records[0].actor == admin
    assert secret not in str(records[0].after)
    assert records[0].after["name"] == "Fachverfahren Hundesteuer"
    authenticated = api_key_authenticate(secret)
    assert authenticated == key
    assert authenticated.tenant == org


@pytest.mark.parametrize(
    "presented",
    [
        "",
        "okk_",
        "Bearer something",
        "okk_000000000000_" + "A" * 43,  # well-formed, unknown
    ],
)
def test_malformed_or_unknown_keys_do_not_authenticate(org, presented):
    api_key_create(tenant=org, actor=None, name="x")
    assert api_key_authenticate(presented) is None


def test_right_prefix_wrong_secret_does_not_authenticate(org):
    secret = api_key_create(tenant=org, actor=None, name="x").secret
    forged = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    assert api_key_authenticate(forged) is None


def test_revoked_key_and_deactivated_organisation_do_not_authenticate(org):
    created = api_key_create(tenant=org, actor=None, name="x")
    other = api_key_create(tenant=org, actor=None, name="y")
    api_key_revoke(tenant=org, actor=_admin(org), api_key=created.api_key)
    assert api_key_authenticate(created.secret) is None
    with scopes_disabled():
        assert AuditRecord.objects.filter(tenant=org, action="api_key.revoke").count() == 1
    org.is_active = False
    org.save()
    assert api_key_authenticate(other.secret) is None


def test_revoke_twice_changes_nothing_the_second_time(org):
    created = api_key_create(tenant=org, actor=None, name="x")
    first = api_key_revoke(tenant=org, actor=None, api_key=created.api_key)
    second = api_key_revoke(tenant=org, actor=None, api_key=created.api_key)
    assert first.revoked_at == second.revoked_at
    with scopes_disabled():
        assert AuditRecord.objects.filter(tenant=org, action="api_key.revoke").count() == 1


def test_only_member_admins_create_and_revoke(org):
    clerk = UserFactory()
    MembershipFactory(tenant=org, user=clerk, role=Role.CLERK)
    with pytest.raises(PermissionDenied):
        api_key_create(tenant=org, actor=clerk, name="x")
    other_admin = _admin(OrganisationFactory())
    with pytest.raises(PermissionDenied):
        api_key_create(tenant=org, actor=other_admin, name="x")
    key = api_key_create(tenant=org, actor=None, name="x").api_key
    with pytest.raises(PermissionDenied):
        api_key_revoke(tenant=org, actor=other_admin, api_key=key)


def test_revoke_of_another_tenants_key_is_does_not_exist(org):
    key = api_key_create(tenant=OrganisationFactory(), actor=None, name="fremd").api_key
    with pytest.raises(ApiKey.DoesNotExist):
        api_key_revoke(tenant=org, actor=None, api_key=key)
    assert key.is_active


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_name_is_required_and_limited(org, name):
    with pytest.raises(ValidationError):
        api_key_create(tenant=org, actor=None, name=name)
    with scopes_disabled():
        assert not ApiKey.objects.exists()


# --- pages ---------------------------------------------------------------------------------


def test_anonymous_goes_to_login_and_other_roles_get_403(client, org):
    key = api_key_create(tenant=org, actor=None, name="x").api_key
    revoke = reverse("delivery:key_revoke", args=[key.public_id])
    for url in (LIST, CREATE, revoke):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
    for traits in ({}, {"cooperative_staff": True}):
        client.force_login(UserFactory(**traits))
        for url in (LIST, CREATE, revoke):
            assert client.get(url).status_code == 403
    clerk = UserFactory()
    MembershipFactory(tenant=org, user=clerk, role=Role.CLERK)
    client.force_login(clerk)
    assert client.get(LIST).status_code == 403
    assert client.post(revoke).status_code == 403
    assert key.is_active


def test_empty_list_says_so(client, org):
    client.force_login(_admin(org))
    response = client.get(LIST)
    assert response.status_code == 200
    assert 'id="keine-schluessel"' in response.text


def test_create_shows_the_secret_once_and_lists_only_the_prefix(client, org):
    client.force_login(_admin(org))
    response = client.post(CREATE, {"name": "Fachverfahren Hundesteuer"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    with scope(tenant=org):
        key = ApiKey.objects.get()
    text = response.text
    secret = text.split('id="schluessel-wert" value="')[1].split('"')[0]
    assert api_key_authenticate(secret) == key
    listing = client.get(LIST).text
    assert "Fachverfahren Hundesteuer" in listing
    assert f"okk_{key.prefix}_…" in listing
    assert secret not in listing
    assert "noch nie" in listing


def test_create_with_empty_name_shows_the_error(client, org):
    client.force_login(_admin(org))
    response = client.post(CREATE, {"name": ""})
    assert response.status_code == 200
    assert 'id="fehlerzusammenfassung"' in response.text
    assert 'href="#name"' in response.text
    assert "Bitte geben Sie eine Bezeichnung ein." in response.text
    with scopes_disabled():
        assert not ApiKey.objects.exists()


def test_revoke_confirms_then_revokes(client, org):
    client.force_login(_admin(org))
    key = api_key_create(tenant=org, actor=None, name="Altes Verfahren").api_key
    url = reverse("delivery:key_revoke", args=[key.public_id])
    page = client.get(url)
    assert page.status_code == 200
    assert "wirklich widerrufen?" in page.text
    key.refresh_from_db()
    assert key.is_active
    response = client.post(url)
    assert response.status_code == 302
    key.refresh_from_db()
    assert not key.is_active
    listing = client.get(LIST).text
    assert "widerrufen am" in listing
    assert "ist widerrufen" in listing


def test_another_tenants_key_is_404_on_every_page(client, org):
    client.force_login(_admin(org))
    foreign = api_key_create(tenant=OrganisationFactory(), actor=None, name="Fremd").api_key
    url = reverse("delivery:key_revoke", args=[foreign.public_id])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    foreign.refresh_from_db()
    assert foreign.is_active
    assert "Fremd" not in client.get(LIST).text


def test_account_overview_links_the_administration_pages(client, org):
    client.force_login(_admin(org))
    text = client.get(reverse("accounts:overview")).text
    assert 'id="verwaltung"' in text
    for name in ("accounts:org_members", "cases:retention_settings", "delivery:key_list"):
        assert f'href="{reverse(name)}"' in text
    assert reverse("cases:statistics") not in text
    clerk = UserFactory()
    MembershipFactory(tenant=org, user=clerk, role=Role.CLERK)
    client.force_login(clerk)
    assert 'id="verwaltung"' not in client.get(reverse("accounts:overview")).text
    client.force_login(UserFactory(cooperative_staff=True))
    text = client.get(reverse("accounts:overview")).text
    assert f'href="{reverse("cases:statistics")}"' in text
    assert reverse("delivery:key_list") not in text


@given(st.text(max_size=120))
def test_any_presented_text_is_either_a_key_shape_or_nothing(text):
    prefix = key_prefix(text)
    assert prefix is None or (len(prefix) == 12 and text.startswith(f"okk_{prefix}_"))


def test_new_keys_are_distinct_and_well_formed():
    keys = {new_key()[1] for _ in range(200)}
    assert len(keys) == 200
    assert all(KEY_PATTERN.fullmatch(key) for key in keys)
