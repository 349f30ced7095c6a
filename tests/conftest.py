"""Shared fixtures. The official reference data is imported once per test session into the
test database, through the same management commands an operator uses; every test then runs
in a transaction on top of it (rolled back), so tests see real data but never change it."""

import pytest
from django.core.management import call_command
from django.test import override_settings


@pytest.fixture(scope="session", autouse=True)
def _plain_static_storage():
    # Production uses the manifest storage, which needs `collectstatic`; tests use finders.
    with override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        WHITENOISE_USE_FINDERS=True,
    ):
        yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("import_regions", verbosity=0)
        call_command("import_catalog", verbosity=0)
