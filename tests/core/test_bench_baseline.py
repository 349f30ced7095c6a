"""The load benchmark's bare baseline view (`bench/load.py`) exists only when switched on."""

import importlib
import json

import pytest
from django.db import connection
from django.test import override_settings
from django.urls import NoReverseMatch, clear_url_caches, reverse

from openkommune import urls
from openkommune.views import BENCH_BASELINE_TABLE


def _reload_urls():
    importlib.reload(urls)
    clear_url_caches()


@pytest.fixture
def baseline_switched_on():
    with override_settings(BENCH_BASELINE=True):
        _reload_urls()
        yield
    _reload_urls()  # back to the routes of the default settings


def test_not_routed_by_default(client, db):
    with pytest.raises(NoReverseMatch):
        reverse("bench_baseline")
    response = client.post("/bench/baseline/", "{}", content_type="application/json")
    assert response.status_code == 404


def test_switched_on_it_inserts_one_row(client, db, baseline_switched_on):
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {BENCH_BASELINE_TABLE} (reference varchar(36), body text)")
    response = client.post(
        reverse("bench_baseline"), json.dumps({"form": "x"}), content_type="application/json"
    )
    assert response.status_code == 201
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT body FROM {BENCH_BASELINE_TABLE}")  # noqa: S608
        assert [json.loads(row[0]) for row in cursor.fetchall()] == [{"form": "x"}]
