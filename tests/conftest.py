"""Shared fixtures. The official reference data is imported once per test session into the
test database, through the same management commands an operator uses; every test then runs
in a transaction on top of it (rolled back), so tests see real data but never change it."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

# The real ClamAV daemon (fixtures `clamd`, `clamav`, `clamd_away`, `private_clamd`) and
# private PostgreSQL clusters (`streaming_replication`: primary + replica) for replica and
# fault tests.
pytest_plugins = [
    "tests.clamav",
    "tests.paysim",
    "tests.support.postgres_cluster",
    # `client.force_login` also marks the second factor as done (ADR 0020).
    "tests.support.second_factor",
    # The Test-Identitätsanbieter (npm oidc-provider) for company accounts.
    "tests.support.oidc_provider",
]


@pytest.fixture(scope="session", autouse=True)
def _plain_static_storage():
    # Production uses the manifest storage, which needs `collectstatic`; tests use finders.
    # WhiteNoise still expects STATIC_ROOT to exist. Other named storages stay as configured.
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    with override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        WHITENOISE_USE_FINDERS=True,
    ):
        yield


@pytest.fixture(scope="session", autouse=True)
def _private_files_per_session(tmp_path_factory):
    """Private files (uploads, receipts, notices) go to a folder of this test session, not to
    the development folder var/private: parallel workers (pytest-xdist) then never see each
    other's files, and tests that compare the folder before and after stay exact."""
    with override_settings(PRIVATE_MEDIA_ROOT=tmp_path_factory.mktemp("private")):
        yield


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the platform's language (German), as a fresh process does: a
    request in English through the test client leaves English active in the thread
    (LocaleMiddleware activates per request and never resets), and management commands or
    services called later in the same worker would then answer in English."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _empty_read_cache():
    """Every test starts with an empty cache. Cached reads are keyed by data versions that
    services bump, but tests also write rows directly (factories), and a test's rolled-back
    writes must not leave answers behind for the next."""
    from django.core.cache import cache

    from openkommune.core.read_cache import clear_in_process

    cache.clear()
    clear_in_process()
    yield
    cache.clear()
    clear_in_process()


@pytest.fixture(autouse=True)
def _fresh_region_cache():
    """Region look-ups of the submit path are cached per process (`regions.selectors`);
    every test starts without them, so that regions a test changes are read anew."""
    from openkommune.regions.selectors import regions_cache_clear

    regions_cache_clear()
    yield
    regions_cache_clear()


@pytest.fixture(scope="session")
def django_db_setup(
    request,
    django_test_environment,
    django_db_blocker,
    django_db_keepdb,
    django_db_createdb,
    django_db_modify_db_settings,
):
    """Create the test database and load the official data into it.

    Replaces pytest-django's fixture, which only creates databases that some collected test
    marks as used: a run of browser tests alone would otherwise import into the development
    database configured in DATABASE_URL.
    """
    from django.test.utils import setup_databases, teardown_databases

    from tests.support.template_db import setup_shared, shared_folder

    verbosity = request.config.option.verbose
    keepdb = django_db_keepdb and not django_db_createdb

    def build():
        config = setup_databases(
            verbosity=verbosity, interactive=False, keepdb=keepdb, aliases={"default"}
        )
        call_command("import_regions", verbosity=0)
        call_command("import_catalog", verbosity=0)
        call_command("load_forms", verbosity=0)
        call_command("rebuild_search_index", verbosity=0)
        return config

    # In a parallel run the first worker builds (migrations and imports, as above) and the
    # others clone its database (tests/support/template_db.py): once per pass, not per worker.
    folder = shared_folder(request.config)
    with django_db_blocker.unblock():
        shared = folder is not None and not keepdb
        db_cfg = setup_shared(folder, build, verbosity) if shared else build()
    yield
    if not keepdb:
        with django_db_blocker.unblock():
            teardown_databases(db_cfg, verbosity=verbosity)


def pytest_sessionfinish(session, exitstatus):
    """Drop the test database template of a parallel run (tests/support/template_db.py),
    and fail a parallel run in which fewer tests ran than were collected.

    pytest-xdist's scope-based schedulers (loadscope, loadfile, loadgroup) key tests by node
    id and silently run only one of several tests that share one (schemathesis yields 33
    such); a green run must have run every collected test."""
    if hasattr(session.config, "workerinput"):
        return
    from tests.support.template_db import drop_template, shared_folder

    if (folder := shared_folder(session.config)) is not None:
        drop_template(session.config, folder)
    if exitstatus != pytest.ExitCode.OK:
        return
    if not getattr(session.config.option, "numprocesses", None):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    ran = sum(
        1
        for reports in reporter.stats.values()
        for report in reports
        if getattr(report, "when", None) == "call"
        or (getattr(report, "when", None) == "setup" and not report.passed)
    )
    if ran < session.testscollected:
        reporter.write_line(
            f"Only {ran} of {session.testscollected} collected tests ran; "
            "use `--dist load` (see Makefile).",
            red=True,
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
