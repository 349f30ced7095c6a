"""Cached public reads (`core.read_cache`): answered from the cache while their data is
unchanged, and a change made through a service is visible at once — also when the answer
was cached just before."""

from decimal import Decimal

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from openkommune.accounts.models import User
from openkommune.catalog.models import ResponsibilityOverride
from openkommune.catalog.services import service_activation_set
from openkommune.core.models import DataVersion
from openkommune.core.read_cache import (
    Topic,
    cached_read,
    code_fingerprint,
    data_changed,
    data_versions,
)
from openkommune.tenancy.constants import OrganisationKind
from openkommune.tenancy.services import organisation_update
from tests.catalog.responsibility_helpers import (
    BAUGENEHMIGUNG,
    HUNDEHALTUNG,
    MAGDEBURG_ARS,
    leistung,
    member,
    only_gemeinde,
)

pytestmark = pytest.mark.django_db


class Counter:
    def __init__(self):
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return {"answer": self.calls}


def test_answer_is_computed_once_until_a_topic_it_depends_on_changes():
    compute = Counter()
    read = lambda: cached_read("probe", ("a", 1), topics=[Topic.CATALOG], compute=compute)  # noqa: E731
    assert read() == read() == {"answer": 1}
    data_changed(Topic.REGIONS)  # not a topic of this read
    assert read() == {"answer": 1}
    data_changed(Topic.CATALOG)
    assert read() == {"answer": 2}
    assert compute.calls == 2


def test_arguments_are_part_of_the_key():
    assert cached_read("probe", ("x",), topics=[], compute=lambda: 1) == 1
    assert cached_read("probe", ("y",), topics=[], compute=lambda: 2) == 2
    assert cached_read("probe", ("x",), topics=[], compute=lambda: 3) == 1


def test_a_rolled_back_change_never_brings_back_its_entries():
    before = data_versions([Topic.CATALOG])
    with transaction.atomic():
        data_changed(Topic.CATALOG)
        inside = data_versions([Topic.CATALOG])
        cached_read("probe", (), topics=[Topic.CATALOG], compute=lambda: "uncommitted")
        transaction.set_rollback(True)
    assert data_versions([Topic.CATALOG]) == before != inside
    data_changed(Topic.CATALOG)  # the next real change gets a token of its own
    assert data_versions([Topic.CATALOG]) not in (before, inside)
    assert cached_read("probe", (), topics=[Topic.CATALOG], compute=lambda: "new") == "new"


def test_code_fingerprint_changes_with_any_module_or_rule_file(tmp_path):
    (tmp_path / "data").mkdir()
    rules = tmp_path / "data" / "rules.txt"
    rules.write_text("10160 = gemeinde\n")
    (tmp_path / "module.py").write_text("X = 1\n")
    (tmp_path / "page.html").write_text("<p>not part of it</p>")
    first = code_fingerprint.__wrapped__(tmp_path)
    (tmp_path / "page.html").write_text("<p>changed</p>")
    assert code_fingerprint.__wrapped__(tmp_path) == first
    rules.write_text("10160 = kreis\n")
    assert code_fingerprint.__wrapped__(tmp_path) != first
    assert code_fingerprint() == code_fingerprint()  # the release's, once per process


def test_unknown_topic_is_a_programming_error():
    with pytest.raises(ValueError, match="catalogue"):
        data_changed("catalogue")


def test_unreachable_cache_answers_from_the_database(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    broken = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(blocker / "cache"),
        }
    }
    with override_settings(CACHES=broken):
        assert cached_read("probe", (), topics=[], compute=lambda: "fresh") == "fresh"
        assert cached_read("probe", (), topics=[], compute=lambda: "again") == "again"


# --- the start page ----------------------------------------------------------------------


def test_start_page_lists_come_from_the_cache(client, django_assert_max_num_queries):
    client.get("/")
    with django_assert_max_num_queries(1):  # the data versions, nothing else
        response = client.get("/")
    assert len(response.context["themenfelder"]) == 14
    assert [o.ozg_id for o in response.context["most_used"]][:2] == ["10119", "10124"]


def _online_on_start_page(client) -> list[str]:
    response = client.get("/")
    assert response.status_code == 200
    return [offer.leistung.ozg_id for offer in response.context["online"]]


def test_service_switched_on_and_off_shows_on_the_start_page_at_once(client):
    stadt = member(MAGDEBURG_ARS, kind=OrganisationKind.KREISFREIE_STADT, name="Magdeburg")
    client.get("/", {"plz": "39104"})
    assert _online_on_start_page(client) == []
    hund = leistung(HUNDEHALTUNG)
    service_activation_set(tenant=stadt, actor=None, ozg_leistung=hund, is_active=True)
    assert _online_on_start_page(client) == [HUNDEHALTUNG]
    service_activation_set(tenant=stadt, actor=None, ozg_leistung=hund, is_active=False)
    assert _online_on_start_page(client) == []


def test_unchanged_organisation_update_keeps_the_cached_answers():
    organisation = member(MAGDEBURG_ARS, kind=OrganisationKind.KREISFREIE_STADT)
    token = data_versions([Topic.ORGANISATIONS])
    organisation_update(tenant=organisation, actor=None, name=organisation.name)
    assert data_versions([Topic.ORGANISATIONS]) == token


# --- the responsible authority ---------------------------------------------------------------

RESPONSIBLE = f"/api/v1/services/{HUNDEHALTUNG}/responsible"


def _magdeburg_answer(client) -> dict:
    response = client.get(RESPONSIBLE, {"plz": "39104"})
    assert response.status_code == 200
    (item,) = response.json()["items"]
    return item


def test_member_admin_switching_a_service_online_shows_at_once(client):
    stadt = member(MAGDEBURG_ARS, kind=OrganisationKind.KREISFREIE_STADT, name="Magdeburg")
    assert _magdeburg_answer(client)["online"] is False
    hund = leistung(HUNDEHALTUNG)
    service_activation_set(
        tenant=stadt, actor=None, ozg_leistung=hund, is_active=True, fee=Decimal("10")
    )
    assert _magdeburg_answer(client)["online"] is True
    page = client.get(f"/leistungen/{HUNDEHALTUNG}/", {"plz": "39104"})
    assert 'id="online-beantragen"' in page.text
    service_activation_set(tenant=stadt, actor=None, ozg_leistung=hund, is_active=False)
    assert _magdeburg_answer(client)["online"] is False
    page = client.get(f"/leistungen/{HUNDEHALTUNG}/", {"plz": "39104"})
    assert 'id="online-beantragen"' not in page.text


def test_changed_contact_of_a_member_shows_at_once(client):
    stadt = member(MAGDEBURG_ARS, kind=OrganisationKind.KREISFREIE_STADT, name="Magdeburg")
    assert _magdeburg_answer(client)["authority"]["name"] == "Magdeburg"
    organisation_update(tenant=stadt, actor=None, name="Landeshauptstadt Magdeburg")
    assert _magdeburg_answer(client)["authority"]["name"] == "Landeshauptstadt Magdeburg"


def test_versions_live_in_the_database():
    data_changed(Topic.SEARCH_INDEX)
    token = DataVersion.objects.get(topic=Topic.SEARCH_INDEX).token
    assert data_versions([Topic.SEARCH_INDEX, Topic.REGIONS]).startswith(f"{token}.")


def test_regional_override_kept_in_the_admin_shows_at_once(client):
    koethen = only_gemeinde("06366")
    url = f"/api/v1/services/{BAUGENEHMIGUNG}/responsible"
    level = lambda: client.get(url, {"plz": "06366"}).json()["items"][0]["level"]  # noqa: E731
    assert level() == "kreis"  # the rule; cached now
    client.force_login(User.objects.create_superuser(email="a@test.example.org", password="x" * 12))
    response = client.post(
        reverse("admin:catalog_responsibilityoverride_add"),
        {
            "region_ars": koethen.ars,
            "ozg_leistung": leistung(BAUGENEHMIGUNG).pk,
            "level": "gemeinde",
            "organisation_ars": "",
            "reason": "Test: die Stadt ist untere Bauaufsichtsbehörde.",
        },
    )
    assert response.status_code == 302, response.content
    assert level() == "gemeinde"
    override = ResponsibilityOverride.objects.get(region_ars=koethen.ars)
    response = client.post(
        reverse("admin:catalog_responsibilityoverride_changelist"),
        {"action": "delete_selected", "_selected_action": [override.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not ResponsibilityOverride.objects.filter(pk=override.pk).exists()
    assert level() == "kreis"
