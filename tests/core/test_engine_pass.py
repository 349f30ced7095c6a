"""`--database-tests-only` (tests/support/engine_pass.py), the selection of the PostgreSQL pass
of .ci/run: every test that can reach a database or start a process stays, only the others
are left out. Run on a small suite of its own in a fresh pytest process."""

import textwrap
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]

SUITE = {
    "test_database.py": """
        import pytest

        pytestmark = pytest.mark.django_db

        def test_marked_module():
            pass
    """,
    "test_mixed.py": """
        import pytest

        @pytest.fixture
        def member(db):
            return "Magdeburg"

        @pytest.fixture
        def site(django_db_setup):
            return "http://127.0.0.1"

        def test_database_fixture(db):
            pass

        def test_through_a_fixture(member):
            pass

        def test_through_the_server(site):
            pass

        def test_live_server(live_server):
            pass

        def test_pure_python():
            assert sorted([2, 1]) == [1, 2]

        @pytest.mark.parametrize("number", [1, 2])
        def test_pure_parametrised(number):
            assert number
    """,
    "test_starts_a_process.py": """
        import subprocess
        import sys

        def test_child():
            subprocess.run([sys.executable, "-c", "pass"], check=True)
    """,
    "test_reads_the_url.py": """
        import os

        def test_url():
            os.environ.get("DATABASE_URL")
    """,
    "platform/conftest.py": """
        import os
        import pytest

        @pytest.fixture
        def platform():
            return os.environ.get("DATABASE_URL")

        @pytest.fixture
        def number():
            return 1
    """,
    "platform/test_platform.py": """
        def test_uses_the_platform(platform):
            pass

        def test_uses_another_fixture_of_that_file(number):
            pass

        def test_needs_no_fixture():
            pass
    """,
}


@pytest.fixture
def suite(pytester, monkeypatch):
    for name, text in SUITE.items():
        path = pytester.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    return pytester


def _collected(suite, *args) -> set[str]:
    result = suite.runpytest_subprocess(
        "-p", "tests.support.engine_pass", "--collect-only", "-q", "-p", "no:cacheprovider", *args
    )
    assert result.ret == 0, result.stdout.str()
    return {line for line in result.outlines if "::" in line}


def test_without_the_option_every_test_is_collected(suite):
    assert len(_collected(suite)) == 13


def test_the_database_pass_leaves_out_only_tests_that_cannot_reach_a_database(suite):
    left_out = _collected(suite) - _collected(suite, "--database-tests-only")
    assert left_out == {
        "test_mixed.py::test_pure_python",
        "test_mixed.py::test_pure_parametrised[1]",
        "test_mixed.py::test_pure_parametrised[2]",
        # Its folder's conftest names DATABASE_URL, but the test asks for none of its fixtures.
        "platform/test_platform.py::test_needs_no_fixture",
    }
    # Kept: marked or with a database fixture (directly, through a fixture, the server, the
    # live server); the module starts a process or reads DATABASE_URL; a fixture from a file
    # that does — also `number`, which itself does not: the rule reads files, and a doubt
    # keeps a test in.
